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

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;
use std::sync::Mutex;

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString};
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::{
    DocId, Index, IndexReader, Order, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};

use crate::analysis;
use crate::query::{analyse_query, Analysed, Word};
use crate::{wipe, SearchError, DEFAULT_PER_PAGE, MAX_OFFSET, MAX_PER_PAGE};

/// Bumped whenever the member schema or the analysis changes: an index of another version is
/// wiped and must be rebuilt.
pub const MEMBER_SCHEMA_VERSION: u32 = 1;
const VERSION_FILE: &str = "catalyse-members-version";

/// Added once per query word a member matches: more than any relevance difference.
const WORD_MATCH: Score = 1000.0;
/// Score of a one-edit variant, relative to the field's boost.
const FUZZY_FACTOR: Score = 0.4;
const PHRASE_SLOP: u32 = 3;

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
    /// 0 is taken as [`DEFAULT_PER_PAGE`]; at most [`MAX_PER_PAGE`].
    pub per_page: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberResults {
    /// Number of matching members (text, visibility and filters).
    pub total: u64,
    /// User ids of the requested page, in order.
    pub ids: Vec<i64>,
    /// Counts over all matching members (text, visibility and filters).
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
    let text = |tokenizer: &str, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let fr = analysis::FRENCH;
    let key = STRING | FAST;
    let fields = MemberFields {
        id: b.add_i64_field(ID, INDEXED | FAST),
        name: b.add_text_field("name", text(fr, positions)),
        name_exact: b.add_text_field("name_exact", text(analysis::FRENCH_EXACT, freqs)),
        organisation: b.add_text_field("organisation", text(fr, positions)),
        bio: b.add_text_field("bio", text(fr, freqs)),
        themes: b.add_text_field("themes", text(fr, freqs)),
        role: b.add_text_field("role", text(fr, freqs)),
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
    index: Index,
    reader: IndexReader,
    fields: MemberFields,
    exact_analyzer: tantivy::tokenizer::TextAnalyzer,
    stemmer: tantivy::tokenizer::TextAnalyzer,
    /// One writer at a time in this process (tantivy's lock file covers other processes).
    writing: Mutex<()>,
}

impl std::fmt::Debug for MemberIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberIndex")
            .field("documents", &self.len())
            .finish()
    }
}

impl MemberIndex {
    /// Opens the index in `dir` (created if needed; it must be its own directory, not the
    /// resource index's). An index of another schema version, or a damaged one, is wiped and
    /// recreated empty; a non-empty directory that was never a member index is refused
    /// ([`SearchError::NotAnIndex`]) rather than wiped.
    pub fn open(dir: &Path) -> Result<MemberIndex, SearchError> {
        fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let version_path = dir.join(VERSION_FILE);
        let stored_version = fs::read_to_string(&version_path).ok();
        let has_meta = dir.join("meta.json").exists();
        let current = stored_version.as_deref().map(str::trim)
            == Some(MEMBER_SCHEMA_VERSION.to_string().as_str());
        let existing = if has_meta && current {
            match Index::open_in_dir(dir) {
                Ok(index) if index.schema() == schema => Some(index),
                _ => None,
            }
        } else {
            None
        };
        let index = match existing {
            Some(index) => index,
            None => {
                // Only a directory marked as ours is wiped.
                if stored_version.is_some() {
                    wipe(dir)?;
                } else if fs::read_dir(dir)?.next().is_some() {
                    return Err(SearchError::NotAnIndex(dir.to_path_buf()));
                }
                // The mark first: an interrupted creation is wiped at the next opening.
                fs::write(&version_path, format!("{MEMBER_SCHEMA_VERSION}\n"))?;
                Index::builder().schema(schema).create_in_dir(dir)?
            }
        };
        Self::with_index(index, fields, ReloadPolicy::OnCommitWithDelay)
    }

    /// An empty index in memory (tests, or when no data directory is configured).
    pub fn in_memory() -> Result<MemberIndex, SearchError> {
        let (schema, fields) = schema();
        let index = Index::builder().schema(schema).create_in_ram()?;
        Self::with_index(index, fields, ReloadPolicy::Manual)
    }

    fn with_index(
        index: Index,
        fields: MemberFields,
        reload: ReloadPolicy,
    ) -> Result<MemberIndex, SearchError> {
        let exact_analyzer = analysis::french_exact();
        index
            .tokenizers()
            .register(analysis::FRENCH, analysis::french());
        index
            .tokenizers()
            .register(analysis::FRENCH_EXACT, exact_analyzer.clone());
        let reader = index.reader_builder().reload_policy(reload).try_into()?;
        Ok(MemberIndex {
            index,
            reader,
            fields,
            exact_analyzer,
            stemmer: analysis::stemmer(),
            writing: Mutex::new(()),
        })
    }

    /// Replaces the whole content with `docs` (the listable profiles). With several documents
    /// of one id, the last one counts.
    pub fn rebuild(&self, docs: &[MemberDoc]) -> Result<(), SearchError> {
        let by_id: BTreeMap<i64, &MemberDoc> = docs.iter().map(|d| (d.id, d)).collect();
        self.writing()
            .replace_all(by_id.into_values().map(|d| self.document(d)))
    }

    /// Like [`MemberIndex::rebuild`], from documents given one at a time (each id once), so
    /// that a large network is indexed without holding it in memory.
    pub fn rebuild_iter(
        &self,
        docs: impl IntoIterator<Item = MemberDoc>,
    ) -> Result<(), SearchError> {
        self.writing()
            .replace_all(docs.into_iter().map(|d| self.document(&d)))
    }

    /// Adds `doc`, or replaces the member with its id. Searchable when this returns.
    pub fn upsert(&self, doc: &MemberDoc) -> Result<(), SearchError> {
        self.writing().write(|writer| {
            writer.delete_term(Term::from_field_i64(self.fields.id, doc.id));
            writer.add_document(self.document(doc))?;
            Ok(())
        })
    }

    /// Removes the member with this id, if indexed. Gone from results when this returns.
    pub fn remove(&self, id: i64) -> Result<(), SearchError> {
        self.writing().write(|writer| {
            writer.delete_term(Term::from_field_i64(self.fields.id, id));
            Ok(())
        })
    }

    fn writing(&self) -> crate::writing::Writing<'_> {
        crate::writing::Writing {
            index: &self.index,
            reader: &self.reader,
            lock: &self.writing,
        }
    }

    /// Number of indexed members (public and members-only).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, m: &MemberDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, m.id);
        let name = m.name.trim();
        if !name.is_empty() {
            doc.add_text(f.name, name);
            doc.add_text(f.name_exact, name);
        }
        for (field, text) in [
            (f.organisation, m.organisation.as_str()),
            (f.bio, m.bio.as_str()),
            (f.role, m.role.as_str()),
        ] {
            if !text.trim().is_empty() {
                doc.add_text(field, text.trim());
            }
        }
        for theme in m.themes.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            doc.add_text(f.themes, theme);
        }
        let family = m.family.trim();
        if !family.is_empty() {
            doc.add_text(f.family, family);
        }
        for (field, values) in [
            (f.activity, &m.activities),
            (f.lever, &m.levers),
            (f.region, &m.regions),
            (f.department, &m.departments),
        ] {
            // Once each: a repeated value would be counted twice in the facets.
            let mut seen: Vec<&str> = Vec::with_capacity(values.len());
            for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                if !seen.contains(&value) {
                    seen.push(value);
                    doc.add_text(field, value);
                }
            }
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
    /// the resource centre's, the page size and depth are bounded ([`MAX_PER_PAGE`],
    /// [`MAX_OFFSET`]), and a filter value that no member has simply matches nothing.
    pub fn search(&self, q: &MemberQuery) -> Result<MemberResults, SearchError> {
        let per_page = match q.per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        };
        let offset = q
            .page
            .max(1)
            .saturating_sub(1)
            .saturating_mul(per_page)
            .min(MAX_OFFSET);
        let analysed = analyse_query(&self.exact_analyzer, &self.stemmer, &q.text);
        let text_query: Box<dyn Query> = match &analysed {
            Analysed::Browse => Box::new(AllQuery),
            Analysed::Nothing => Box::new(EmptyQuery),
            Analysed::Words(words) => text_query(&self.fields, words),
        };
        let full_query: Box<dyn Query> = match self.filters(q) {
            None => text_query,
            Some(filter) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, text_query),
                (Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))),
            ])),
        };

        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(per_page as usize).and_offset(offset as usize);
        let by_name = (SortByString::for_field(SORT_NAME), Order::Asc);
        let by_id = (SortByStaticFastValue::<i64>::for_field(ID), Order::Asc);
        let (ids, counts): (Vec<Option<i64>>, FacetCounts) = match analysed {
            Analysed::Words(_) => {
                let by_score = (SortBySimilarityScore, Order::Desc);
                let collector = top.order_by((by_score, by_name, by_id));
                let (top, counts) = searcher.search(&full_query, &(collector, FacetCollector))?;
                (top.into_iter().map(|((_, _, id), _)| id).collect(), counts)
            }
            _ => {
                let collector = top.order_by((by_name, by_id));
                let (top, counts) = searcher.search(&full_query, &(collector, FacetCollector))?;
                (top.into_iter().map(|((_, id), _)| id).collect(), counts)
            }
        };
        let [families, activities, levers, regions] = counts.values.map(sorted);
        Ok(MemberResults {
            total: counts.total,
            ids: ids.into_iter().flatten().collect(),
            facets: MemberFacets {
                families,
                activities,
                levers,
                regions,
            },
        })
    }

    /// Visibility and the filters of `q` as one query, or `None` when there are none.
    fn filters(&self, q: &MemberQuery) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !q.include_private {
            let term = Term::from_field_bool(f.public, true);
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        for (field, value) in [
            (f.family, &q.family),
            (f.activity, &q.activity),
            (f.lever, &q.lever),
            (f.region, &q.region),
            (f.department, &q.department),
        ] {
            let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            let term = Term::from_field_text(field, value);
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        if must.is_empty() {
            None
        } else {
            Some(Box::new(BooleanQuery::new(must)))
        }
    }
}

fn boosted(query: impl Query, boost: Score) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

fn term(field: Field, text: &str, boost: Score) -> Box<dyn Query> {
    boosted(
        TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        ),
        boost,
    )
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
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, &w.stem), 1, true);
            clauses.push((Occur::Should, boosted(fuzzy, boost * FUZZY_FACTOR)));
        }
    }
    BooleanQuery::new(clauses)
}

/// The relevance query of the words (never empty): per word, [`WORD_MATCH`] when matched plus
/// its BM25 score; the words together in the name or organisation.
fn text_query(f: &MemberFields, words: &[Word]) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for w in words {
        if seen.contains(&w.stem.as_str()) {
            continue;
        }
        seen.push(&w.stem);
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

/// The words near each other, in order, in `field` (at least two words).
fn phrase(field: Field, words: &[Word], boost: Score) -> Box<dyn Query> {
    let first = words[0].position;
    let terms = words
        .iter()
        .map(|w| {
            (
                w.position.saturating_sub(first),
                Term::from_field_text(field, &w.stem),
            )
        })
        .collect();
    boosted(
        PhraseQuery::new_with_offset_and_slop(terms, PHRASE_SLOP),
        boost,
    )
}

/// By count, descending, then by value.
fn sorted(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts.into_iter().filter(|(k, _)| !k.is_empty()).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Number of matching members and counts of the values of [`FACET_FIELDS`].
#[derive(Default)]
struct FacetCounts {
    total: u64,
    values: [HashMap<String, u64>; 4],
}

struct FacetCollector;

struct FacetSegmentCollector {
    columns: Vec<(usize, StrColumn, Vec<u64>)>,
    total: u64,
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let fast = segment.fast_fields();
        let mut columns = Vec::with_capacity(FACET_FIELDS.len());
        for (i, name) in FACET_FIELDS.iter().enumerate() {
            if let Some(column) = fast.str(name)? {
                let n = column.num_terms();
                columns.push((i, column, vec![0u64; n]));
            }
        }
        Ok(FacetSegmentCollector { columns, total: 0 })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segment_fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut all = FacetCounts::default();
        for fruit in segment_fruits {
            all.total += fruit.total;
            for (into, from) in all.values.iter_mut().zip(fruit.values) {
                for (k, v) in from {
                    *into.entry(k).or_default() += v;
                }
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        for (_, column, counts) in &mut self.columns {
            for ord in column.term_ords(doc) {
                if let Some(c) = counts.get_mut(ord as usize) {
                    *c += 1;
                }
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut fruit = FacetCounts {
            total: self.total,
            ..FacetCounts::default()
        };
        let mut key = String::new();
        for (i, column, counts) in self.columns {
            for (ord, count) in counts.into_iter().enumerate() {
                if count == 0 {
                    continue;
                }
                key.clear();
                if column.ord_to_str(ord as u64, &mut key).unwrap_or(false) {
                    *fruit.values[i].entry(key.clone()).or_default() += count;
                }
            }
        }
        fruit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<MemberIndex>();
    }
}
