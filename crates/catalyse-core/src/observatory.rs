//! The observatory held in memory: every dataset, indicator and value, indexed by indicator
//! and by territory. Pages and the API read this snapshot; the store stays the source of
//! truth and a new snapshot replaces the old one after each import. Beside the imported
//! datasets, one is computed from the platform's own needs ([`needs`]).

pub mod needs;

use crate::dataset::{Dataset, Indicator, IndicatorValue, TerritoryValue};
use crate::TerritoryLevel;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A dataset with its indicators, each with its values best rank first.
pub type DatasetValues = (Dataset, Vec<(Indicator, Vec<IndicatorValue>)>);

/// Where a value sits: (dataset, indicator, value) positions.
type Position = (u32, u32, u32);
type ByTerritory = HashMap<(TerritoryLevel, String), Vec<Position>>;

#[derive(Debug, Default)]
pub struct Observatory {
    /// In display order: real data first, then by title.
    datasets: Vec<DatasetValues>,
    by_slug: HashMap<String, usize>,
    /// (level, code) → (dataset, indicator, value) positions, in portrait order.
    by_territory: ByTerritory,
}

impl Observatory {
    /// `datasets` as the store lists them (real data first, then by title), indicators by
    /// name, values by year (latest first), group, level and rank.
    pub fn new(datasets: Vec<DatasetValues>) -> Observatory {
        let by_slug = datasets
            .iter()
            .enumerate()
            .map(|(i, (d, _))| (d.slug.clone(), i))
            .collect();
        let mut by_territory = ByTerritory::new();
        for (di, (_, indicators)) in datasets.iter().enumerate() {
            for (ii, (_, values)) in indicators.iter().enumerate() {
                for (vi, v) in values.iter().enumerate() {
                    by_territory
                        .entry((v.territory_level, v.territory_code.clone()))
                        .or_default()
                        .push((di as u32, ii as u32, vi as u32));
                }
            }
        }
        let mut o = Observatory {
            datasets,
            by_slug,
            by_territory: HashMap::new(),
        };
        // Within one indicator: by group, then latest year first.
        for list in by_territory.values_mut() {
            list.sort_by(|a, b| {
                let (va, vb) = (o.value_at(*a), o.value_at(*b));
                (a.0, a.1, &va.group, std::cmp::Reverse(va.year)).cmp(&(
                    b.0,
                    b.1,
                    &vb.group,
                    std::cmp::Reverse(vb.year),
                ))
            });
            list.shrink_to_fit();
        }
        o.by_territory = by_territory;
        o
    }

    fn value_at(&self, (d, i, v): Position) -> &IndicatorValue {
        &self.datasets[d as usize].1[i as usize].1[v as usize]
    }

    /// Every dataset, real data first.
    pub fn datasets(&self) -> impl Iterator<Item = &Dataset> {
        self.datasets.iter().map(|(d, _)| d)
    }

    /// A dataset with its indicators and their values.
    pub fn dataset(&self, slug: &str) -> Option<&DatasetValues> {
        self.by_slug.get(slug).map(|i| &self.datasets[*i])
    }

    /// A dataset's indicators, by name.
    pub fn indicators<'a>(&'a self, d: &'a DatasetValues) -> impl Iterator<Item = &'a Indicator> {
        d.1.iter().map(|(i, _)| i)
    }

    /// One indicator of a dataset with all its values.
    pub fn indicator(
        &self,
        dataset: &str,
        indicator: &str,
    ) -> Option<(&Dataset, &Indicator, &[IndicatorValue])> {
        let (d, indicators) = self.dataset(dataset)?;
        let (i, values) = indicators.iter().find(|(i, _)| i.slug == indicator)?;
        Some((d, i, values))
    }

    /// The values of one indicator at one level (or all), best rank first.
    pub fn values<'a>(
        &'a self,
        dataset: &str,
        indicator: &str,
        level: Option<TerritoryLevel>,
    ) -> Vec<&'a IndicatorValue> {
        self.indicator(dataset, indicator)
            .map(|(_, _, values)| {
                values
                    .iter()
                    .filter(|v| level.is_none_or(|l| v.territory_level == l))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The levels an indicator has values for, from region to commune.
    pub fn levels(&self, dataset: &str, indicator: &str) -> Vec<TerritoryLevel> {
        let values = self
            .indicator(dataset, indicator)
            .map(|(_, _, v)| v)
            .unwrap_or_default();
        TerritoryLevel::ALL
            .into_iter()
            .filter(|l| values.iter().any(|v| v.territory_level == *l))
            .collect()
    }

    /// Every value known for one territory, with what it measures.
    pub fn territory_values(&self, level: TerritoryLevel, code: &str) -> Vec<TerritoryValue> {
        self.by_territory
            .get(&(level, code.to_string()))
            .map(|list| {
                list.iter()
                    .map(|&(d, i, v)| {
                        let (dataset, indicators) = &self.datasets[d as usize];
                        TerritoryValue {
                            dataset: dataset.clone(),
                            indicator: indicators[i as usize].0.clone(),
                            value: self.value_at((d, i, v)).clone(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The same data with `d` in place of the dataset of the same slug (or added), in
    /// display order. The other datasets are copied: for a small change to one dataset.
    pub fn with_dataset(&self, d: DatasetValues) -> Observatory {
        self.with_datasets(vec![d])
    }

    /// The same data with each of `ds` in place of the dataset of the same slug (or added).
    pub fn with_datasets(&self, ds: Vec<DatasetValues>) -> Observatory {
        let mut all: Vec<DatasetValues> = self
            .datasets
            .iter()
            .filter(|(x, _)| ds.iter().all(|d| x.slug != d.0.slug))
            .cloned()
            .collect();
        for d in ds {
            insert_in_order(&mut all, d);
        }
        Observatory::new(all)
    }

    /// What identifies this version of the data: each dataset's slug and import time. A
    /// snapshot is stale when the store's datasets say otherwise.
    pub fn version(&self) -> Vec<(String, DateTime<Utc>)> {
        version_of(self.datasets())
    }
}

/// Inserts `d` where the display order puts it (real data first, then by title) in a list
/// already in that order.
pub fn insert_in_order(list: &mut Vec<DatasetValues>, d: DatasetValues) {
    let key = |x: &Dataset| (x.is_example, x.title.to_lowercase());
    let at = list
        .iter()
        .position(|(x, _)| key(x) > key(&d.0))
        .unwrap_or(list.len());
    list.insert(at, d);
}

/// The version of a list of datasets, to compare with [`Observatory::version`].
pub fn version_of<'a>(datasets: impl Iterator<Item = &'a Dataset>) -> Vec<(String, DateTime<Utc>)> {
    datasets.map(|d| (d.slug.clone(), d.updated_at)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(level: TerritoryLevel, code: &str, group: &str, year: i32, v: f64) -> IndicatorValue {
        IndicatorValue {
            territory_level: level,
            territory_code: code.into(),
            group: group.into(),
            year,
            value: v,
            rank: 1,
            peers: 1,
        }
    }

    fn dataset(slug: &str) -> Dataset {
        Dataset {
            slug: slug.into(),
            title: slug.into(),
            description: String::new(),
            source: "s".into(),
            licence: "l".into(),
            is_example: false,
            updated_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    fn indicator(slug: &str) -> Indicator {
        Indicator {
            slug: slug.into(),
            name: slug.into(),
            unit: String::new(),
        }
    }

    #[test]
    fn finds_values_by_indicator_and_by_territory() {
        use TerritoryLevel::*;
        let o = Observatory::new(vec![(
            dataset("enquete"),
            vec![
                (
                    indicator("emploi"),
                    vec![
                        value(Region, "84", "citoyens", 2026, 40.0),
                        value(Region, "84", "elus", 2026, 30.0),
                        value(Department, "01", "citoyens", 2026, 20.0),
                        value(Region, "84", "citoyens", 2025, 10.0),
                    ],
                ),
                (
                    indicator("sante"),
                    vec![value(Region, "84", "citoyens", 2026, 5.0)],
                ),
            ],
        )]);
        assert_eq!(o.datasets().count(), 1);
        assert!(o.dataset("absent").is_none());
        assert_eq!(o.values("enquete", "emploi", None).len(), 4);
        assert_eq!(o.values("enquete", "emploi", Some(Department)).len(), 1);
        assert!(o.values("enquete", "absent", None).is_empty());
        assert_eq!(o.levels("enquete", "emploi"), vec![Region, Department]);
        let of_84: Vec<(String, String, i32)> = o
            .territory_values(Region, "84")
            .into_iter()
            .map(|t| (t.indicator.slug, t.value.group, t.value.year))
            .collect();
        assert_eq!(
            of_84,
            vec![
                ("emploi".into(), "citoyens".into(), 2026),
                ("emploi".into(), "citoyens".into(), 2025),
                ("emploi".into(), "elus".into(), 2026),
                ("sante".into(), "citoyens".into(), 2026),
            ]
        );
        assert!(o.territory_values(Commune, "01001").is_empty());
        // Another dataset goes in its place in the display order; one of the same slug is
        // replaced.
        let mut example = dataset("autre");
        example.is_example = true;
        let o2 = o
            .with_dataset((example, vec![]))
            .with_dataset((dataset("alpha"), vec![]))
            .with_dataset((
                dataset("enquete"),
                vec![(
                    indicator("emploi"),
                    vec![value(Region, "84", "", 2026, 1.0)],
                )],
            ));
        let slugs: Vec<&str> = o2.datasets().map(|d| d.slug.as_str()).collect();
        assert_eq!(slugs, ["alpha", "enquete", "autre"]);
        assert_eq!(o2.values("enquete", "emploi", None).len(), 1);
        assert_eq!(o2.territory_values(Region, "84").len(), 1);
        assert_eq!(o.values("enquete", "emploi", None).len(), 4, "unchanged");
        assert_eq!(
            o.version(),
            vec![(
                "enquete".to_string(),
                "2026-01-01T00:00:00Z".parse().unwrap()
            )]
        );
    }
}
