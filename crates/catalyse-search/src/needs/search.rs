//! A search of the need index: text, filters, facets counted without their own filter, the
//! territory and those inside it, an order, a page of highlighted hits.

use catalyse_core::needs::{Horizon, NeedStatus};
use catalyse_core::network::TerritoryRef;
use tantivy::collector::sort_key::SortByStaticFastValue;
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::{Order, Searcher, TantivyDocument};

use super::{
    place, NeedFacet, NeedFacets, NeedFilters, NeedIndex, PerFacet, ID, PUBLISHED, TAGS_BOOST,
    TERRITORY_BOOST, WAITING,
};
use crate::faceted::{by_relevance, chosen, unscored, Found};
use crate::facets::KeyCollector;
use crate::highlight::Highlighter;
use crate::index_core::stored_text;
use crate::query::{self, Analysed, TextFields, SUMMARY_BOOST, TITLE_BOOST};
use crate::SearchError;

/// How results are ordered. Complete ties are broken by id.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum NeedSort {
    /// Best match first, equal scores newest first; without text, as [`NeedSort::Newest`].
    #[default]
    Relevance,
    /// Most recently published first.
    Newest,
    /// The open needs (« ouvert », « en relation ») first, published longest ago first; then
    /// the others (« résolu », « clos »), most recently published first.
    LongestWaiting,
}

/// What to search: text, filters, territory. Facet filters combine with OR within a facet,
/// AND between facets and with [`NeedQuery::within`]; values are the indexed slugs and codes
/// (trimmed; a blank value is no filter, an unknown one matches nothing).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NeedQuery {
    /// As typed; may be empty (every need matching the filters). Only the first
    /// [`MAX_QUERY_CHARS`](crate::MAX_QUERY_CHARS) characters and
    /// [`MAX_QUERY_WORDS`](crate::MAX_QUERY_WORDS) words count.
    pub q: String,
    /// The chosen values of each facet (statuses: « ouvert » and « en-relation » for the
    /// open needs).
    pub filters: NeedFilters,
    /// The needs of one of these territories **or of a territory inside it** (not a facet,
    /// never lifted when counting): a région's need, its départements', EPCI's and communes';
    /// a commune's, only its own. A blank code is no filter.
    pub within: Vec<TerritoryRef>,
    pub sort: NeedSort,
    /// 1-based; 0 is taken as 1.
    pub page: u32,
    /// 0 is taken as [`DEFAULT_PER_PAGE`](crate::DEFAULT_PER_PAGE); at most
    /// [`MAX_PER_PAGE`](crate::MAX_PER_PAGE); no deeper than [`MAX_OFFSET`](crate::MAX_OFFSET).
    pub per_page: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NeedResults {
    /// Number of needs matching the text, every filter and the territory.
    pub total: usize,
    /// The requested page.
    pub hits: Vec<NeedHit>,
    pub facets: NeedFacets,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NeedHit {
    pub id: i64,
    pub slug: String,
    /// As indexed (plain text, not escaped).
    pub title: String,
    /// The title, HTML-escaped, matched words in `<mark>`.
    pub title_html: String,
    /// A passage of the description's text, HTML-escaped, matched words in `<mark>`; its
    /// beginning when nothing matches there; empty when it has none.
    pub snippet_html: String,
    /// Relevance; 0 when the results are not ordered by relevance.
    pub score: f32,
    pub organisation: String,
    pub territory_name: String,
    pub fragility: String,
    pub levers: Vec<String>,
    /// The actor families sought.
    pub families: Vec<String>,
    pub status: NeedStatus,
    pub horizon: Horizon,
    /// Unix seconds.
    pub published_at: i64,
    pub is_example: bool,
}

impl NeedIndex {
    /// Searches. Never fails because of what the query contains: over-long text is cut like
    /// the resource centre's, the page size and depth are bounded, and a filter value that no
    /// need has simply matches nothing.
    pub fn search(&self, q: &NeedQuery) -> Result<NeedResults, SearchError> {
        let analysed = self.core.analyse(&q.q);
        let words = analysed.words();
        let f = &self.fields;
        // The description plays the summary's part (×2, the words together), the
        // organisation the body's (×1).
        let text_fields = TextFields {
            title: f.title,
            title_exact: f.title_exact,
            summary: f.description,
            body: f.organisation,
            more: &[(f.territory, TERRITORY_BOOST)],
            labels: &[(f.tags, TAGS_BOOST)],
            exact_typos: &[
                (f.title_exact, TITLE_BOOST),
                (f.description_exact, SUMMARY_BOOST),
            ],
        };
        let text = analysed.query(|words| query::text_query(&text_fields, words));
        let mut filters: Vec<Option<Box<dyn Query>>> = NeedFacet::ALL
            .into_iter()
            .map(|facet| query::any_of(f.facet(facet), chosen(q.filters.get(facet))))
            .collect();
        // The territory, after the facets: never lifted.
        let places: Vec<String> = q
            .within
            .iter()
            .filter(|t| !t.code.trim().is_empty())
            .map(|t| place(t.level, t.code.trim()))
            .collect();
        filters.push(query::any_of(f.place, places.iter().map(String::as_str)));

        let searcher = self.core.searcher();
        let browse = matches!(analysed, Analysed::Browse);
        let scored = !words.is_empty();
        let (top, counts) = self.facets.search(
            &searcher,
            text.as_ref(),
            browse,
            &filters,
            |query, count| top(&searcher, query, q, scored, count),
        )?;

        let highlighter = Highlighter::new(&self.core.analyzer, words)
            .with_exact_typos(&self.core.exact_analyzer);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let fast = searcher.segment_reader(address.segment_ord).fast_fields();
            let Some(id) = fast.i64(ID)?.first(address.doc_id) else {
                continue;
            };
            let published_at = fast.i64(PUBLISHED)?.first(address.doc_id).unwrap_or(0);
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| stored_text(&doc, field);
            let all = |facet| {
                doc.get_all(f.facet(facet))
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            };
            let title = text(f.title);
            hits.push(NeedHit {
                id,
                slug: text(f.slug),
                title_html: highlighter.title_html(&title),
                title,
                snippet_html: highlighter.snippet_html(&text(f.description), ""),
                score,
                organisation: text(f.organisation),
                territory_name: text(f.territory),
                fragility: text(f.facet(NeedFacet::Fragility)),
                levers: all(NeedFacet::Lever),
                families: all(NeedFacet::Family),
                // Always one the index wrote.
                status: text(f.facet(NeedFacet::Status))
                    .parse()
                    .unwrap_or(NeedStatus::Ouvert),
                horizon: text(f.facet(NeedFacet::Horizon))
                    .parse()
                    .unwrap_or(Horizon::SansEcheance),
                published_at,
                is_example: doc
                    .get_first(f.is_example)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
            });
        }
        Ok(NeedResults {
            total: counts.total as usize,
            hits,
            facets: PerFacet::from(counts.values)
                .map(|values| values.into_iter().map(|(k, n)| (k, n as usize)).collect()),
        })
    }
}

/// The requested page of `query` in the requested order, with the scores when it is by
/// relevance (`scored`: there are words), and the `count`s.
fn top(
    searcher: &Searcher,
    query: &dyn Query,
    q: &NeedQuery,
    scored: bool,
    count: Option<KeyCollector<8>>,
) -> Result<Found<8>, SearchError> {
    let top = query::page(q.page, q.per_page);
    let newest = (
        SortByStaticFastValue::<i64>::for_field(PUBLISHED),
        Order::Desc,
    );
    let by_id = |order| (SortByStaticFastValue::<i64>::for_field(ID), order);
    match q.sort {
        NeedSort::Relevance if scored => by_relevance(searcher, query, top, (PUBLISHED, ID), count),
        NeedSort::Relevance | NeedSort::Newest => {
            let collector = top.order_by((newest, by_id(Order::Desc)));
            unscored(searcher, query, collector, count)
        }
        NeedSort::LongestWaiting => {
            // Minus the publication time of the open ones: the largest waited longest; the
            // others have none and come last.
            let waiting = (
                SortByStaticFastValue::<i64>::for_field(WAITING),
                Order::Desc,
            );
            let collector = top.order_by((waiting, newest, by_id(Order::Asc)));
            unscored(searcher, query, collector, count)
        }
    }
}
