//! Searches whose facets are counted the usual way of a faceted search (« disjunctive »): each
//! facet over the documents matching the text and **every other facet's filter, but not its
//! own**, so that a facet keeps offering its other values once one is chosen, and a count is
//! exactly the number of results of the query with that value as the facet's only choice.
//!
//! [`Disjunctive`] holds an index's facets (string fast fields) and their counts over the
//! whole index, kept per state of the index; [`Disjunctive::search`] takes the text query, the
//! filters and the index's own way of finding a page (its sorts), and returns the page with
//! the counts. The need index searches this way; the case index (`cases/search.rs`) still does
//! the same by hand.

use std::sync::Arc;

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Collector, TopDocs};
use tantivy::query::{AllQuery, Occur, Query};
use tantivy::{DocAddress, Order, Score, Searcher};

use crate::facets::{KeyCollector, KeyCounts};
use crate::index_core::PerGeneration;
use crate::query;
use crate::SearchError;

/// A number of documents and the counts of each facet's values, by count descending then
/// value.
#[derive(Debug, Clone)]
pub(crate) struct Counts<const N: usize> {
    pub total: u64,
    pub values: [Vec<(String, u64)>; N],
}

impl<const N: usize> From<KeyCounts<N>> for Counts<N> {
    fn from(counts: KeyCounts<N>) -> Self {
        Counts {
            total: counts.total,
            values: counts.sorted(),
        }
    }
}

/// A page of hits with their scores (0 when the page is not ordered by relevance).
pub(crate) type Page = Vec<(Score, DocAddress)>;

/// A page and, when they were asked for, the counts of the documents it was taken from.
pub(crate) type Found<const N: usize> = (Page, Option<KeyCounts<N>>);

/// The facets of one kind of index, and their counts over the whole index.
pub(crate) struct Disjunctive<const N: usize> {
    /// The string fast fields counted, in the order of the counts and of the filters.
    fields: [&'static str; N],
    /// Total and counts of the whole index, per state of the index.
    all: PerGeneration<Arc<Counts<N>>>,
}

impl<const N: usize> Disjunctive<N> {
    pub fn new(fields: [&'static str; N]) -> Self {
        Disjunctive {
            fields,
            all: PerGeneration::default(),
        }
    }

    /// Finds a page of the documents matching `text` and every filter, and counts the facets.
    ///
    /// `filters` holds first the facets' own filters, in the order of the fields (`None`: that
    /// facet is not filtered), then any filter that is no facet (always applied, never lifted
    /// when counting). `browse`: `text` matches every document (nothing was typed). `find`
    /// takes the whole query and the collector of the counts to run with the page, `None`
    /// when the counts kept for the whole index serve (no text, no filter).
    pub fn search(
        &self,
        searcher: &Searcher,
        text: &dyn Query,
        browse: bool,
        filters: &[Option<Box<dyn Query>>],
        find: impl FnOnce(&dyn Query, Option<KeyCollector<N>>) -> Result<Found<N>, SearchError>,
    ) -> Result<(Page, Counts<N>), SearchError> {
        let everything = browse && filters.iter().all(Option::is_none);
        let count = (!everything).then_some(KeyCollector {
            fields: self.fields,
        });
        let full = query::filtered(text.box_clone(), all_but(filters, None));
        let (page, counts) = find(full.as_ref(), count)?;
        let mut counts = match counts {
            Some(counts) => Counts::from(counts),
            None => Counts::clone(self.all_counts(searcher)?.as_ref()),
        };
        // A facet with a filter: counted again, without it.
        for (i, filter) in filters.iter().enumerate().take(N) {
            if filter.is_none() {
                continue;
            }
            let others = all_but(filters, Some(i));
            counts.values[i] = if browse && others.is_none() {
                self.all_counts(searcher)?.values[i].clone()
            } else {
                let only_this = KeyCollector {
                    fields: [self.fields[i]],
                };
                let query = query::filtered(text.box_clone(), others);
                let [values] = searcher.search(query.as_ref(), &only_this)?.sorted();
                values
            };
        }
        Ok((page, counts))
    }

    /// Total and counts of the whole index, computed once per state of the index.
    fn all_counts(&self, searcher: &Searcher) -> Result<Arc<Counts<N>>, SearchError> {
        self.all.get_or_compute(searcher, || {
            let every = KeyCollector {
                fields: self.fields,
            };
            Ok(Arc::new(Counts::from(searcher.search(&AllQuery, &every)?)))
        })
    }
}

/// The values of one facet's filter, trimmed, blank ones left out.
pub(crate) fn chosen(values: &[String]) -> Vec<&str> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The page `top` of `query` by relevance: best score first, equal scores most recently
/// published first (the `i64` fast field `published`), then by the fast field `id`,
/// descending; and the `count`s.
pub(crate) fn by_relevance<const N: usize>(
    searcher: &Searcher,
    query: &dyn Query,
    top: TopDocs,
    (published, id): (&str, &str),
    count: Option<KeyCollector<N>>,
) -> Result<Found<N>, SearchError> {
    let collector = top.order_by((
        (SortBySimilarityScore, Order::Desc),
        (
            SortByStaticFastValue::<i64>::for_field(published),
            Order::Desc,
        ),
        (SortByStaticFastValue::<i64>::for_field(id), Order::Desc),
    ));
    let (top, counts) = searcher.search(query, &(collector, count))?;
    let top = top.into_iter().map(|((s, _, _), a)| (s, a)).collect();
    Ok((top, counts))
}

/// The page `collector` finds of `query`, without scores, and the `count`s.
pub(crate) fn unscored<K, const N: usize>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: impl Collector<Fruit = Vec<(K, DocAddress)>>,
    count: Option<KeyCollector<N>>,
) -> Result<Found<N>, SearchError> {
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
