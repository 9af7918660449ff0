//! Full-text search of the network directory (`/reseau`): member profiles, with the same French
//! analysis as the resource centre (see the crate documentation) and exact filters.
//!
//! Like [`SearchIndex`](crate::SearchIndex), [`MemberIndex`] is derived data: the caller
//! decides which profiles are listable and fills it with [`MemberIndex::rebuild`], then follows
//! changes with [`MemberIndex::upsert`] / [`MemberIndex::remove`]. What a user types is only
//! text, never query syntax.
//!
//! Ranking with text: members matching more of the query words first, then BM25 with name ×3
//! (and a bonus for the exact word form in the name), organisation ×2, bio ×1, themes and role
//! ×0.75, a bonus for the words together in the name or organisation; equal scores by
//! [`MemberDoc::sort_name`], then id. Without text: by `sort_name`, then id. Query words of
//! 5 letters or more tolerate one typo in the name, organisation and bio.
//!
//! Filters are exact (the stored slugs and codes, trimmed, case-sensitive) and combine with
//! AND; a multi-valued field (activities, levers, régions, départements) matches when one of
//! its values equals the filter. An empty filter value is no filter.
//!
//! Without text nor filters (the directory's first page, the API's list), the whole ordered
//! list, its total and its facet counts are computed once per state of the index and kept
//! (see `browse`): a page is then a slice of it.

mod browse;

use std::collections::BTreeMap;
use std::path::Path;

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString};
use tantivy::collector::Count;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::schema::{Field, IndexRecordOption, Schema, FAST, INDEXED, STRING};
use tantivy::{Order, Score, Searcher, TantivyDocument, Term};

use crate::analysis;
use crate::facets::{KeyCollector, KeyCounts};
use crate::index_core::{add_keys, add_trimmed, keyed_index, text_options, Claim, IndexCore, Kind};
use crate::query::{self, distinct, fuzzy, phrase, term, Analysed, Word, WORD_MATCH};
use crate::SearchError;

/// Bumped whenever the member schema or the analysis changes: an index of another version is
/// wiped and must be rebuilt.
pub const MEMBER_SCHEMA_VERSION: u32 = 1;

const KIND: Kind = Kind {
    mark: "catalyse-members-version",
    version: MEMBER_SCHEMA_VERSION,
    claim: Claim::Mark,
    doc_cache_blocks: None,
};

const NAME_BOOST: Score = 3.0;
const EXACT_NAME_BOOST: Score = 1.0;
const ORGANISATION_BOOST: Score = 2.0;
const BIO_BOOST: Score = 1.0;
const THEMES_BOOST: Score = 0.75;
const ROLE_BOOST: Score = 0.75;

/// Fast string fields counted in [`MemberFacets`], in this order.
const FACET_FIELDS: [&str; 4] = ["family", "activity", "lever", "region"];
const SORT_NAME: &str = "sort_name";
const ID: &str = "id";

/// One listable member profile, as indexed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberDoc {
    /// User id.
    pub id: i64,
    /// Display name (searched, highest boost).
    pub name: String,
    /// Searched, medium boost.
    pub organisation: String,
    /// Plain text, searched.
    pub bio: String,
    /// Searched, low boost.
    pub themes: Vec<String>,
    /// Job title, searched, low boost.
    pub role: String,
    /// Actor family slug: filter and facet.
    pub family: String,
    /// Activity slugs: filter and facet.
    pub activities: Vec<String>,
    /// Lever slugs: filter and facet.
    pub levers: Vec<String>,
    /// Région codes of the member's territories: filter and facet.
    pub regions: Vec<String>,
    /// Département codes: filter.
    pub departments: Vec<String>,
    /// `false`: a members-only profile, found only with [`MemberQuery::include_private`].
    pub public: bool,
    /// Key of the alphabetical order; folded again when indexed
    /// ([`catalyse_core::text::fold`]), the folded name when empty.
    pub sort_name: String,
}

/// A directory search: text, filters (AND between them), visibility, page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberQuery {
    /// As typed; may be empty (every listable member, alphabetically). Only the first
    /// [`MAX_QUERY_CHARS`](crate::MAX_QUERY_CHARS) characters and
    /// [`MAX_QUERY_WORDS`](crate::MAX_QUERY_WORDS) words count.
    pub text: String,
    /// Actor family slug.
    pub family: Option<String>,
    /// Activity slug.
    pub activity: Option<String>,
    /// Lever slug.
    pub lever: Option<String>,
    /// Région code.
    pub region: Option<String>,
    /// Département code.
    pub department: Option<String>,
    /// Also members-only profiles (the visitor is signed in).
    pub include_private: bool,
    /// 1-based; 0 is taken as 1.
    pub page: u32,
    /// 0 is taken as [`DEFAULT_PER_PAGE`](crate::DEFAULT_PER_PAGE); at most
    /// [`MAX_PER_PAGE`](crate::MAX_PER_PAGE).
    pub per_page: u32,
    /// The facets are not wanted (an API's list): [`MemberResults::facets`] is left empty
    /// and they are not counted.
    pub skip_facets: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberResults {
    /// Number of matching members (text, visibility and filters).
    pub total: u64,
    /// User ids of the requested page, in order.
    pub ids: Vec<i64>,
    /// Counts over all matching members (text, visibility and filters); empty with
    /// [`MemberQuery::skip_facets`].
    pub facets: MemberFacets,
}

/// Facet values with their counts over **all the matching members**, the filters of the query
/// included (as the resource centre's [`Facets`](crate::Facets)): with `family` set, only that
/// family is counted. By count descending, then value. Values are the stored slugs and codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFacets {
    pub families: Vec<(String, u64)>,
    pub activities: Vec<(String, u64)>,
    pub levers: Vec<(String, u64)>,
    pub regions: Vec<(String, u64)>,
}

#[derive(Clone, Copy)]
struct MemberFields {
    id: Field,
    name: Field,
    name_exact: Field,
    organisation: Field,
    bio: Field,
    themes: Field,
    role: Field,
    family: Field,
    activity: Field,
    lever: Field,
    region: Field,
    department: Field,
    public: Field,
    sort_name: Field,
}

fn schema() -> (Schema, MemberFields) {
    let mut b = Schema::builder();
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let fr = analysis::FRENCH;
    let key = STRING | FAST;
    let fields = MemberFields {
        id: b.add_i64_field(ID, INDEXED | FAST),
        name: b.add_text_field("name", text_options(fr, positions)),
        name_exact: b.add_text_field("name_exact", text_options(analysis::FRENCH_EXACT, freqs)),
        organisation: b.add_text_field("organisation", text_options(fr, positions)),
        bio: b.add_text_field("bio", text_options(fr, freqs)),
        themes: b.add_text_field("themes", text_options(fr, freqs)),
        role: b.add_text_field("role", text_options(fr, freqs)),
        family: b.add_text_field(FACET_FIELDS[0], key.clone()),
        activity: b.add_text_field(FACET_FIELDS[1], key.clone()),
        lever: b.add_text_field(FACET_FIELDS[2], key.clone()),
        region: b.add_text_field(FACET_FIELDS[3], key),
        department: b.add_text_field("department", STRING),
        public: b.add_bool_field("public", INDEXED),
        sort_name: b.add_text_field(SORT_NAME, FAST),
    };
    (b.build(), fields)
}

/// The network directory's search index. Cheap to share behind an `Arc`; reads run in
/// parallel, writes (blocking: call them from `spawn_blocking`) one at a time.
pub struct MemberIndex {
    core: IndexCore,
    fields: MemberFields,
    /// The list without text nor filters, per searcher generation.
    browse: browse::Cache,
}

keyed_index!(MemberIndex, MemberDoc, "member");

impl MemberIndex {
    fn opened(dir: Option<&Path>) -> Result<MemberIndex, SearchError> {
        let (core, fields) = IndexCore::open(dir, schema(), |f| f.id, &KIND)?;
        Ok(MemberIndex {
            core,
            fields,
            browse: browse::Cache::default(),
        })
    }

    /// Replaces the whole content with `docs` (the listable profiles). With several documents
    /// of one id, the last one counts.
    pub fn rebuild(&self, docs: &[MemberDoc]) -> Result<(), SearchError> {
        let by_id: BTreeMap<i64, &MemberDoc> = docs.iter().map(|d| (d.id, d)).collect();
        self.core
            .replace_all(by_id.into_values().map(|d| self.document(d)))
    }

    /// Like [`MemberIndex::rebuild`], from documents given one at a time (each id once), so
    /// that a large network is indexed without holding it in memory.
    pub fn rebuild_iter(
        &self,
        docs: impl IntoIterator<Item = MemberDoc>,
    ) -> Result<(), SearchError> {
        self.core
            .replace_all(docs.into_iter().map(|d| self.document(&d)))
    }

    fn document(&self, m: &MemberDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, m.id);
        add_trimmed(&mut doc, f.name, &m.name);
        add_trimmed(&mut doc, f.name_exact, &m.name);
        add_trimmed(&mut doc, f.organisation, &m.organisation);
        add_trimmed(&mut doc, f.bio, &m.bio);
        add_trimmed(&mut doc, f.role, &m.role);
        for theme in &m.themes {
            add_trimmed(&mut doc, f.themes, theme);
        }
        add_trimmed(&mut doc, f.family, &m.family);
        for (field, values) in [
            (f.activity, &m.activities),
            (f.lever, &m.levers),
            (f.region, &m.regions),
            (f.department, &m.departments),
        ] {
            add_keys(&mut doc, field, values.iter().map(String::as_str));
        }
        doc.add_bool(f.public, m.public);
        let mut sort_name = catalyse_core::text::fold(&m.sort_name);
        if sort_name.is_empty() {
            sort_name = catalyse_core::text::fold(&m.name);
        }
        // Without one, a member sorts last.
        if !sort_name.is_empty() {
            doc.add_text(f.sort_name, &sort_name);
        }
        doc
    }

    /// Searches. Never fails because of what the query contains: over-long text is cut like
    /// the resource centre's, the page size and depth are bounded
    /// ([`MAX_PER_PAGE`](crate::MAX_PER_PAGE), [`MAX_OFFSET`](crate::MAX_OFFSET)), and a filter
    /// value that no member has simply matches nothing.
    ///
    /// Without text nor filters, the answer comes from the list kept for the current state of
    /// the index (built by the first such request after a change).
    pub fn search(&self, q: &MemberQuery) -> Result<MemberResults, SearchError> {
        let analysed = self.core.analyse(&q.text);
        let searcher = self.core.searcher();
        if matches!(analysed, Analysed::Browse) && !has_filters(q) {
            let visibility = q.include_private;
            let list = self.browse.list(&searcher, visibility, || {
                self.browse_list(&searcher, visibility)
            })?;
            if let Some(list) = list {
                return Ok(list.page(q.page, q.per_page, !q.skip_facets));
            }
        }
        self.search_in(&searcher, &analysed, q)
    }

    /// [`MemberIndex::search`] without the list kept for the browsing case: every query is
    /// run on the index. The same answers, slower; for tests and measures.
    pub fn search_uncached(&self, q: &MemberQuery) -> Result<MemberResults, SearchError> {
        let analysed = self.core.analyse(&q.text);
        self.search_in(&self.core.searcher(), &analysed, q)
    }

    fn search_in(
        &self,
        searcher: &Searcher,
        analysed: &Analysed,
        q: &MemberQuery,
    ) -> Result<MemberResults, SearchError> {
        let text_query = analysed.query(|words| text_query(&self.fields, words));
        let full_query = query::filtered(text_query, self.filters(q));

        let top = query::page(q.page, q.per_page);
        let by_name = (SortByString::for_field(SORT_NAME), Order::Asc);
        let by_id = (SortByStaticFastValue::<i64>::for_field(ID), Order::Asc);
        let facets = (!q.skip_facets).then_some(FACETS);
        let (ids, total, counts): (Vec<Option<i64>>, usize, Option<KeyCounts<4>>) = match analysed {
            Analysed::Words(_) => {
                let by_score = (SortBySimilarityScore, Order::Desc);
                let collector = top.order_by((by_score, by_name, by_id));
                let (top, total, counts) =
                    searcher.search(&full_query, &(collector, Count, facets))?;
                let ids = top.into_iter().map(|((_, _, id), _)| id).collect();
                (ids, total, counts)
            }
            _ => {
                let collector = top.order_by((by_name, by_id));
                let (top, total, counts) =
                    searcher.search(&full_query, &(collector, Count, facets))?;
                let ids = top.into_iter().map(|((_, id), _)| id).collect();
                (ids, total, counts)
            }
        };
        Ok(MemberResults {
            total: total as u64,
            ids: ids.into_iter().flatten().collect(),
            facets: counts.map(member_facets).unwrap_or_default(),
        })
    }

    /// Every member of a visibility in the order of a search without text, with the total
    /// and the facet counts: what [`MemberIndex::search_in`] answers without text nor
    /// filters, whole.
    fn browse_list(
        &self,
        searcher: &Searcher,
        include_private: bool,
    ) -> Result<browse::List, SearchError> {
        let q = MemberQuery {
            include_private,
            ..MemberQuery::default()
        };
        let query = query::filtered(Box::new(AllQuery), self.filters(&q));
        let keys = browse::SortKeys::new(searcher)?;
        let (keys, counts) = searcher.search(&query, &(keys, FACETS))?;
        Ok(browse::List {
            ids: browse::SortKeys::ids(keys),
            total: counts.total,
            facets: member_facets(counts),
        })
    }

    /// Visibility and the filters of `q` as one query, or `None` when there are none (see
    /// [`has_filters`] too).
    fn filters(&self, q: &MemberQuery) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !q.include_private {
            let public = Term::from_field_bool(f.public, true);
            must.push((Occur::Must, query::exactly(public)));
        }
        for (field, value) in [
            (f.family, &q.family),
            (f.activity, &q.activity),
            (f.lever, &q.lever),
            (f.region, &q.region),
            (f.department, &q.department),
        ] {
            let Some(value) = filter_value(value) else {
                continue;
            };
            let value = Term::from_field_text(field, value);
            must.push((Occur::Must, query::exactly(value)));
        }
        query::all_of(must)
    }
}

/// A filter's value, trimmed; `None` when it is no filter (absent or blank).
fn filter_value(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Whether `q` has a filter besides visibility.
fn has_filters(q: &MemberQuery) -> bool {
    [&q.family, &q.activity, &q.lever, &q.region, &q.department]
        .into_iter()
        .any(|v| filter_value(v).is_some())
}

fn member_facets(counts: KeyCounts<4>) -> MemberFacets {
    let [families, activities, levers, regions] = counts.sorted();
    MemberFacets {
        families,
        activities,
        levers,
        regions,
    }
}

/// The clauses of one query word: any of them is a match of the word.
fn word_query(f: &MemberFields, w: &Word) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
        (Occur::Should, term(f.name, &w.stem, NAME_BOOST)),
        (
            Occur::Should,
            term(f.name_exact, &w.exact, EXACT_NAME_BOOST),
        ),
        (
            Occur::Should,
            term(f.organisation, &w.stem, ORGANISATION_BOOST),
        ),
        (Occur::Should, term(f.bio, &w.stem, BIO_BOOST)),
        (Occur::Should, term(f.themes, &w.stem, THEMES_BOOST)),
        (Occur::Should, term(f.role, &w.stem, ROLE_BOOST)),
    ];
    if w.fuzzy {
        for (field, boost) in [
            (f.name, NAME_BOOST),
            (f.organisation, ORGANISATION_BOOST),
            (f.bio, BIO_BOOST),
        ] {
            clauses.push((Occur::Should, fuzzy(field, &w.stem, boost)));
        }
    }
    BooleanQuery::new(clauses)
}

/// The relevance query of the words (never empty): per word, [`WORD_MATCH`] when matched plus
/// its BM25 score; the words together in the name or organisation.
fn text_query(f: &MemberFields, words: &[Word]) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for w in distinct(words) {
        clauses.push((
            Occur::Should,
            Box::new(ConstScoreQuery::new(Box::new(word_query(f, w)), WORD_MATCH)),
        ));
        clauses.push((Occur::Should, Box::new(word_query(f, w))));
    }
    if words.len() >= 2 {
        for (field, boost) in [(f.name, NAME_BOOST), (f.organisation, ORGANISATION_BOOST)] {
            clauses.push((Occur::Should, phrase(field, words, boost)));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Counts of the values of [`FACET_FIELDS`].
const FACETS: KeyCollector<4> = KeyCollector {
    fields: FACET_FIELDS,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<MemberIndex>();
    }
}
