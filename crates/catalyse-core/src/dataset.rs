//! Observatory datasets: indicator values by territory, population group and year, imported
//! from CSV (`territory_level, territory_code, indicator, value, unit, year, source, licence`,
//! plus an optional `group`). A file is checked whole: every bad line is reported with its
//! number, and nothing is kept unless all lines are good.

use crate::text::slugify;
use crate::{TerritoryIndex, TerritoryLevel};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A dataset as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dataset {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub source: String,
    pub licence: String,
    /// Generated example data, to be labelled « données d'exemple » wherever it shows.
    pub is_example: bool,
    /// When it was last imported (in JSON, RFC 3339 with `+00:00`, as the API always wrote it).
    #[serde(serialize_with = "crate::time::offset")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    pub slug: String,
    pub name: String,
    pub unit: String,
}

/// One value of an indicator for one territory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorValue {
    pub territory_level: TerritoryLevel,
    pub territory_code: String,
    /// Population group of a survey (citoyens, élus…), empty otherwise.
    pub group: String,
    pub year: i32,
    pub value: f64,
    /// Rank among the territories of the same level, group and year (1 = highest).
    pub rank: i32,
    /// How many territories share that level, group and year.
    pub peers: i32,
}

/// A value as a territory's portrait shows it, with what it measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerritoryValue {
    pub dataset: Dataset,
    pub indicator: Indicator,
    pub value: IndicatorValue,
}

/// A checked file, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetImport {
    pub source: String,
    pub licence: String,
    pub indicators: Vec<Indicator>,
    /// (indicator slug, value), ranks filled in.
    pub values: Vec<(String, IndicatorValue)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ligne {} : {}", self.line, self.message)
    }
}

const REQUIRED: [&str; 8] = [
    "territory_level",
    "territory_code",
    "indicator",
    "value",
    "unit",
    "year",
    "source",
    "licence",
];

/// Reads and checks a dataset file against the geography. Accepts `,` or `;` as separator
/// (a file saved by a French spreadsheet), and a decimal comma with `;`.
pub fn parse_csv(text: &str, geography: &TerritoryIndex) -> Result<DatasetImport, Vec<LineError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let fail = |line, message: String| vec![LineError { line, message }];
    let headers = reader
        .headers()
        .map_err(|e| fail(1, format!("en-tête illisible ({e})")))?
        .clone();
    let col: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_lowercase(), i))
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !col.contains_key(**c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(fail(
            1,
            format!("colonne(s) manquante(s) : {}", missing.join(", ")),
        ));
    }
    let group_col = col.get("group").copied();

    let mut errors = Vec::new();
    let mut units: HashMap<String, (String, String, usize)> = HashMap::new();
    let mut seen: HashMap<(TerritoryLevel, String, String, String, i32), usize> = HashMap::new();
    let mut meta: Option<(String, String, usize)> = None;
    let mut values: Vec<(String, IndicatorValue)> = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(LineError {
                    line,
                    message: format!("ligne illisible ({e})"),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        // A cell written by the platform's own export (`csv_cell`) reads back as it was.
        let get =
            |name: &str| crate::text::csv_unescape(record.get(col[name]).unwrap_or("")).to_string();
        let mut bad = |message: String| errors.push(LineError { line, message });
        let level = match get("territory_level").parse::<TerritoryLevel>() {
            Ok(l) => Some(l),
            Err(_) => {
                bad(format!(
                    "niveau « {} » inconnu (attendu : region, department, epci ou commune)",
                    get("territory_level")
                ));
                None
            }
        };
        let code = get("territory_code").to_ascii_uppercase();
        if let Some(level) = level {
            if geography.get(level, &code).is_none() {
                bad(format!(
                    "code {level} « {code} » inconnu dans la géographie officielle"
                ));
            }
        }
        let indicator = get("indicator");
        if indicator.is_empty() || slugify(&indicator).is_empty() {
            bad("indicateur vide".into());
        }
        let raw = get("value");
        let parsed = if delimiter == b';' {
            raw.replace(',', ".")
        } else {
            raw.clone()
        };
        let value = match parsed.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                bad(format!("valeur « {raw} » non numérique"));
                None
            }
        };
        let year = match get("year").parse::<i32>() {
            Ok(y) if (1800..=2200).contains(&y) => Some(y),
            _ => {
                bad(format!("année « {} » invalide", get("year")));
                None
            }
        };
        let (source, licence) = (get("source"), get("licence"));
        if source.is_empty() || licence.is_empty() {
            bad("source et licence sont obligatoires".into());
        }
        match &meta {
            None => meta = Some((source.clone(), licence.clone(), line)),
            Some((s, l, first)) if *s != source || *l != licence => bad(format!(
                "source ou licence différente de celle de la ligne {first} (un fichier = un jeu de données)"
            )),
            _ => {}
        }
        let slug = slugify(&indicator);
        let unit = get("unit");
        match units.get(&slug) {
            Some((u, _, first)) if *u != unit => bad(format!(
                "unité « {unit} » différente de celle de la ligne {first} pour « {indicator} »"
            )),
            Some(_) => {}
            None => {
                units.insert(slug.clone(), (unit, indicator.clone(), line));
            }
        }
        let group = crate::text::csv_unescape(group_col.and_then(|i| record.get(i)).unwrap_or(""))
            .to_string();
        if let (Some(level), Some(value), Some(year)) = (level, value, year) {
            let key = (level, code.clone(), slug.clone(), group.clone(), year);
            if let Some(first) = seen.insert(key, line) {
                bad(format!(
                    "doublon de la ligne {first} (même territoire, indicateur, groupe et année)"
                ));
                continue;
            }
            values.push((
                slug,
                IndicatorValue {
                    territory_level: level,
                    territory_code: code,
                    group,
                    year,
                    value,
                    rank: 0,
                    peers: 0,
                },
            ));
        }
    }
    if values.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 2,
            message: "le fichier ne contient aucune valeur".into(),
        });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    let (source, licence, _) = meta.unwrap_or_default();
    let mut indicators: Vec<Indicator> = units
        .into_iter()
        .map(|(slug, (unit, name, _))| Indicator { slug, name, unit })
        .collect();
    indicators.sort_by(|a, b| a.slug.cmp(&b.slug));
    rank(&mut values);
    Ok(DatasetImport {
        source,
        licence,
        indicators,
        values,
    })
}

/// Fills `rank` (1 = highest value, ties share a rank) and `peers` within each indicator,
/// level, group and year.
pub fn rank(values: &mut [(String, IndicatorValue)]) {
    let mut groups: BTreeMap<(String, TerritoryLevel, String, i32), Vec<usize>> = BTreeMap::new();
    for (i, (slug, v)) in values.iter().enumerate() {
        groups
            .entry((slug.clone(), v.territory_level, v.group.clone(), v.year))
            .or_default()
            .push(i);
    }
    for members in groups.values_mut() {
        members.sort_by(|a, b| values[*b].1.value.total_cmp(&values[*a].1.value));
        let peers = members.len() as i32;
        let mut rank = 0;
        let mut previous = None;
        for (place, i) in members.iter().enumerate() {
            let v = values[*i].1.value;
            if previous != Some(v) {
                rank = place as i32 + 1;
                previous = Some(v);
            }
            values[*i].1.rank = rank;
            values[*i].1.peers = peers;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Territory;

    fn geo() -> TerritoryIndex {
        let t = |level, code: &str, name: &str| Territory {
            level,
            code: code.into(),
            name: name.into(),
            region: None,
            department: None,
            epci: None,
            population: None,
            postcodes: vec![],
            lat: None,
            lon: None,
        };
        TerritoryIndex::new(vec![
            t(TerritoryLevel::Region, "84", "Auvergne-Rhône-Alpes"),
            t(TerritoryLevel::Region, "11", "Île-de-France"),
            t(TerritoryLevel::Commune, "01001", "L'Abergement-Clémenciat"),
        ])
    }

    const HEAD: &str =
        "territory_level,territory_code,indicator,value,unit,year,source,licence,group\n";

    #[test]
    fn a_good_file_is_ranked() {
        let csv = format!(
            "{HEAD}region,84,Part isolement,31.5,%,2019,IMPACT,Licence Ouverte,citoyens\n\
             region,11,Part isolement,40,%,2019,IMPACT,Licence Ouverte,citoyens\n\
             region,84,Part isolement,20,%,2019,IMPACT,Licence Ouverte,élus\n"
        );
        let d = parse_csv(&csv, &geo()).unwrap();
        assert_eq!(
            d.indicators,
            vec![Indicator {
                slug: "part-isolement".into(),
                name: "Part isolement".into(),
                unit: "%".into()
            }]
        );
        let ara = &d.values[0].1;
        assert_eq!((ara.rank, ara.peers), (2, 2));
        assert_eq!(
            (d.values[2].1.rank, d.values[2].1.peers),
            (1, 1),
            "groups rank apart"
        );
    }

    #[test]
    fn every_bad_line_is_named() {
        let csv = format!(
            "{HEAD}region,84,Part,1,%,2019,S,L,\n\
             canton,84,Part,1,%,2019,S,L,\n\
             commune,99999,Part,1,%,2019,S,L,\n\
             region,11,Part,beaucoup,%,2019,S,L,\n\
             region,84,Part,2,%,2019,S,L,\n\
             region,11,Part,2,km,2019,S,L,\n\
             region,11,Autre,2,%,deux mille,S,L,\n\
             region,11,Autre,2,%,2019,T,L,\n"
        );
        let errors = parse_csv(&csv, &geo()).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7, 8, 9], "{errors:?}");
        assert!(errors[0]
            .to_string()
            .starts_with("ligne 3 : niveau « canton » inconnu"));
        assert!(errors[1].message.contains("« 99999 » inconnu"));
        assert!(errors[2].message.contains("non numérique"));
        assert!(errors[3].message.contains("doublon de la ligne 2"));
        assert!(errors[4].message.contains("unité"));
    }

    #[test]
    fn french_spreadsheets_and_missing_columns() {
        let csv = "territory_level;territory_code;indicator;value;unit;year;source;licence\n\
                   region;84;Part;12,5;%;2019;S;L\n";
        let d = parse_csv(csv, &geo()).unwrap();
        assert_eq!(d.values[0].1.value, 12.5);
        let err = parse_csv("territory_level,value\nregion,1\n", &geo()).unwrap_err();
        assert_eq!(err[0].line, 1);
        assert!(err[0].message.contains("territory_code"));
        assert!(parse_csv(HEAD, &geo()).is_err(), "an empty file is refused");
    }
}

/// The survey model (`data/reference/survey.toml`): fragilities and population groups.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SurveyModel {
    pub groups: Vec<String>,
    #[serde(rename = "fragility")]
    pub fragilities: Vec<Fragility>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Fragility {
    pub slug: String,
    pub name: String,
}

impl SurveyModel {
    pub fn shipped() -> Result<SurveyModel, toml::de::Error> {
        toml::from_str(include_str!("../../../data/reference/survey.toml"))
    }

    /// The fragilities' slugs, as `CaseFields::problems` takes them.
    pub fn fragility_slugs(&self) -> Vec<&str> {
        self.fragilities.iter().map(|f| f.slug.as_str()).collect()
    }

    /// The indicator for one fragility: the share of respondents who name it as a priority.
    pub fn indicator(&self, f: &Fragility) -> Indicator {
        Indicator {
            slug: format!("priorite-{}", f.slug),
            name: format!("Part citant « {} » comme fragilité prioritaire", f.name),
            unit: "%".into(),
        }
    }

    /// A generated example survey (« données d'exemple »): a share for every region code
    /// given, fragility and group, stable from one run to the next. It describes no real
    /// territory.
    pub fn example(&self, regions: &[&str], year: i32) -> DatasetImport {
        let mut values = Vec::new();
        for f in &self.fragilities {
            let ind = self.indicator(f);
            for region in regions {
                for g in &self.groups {
                    // FNV-1a of the key: a spread of shares between 5 % and 65 %.
                    let mut h: u64 = 0xcbf29ce484222325;
                    for b in format!("{region}/{}/{g}", f.slug).bytes() {
                        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
                    }
                    let share = 5.0 + (h % 601) as f64 / 10.0;
                    values.push((
                        ind.slug.clone(),
                        IndicatorValue {
                            territory_level: TerritoryLevel::Region,
                            territory_code: region.to_string(),
                            group: g.clone(),
                            year,
                            value: share,
                            rank: 0,
                            peers: 0,
                        },
                    ));
                }
            }
        }
        rank(&mut values);
        DatasetImport {
            source: "Données d'exemple générées par Catalyse (fictives : aucune enquête réelle)"
                .into(),
            licence: "Données d'exemple, sans valeur statistique".into(),
            indicators: self.fragilities.iter().map(|f| self.indicator(f)).collect(),
            values,
        }
    }
}

#[cfg(test)]
mod survey_tests {
    use super::*;

    #[test]
    fn example_survey_covers_every_region_fragility_and_group() {
        let m = SurveyModel::shipped().unwrap();
        assert_eq!(m.fragilities.len(), 10);
        assert_eq!(m.groups.len(), 4);
        let d = m.example(&["84", "11"], 2019);
        assert_eq!(d.values.len(), 10 * 2 * 4);
        assert!(d
            .values
            .iter()
            .all(|(_, v)| (5.0..=65.0).contains(&v.value) && v.peers == 2));
        assert_eq!(d, m.example(&["84", "11"], 2019), "stable");
        assert!(d.source.contains("exemple"));
    }
}
