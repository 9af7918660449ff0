//! « Besoins des territoires exprimés sur la plateforme »: a dataset the platform computes
//! from its own open needs rather than imports. A need counts for the territory it was
//! expressed for and for every territory that contains it (a commune's for its EPCI, its
//! département and its région; a département's for its région, never for its communes).

use super::DatasetValues;
use crate::dataset::{rank, Dataset, Indicator, IndicatorValue};
use crate::{TerritoryIndex, TerritoryLevel};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The slug of the computed dataset: reserved, no import may take it.
pub const DATASET: &str = "besoins-des-territoires";
/// The slug of its one indicator.
pub const INDICATOR: &str = "besoins-exprimes";

/// Open needs expressed for one territory: (level, code, how many, how many are examples).
pub type OpenNeeds<'a> = (TerritoryLevel, &'a str, i64, i64);

/// The dataset of open needs per territory, at every level of the geography (0 where there
/// is none, so that maps tell « no need » from « no data »), for `year`, computed `at`. It is
/// example data (« données d'exemple ») as soon as one counted need is an example. A need
/// for a territory the geography does not know is left out.
pub fn dataset<'a>(
    open: impl IntoIterator<Item = OpenNeeds<'a>>,
    territories: &TerritoryIndex,
    year: i32,
    at: DateTime<Utc>,
) -> DatasetValues {
    let mut counts: HashMap<(TerritoryLevel, &str), i64> = HashMap::new();
    let mut is_example = false;
    for (level, code, count, examples) in open {
        let Some(t) = territories.get(level, code) else {
            continue;
        };
        is_example |= examples > 0 && count > 0;
        for holder in std::iter::once(t).chain(territories.parents(t)) {
            *counts
                .entry((holder.level, holder.code.as_str()))
                .or_default() += count;
        }
    }
    let mut values: Vec<(String, IndicatorValue)> = territories
        .all()
        .iter()
        .map(|t| {
            let n = counts
                .get(&(t.level, t.code.as_str()))
                .copied()
                .unwrap_or(0);
            (
                INDICATOR.to_string(),
                IndicatorValue {
                    territory_level: t.level,
                    territory_code: t.code.clone(),
                    group: String::new(),
                    year,
                    value: n as f64,
                    rank: 0,
                    peers: 0,
                },
            )
        })
        .collect();
    rank(&mut values);
    let mut values: Vec<IndicatorValue> = values.into_iter().map(|(_, v)| v).collect();
    // The store's order (latest year, group, level as text, rank, code).
    values.sort_by(|a, b| {
        (a.territory_level.as_str(), a.rank, &a.territory_code).cmp(&(
            b.territory_level.as_str(),
            b.rank,
            &b.territory_code,
        ))
    });
    (
        Dataset {
            slug: DATASET.into(),
            title: "Besoins des territoires exprimés sur la plateforme".into(),
            description: "Nombre de besoins ouverts (« ouvert » ou « en relation ») publiés sur \
                          la plateforme, par territoire. Un besoin exprimé pour une commune \
                          compte pour elle, son EPCI, son département et sa région ; un besoin \
                          exprimé pour un département compte pour lui et sa région, pas pour \
                          ses communes. Calculé par la plateforme et tenu à jour à chaque \
                          changement d'un besoin ; l'année est l'année en cours."
                .into(),
            source: "Catalyse — besoins publiés par les territoires".into(),
            licence: "Licence Ouverte 2.0 (Etalab)".into(),
            is_example,
            updated_at: at,
        },
        vec![(
            Indicator {
                slug: INDICATOR.into(),
                name: "Besoins exprimés".into(),
                unit: "besoins".into(),
            },
            values,
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Territory;
    use TerritoryLevel::*;

    fn geo() -> TerritoryIndex {
        let t = |level, code: &str, region: &str, department: &str, epci: &str| Territory {
            level,
            code: code.into(),
            name: code.into(),
            region: (!region.is_empty()).then(|| region.into()),
            department: (!department.is_empty()).then(|| department.into()),
            epci: (!epci.is_empty()).then(|| epci.into()),
            population: None,
            postcodes: vec![],
            lat: None,
            lon: None,
        };
        TerritoryIndex::new(vec![
            t(Region, "84", "", "", ""),
            t(Region, "11", "", "", ""),
            t(Department, "42", "84", "", ""),
            t(Department, "01", "84", "", ""),
            t(Epci, "244200770", "84", "42", ""),
            t(Commune, "42218", "84", "42", "244200770"),
            t(Commune, "42095", "84", "42", "244200770"),
        ])
    }

    fn value<'a>(d: &'a DatasetValues, level: TerritoryLevel, code: &str) -> &'a IndicatorValue {
        d.1[0]
            .1
            .iter()
            .find(|v| v.territory_level == level && v.territory_code == code)
            .unwrap()
    }

    #[test]
    fn a_need_counts_for_its_territory_and_those_that_contain_it() {
        let at = "2026-03-01T00:00:00Z".parse().unwrap();
        let d = dataset(
            [
                (Commune, "42218", 2, 0),
                (Department, "42", 1, 0),
                (Commune, "99999", 5, 5),
            ],
            &geo(),
            2026,
            at,
        );
        assert_eq!(d.0.slug, DATASET);
        assert!(
            !d.0.is_example,
            "the unknown commune's examples are not counted"
        );
        assert_eq!(d.1[0].0.slug, INDICATOR);
        let v = |level, code| value(&d, level, code).value;
        assert_eq!(v(Commune, "42218"), 2.0);
        assert_eq!(
            v(Commune, "42095"),
            0.0,
            "a département's need is not its communes'"
        );
        assert_eq!(v(Epci, "244200770"), 2.0);
        assert_eq!(v(Department, "42"), 3.0);
        assert_eq!(v(Department, "01"), 0.0);
        assert_eq!(v(Region, "84"), 3.0);
        assert_eq!(v(Region, "11"), 0.0);
        assert_eq!(d.1[0].1.len(), 7, "every territory, 0 where there is none");
        let first = value(&d, Department, "42");
        assert_eq!((first.rank, first.peers, first.year), (1, 2, 2026));
        assert_eq!(value(&d, Department, "01").rank, 2);
        // In the store's order: level as text, then rank.
        let order: Vec<(TerritoryLevel, &str)> = d.1[0]
            .1
            .iter()
            .map(|v| (v.territory_level, v.territory_code.as_str()))
            .collect();
        assert_eq!(order[..2], [(Commune, "42218"), (Commune, "42095")]);
        assert_eq!(order[6], (Region, "11"));
    }

    #[test]
    fn example_needs_make_example_data() {
        let at = "2026-03-01T00:00:00Z".parse().unwrap();
        let d = dataset([(Commune, "42218", 3, 1)], &geo(), 2026, at);
        assert!(d.0.is_example);
        let none = dataset(std::iter::empty(), &geo(), 2026, at);
        assert!(!none.0.is_example);
        assert!(none.1[0].1.iter().all(|v| v.value == 0.0));
    }
}
