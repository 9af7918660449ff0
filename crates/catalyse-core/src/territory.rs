//! French territorial geography (official code): regions, departments, EPCI, communes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read;
use std::str::FromStr;

/// Level of a territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TerritoryLevel {
    Region,
    Department,
    Epci,
    Commune,
}

impl TerritoryLevel {
    pub const ALL: [TerritoryLevel; 4] = [
        TerritoryLevel::Region,
        TerritoryLevel::Department,
        TerritoryLevel::Epci,
        TerritoryLevel::Commune,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TerritoryLevel::Region => "region",
            TerritoryLevel::Department => "department",
            TerritoryLevel::Epci => "epci",
            TerritoryLevel::Commune => "commune",
        }
    }
}

impl fmt::Display for TerritoryLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TerritoryLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "region" => Ok(TerritoryLevel::Region),
            "department" => Ok(TerritoryLevel::Department),
            "epci" => Ok(TerritoryLevel::Epci),
            "commune" => Ok(TerritoryLevel::Commune),
            other => Err(format!("unknown territory level « {other} »")),
        }
    }
}

/// A territory of the official geography.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Territory {
    pub level: TerritoryLevel,
    pub code: String,
    pub name: String,
    pub region: Option<String>,
    pub department: Option<String>,
    pub epci: Option<String>,
    pub population: Option<i64>,
    pub postcodes: Vec<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl Territory {
    pub fn slug(&self) -> String {
        crate::text::slugify(&self.name)
    }
}

/// The geography compiled into the binary, with its checksum.
pub struct Geography {
    pub territories: Vec<Territory>,
    pub checksum: String,
}

static SHIPPED: &[u8] = include_bytes!("../../../data/geo/territories.tsv.gz");

#[derive(Debug, thiserror::Error)]
pub enum GeographyError {
    #[error("geography file: {0}")]
    Io(#[from] std::io::Error),
    #[error("geography file, line {line}: {message}")]
    Line { line: usize, message: String },
}

impl Geography {
    /// The geography compiled into the binary; its checksum is that of the compressed file,
    /// so that a start can tell whether it is already loaded without unpacking it.
    pub fn shipped() -> Result<Self, GeographyError> {
        let mut g = Self::from_gzip(SHIPPED)?;
        g.checksum = Self::shipped_checksum();
        Ok(g)
    }

    pub fn shipped_checksum() -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(SHIPPED))
    }

    pub fn from_gzip(bytes: &[u8]) -> Result<Self, GeographyError> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes).read_to_string(&mut text)?;
        Self::from_tsv(&text)
    }

    /// Parses `level code name region department epci population postcodes lat lon`.
    pub fn from_tsv(text: &str) -> Result<Self, GeographyError> {
        use sha2::{Digest, Sha256};
        let mut territories = Vec::with_capacity(40_000);
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.is_empty() {
                continue;
            }
            let err = |message: String| GeographyError::Line {
                line: i + 1,
                message,
            };
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 10 {
                return Err(err(format!("expected 10 fields, found {}", f.len())));
            }
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            let num = |s: &str| -> Result<Option<f64>, GeographyError> {
                if s.is_empty() {
                    Ok(None)
                } else {
                    s.parse()
                        .map(Some)
                        .map_err(|_| err(format!("not a number: {s}")))
                }
            };
            territories.push(Territory {
                level: f[0].parse().map_err(err)?,
                code: f[1].to_string(),
                name: f[2].to_string(),
                region: opt(f[3]),
                department: opt(f[4]),
                epci: opt(f[5]),
                population: if f[6].is_empty() {
                    None
                } else {
                    Some(
                        f[6].parse()
                            .map_err(|_| err(format!("bad population {}", f[6])))?,
                    )
                },
                postcodes: f[7].split_whitespace().map(String::from).collect(),
                lat: num(f[8])?,
                lon: num(f[9])?,
            });
        }
        let checksum = hex::encode(Sha256::digest(text.as_bytes()));
        Ok(Geography {
            territories,
            checksum,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_geography_is_complete() {
        let g = Geography::shipped().unwrap();
        let count = |l| g.territories.iter().filter(|t| t.level == l).count();
        assert!(count(TerritoryLevel::Region) >= 18);
        assert!(count(TerritoryLevel::Department) >= 101);
        assert!(count(TerritoryLevel::Epci) > 1_000);
        assert!(count(TerritoryLevel::Commune) > 34_000);
        let c = g.territories.iter().find(|t| t.code == "01001").unwrap();
        assert_eq!(c.name, "L'Abergement-Clémenciat");
        assert_eq!(c.department.as_deref(), Some("01"));
        assert!(c.postcodes.contains(&"01400".to_string()));
        assert!((c.lat.unwrap() - 46.15).abs() < 0.1);
        assert_eq!(c.slug(), "l-abergement-clemenciat");
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let bad = "header\nregion\t84\tAuvergne-Rhône-Alpes\t\t\t\tmany\t\t\t\n";
        match Geography::from_tsv(bad) {
            Err(GeographyError::Line { line, .. }) => assert_eq!(line, 2),
            _ => panic!("expected a line error"),
        }
    }
}
