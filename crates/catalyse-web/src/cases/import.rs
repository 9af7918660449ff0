//! Case studies from a CSV file (`catalyse cases import`): every line is checked as the
//! form would check it (`CaseFields::problems`), plus its territory, author and linked
//! resources; every bad line is reported with its number, and nothing is written unless all
//! are good. The cases are published at once, in one transaction, in the name of their
//! author's account; the case index follows the store's `cases_version`.

use crate::state::AppState;
use catalyse_core::cases::{Case, CaseActor, CaseFields, FundingShare, FundingSource, Phase};
use catalyse_core::dataset::LineError;
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::TerritoryIndex;
use catalyse_store::ImportedCase;
use std::collections::HashMap;

pub use crate::csv_import::ImportError;
use crate::csv_import::{line_errors, list, territory, Accounts};

/// The columns, in the order an export would write them.
pub const COLUMNS: [&str; 18] = [
    "title",
    "summary",
    "body",
    "territory",
    "started_year",
    "phase",
    "fragilities",
    "levers",
    "families",
    "activities",
    "actors",
    "funding",
    "model",
    "results",
    "resources",
    "source",
    "licence",
    "author",
];

/// The columns a file must have (the others may be left out).
const REQUIRED: [&str; 8] = [
    "title",
    "summary",
    "territory",
    "phase",
    "fragilities",
    "levers",
    "licence",
    "author",
];

/// One line read: the case, its author's address, and what is wrong with it.
#[derive(Debug)]
pub struct Line {
    pub line: usize,
    pub fields: CaseFields,
    pub author: String,
    pub problems: Vec<String>,
}

/// `name|family|role;…`
fn actors(s: &str) -> Vec<CaseActor> {
    s.split(';')
        .filter(|a| !a.trim().is_empty())
        .map(|a| {
            let mut parts = a.splitn(3, '|').map(str::trim);
            CaseActor {
                name: parts.next().unwrap_or_default().to_string(),
                family: parts.next().unwrap_or_default().to_string(),
                role: parts.next().unwrap_or_default().to_string(),
            }
        })
        .collect()
}

/// `source:percent;…` (a `%` after the number is allowed).
fn funding(s: &str, problems: &mut Vec<String>) -> Vec<FundingShare> {
    let mut out = Vec::new();
    // « 40 % » (with a space, or a French non-breaking one) is one value.
    let s = s.replace(['\u{a0}', '\u{202f}'], " ").replace(" %", "%");
    for part in s.split(|c: char| c == ';' || c.is_whitespace()) {
        if part.is_empty() {
            continue;
        }
        let Some((source, percent)) = part.split_once(':') else {
            problems.push(format!(
                "part de financement « {part} » : écrivez source:pourcentage, par exemple \
                 collectivites:40"
            ));
            continue;
        };
        let source = match source.trim().parse::<FundingSource>() {
            Ok(s) => s,
            Err(e) => {
                let known: Vec<&str> = FundingSource::ALL.iter().map(|f| f.as_str()).collect();
                problems.push(format!("{e} ({})", known.join(", ")));
                continue;
            }
        };
        match percent.trim().trim_end_matches('%').trim().parse::<u8>() {
            Ok(percent) => out.push(FundingShare { source, percent }),
            Err(_) => problems.push(format!(
                "part de financement « {part} » : le pourcentage doit être un nombre entier"
            )),
        }
    }
    out
}

/// Reads the file and checks what needs no database: the header (missing columns are an
/// error of line 1, and then nothing else is read), each line's cells and
/// `CaseFields::problems`. Cells read back as an export wrote them (`csv_unescape`).
pub fn read(
    text: &str,
    territories: &TerritoryIndex,
    frame: &ReferenceFrame,
    fragilities: &[&str],
    this_year: i32,
) -> Result<Vec<Line>, Vec<LineError>> {
    let mut out = Vec::new();
    for l in crate::csv_import::read(
        text,
        &COLUMNS,
        &REQUIRED,
        "le fichier ne contient aucune pratique",
    )? {
        let get = |c: &str| l.get(c);
        let line = l.line;
        let mut problems = Vec::new();
        let territory = territory(get("territory"), territories, &mut problems);
        let started_year = match get("started_year") {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) => Some(y),
                Err(_) => {
                    problems.push(format!("année de démarrage « {y} » invalide"));
                    None
                }
            },
        };
        let phase = match get("phase").parse::<Phase>() {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!(
                    "{e} (emergence, experimentation, consolidation ou essaimage)"
                ));
                Phase::Emergence
            }
        };
        let funding = funding(get("funding"), &mut problems);
        let mut fields = CaseFields {
            title: get("title").into(),
            summary: get("summary").into(),
            body: get("body").into(),
            territory,
            started_year,
            phase,
            fragilities: list(get("fragilities")),
            levers: list(get("levers")),
            families: list(get("families")),
            actors: actors(get("actors")),
            activities: list(get("activities")),
            funding,
            model: get("model").into(),
            results: get("results").into(),
            figures: vec![],
            contacts: vec![],
            resources: list(get("resources")),
            images: vec![],
            source: get("source").into(),
            licence: get("licence").into(),
        };
        fields.normalise();
        problems.extend(
            fields
                .problems_in(frame, fragilities, this_year)
                .into_iter()
                .map(|p| p.message),
        );
        out.push(Line {
            line,
            author: get("author").to_string(),
            fields,
            problems,
        });
    }
    Ok(out)
}

/// The reference frame the state holds, as `CaseFields::problems` takes it.
pub fn frame(state: &AppState) -> ReferenceFrame {
    ReferenceFrame {
        levers: state.reference.levers.clone(),
        metier: state.reference.metier.clone(),
        actor_families: state.reference.actor_families.clone(),
        milestones: vec![],
        checksum: String::new(),
    }
}

/// Checks the whole file (authors must have an account; linked resources must exist), then
/// writes every case, published, in one transaction, or nothing.
pub async fn import(state: &AppState, text: &str) -> Result<Vec<Case>, ImportError> {
    use chrono::Datelike;
    let fragilities: Vec<&str> = state.fragilities.iter().map(|f| f.slug.as_str()).collect();
    let now = chrono::Utc::now();
    let mut lines = read(
        text,
        &state.territories,
        &frame(state),
        &fragilities,
        now.year(),
    )
    .map_err(ImportError::Lines)?;
    let mut authors = Accounts::default();
    let mut ids = Vec::with_capacity(lines.len());
    let mut resources: HashMap<String, bool> = HashMap::new();
    for l in &mut lines {
        let id = authors.id(state.store.as_ref(), &l.author).await?;
        ids.push(id.unwrap_or_default());
        if l.author.is_empty() {
            l.problems
                .push("auteur manquant : l'adresse d'un compte de la plateforme".into());
        } else if id.is_none() {
            l.problems.push(format!(
                "auteur « {} » : aucun compte n'a cette adresse",
                l.author
            ));
        }
        for r in &l.fields.resources {
            let exists = match resources.get(r) {
                Some(e) => *e,
                None => {
                    let e = state.store.resource_by_slug(r).await?.is_some();
                    resources.insert(r.clone(), e);
                    e
                }
            };
            if !exists {
                l.problems.push(format!("ressource « {r} » inconnue"));
            }
        }
    }
    let errors = line_errors(lines.iter().map(|l| (l.line, l.problems.as_slice())));
    if !errors.is_empty() {
        return Err(ImportError::Lines(errors));
    }
    let cases: Vec<ImportedCase> = lines
        .into_iter()
        .zip(ids)
        .map(|(l, created_by)| ImportedCase {
            created_by,
            fields: l.fields,
        })
        .collect();
    Ok(state.store.import_cases(&cases, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geography() -> TerritoryIndex {
        TerritoryIndex::new(vec![catalyse_core::Territory {
            level: catalyse_core::TerritoryLevel::Commune,
            code: "42218".into(),
            name: "Saint-Étienne".into(),
            region: Some("84".into()),
            department: Some("42".into()),
            epci: None,
            population: Some(170_000),
            postcodes: vec![],
            lat: Some(45.43),
            lon: Some(4.39),
        }])
    }

    const HEAD: &str = "title,summary,body,territory,started_year,phase,fragilities,levers,families,activities,actors,funding,model,results,source,licence,author\n";

    #[test]
    fn a_good_line_reads_every_column() {
        let text = format!(
            "{HEAD}Navette solidaire,Une navette vers les soins pour les habitants sans voiture.,\"## Le besoin\n\nDes rendez-vous manqués.\",commune:42218,2018,experimentation,mobilite sante,definir-sa-strategie;apprendre-a-faire-alliance,associations,mobiliser-les-acteurs,Ville de Saint-Étienne|collectivites-territoriales|porteur;Entraide|associations|,collectivites:60;fondations:40 %,Mixte,'=Des trajets,Test,CC BY 4.0,a@exemple.fr\n"
        );
        let frame = ReferenceFrame::shipped().unwrap();
        let lines = read(&text, &geography(), &frame, &["mobilite", "sante"], 2026).unwrap();
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert_eq!(l.line, 2);
        assert_eq!(l.fields.fragilities, ["mobilite", "sante"]);
        assert_eq!(l.fields.levers.len(), 2);
        assert_eq!(l.fields.actors.len(), 2);
        assert_eq!(l.fields.actors[0].role, "porteur");
        assert_eq!(l.fields.funding[1].percent, 40);
        assert_eq!(l.fields.results, "=Des trajets", "read back as written");
        assert_eq!(l.fields.body, "## Le besoin\n\nDes rendez-vous manqués.");
        assert_eq!(l.author, "a@exemple.fr");
    }

    #[test]
    fn bad_lines_are_named_with_their_number_and_why() {
        // Line 2 holds a body on two lines: the next record starts on line 4.
        let text = format!(
            "{HEAD}Bonne pratique,Un résumé assez long pour être valide.,\"deux\nlignes\",commune:42218,,emergence,mobilite,definir-sa-strategie,,,,,,,,CC BY 4.0,a@exemple.fr\n\
             Mauvais,court,,commune:99999,dix,finie,inconnue,definir-sa-strategie,,,X|nulle|,etat:70;europe:20,,,,,a@exemple.fr\n"
        );
        let frame = ReferenceFrame::shipped().unwrap();
        let lines = read(&text, &geography(), &frame, &["mobilite"], 2026).unwrap();
        assert!(lines[0].problems.is_empty(), "{:?}", lines[0].problems);
        let bad = &lines[1];
        assert_eq!(bad.line, 4);
        let all = bad.problems.join(" ; ");
        for expected in [
            "territoire inconnu : commune 99999",
            "année de démarrage « dix » invalide",
            "phase inconnue « finie »",
            "La fragilité « inconnue » n'existe pas.",
            "Le résumé : au moins 20 caractères",
            "La famille « nulle » de l'acteur n° 1 n'existe pas.",
            "Les parts du financement font 90 % au lieu de 100 %.",
            "Indiquez la licence",
        ] {
            assert!(all.contains(expected), "« {expected} » in {all}");
        }
        let missing = read("title,summary\nA,B\n", &geography(), &frame, &[], 2026).unwrap_err();
        assert_eq!(missing[0].line, 1);
        assert!(missing[0]
            .message
            .contains("colonnes manquantes : territory, phase"));
        let empty = read(HEAD, &geography(), &frame, &[], 2026).unwrap_err();
        assert!(empty[0].message.contains("aucune pratique"));
    }
}
