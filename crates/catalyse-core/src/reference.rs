//! The reference frame from the seed: levers, métier, actor families, programme milestones.
//! Shipped as TOML files under `data/reference/` and compiled into the binary.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Un des 7 leviers d'un projet novateur, with its guiding questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lever {
    pub slug: String,
    #[serde(default)]
    pub position: i32,
    pub name: String,
    pub questions: Vec<String>,
}

/// Une activité du métier de catalyseur.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub position: i32,
}

/// Une famille du métier (Dialogue territorial, …) with its 4 activities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetierFamily {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub position: i32,
    pub activities: Vec<Activity>,
}

/// Une famille d'acteurs (collectivités territoriales, associations, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorFamily {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub position: i32,
}

/// Un jalon du programme 2019.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Milestone {
    pub date: NaiveDate,
    pub label: String,
    pub description: String,
    /// Which pillar of the programme it belongs to (plateforme, parcours, reseau, observatoire).
    pub pillar: String,
    /// `day` (default) or `month` when the seed gives only the month.
    #[serde(default = "day")]
    pub date_precision: String,
}

fn day() -> String {
    "day".into()
}

/// The whole frame, with a checksum of its source files so that loading is idempotent.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceFrame {
    pub levers: Vec<Lever>,
    pub metier: Vec<MetierFamily>,
    pub actor_families: Vec<ActorFamily>,
    pub milestones: Vec<Milestone>,
    pub checksum: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("reference file {file}: {source}")]
    Toml {
        file: &'static str,
        source: toml::de::Error,
    },
    #[error("reference file {file}: {message}")]
    Invalid { file: &'static str, message: String },
}

const LEVERS: &str = include_str!("../../../data/reference/levers.toml");
const METIER: &str = include_str!("../../../data/reference/metier.toml");
const ACTORS: &str = include_str!("../../../data/reference/actor_families.toml");
const PROGRAMME: &str = include_str!("../../../data/reference/programme.toml");

#[derive(Deserialize)]
struct LeverFile {
    lever: Vec<Lever>,
}
#[derive(Deserialize)]
struct MetierFile {
    family: Vec<MetierFamily>,
}
#[derive(Deserialize)]
struct ActorFile {
    family: Vec<ActorFamily>,
}
#[derive(Deserialize)]
struct ProgrammeFile {
    milestone: Vec<Milestone>,
}

fn parse<T: for<'de> Deserialize<'de>>(
    file: &'static str,
    text: &str,
) -> Result<T, ReferenceError> {
    toml::from_str(text).map_err(|source| ReferenceError::Toml { file, source })
}

impl ReferenceFrame {
    /// The frame compiled into the binary.
    pub fn shipped() -> Result<Self, ReferenceError> {
        Self::from_sources(LEVERS, METIER, ACTORS, PROGRAMME)
    }

    pub fn from_sources(
        levers: &str,
        metier: &str,
        actors: &str,
        programme: &str,
    ) -> Result<Self, ReferenceError> {
        let mut l: LeverFile = parse("levers.toml", levers)?;
        let mut m: MetierFile = parse("metier.toml", metier)?;
        let mut a: ActorFile = parse("actor_families.toml", actors)?;
        let mut p: ProgrammeFile = parse("programme.toml", programme)?;
        for (i, lever) in l.lever.iter_mut().enumerate() {
            lever.position = i as i32 + 1;
        }
        for (i, fam) in m.family.iter_mut().enumerate() {
            fam.position = i as i32 + 1;
            for (j, act) in fam.activities.iter_mut().enumerate() {
                act.position = j as i32 + 1;
            }
        }
        for (i, fam) in a.family.iter_mut().enumerate() {
            fam.position = i as i32 + 1;
        }
        p.milestone.sort_by_key(|m| m.date);
        unique("levers.toml", l.lever.iter().map(|x| &x.slug))?;
        unique("metier.toml", m.family.iter().map(|x| &x.slug))?;
        unique(
            "metier.toml",
            m.family
                .iter()
                .flat_map(|f| f.activities.iter().map(|a| &a.slug)),
        )?;
        unique("actor_families.toml", a.family.iter().map(|x| &x.slug))?;
        let mut h = Sha256::new();
        for s in [levers, metier, actors, programme] {
            h.update(s.as_bytes());
            h.update([0]);
        }
        Ok(ReferenceFrame {
            levers: l.lever,
            metier: m.family,
            actor_families: a.family,
            milestones: p.milestone,
            checksum: hex::encode(h.finalize()),
        })
    }
}

fn unique<'a>(
    file: &'static str,
    slugs: impl Iterator<Item = &'a String>,
) -> Result<(), ReferenceError> {
    let mut seen = std::collections::HashSet::new();
    for s in slugs {
        if s.is_empty() || !seen.insert(s) {
            return Err(ReferenceError::Invalid {
                file,
                message: format!("empty or duplicate slug « {s} »"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_frame_matches_the_seed() {
        let f = ReferenceFrame::shipped().unwrap();
        assert_eq!(f.levers.len(), 7);
        assert_eq!(f.levers[0].name, "Qualifier son innovation");
        assert_eq!(f.levers[6].name, "Évaluer sa pertinence");
        assert_eq!(f.metier.len(), 4);
        assert!(f.metier.iter().all(|m| m.activities.len() == 4));
        assert_eq!(f.actor_families.len(), 7);
        assert_eq!(f.milestones.first().unwrap().date.to_string(), "2019-01-17");
        // Every guiding question is taken word for word from the seed.
        let seed = include_str!("../../../data/reference/levers.toml");
        assert!(seed.contains("Comment qualifier une « preuve de concept » ?"));
    }

    #[test]
    fn duplicate_slugs_are_refused() {
        let dup = "[[lever]]\nslug='a'\nname='A'\nquestions=[]\n[[lever]]\nslug='a'\nname='B'\nquestions=[]\n";
        assert!(
            ReferenceFrame::from_sources(dup, "family=[]", "family=[]", "milestone=[]").is_err()
        );
    }
}
