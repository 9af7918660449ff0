//! The reference cases shipped with the platform (`data/reference/cases.toml`): the four
//! experiences the programme text documents, with only what the text says of them.

use super::{CaseActor, CaseFields, Phase};
use crate::network::TerritoryRef;
use crate::TerritoryLevel;
use serde::Deserialize;

const TEXT: &str = include_str!("../../../../data/reference/cases.toml");

#[derive(Debug, Deserialize)]
struct File {
    licence: String,
    body: String,
    closing: String,
    case: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    slug: String,
    title: String,
    summary: String,
    /// `level:code`, or empty when the source names no territory.
    territory: String,
    #[serde(default)]
    territory_note: String,
    phase: String,
    #[serde(default)]
    actors: Vec<CaseActor>,
    #[serde(default)]
    resources: Vec<String>,
    source: String,
}

/// One reference case: its fixed slug and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct ShippedCase {
    pub slug: String,
    pub fields: CaseFields,
}

/// Reads `level:code` (`commune:42218`, `region:44`); the empty text is no territory (an
/// empty code, which no page resolves).
pub fn territory_ref(s: &str) -> Result<TerritoryRef, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(TerritoryRef {
            level: TerritoryLevel::Region,
            code: String::new(),
        });
    }
    let (level, code) = s.split_once(':').ok_or_else(|| {
        format!("territoire « {s} » : écrivez niveau:code, par exemple commune:42218")
    })?;
    let level = level.trim().parse::<TerritoryLevel>().map_err(|_| {
        format!(
            "niveau de territoire « {} » inconnu (region, department, epci ou commune)",
            level.trim()
        )
    })?;
    let code = code.trim();
    if code.is_empty() {
        return Err(format!("territoire « {s} » : le code manque"));
    }
    Ok(TerritoryRef {
        level,
        code: code.to_string(),
    })
}

/// The shipped reference cases, in the file's order.
pub fn shipped() -> Result<Vec<ShippedCase>, String> {
    let file: File = toml::from_str(TEXT).map_err(|e| format!("cases.toml: {e}"))?;
    file.case
        .into_iter()
        .map(|e| {
            let mut body = file.body.clone();
            if !e.territory_note.is_empty() {
                body = format!("{body}\n\n{}", e.territory_note);
            }
            body = format!("{body}\n\n{}", file.closing);
            let families = {
                let mut f: Vec<String> = e.actors.iter().map(|a| a.family.clone()).collect();
                f.dedup();
                f
            };
            let mut fields = CaseFields {
                title: e.title,
                summary: e.summary,
                body,
                territory: territory_ref(&e.territory).map_err(|m| format!("{}: {m}", e.slug))?,
                started_year: None,
                phase: e
                    .phase
                    .parse::<Phase>()
                    .map_err(|m| format!("{}: {m}", e.slug))?,
                fragilities: vec![],
                levers: vec![],
                families,
                actors: e.actors,
                activities: vec![],
                funding: vec![],
                model: String::new(),
                results: String::new(),
                figures: vec![],
                contacts: vec![],
                resources: e.resources,
                images: vec![],
                source: e.source,
                licence: file.licence.clone(),
            };
            fields.normalise();
            Ok(ShippedCase {
                slug: e.slug,
                fields,
            })
        })
        .collect()
}

/// The SHA-256 of the shipped file: loading is skipped while it is the one loaded last.
pub fn shipped_checksum() -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(TEXT.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::ReferenceFrame;

    #[test]
    fn the_four_experiences_of_the_seed_say_only_what_it_says() {
        let cases = shipped().unwrap();
        let slugs: Vec<&str> = cases.iter().map(|c| c.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "labo-regional-des-partenariats-en-alsace",
                "communaute-de-communes-de-charenton-saint-maurice",
                "silver-geek",
                "district-solidaire"
            ]
        );
        let frame = ReferenceFrame::shipped().unwrap();
        let kit = crate::resource::Kit::shipped().unwrap();
        for c in &cases {
            let f = &c.fields;
            // Nothing the seed does not give: no year, figures, funding, model or results.
            assert!(f.started_year.is_none() && f.figures.is_empty() && f.funding.is_empty());
            assert!(f.model.is_empty() && f.results.is_empty() && f.fragilities.is_empty());
            assert!(
                f.source.starts_with("Le RAMEAU, programme 2019"),
                "{}",
                c.slug
            );
            // Each links the kit's document of the same experience.
            assert_eq!(f.resources.len(), 1);
            assert!(
                kit.resource.iter().any(|r| r.slug == f.resources[0]),
                "{} links a kit document",
                c.slug
            );
            // Valid but for what the seed does not say (territory, fragilities, levers).
            let problems: Vec<&str> = f
                .problems_in(&frame, &["isolement"], 2026)
                .iter()
                .map(|p| p.field)
                .filter(|p| *p != "territory" || !f.territory.code.is_empty())
                .collect();
            assert_eq!(problems, ["fragilities", "levers"], "{}", c.slug);
        }
        assert_eq!(
            cases[0].fields.territory,
            territory_ref("region:44").unwrap()
        );
        assert_eq!(cases[1].fields.territory.code, "94");
        assert!(cases[2].fields.territory.code.is_empty());
        assert!(cases[1].fields.summary.contains("Charenton St Maurice"));
        assert_eq!(shipped_checksum().len(), 64);
    }

    #[test]
    fn territories_read_as_level_and_code() {
        assert_eq!(
            territory_ref(" commune : 42218 ").unwrap(),
            TerritoryRef {
                level: TerritoryLevel::Commune,
                code: "42218".into()
            }
        );
        assert!(territory_ref("42218").unwrap_err().contains("niveau:code"));
        assert!(territory_ref("ville:42218")
            .unwrap_err()
            .contains("inconnu"));
        assert!(territory_ref("commune:")
            .unwrap_err()
            .contains("code manque"));
    }
}
