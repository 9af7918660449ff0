//! « Autodiagnostics : leviers à renforcer »: a dataset the platform computes from the
//! results people chose to share, anonymously, for a questionnaire that feeds the
//! observatory. Per département and per région (a département's respondents count for its
//! région): how many answered, and for each lever the share of them for whom it is
//! « à renforcer ». A territory with fewer than [`MIN_RESPONDENTS`] respondents has no value
//! at all — no small cell is ever shown, nor its count.

use super::Questionnaire;
use crate::dataset::{rank, Dataset, Indicator, IndicatorValue};
use crate::observatory::DatasetValues;
use crate::{Lever, TerritoryIndex, TerritoryLevel};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The fewest respondents a territory needs for its values to be shown.
pub const MIN_RESPONDENTS: i64 = 10;

/// What every dataset of this kind's slug begins with: reserved, no import may take it.
pub const PREFIX: &str = "autodiagnostic-";

/// The slug of the indicator that counts respondents.
pub const RESPONDENTS: &str = "repondants";

/// The dataset's slug for a questionnaire.
pub fn dataset_slug(questionnaire: &str) -> String {
    format!("{PREFIX}{questionnaire}")
}

/// The slug of a lever's indicator.
pub fn indicator_slug(lever: &str) -> String {
    format!("a-renforcer-{lever}")
}

/// A territory's respondents, weak count per lever scored, and examples among them.
type Sums = (i64, Vec<i64>, i64);

/// Shared results of one département: (département code, slugs of the weak levers, how many
/// results, how many of them example data).
pub type Tally<'a> = (&'a str, &'a [String], i64, i64);

/// The dataset of `q` from its shared results, for `year`, computed `at`. Example data
/// (« données d'exemple ») as soon as one counted result is an example.
pub fn dataset<'a>(
    q: &Questionnaire,
    levers: &[Lever],
    tallies: impl IntoIterator<Item = Tally<'a>>,
    territories: &TerritoryIndex,
    year: i32,
    at: DateTime<Utc>,
) -> DatasetValues {
    let scored = q.levers(levers);
    // (level, code) → (respondents, weak count per lever in `scored`'s order, examples).
    let mut sums: HashMap<(TerritoryLevel, String), Sums> = HashMap::new();
    for (department, weak, count, examples) in tallies {
        let Some(d) = territories.get(TerritoryLevel::Department, department) else {
            continue;
        };
        let holders = std::iter::once((TerritoryLevel::Department, d.code.clone()))
            .chain(d.region.clone().map(|r| (TerritoryLevel::Region, r)));
        for key in holders {
            let e = sums
                .entry(key)
                .or_insert_with(|| (0, vec![0; scored.len()], 0));
            e.0 += count;
            e.2 += examples;
            for (i, l) in scored.iter().enumerate() {
                if weak.contains(&l.slug) {
                    e.1[i] += count;
                }
            }
        }
    }
    let shown: Vec<(&(TerritoryLevel, String), &Sums)> = sums
        .iter()
        .filter(|(_, (n, ..))| *n >= MIN_RESPONDENTS)
        .collect();
    let is_example = shown.iter().any(|(_, (_, _, ex))| *ex > 0);
    let value = |(level, code): &(TerritoryLevel, String), v: f64| IndicatorValue {
        territory_level: *level,
        territory_code: code.clone(),
        group: String::new(),
        year,
        value: v,
        rank: 0,
        peers: 0,
    };
    let mut values: Vec<(String, IndicatorValue)> = vec![];
    for (key, (n, weak, _)) in &shown {
        values.push((RESPONDENTS.to_string(), value(key, *n as f64)));
        for (i, l) in scored.iter().enumerate() {
            let share = (weak[i] as f64 * 1000.0 / *n as f64).round() / 10.0;
            values.push((indicator_slug(&l.slug), value(key, share)));
        }
    }
    rank(&mut values);
    let mut by_indicator: HashMap<String, Vec<IndicatorValue>> = HashMap::new();
    for (slug, v) in values {
        by_indicator.entry(slug).or_default().push(v);
    }
    let mut indicators = vec![(
        Indicator {
            slug: RESPONDENTS.into(),
            name: "Répondants".into(),
            unit: "répondants".into(),
        },
        by_indicator.remove(RESPONDENTS).unwrap_or_default(),
    )];
    for l in &scored {
        let slug = indicator_slug(&l.slug);
        indicators.push((
            Indicator {
                name: format!("Part des répondants à renforcer sur « {} »", l.name),
                unit: "%".into(),
                slug: slug.clone(),
            },
            by_indicator.remove(&slug).unwrap_or_default(),
        ));
    }
    for (_, values) in &mut indicators {
        // The store's order (level as text, rank, code).
        values.sort_by(|a, b| {
            (a.territory_level.as_str(), a.rank, &a.territory_code).cmp(&(
                b.territory_level.as_str(),
                b.rank,
                &b.territory_code,
            ))
        });
    }
    (
        Dataset {
            slug: dataset_slug(&q.slug),
            title: format!("Autodiagnostics « {} » : leviers à renforcer", q.title),
            description: format!(
                "Résultats partagés anonymement, avec l'accord de chaque répondant, du \
                 questionnaire « {} » de la plateforme. Pour chaque département et chaque \
                 région : le nombre de répondants, et pour chaque levier la part de ceux \
                 pour qui il est « à renforcer » (score sous {} sur 100, selon la règle de \
                 calcul propre à la plateforme, affichée avec le questionnaire). Un \
                 territoire de moins de {MIN_RESPONDENTS} répondants n'a aucune valeur : \
                 aucune petite case n'est montrée. Un répondant compte pour son département \
                 et sa région. L'année est celle du calcul.",
                q.title, q.weak_below
            ),
            source: "Catalyse — autodiagnostics partagés par leurs répondants".into(),
            licence: "Licence Ouverte 2.0 (Etalab)".into(),
            is_example,
            updated_at: at,
        },
        indicators,
    )
}
