//! Counts of the facet values of the matching documents, from the fast fields.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::{Facets, YearRange};

/// The string facets, in the order of [`FacetCounts::values`].
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

#[derive(Default, Debug)]
pub(crate) struct FacetCounts {
    pub total: u64,
    pub values: [HashMap<String, u64>; 5],
    pub years: [u64; 4],
}

impl FacetCounts {
    pub(crate) fn into_facets(self) -> Facets {
        let [natures, subgroups, levers, authors, formats] = self.values.map(sorted);
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

/// By count, descending, then by key.
fn sorted(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts.into_iter().filter(|(k, _)| !k.is_empty()).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

pub(crate) struct FacetCollector;

pub(crate) struct FacetSegmentCollector {
    columns: Vec<(usize, StrColumn, Vec<u64>)>,
    years: Option<Column<i64>>,
    year_counts: [u64; 4],
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
        let years = fast.column_opt::<i64>("year")?;
        Ok(FacetSegmentCollector {
            columns,
            years,
            year_counts: [0; 4],
            total: 0,
        })
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
            for (into, from) in all.years.iter_mut().zip(fruit.years) {
                *into += from;
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
        if let Some(years) = &self.years {
            if let Some(year) = years.first(doc) {
                self.year_counts[year_bucket(year)] += 1;
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut fruit = FacetCounts {
            total: self.total,
            years: self.year_counts,
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

    #[test]
    fn buckets() {
        assert_eq!(year_bucket(1995), 0);
        assert_eq!(year_bucket(2009), 0);
        assert_eq!(year_bucket(2010), 1);
        assert_eq!(year_bucket(2016), 2);
        assert_eq!(year_bucket(2031), 3);
    }
}
