//! The directory without text nor filters (`/reseau`'s first pages, `/api/v1/members`): every
//! listable member, alphabetically. Sorting and counting the whole index on every request
//! does not scale (a million members), and the answer only changes with the index: it is
//! computed once per searcher generation and visibility, then a page is a slice of it.
//!
//! The order is [`MemberIndex::search`](super::MemberIndex::search)'s without text: by the
//! `sort_name` fast field (byte order, a member without one last), then by id, then by
//! document address (as tantivy's `TopDocs` breaks complete ties).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Opstamp, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::{MemberFacets, MemberResults, ID, SORT_NAME};
use crate::query::page_bounds;
use crate::SearchError;

/// Every listable member of one visibility, in order, with the total and facet counts.
#[derive(Debug)]
pub(super) struct List {
    pub ids: Vec<i64>,
    pub total: u64,
    pub facets: MemberFacets,
}

impl List {
    /// A page of it, as the general search would answer it.
    pub fn page(&self, page: u32, per_page: u32, facets: bool) -> MemberResults {
        let (limit, offset) = page_bounds(page, per_page);
        let ids = self
            .ids
            .get(offset..)
            .map(|rest| rest[..limit.min(rest.len())].to_vec())
            .unwrap_or_default();
        MemberResults {
            total: self.total,
            ids,
            facets: if facets {
                self.facets.clone()
            } else {
                MemberFacets::default()
            },
        }
    }
}

/// The lists of one searcher generation: `[public only, with the members-only profiles]`,
/// each built by the first request that needs it, the others waiting for it.
struct Generation {
    id: u64,
    /// What the searcher holds: a generation with the same segments and deletes is the same
    /// content (a reload without change).
    segments: BTreeMap<SegmentId, Option<Opstamp>>,
    lists: [Slot; 2],
}

#[derive(Default)]
struct Slot {
    list: OnceLock<Arc<List>>,
    building: Mutex<()>,
}

/// The lists of the newest searcher generation seen.
#[derive(Default)]
pub(super) struct Cache {
    current: Mutex<Option<Arc<Generation>>>,
}

impl Cache {
    /// The list of `searcher`'s generation for this visibility, built with `build` (from
    /// `searcher`) if nobody did yet. `None` for a searcher older than the generation kept (a
    /// request that started before a write): it is answered without the cache.
    pub fn list(
        &self,
        searcher: &Searcher,
        include_private: bool,
        build: impl FnOnce() -> Result<List, SearchError>,
    ) -> Result<Option<Arc<List>>, SearchError> {
        let Some(generation) = self.generation(searcher) else {
            return Ok(None);
        };
        let slot = &generation.lists[usize::from(include_private)];
        if let Some(list) = slot.list.get() {
            return Ok(Some(list.clone()));
        }
        // One build at a time: the requests arriving meanwhile wait for it.
        let _building = slot.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = slot.list.get() {
            return Ok(Some(list.clone()));
        }
        let list = Arc::new(build()?);
        let _ = slot.list.set(list.clone());
        Ok(Some(list))
    }

    fn generation(&self, searcher: &Searcher) -> Option<Arc<Generation>> {
        let seen = searcher.generation();
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kept) = current.as_ref() {
            if kept.id == seen.generation_id() || kept.segments == *seen.segments() {
                return Some(kept.clone());
            }
            if kept.id > seen.generation_id() {
                return None;
            }
        }
        let fresh = Arc::new(Generation {
            id: seen.generation_id(),
            segments: seen.segments().clone(),
            lists: Default::default(),
        });
        *current = Some(fresh.clone());
        Some(fresh)
    }
}

/// The order of a document: rank of its sort name among all the segments' (`u64::MAX`
/// without one), id, segment, document.
type Key = (u64, i64, SegmentOrdinal, DocId);

/// Collects the [`Key`] of every matching document that has an id (every indexed member
/// has one).
pub(super) struct SortKeys {
    /// Per segment, the global rank of each sort name ordinal; `None` when the ordinals are
    /// the ranks (one segment with sort names).
    ranks: Vec<Option<Arc<[u64]>>>,
}

impl SortKeys {
    /// For the segments of `searcher`.
    pub fn new(searcher: &Searcher) -> Result<SortKeys, SearchError> {
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|r| r.fast_fields().str(SORT_NAME))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SortKeys {
            ranks: global_ranks(&columns)?,
        })
    }

    /// The ids in order.
    pub fn ids(mut keys: Vec<Key>) -> Vec<i64> {
        keys.sort_unstable();
        keys.into_iter().map(|(_, id, _, _)| id).collect()
    }
}

/// The rank of every sort name of every segment in the byte order of all of them together
/// (equal names, equal ranks), by merging the segments' sorted dictionaries.
fn global_ranks(columns: &[Option<StrColumn>]) -> Result<Vec<Option<Arc<[u64]>>>, SearchError> {
    if columns.iter().filter(|c| c.is_some()).count() <= 1 {
        return Ok(vec![None; columns.len()]);
    }
    let mut ranks: Vec<Option<Vec<u64>>> = columns
        .iter()
        .map(|c| c.as_ref().map(|c| vec![0; c.num_terms()]))
        .collect();
    let mut streams = Vec::new();
    for (segment, column) in columns.iter().enumerate() {
        if let Some(column) = column {
            let mut stream = column.dictionary().stream()?;
            if stream.advance() {
                streams.push((segment, stream));
            }
        }
    }
    let mut smallest: Vec<u8> = Vec::new();
    let mut rank = 0u64;
    while let Some(first) = streams
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| a.1.key().cmp(b.1.key()))
        .map(|(i, _)| i)
    {
        smallest.clear();
        smallest.extend_from_slice(streams[first].1.key());
        let mut i = 0;
        while i < streams.len() {
            let (segment, stream) = &mut streams[i];
            if stream.key() == smallest.as_slice() {
                if let Some(r) = ranks[*segment].as_mut() {
                    if let Some(slot) = r.get_mut(stream.term_ord() as usize) {
                        *slot = rank;
                    }
                }
                if !stream.advance() {
                    streams.swap_remove(i);
                    continue;
                }
            }
            i += 1;
        }
        rank += 1;
    }
    Ok(ranks.into_iter().map(|r| r.map(Arc::from)).collect())
}

pub(super) struct SegmentSortKeys {
    segment: SegmentOrdinal,
    ranks: Option<Arc<[u64]>>,
    names: Option<Column<u64>>,
    ids: Option<Column<i64>>,
    keys: Vec<Key>,
}

impl Collector for SortKeys {
    type Fruit = Vec<Key>;
    type Child = SegmentSortKeys;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentSortKeys> {
        let fast = reader.fast_fields();
        Ok(SegmentSortKeys {
            segment,
            ranks: self.ranks.get(segment as usize).cloned().flatten(),
            names: fast.str(SORT_NAME)?.map(|c| c.ords().clone()),
            ids: fast.column_opt::<i64>(ID)?,
            keys: Vec::with_capacity(reader.num_docs() as usize),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, mut fruits: Vec<Vec<Key>>) -> tantivy::Result<Vec<Key>> {
        if fruits.len() == 1 {
            return Ok(fruits.pop().unwrap_or_default());
        }
        let mut all = Vec::with_capacity(fruits.iter().map(Vec::len).sum());
        for fruit in fruits {
            all.extend(fruit);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentSortKeys {
    type Fruit = Vec<Key>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(id) = self.ids.as_ref().and_then(|c| c.first(doc)) else {
            return;
        };
        let rank = match self.names.as_ref().and_then(|c| c.first(doc)) {
            None => u64::MAX,
            Some(ord) => match &self.ranks {
                None => ord,
                Some(ranks) => ranks.get(ord as usize).copied().unwrap_or(u64::MAX),
            },
        };
        self.keys.push((rank, id, self.segment, doc));
    }

    fn harvest(self) -> Vec<Key> {
        self.keys
    }
}
