//! The modules shipped with the platform (`data/reference/formation.toml`), read and checked:
//! a mistake in the file stops the start with a message that names the file, the module, the
//! unit and what is wrong.

use super::{Module, Question, Unit, UnitContent, UnitKind};
use serde::Deserialize;
use std::collections::HashSet;

/// The file's path in the repository, as errors name it.
pub const FILE: &str = "data/reference/formation.toml";

const TEXT: &str = include_str!("../../../../data/reference/formation.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    module: Vec<ModuleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleEntry {
    slug: String,
    title: String,
    summary: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    is_example: bool,
    #[serde(default)]
    unit: Vec<UnitEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitEntry {
    key: String,
    #[serde(default)]
    section: String,
    kind: String,
    #[serde(default)]
    title: String,
    minutes: i32,
    #[serde(default)]
    is_example: bool,
    resource: Option<String>,
    event: Option<String>,
    prompt: Option<String>,
    #[serde(default)]
    question: Vec<Question>,
}

/// A shipped file that cannot be used: which file, and what is wrong (French).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} : {message}")]
pub struct FileError {
    pub file: String,
    pub message: String,
}

/// What the modules of a file may link: the slugs of the resources and of the past events
/// there are (for the shipped file: the kit's documents and the 2019 webinars).
pub struct Known {
    pub resources: HashSet<String>,
    pub events: HashSet<String>,
}

impl Known {
    /// The kit's documents (`kit.toml`) and the sessions of the 2019 cycle
    /// (`webinars-2019.toml`, slugs `webinaire-AAAA-MM-JJ`), as loaded at start.
    pub fn shipped() -> Result<Known, FileError> {
        let kit = crate::resource::Kit::shipped().map_err(|e| FileError {
            file: "data/reference/kit.toml".into(),
            message: e.to_string(),
        })?;
        let cycle = crate::agenda::WebinarCycle::shipped().map_err(|e| FileError {
            file: "data/reference/webinars-2019.toml".into(),
            message: e.to_string(),
        })?;
        Ok(Known {
            resources: kit.resource.into_iter().map(|r| r.slug).collect(),
            events: (cycle.session.iter())
                .map(|s| format!("webinaire-{}", s.date))
                .collect(),
        })
    }
}

/// The shipped modules, in the file's order.
pub fn shipped() -> Result<Vec<Module>, FileError> {
    parse(FILE, TEXT, &Known::shipped()?)
}

/// The SHA-256 of the shipped file: loading is skipped while it is the one loaded last.
pub fn shipped_checksum() -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(TEXT.as_bytes()))
}

/// Reads the modules of `text` (from the file named `file`), checked: every problem found,
/// one per line, in the error.
pub fn parse(file: &str, text: &str, known: &Known) -> Result<Vec<Module>, FileError> {
    let fail = |message: String| FileError {
        file: file.to_string(),
        message,
    };
    let parsed: File = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
    let mut problems: Vec<String> = vec![];
    let mut modules = Vec::with_capacity(parsed.module.len());
    let mut slugs = HashSet::new();
    for m in parsed.module {
        let here = format!("module « {} »", m.slug);
        if !slugs.insert(m.slug.clone()) {
            problems.push(format!("{here} : un autre module a déjà cet identifiant"));
        }
        let mut units = Vec::with_capacity(m.unit.len());
        for (i, u) in m.unit.into_iter().enumerate() {
            let at = format!("{here}, unité {} (« {} »)", i + 1, u.key);
            match unit(u, known) {
                Ok(u) => units.push(u),
                Err(e) => problems.extend(e.into_iter().map(|e| format!("{at} : {e}"))),
            }
        }
        let module = Module {
            slug: m.slug,
            title: m.title,
            summary: m.summary,
            note: m.note,
            is_example: m.is_example,
            units,
        };
        for p in module.problems() {
            match p.unit {
                Some(i) => problems.push(format!(
                    "{here}, unité {} (« {} ») : {}",
                    i + 1,
                    module.units[i].key,
                    p.message
                )),
                None => problems.push(format!("{here} : {}", p.message)),
            }
        }
        modules.push(module);
    }
    if modules.is_empty() {
        problems.push("aucun module ([[module]])".into());
    }
    if problems.is_empty() {
        Ok(modules)
    } else {
        Err(fail(problems.join("\n  ")))
    }
}

/// One unit of the file: its kind's own field given, the others' absent, its target known.
fn unit(u: UnitEntry, known: &Known) -> Result<Unit, Vec<String>> {
    let kind: UnitKind = u
        .kind
        .parse()
        .map_err(|e| vec![format!("{e} (resource, replay, reflection ou quiz)")])?;
    let mut problems = vec![];
    let given = [
        ("resource", u.resource.is_some(), UnitKind::Resource),
        ("event", u.event.is_some(), UnitKind::Replay),
        ("prompt", u.prompt.is_some(), UnitKind::Reflection),
        ("question", !u.question.is_empty(), UnitKind::Quiz),
    ];
    for (field, present, for_kind) in given {
        if present && for_kind != kind {
            problems.push(format!(
                "« {field} » ne sert qu'à une unité de type {for_kind}, pas {kind}"
            ));
        }
        if !present && for_kind == kind {
            problems.push(format!("« {field} » manque (une unité {kind} l'exige)"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let content = match kind {
        UnitKind::Resource => {
            let slug = u.resource.unwrap_or_default();
            if !known.resources.contains(&slug) {
                problems.push(format!(
                    "la ressource « {slug} » n'est pas un document du kit (data/reference/kit.toml)"
                ));
            }
            UnitContent::Resource { slug }
        }
        UnitKind::Replay => {
            let event = u.event.unwrap_or_default();
            if !known.events.contains(&event) {
                problems.push(format!(
                    "la séance « {event} » n'est pas un webinaire de 2019 \
                     (data/reference/webinars-2019.toml, webinaire-AAAA-MM-JJ)"
                ));
            }
            UnitContent::Replay { event }
        }
        UnitKind::Reflection => UnitContent::Reflection {
            prompt: u.prompt.unwrap_or_default(),
        },
        UnitKind::Quiz => UnitContent::Quiz {
            questions: u.question,
        },
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Unit {
        key: u.key,
        section: u.section,
        title: u.title,
        minutes: u.minutes,
        is_example: u.is_example,
        content,
    })
}
