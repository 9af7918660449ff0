//! Full-text search of the resource centre, on tantivy, with a French analysis; the member
//! directory ([`members`]), the case studies ([`cases`]) and the needs of territories
//! ([`needs`]) have their own indexes, built the same way.
//!
//! The index is derived data: [`SearchIndex::rebuild`] fills it from the store, and
//! [`SearchIndex::upsert`] / [`SearchIndex::remove`] follow publications. Queries never use
//! tantivy's query syntax: what a user types is only text (see [`SearchQuery::text`]).
//!
//! Analysis (documents and queries alike): words split on anything but letters and digits,
//! elided articles dropped (« l'évaluation », « qu’il »), lowercase, accents folded, French
//! stop words removed, French Snowball stem. Query words of 5 letters or more tolerate one
//! typo. Ranking: documents matching more of the query words first, then BM25 with title ×3,
//! summary ×2, body ×1, a bonus for the words together (phrase with slop) and for the exact
//! word form in the title.

mod analysis;
pub mod cases;
mod faceted;
mod facets;
mod highlight;
mod index_core;
mod markdown;
pub mod members;
pub mod needs;
mod query;
mod writing;

use std::ops::Bound;
use std::path::{Path, PathBuf};

use catalyse_core::resource::{Nature, Resource};
use tantivy::collector::Collector;
use tantivy::query::{AllQuery, EmptyQuery, Occur, Query, RangeQuery};
use tantivy::schema::{Field, IndexRecordOption, NumericOptions, Schema, FAST, INDEXED, STRING};
use tantivy::{DocAddress, Score, Searcher, SegmentReader, TantivyDocument, TantivyError, Term};

pub use cases::{
    CaseDoc, CaseFacets, CaseHit, CaseIndex, CaseQuery, CaseResults, CaseSort, CASE_SCHEMA_VERSION,
};
pub use members::{MemberDoc, MemberFacets, MemberIndex, MemberQuery, MemberResults};
pub use needs::{
    NeedDoc, NeedFacet, NeedFacets, NeedFilters, NeedHit, NeedIndex, NeedQuery, NeedResults,
    NeedSort, NEED_SCHEMA_VERSION,
};
pub use query::{MAX_QUERY_CHARS, MAX_QUERY_WORDS};

use facets::{FacetCollector, FacetCounts, FACET_FIELDS};
use highlight::Highlighter;
use index_core::{
    add_trimmed, keyed_index, stored_text, text_options, Claim, IndexCore, Kind, PerGeneration,
};
use query::{Analysed, TextFields};

/// Bumped whenever the schema or the analysis changes: an index of another version is wiped
/// and must be rebuilt (`catalyse reindex`, or at start when empty).
pub const SCHEMA_VERSION: u32 = 1;

const KIND: Kind = Kind {
    mark: "catalyse-search-version",
    version: SCHEMA_VERSION,
    claim: Claim::MarkOrIndex,
    doc_cache_blocks: Some(20),
};

/// Boosts of the resources' fields besides title, summary and body (see [`query`]).
const AUTHORS_BOOST: Score = 1.0;
const THEMES_BOOST: Score = 1.5;
const CATEGORY_BOOST: Score = 0.75;

/// Hits per page when [`SearchQuery::per_page`] is 0, and the most allowed.
pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// Deepest result reachable by paging.
pub const MAX_OFFSET: u32 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("index de recherche : {0}")]
    Index(#[from] TantivyError),
    #[error("index de recherche, ouverture du dossier : {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("index de recherche, fichier : {0}")]
    Io(#[from] std::io::Error),
    #[error("index de recherche : le dossier {0} n'est pas vide et ne contient pas d'index")]
    NotAnIndex(PathBuf),
    #[error("index de recherche : un autre processus écrit dans l'index")]
    Busy,
}

/// How results are ordered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Best match first; newest first when there is no text.
    #[default]
    Relevance,
    /// By year, then publication date, most recent first; undated last.
    Newest,
    /// By year, then publication date, oldest first; undated last.
    Oldest,
}

/// What to search: text and filters. Filters combine with AND between facets, OR within one.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SearchQuery {
    /// As typed; may be empty (everything matching the filters). Only the first
    /// [`MAX_QUERY_CHARS`] characters and [`MAX_QUERY_WORDS`] words count.
    pub text: String,
    pub natures: Vec<Nature>,
    pub subgroups: Vec<String>,
    /// Lever slugs.
    pub levers: Vec<String>,
    /// As written on the resources.
    pub authors: Vec<String>,
    pub formats: Vec<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub sort: Sort,
    /// 1-based; 0 is taken as 1.
    pub page: u32,
    /// 0 is taken as [`DEFAULT_PER_PAGE`]; at most [`MAX_PER_PAGE`].
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Number of matching documents.
    pub total: u64,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Counts over all matching documents.
    pub facets: Facets,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
    /// The title, HTML-escaped, matched words in `<mark>`.
    pub title_html: String,
    /// A passage of the summary or body, HTML-escaped, matched words in `<mark>`; empty when
    /// the resource has neither.
    pub snippet_html: String,
}

/// Facet values with their counts, by count descending then value. Values are the stored
/// keys: [`Nature::as_str`], sub-group and lever slugs, authors and formats as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub natures: Vec<(String, u64)>,
    pub subgroups: Vec<(String, u64)>,
    pub levers: Vec<(String, u64)>,
    pub authors: Vec<(String, u64)>,
    pub formats: Vec<(String, u64)>,
    /// Non-empty year ranges, oldest first.
    pub years: Vec<YearRange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearRange {
    /// « avant 2010 », « 2010–2014 », « 2015–2019 », « 2020 et après ».
    pub label: String,
    /// Inclusive bounds, for [`SearchQuery::year_from`] / [`SearchQuery::year_to`].
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub count: u64,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    id: Field,
    title: Field,
    title_exact: Field,
    summary: Field,
    body: Field,
    authors: Field,
    themes: Field,
    category: Field,
    nature: Field,
    subgroup: Field,
    lever: Field,
    author: Field,
    format: Field,
    year: Field,
    recency: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, record: IndexRecordOption, stored: bool| {
        let options = text_options(tokenizer, record);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let fr = analysis::FRENCH;
    let key = STRING | FAST;
    let fields = Fields {
        id: b.add_i64_field("id", INDEXED | FAST),
        title: b.add_text_field("title", text(fr, positions, true)),
        title_exact: b.add_text_field("title_exact", text(analysis::FRENCH_EXACT, freqs, false)),
        summary: b.add_text_field("summary", text(fr, positions, true)),
        body: b.add_text_field("body", text(fr, freqs, true)),
        authors: b.add_text_field("authors", text(fr, freqs, false)),
        themes: b.add_text_field("themes", text(fr, freqs, false)),
        category: b.add_text_field("category", text(fr, freqs, false)),
        nature: b.add_text_field(FACET_FIELDS[0], key.clone()),
        subgroup: b.add_text_field(FACET_FIELDS[1], key.clone()),
        lever: b.add_text_field(FACET_FIELDS[2], key.clone()),
        author: b.add_text_field(FACET_FIELDS[3], key.clone()),
        format: b.add_text_field(FACET_FIELDS[4], key),
        year: b.add_i64_field("year", INDEXED | FAST),
        recency: b.add_u64_field("recency", NumericOptions::default().set_fast()),
    };
    (b.build(), fields)
}

/// The resource centre's search index. Cheap to share behind an `Arc`; reads run in
/// parallel, writes one at a time.
pub struct SearchIndex {
    core: IndexCore,
    fields: Fields,
    /// Total and facets of the whole index.
    all_facets: PerGeneration<(u64, Facets)>,
}

keyed_index!(SearchIndex, Resource, "resource");

impl SearchIndex {
    fn opened(dir: Option<&Path>) -> Result<SearchIndex, SearchError> {
        let (core, fields) = IndexCore::open(dir, schema(), |f| f.id, &KIND)?;
        Ok(SearchIndex {
            core,
            fields,
            all_facets: PerGeneration::default(),
        })
    }

    /// Replaces the whole content with `resources` (which should be the published ones).
    pub fn rebuild(&self, resources: &[Resource]) -> Result<(), SearchError> {
        self.core
            .replace_all(resources.iter().map(|r| self.document(r)))
    }

    fn document(&self, r: &Resource) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, r.id);
        doc.add_text(f.title, &r.title);
        doc.add_text(f.title_exact, &r.title);
        add_trimmed(&mut doc, f.summary, &r.summary);
        let body = markdown::plain_text(&r.body);
        if !body.is_empty() {
            doc.add_text(f.body, &body);
        }
        for author in r.authors.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            doc.add_text(f.authors, author);
            doc.add_text(f.author, author);
        }
        for theme in &r.themes {
            doc.add_text(f.themes, theme);
        }
        let mut category = r.nature.label().to_string();
        if let Some(label) = r.nature.subgroup_label(&r.subgroup) {
            category.push_str(" — ");
            category.push_str(label);
        }
        if !r.format.trim().is_empty() {
            category.push_str(" — ");
            category.push_str(r.format.trim());
        }
        doc.add_text(f.category, &category);
        doc.add_text(f.nature, r.nature.as_str());
        add_trimmed(&mut doc, f.subgroup, &r.subgroup);
        for lever in &r.levers {
            add_trimmed(&mut doc, f.lever, lever);
        }
        add_trimmed(&mut doc, f.format, &r.format);
        if let Some(year) = r.year {
            doc.add_i64(f.year, i64::from(year));
        }
        doc.add_u64(f.recency, recency(r));
        doc
    }

    /// Searches. Never fails because of what the query contains.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let analysed = self.core.analyse(&q.text);
        let words = analysed.words();
        let f = &self.fields;
        let text_fields = TextFields {
            title: f.title,
            title_exact: f.title_exact,
            summary: f.summary,
            body: f.body,
            more: &[(f.authors, AUTHORS_BOOST), (f.themes, THEMES_BOOST)],
            labels: &[(f.category, CATEGORY_BOOST)],
            exact_typos: &[],
        };
        let text_query = analysed.query(|words| query::text_query(&text_fields, words));
        let filter = self.filters(q);
        // Everything, unfiltered (the resource centre's first page): facets from the cache.
        let everything = matches!(analysed, Analysed::Browse) && filter.is_none();
        let full_query = query::filtered(text_query, filter);

        let searcher = self.core.searcher();
        let top = query::page(q.page, q.per_page);
        let by_date = match q.sort {
            Sort::Relevance if words.is_empty() => Some(false),
            Sort::Relevance => None,
            Sort::Newest => Some(false),
            Sort::Oldest => Some(true),
        };
        let (top_docs, counts): (Vec<(Score, DocAddress)>, _) = match by_date {
            None => collect(&searcher, &full_query, top.order_by_score(), !everything)?,
            Some(oldest) => {
                let collector = top.tweak_score(move |segment: &SegmentReader| {
                    let recency = segment
                        .fast_fields()
                        .u64("recency")
                        .ok()
                        .map(|c| c.first_or_default_col(0));
                    move |doc, score: Score| {
                        let r = recency.as_ref().map_or(0, |c| c.get_val(doc));
                        (date_key(r, oldest), score)
                    }
                });
                let (top, counts) = collect(&searcher, &full_query, collector, !everything)?;
                let top = top.into_iter().map(|((_, score), a)| (score, a)).collect();
                (top, counts)
            }
        };
        let (total, facets) = match counts {
            Some(counts) => (counts.keys.total, counts.into_facets()),
            None => self.all_facets(&searcher)?,
        };

        let highlighter = Highlighter::new(&self.core.analyzer, words);
        let mut hits = Vec::with_capacity(top_docs.len());
        for (score, address) in top_docs {
            let segment = searcher.segment_reader(address.segment_ord);
            let Some(id) = segment.fast_fields().i64("id")?.first(address.doc_id) else {
                continue;
            };
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| stored_text(&doc, field);
            hits.push(Hit {
                id,
                score,
                title_html: highlighter.title_html(&text(f.title)),
                snippet_html: highlighter.snippet_html(&text(f.summary), &text(f.body)),
            });
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }

    /// Total and facets of the whole index, computed once per index version.
    fn all_facets(&self, searcher: &Searcher) -> Result<(u64, Facets), SearchError> {
        self.all_facets.get_or_compute(searcher, || {
            let counts = searcher.search(&AllQuery, &FacetCollector)?;
            Ok((counts.keys.total, counts.into_facets()))
        })
    }

    /// The filters of `q` as one query, or `None` when there are none.
    fn filters(&self, q: &SearchQuery) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let natures: Vec<&str> = q.natures.iter().map(|n| n.as_str()).collect();
        for (field, values) in [
            (f.nature, natures),
            (f.subgroup, q.subgroups.iter().map(String::as_str).collect()),
            (f.lever, q.levers.iter().map(String::as_str).collect()),
            (f.author, q.authors.iter().map(String::as_str).collect()),
            (f.format, q.formats.iter().map(String::as_str).collect()),
        ] {
            if let Some(any) = query::any_of(field, values) {
                must.push((Occur::Must, any));
            }
        }
        if q.year_from.is_some() || q.year_to.is_some() {
            let bound = |y: Option<i32>| match y {
                Some(y) => Bound::Included(Term::from_field_i64(f.year, i64::from(y))),
                None => Bound::Unbounded,
            };
            let range: Box<dyn Query> = match (q.year_from, q.year_to) {
                (Some(from), Some(to)) if from > to => Box::new(EmptyQuery),
                _ => Box::new(RangeQuery::new(bound(q.year_from), bound(q.year_to))),
            };
            must.push((Occur::Must, range));
        }
        query::all_of(must)
    }
}

/// Runs `top`, and the facet counts when `facets`.
fn collect<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    top: C,
    facets: bool,
) -> tantivy::Result<(C::Fruit, Option<FacetCounts>)> {
    if facets {
        let (top, counts) = searcher.search(query, &(top, FacetCollector))?;
        Ok((top, Some(counts)))
    } else {
        Ok((searcher.search(query, &top)?, None))
    }
}

/// Year (then publication time) as one sortable number; 0 in the year part when undated.
fn recency(r: &Resource) -> u64 {
    const SECONDS_BITS: u32 = 40;
    let published = r.published_at.map_or(0, |d| {
        d.timestamp().clamp(0, (1i64 << SECONDS_BITS) - 1) as u64
    });
    let year = r.year.map_or(0, |y| y.clamp(0, 9_999) as u64 + 1);
    (year << SECONDS_BITS) | published
}

/// Larger first: the most recent, or with `oldest` the oldest; undated always last.
fn date_key(recency: u64, oldest: bool) -> u64 {
    if !oldest {
        recency
    } else if recency >> 40 == 0 {
        0
    } else {
        u64::MAX - recency
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<SearchIndex>();
    }

    #[test]
    fn date_keys_order_undated_last() {
        let mut r = Resource {
            id: 1,
            fields: catalyse_core::resource::Kit::shipped().unwrap().resource[0].fields(),
            state: catalyse_core::resource::ResourceState::Published,
            file: None,
            created_at: Default::default(),
            updated_at: Default::default(),
            published_at: Some("2024-01-02T03:04:05Z".parse().unwrap()),
        };
        r.fields.year = Some(2015);
        let k2015 = recency(&r);
        r.fields.year = Some(2016);
        let k2016 = recency(&r);
        r.fields.year = None;
        let undated = recency(&r);
        assert!(date_key(k2016, false) > date_key(k2015, false));
        assert!(date_key(k2015, false) > date_key(undated, false));
        assert!(date_key(k2015, true) > date_key(k2016, true));
        assert!(date_key(k2016, true) > date_key(undated, true));
    }
}
