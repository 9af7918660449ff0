//! Counts of the facet values of the matching documents, from the fast fields.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::{Facets, YearRange};

/// The string facets, in the order of [`FacetCounts::keys`].
pub(crate) const FACET_FIELDS: [&str; 5] = ["nature", "subgroup", "lever", "author", "format"];

/// Year buckets: (label, from, to).
pub(crate) const YEAR_BUCKETS: [(&str, Option<i32>, Option<i32>); 4] = [
    ("avant 2010", None, Some(2009)),
    ("2010–2014", Some(2010), Some(2014)),
    ("2015–2019", Some(2015), Some(2019)),
    ("2020 et après", Some(2020), None),
];

fn year_bucket(year: i64) -> usize {
    YEAR_BUCKETS
        .iter()
        .position(|(_, from, to)| {
            from.is_none_or(|f| year >= i64::from(f)) && to.is_none_or(|t| year <= i64::from(t))
        })
        .unwrap_or(0)
}

/// Number of matching documents and counts of the values of string fast fields
/// ([`KeyCollector::fields`], in that order).
#[derive(Debug)]
pub(crate) struct KeyCounts<const N: usize> {
    pub total: u64,
    pub values: [HashMap<String, u64>; N],
}

impl<const N: usize> Default for KeyCounts<N> {
    fn default() -> Self {
        KeyCounts {
            total: 0,
            values: std::array::from_fn(|_| HashMap::new()),
        }
    }
}

impl<const N: usize> KeyCounts<N> {
    fn add(&mut self, other: KeyCounts<N>) {
        self.total += other.total;
        for (into, from) in self.values.iter_mut().zip(other.values) {
            for (k, v) in from {
                *into.entry(k).or_default() += v;
            }
        }
    }

    /// The values of each field by count, descending, then by value; empty values left out.
    pub fn sorted(self) -> [Vec<(String, u64)>; N] {
        self.values.map(sorted)
    }
}

/// By count, descending, then by key.
fn sorted(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts.into_iter().filter(|(k, _)| !k.is_empty()).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Counts the matching documents and the values of the string fast fields `fields`.
pub(crate) struct KeyCollector<const N: usize> {
    pub fields: [&'static str; N],
}

pub(crate) struct KeySegmentCollector<const N: usize> {
    columns: Vec<(usize, StrColumn, Vec<u64>)>,
    total: u64,
}

impl<const N: usize> Collector for KeyCollector<N> {
    type Fruit = KeyCounts<N>;
    type Child = KeySegmentCollector<N>;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<KeySegmentCollector<N>> {
        let fast = segment.fast_fields();
        let mut columns = Vec::with_capacity(N);
        for (i, name) in self.fields.iter().enumerate() {
            if let Some(column) = fast.str(name)? {
                let n = column.num_terms();
                columns.push((i, column, vec![0u64; n]));
            }
        }
        Ok(KeySegmentCollector { columns, total: 0 })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segment_fruits: Vec<KeyCounts<N>>) -> tantivy::Result<KeyCounts<N>> {
        let mut all = KeyCounts::default();
        for fruit in segment_fruits {
            all.add(fruit);
        }
        Ok(all)
    }
}

impl<const N: usize> SegmentCollector for KeySegmentCollector<N> {
    type Fruit = KeyCounts<N>;

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

    fn harvest(self) -> KeyCounts<N> {
        let mut fruit = KeyCounts {
            total: self.total,
            ..KeyCounts::default()
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

/// The resource centre's counts: [`FACET_FIELDS`] and year buckets.
#[derive(Default, Debug)]
pub(crate) struct FacetCounts {
    pub keys: KeyCounts<5>,
    pub years: [u64; 4],
}

impl FacetCounts {
    pub(crate) fn into_facets(self) -> Facets {
        let [natures, subgroups, levers, authors, formats] = self.keys.sorted();
        let years = YEAR_BUCKETS
            .iter()
            .zip(self.years)
            .filter(|(_, count)| *count > 0)
            .map(|((label, from, to), count)| YearRange {
                label: (*label).to_string(),
                from: *from,
                to: *to,
                count,
            })
            .collect();
        Facets {
            natures,
            subgroups,
            levers,
            authors,
            formats,
            years,
        }
    }
}

pub(crate) struct FacetCollector;

const KEYS: KeyCollector<5> = KeyCollector {
    fields: FACET_FIELDS,
};

pub(crate) struct FacetSegmentCollector {
    keys: KeySegmentCollector<5>,
    years: Option<Column<i64>>,
    year_counts: [u64; 4],
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        Ok(FacetSegmentCollector {
            keys: KEYS.for_segment(segment_local_id, segment)?,
            years: segment.fast_fields().column_opt::<i64>("year")?,
            year_counts: [0; 4],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segment_fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut all = FacetCounts::default();
        for fruit in segment_fruits {
            all.keys.add(fruit.keys);
            for (into, from) in all.years.iter_mut().zip(fruit.years) {
                *into += from;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.keys.collect(doc, score);
        if let Some(years) = &self.years {
            if let Some(year) = years.first(doc) {
                self.year_counts[year_bucket(year)] += 1;
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        FacetCounts {
            keys: self.keys.harvest(),
            years: self.year_counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert_eq!(year_bucket(1995), 0);
        assert_eq!(year_bucket(2009), 0);
        assert_eq!(year_bucket(2010), 1);
        assert_eq!(year_bucket(2016), 2);
        assert_eq!(year_bucket(2031), 3);
    }
}
