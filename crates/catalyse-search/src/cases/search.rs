//! A search of the case index: text, filters, facets counted without their own filter, an
//! order, a page of highlighted hits.

use std::sync::Arc;

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString};
use tantivy::collector::Collector;
use tantivy::query::{AllQuery, Occur, Query};
use tantivy::schema::Value;
use tantivy::{DocAddress, Order, Score, Searcher, TantivyDocument};

use super::{
    CaseIndex, ACTORS_BOOST, FACET_FIELDS, ID, PUBLISHED, SORT_TITLE, STARTED_YEAR, TAGS_BOOST,
    TERRITORY_BOOST,
};
use crate::facets::{KeyCollector, KeyCounts};
use crate::highlight::Highlighter;
use crate::index_core::stored_text;
use crate::query::{self, Analysed, TextFields, BODY_BOOST, SUMMARY_BOOST, TITLE_BOOST};
use crate::SearchError;

/// How results are ordered. Complete ties are broken by id.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum CaseSort {
    /// Best match first, equal scores newest first; without text, as [`CaseSort::Newest`].
    #[default]
    Relevance,
    /// Most recently published first.
    Newest,
    /// Alphabetically by title, case and accents ignored.
    Title,
    /// Most recently started first, cases without a started year last; then newest first.
    StartedYear,
}

/// What to search: text and filters. Filters combine with OR within a facet, AND between
/// facets; values are the indexed slugs and codes (trimmed; a blank value is no filter).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CaseQuery {
    /// As typed; may be empty (every case matching the filters). Only the first
    /// [`MAX_QUERY_CHARS`](crate::MAX_QUERY_CHARS) characters and
    /// [`MAX_QUERY_WORDS`](crate::MAX_QUERY_WORDS) words count.
    pub q: String,
    pub levers: Vec<String>,
    pub fragilities: Vec<String>,
    pub families: Vec<String>,
    pub activities: Vec<String>,
    pub phases: Vec<String>,
    /// Région code.
    pub region: Option<String>,
    /// Département code.
    pub department: Option<String>,
    /// Territories as `level:code` ([`super::CaseDoc::place`]): cases placed exactly at one
    /// of them (not a facet).
    pub territories: Vec<String>,
    /// Cases one of these members documented or is a contact of (not a facet).
    pub people: Vec<i64>,
    pub sort: CaseSort,
    /// 1-based; 0 is taken as 1.
    pub page: u32,
    /// 0 is taken as [`DEFAULT_PER_PAGE`](crate::DEFAULT_PER_PAGE); at most
    /// [`MAX_PER_PAGE`](crate::MAX_PER_PAGE); no deeper than [`MAX_OFFSET`](crate::MAX_OFFSET).
    pub per_page: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseResults {
    /// Number of cases matching the text and every filter.
    pub total: usize,
    /// The requested page.
    pub hits: Vec<CaseHit>,
    pub facets: CaseFacets,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseHit {
    pub id: i64,
    pub slug: String,
    /// As indexed (plain text, not escaped).
    pub title: String,
    /// The title, HTML-escaped, matched words in `<mark>`.
    pub title_html: String,
    /// A passage of the summary, or else of the body's text, HTML-escaped, matched words in
    /// `<mark>`; the beginning of the summary when nothing matches; empty when the case has
    /// neither.
    pub snippet_html: String,
    /// Relevance; 0 when the results are not ordered by relevance.
    pub score: f32,
    pub territory_name: String,
    pub phase: String,
    pub started_year: Option<i32>,
    pub is_example: bool,
}

/// Facet values with their counts, by count descending then value; values are the indexed
/// slugs and codes. Each facet is counted over the cases matching the text and every
/// **other** facet's filter (not its own): a value's count is the total of the query with
/// that value as its facet's only choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFacets {
    pub levers: Vec<(String, usize)>,
    pub fragilities: Vec<(String, usize)>,
    pub families: Vec<(String, usize)>,
    pub activities: Vec<(String, usize)>,
    pub phases: Vec<(String, usize)>,
    pub regions: Vec<(String, usize)>,
    pub departments: Vec<(String, usize)>,
}

/// A number of cases and the sorted counts of [`FACET_FIELDS`], in that order.
#[derive(Debug, Clone)]
pub(super) struct Counts {
    total: u64,
    values: [Vec<(String, u64)>; 7],
}

impl From<KeyCounts<7>> for Counts {
    fn from(counts: KeyCounts<7>) -> Self {
        Counts {
            total: counts.total,
            values: counts.sorted(),
        }
    }
}

impl From<[Vec<(String, u64)>; 7]> for CaseFacets {
    fn from(values: [Vec<(String, u64)>; 7]) -> Self {
        let [levers, fragilities, families, activities, phases, regions, departments] =
            values.map(|v| v.into_iter().map(|(k, n)| (k, n as usize)).collect());
        CaseFacets {
            levers,
            fragilities,
            families,
            activities,
            phases,
            regions,
            departments,
        }
    }
}

impl CaseQuery {
    /// The filter values of each facet of [`FACET_FIELDS`], trimmed, blank ones left out.
    fn filter_values(&self) -> [Vec<&str>; 7] {
        fn values(v: &[String]) -> Vec<&str> {
            v.iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect()
        }
        [
            values(&self.levers),
            values(&self.fragilities),
            values(&self.families),
            values(&self.activities),
            values(&self.phases),
            values(self.region.as_slice()),
            values(self.department.as_slice()),
        ]
    }
}

/// Counts every facet.
const COUNT_ALL: KeyCollector<7> = KeyCollector {
    fields: FACET_FIELDS,
};

impl CaseIndex {
    /// Searches. Never fails because of what the query contains: over-long text is cut like
    /// the resource centre's, the page size and depth are bounded, and a filter value that no
    /// case has simply matches nothing.
    pub fn search(&self, q: &CaseQuery) -> Result<CaseResults, SearchError> {
        let analysed = self.core.analyse(&q.q);
        let words = analysed.words();
        let f = &self.fields;
        let text_fields = TextFields {
            title: f.title,
            title_exact: f.title_exact,
            summary: f.summary,
            body: f.body,
            more: &[(f.actors, ACTORS_BOOST), (f.territory, TERRITORY_BOOST)],
            labels: &[(f.tags, TAGS_BOOST)],
            exact_typos: &[
                (f.title_exact, TITLE_BOOST),
                (f.summary_exact, SUMMARY_BOOST),
                (f.body_exact, BODY_BOOST),
            ],
        };
        let text = analysed.query(|words| query::text_query(&text_fields, words));
        let browse = matches!(analysed, Analysed::Browse);
        let mut filters: Vec<Option<Box<dyn Query>>> = q
            .filter_values()
            .into_iter()
            .zip(f.facets)
            .map(|(values, field)| query::any_of(field, values))
            .collect();
        // Filters that are no facet: after the facets', never counted.
        let people: Vec<String> = q.people.iter().map(i64::to_string).collect();
        filters.push(query::any_of(
            f.place,
            q.territories
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty()),
        ));
        filters.push(query::any_of(f.person, people.iter().map(String::as_str)));
        let searcher = self.core.searcher();

        // Without text nor filters, the kept counts of the whole index; otherwise counted
        // while finding the page.
        let everything = browse && filters.iter().all(Option::is_none);
        let full = query::filtered(text.box_clone(), all_but(&filters, None));
        let count = (!everything).then_some(COUNT_ALL);
        let (top, counts) = self.top(&searcher, full.as_ref(), q, !words.is_empty(), count)?;
        let mut counts = match counts {
            Some(counts) => Counts::from(counts),
            None => Counts::clone(self.all_counts(&searcher)?.as_ref()),
        };
        // A facet with a filter: counted again, without it.
        for (i, filter) in filters.iter().enumerate().take(FACET_FIELDS.len()) {
            if filter.is_none() {
                continue;
            }
            let others = all_but(&filters, Some(i));
            counts.values[i] = if browse && others.is_none() {
                self.all_counts(&searcher)?.values[i].clone()
            } else {
                let only_this = KeyCollector {
                    fields: [FACET_FIELDS[i]],
                };
                let query = query::filtered(text.box_clone(), others);
                let [values] = searcher.search(query.as_ref(), &only_this)?.sorted();
                values
            };
        }

        let highlighter = Highlighter::new(&self.core.analyzer, words)
            .with_exact_typos(&self.core.exact_analyzer);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let fast = searcher.segment_reader(address.segment_ord).fast_fields();
            let Some(id) = fast.i64(ID)?.first(address.doc_id) else {
                continue;
            };
            let started_year = fast
                .column_opt::<i64>(STARTED_YEAR)?
                .and_then(|c| c.first(address.doc_id))
                .and_then(|y| i32::try_from(y).ok());
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| stored_text(&doc, field);
            let title = text(f.title);
            hits.push(CaseHit {
                id,
                slug: text(f.slug),
                title_html: highlighter.title_html(&title),
                title,
                snippet_html: highlighter.snippet_html(&text(f.summary), &text(f.body)),
                score,
                territory_name: text(f.territory),
                phase: text(f.facets[4]),
                started_year,
                is_example: doc
                    .get_first(f.is_example)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
            });
        }
        Ok(CaseResults {
            total: counts.total as usize,
            hits,
            facets: CaseFacets::from(counts.values),
        })
    }

    /// The requested page of `query` in the requested order, with the scores when it is by
    /// relevance (`scored`: there are words), and the `count`s.
    fn top(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        q: &CaseQuery,
        scored: bool,
        count: Option<KeyCollector<7>>,
    ) -> Result<Found, SearchError> {
        let top = query::page(q.page, q.per_page);
        let newest = || {
            (
                SortByStaticFastValue::<i64>::for_field(PUBLISHED),
                Order::Desc,
            )
        };
        let by_id = |order| (SortByStaticFastValue::<i64>::for_field(ID), order);
        let sort = match q.sort {
            CaseSort::Relevance if !scored => CaseSort::Newest,
            sort => sort,
        };
        Ok(match sort {
            CaseSort::Relevance => {
                let by_score = (SortBySimilarityScore, Order::Desc);
                let collector = top.order_by((by_score, newest(), by_id(Order::Desc)));
                let (top, counts) = searcher.search(query, &(collector, count))?;
                let top = top.into_iter().map(|((s, _, _), a)| (s, a)).collect();
                (top, counts)
            }
            CaseSort::Newest => {
                let collector = top.order_by((newest(), by_id(Order::Desc)));
                unscored(searcher, query, collector, count)?
            }
            CaseSort::Title => {
                let by_title = (SortByString::for_field(SORT_TITLE), Order::Asc);
                let collector = top.order_by((by_title, by_id(Order::Asc)));
                unscored(searcher, query, collector, count)?
            }
            CaseSort::StartedYear => {
                let started = (
                    SortByStaticFastValue::<i64>::for_field(STARTED_YEAR),
                    Order::Desc,
                );
                let collector = top.order_by((started, newest(), by_id(Order::Desc)));
                unscored(searcher, query, collector, count)?
            }
        })
    }

    /// Total and facet counts of the whole index, computed once per state of the index.
    fn all_counts(&self, searcher: &Searcher) -> Result<Arc<Counts>, SearchError> {
        self.all.get_or_compute(searcher, || {
            Ok(Arc::new(Counts::from(
                searcher.search(&AllQuery, &COUNT_ALL)?,
            )))
        })
    }
}

/// A page of hits with their scores, and the counts when they were asked for.
type Found = (Vec<(Score, DocAddress)>, Option<KeyCounts<7>>);

/// The page found by `collector`, without scores, and the `count`s.
fn unscored<K>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: impl Collector<Fruit = Vec<(K, DocAddress)>>,
    count: Option<KeyCollector<7>>,
) -> tantivy::Result<Found> {
    let (top, counts) = searcher.search(query, &(collector, count))?;
    Ok((top.into_iter().map(|(_, a)| (0.0, a)).collect(), counts))
}

/// Every filter but the `skip`th, as one query; `None` when there is none.
fn all_but(filters: &[Option<Box<dyn Query>>], skip: Option<usize>) -> Option<Box<dyn Query>> {
    let must = filters
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .filter_map(|(_, filter)| filter.as_ref())
        .map(|filter| (Occur::Must, filter.box_clone()))
        .collect();
    query::all_of(must)
}
