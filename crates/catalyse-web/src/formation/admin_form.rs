//! The animators' form of a module, without JavaScript: its text, then one group of fields
//! per unit (`u{i}_…`: order, section, type, title, resource or session, text, minutes,
//! example, remove) and one empty group to add a unit. Units are reordered by their order
//! numbers, removed by their box, added by filling the empty group (saving gives a new one).
//! Read into a [`Draft`] (shown again as sent when something is wrong), then checked into a
//! [`Module`]: every problem is tied to its field.

use catalyse_core::formation::{
    quiz_text, Module, Unit, UnitContent, UnitKind, MAX_MINUTES, MAX_UNITS,
};
use catalyse_store::StoredModule;
use std::collections::HashSet;

/// One unit's fields as sent (or as stored, to edit).
#[derive(Debug, Clone, Default)]
pub struct UnitDraft {
    /// Empty for a unit being added.
    pub key: String,
    pub order: String,
    pub section: String,
    pub kind: String,
    pub title: String,
    pub target: String,
    pub text: String,
    pub minutes: String,
    pub example: bool,
    pub remove: bool,
}

impl UnitDraft {
    /// A group left empty (the one offered to add a unit).
    fn is_blank(&self) -> bool {
        self.key.is_empty()
            && [&self.title, &self.target, &self.text, &self.section]
                .iter()
                .all(|s| s.trim().is_empty())
    }
}

/// The module's form as sent (or as stored).
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub revision: i64,
    pub title: String,
    pub summary: String,
    pub note: String,
    pub example: bool,
    pub units: Vec<UnitDraft>,
}

/// Messages tied to a field (its id) or to the whole form (empty id).
#[derive(Debug, Default)]
pub struct Errors(pub Vec<(String, String)>);

impl Errors {
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn of(&self, field: impl AsRef<str>) -> Vec<&str> {
        (self.0.iter())
            .filter(|(f, _)| f == field.as_ref())
            .map(|(_, m)| m.as_str())
            .collect()
    }

    pub fn has(&self, field: impl AsRef<str>) -> bool {
        self.0.iter().any(|(f, _)| f == field.as_ref())
    }
}

/// The id of unit group `i`'s field `name`.
pub fn field(i: usize, name: &str) -> String {
    format!("u{i}_{name}")
}

/// The form of a stored module, with an empty group to add a unit.
pub fn draft_of(s: &StoredModule) -> Draft {
    let m = &s.module;
    let mut units: Vec<UnitDraft> = (m.units.iter().enumerate())
        .map(|(i, u)| {
            let text = match &u.content {
                UnitContent::Reflection { prompt } => prompt.clone(),
                UnitContent::Quiz { questions } => quiz_text::write(questions),
                _ => String::new(),
            };
            UnitDraft {
                key: u.key.clone(),
                order: ((i + 1) * 10).to_string(),
                section: u.section.clone(),
                kind: u.kind().as_str().into(),
                title: u.title.clone(),
                target: u.content.target().unwrap_or("").into(),
                text,
                minutes: u.minutes.to_string(),
                example: u.is_example,
                remove: false,
            }
        })
        .collect();
    units.push(UnitDraft {
        order: ((m.units.len() + 1) * 10).to_string(),
        kind: UnitKind::Resource.as_str().into(),
        ..UnitDraft::default()
    });
    Draft {
        revision: s.revision,
        title: m.title.clone(),
        summary: m.summary.clone(),
        note: m.note.clone(),
        example: m.is_example,
        units,
    }
}

/// Reads the posted fields (several hundred at most: the form's own).
pub fn read(fields: &[(String, String)]) -> Draft {
    let get = |name: &str| {
        (fields.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ticked = |name: &str| fields.iter().any(|(k, v)| k == name && !v.is_empty());
    let slots = get("unites")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_UNITS + 1);
    Draft {
        revision: get("revision").trim().parse().unwrap_or(0),
        title: get("titre").trim().into(),
        summary: get("resume").trim().into(),
        note: get("note").trim().into(),
        example: ticked("exemple"),
        units: (0..slots)
            .map(|i| UnitDraft {
                key: get(&field(i, "cle")).trim().into(),
                order: get(&field(i, "ordre")).trim().into(),
                section: get(&field(i, "section")).trim().into(),
                kind: get(&field(i, "type")).trim().into(),
                title: get(&field(i, "titre")).trim().into(),
                target: get(&field(i, "cible")).trim().into(),
                text: get(&field(i, "texte")).replace("\r\n", "\n").trim().into(),
                minutes: get(&field(i, "minutes")).trim().into(),
                example: ticked(&field(i, "exemple")),
                remove: ticked(&field(i, "supprimer")),
            })
            .collect(),
    }
}

/// A resource's or an event's slug from what an animator pasted: the slug itself, the
/// page's path (`/ressources/{slug}`) or its whole address.
pub fn target_slug(raw: &str) -> String {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    path.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// The module to write, and where each unit came from in the form.
#[derive(Debug)]
pub struct Checked {
    pub module: Module,
    /// For each unit of `module`, the index of its group in the form.
    pub slots: Vec<usize>,
}

/// The module the form describes (slug `slug`), or every problem tied to its field.
pub fn check(slug: &str, d: &Draft) -> Result<Checked, Errors> {
    let mut errors = Errors::default();
    let mut kept: Vec<(i64, usize, Unit)> = vec![];
    let taken: HashSet<&str> = d.units.iter().map(|u| u.key.as_str()).collect();
    let mut fresh = (1..)
        .map(|n| format!("u{n}"))
        .filter(|k| !taken.contains(k.as_str()));
    for (i, u) in d.units.iter().enumerate() {
        if u.remove || u.is_blank() {
            continue;
        }
        let n = i + 1;
        let mut problem = |name: &str, message: String| {
            errors.push(field(i, name), format!("Unité {n} : {message}"));
        };
        let order = match u.order.parse::<i64>() {
            Ok(o) if (1..=100_000).contains(&o) => o,
            _ => {
                problem("ordre", "l'ordre doit être un nombre de 1 à 100 000".into());
                0
            }
        };
        let minutes = match u.minutes.parse::<i32>() {
            Ok(m) => m,
            Err(_) => {
                problem(
                    "minutes",
                    format!("la durée doit être un nombre de minutes, de 1 à {MAX_MINUTES}"),
                );
                1
            }
        };
        let Ok(kind) = u.kind.parse::<UnitKind>() else {
            problem("type", "choisissez un type d'unité".into());
            continue;
        };
        let content = match kind {
            UnitKind::Resource => UnitContent::Resource {
                slug: target_slug(&u.target),
            },
            UnitKind::Replay => UnitContent::Replay {
                event: target_slug(&u.target),
            },
            UnitKind::Reflection => UnitContent::Reflection {
                prompt: u.text.clone(),
            },
            UnitKind::Quiz => match quiz_text::parse(&u.text) {
                Ok(questions) => UnitContent::Quiz { questions },
                Err(lines) => {
                    for l in lines {
                        problem("texte", l);
                    }
                    continue;
                }
            },
        };
        let key = if u.key.is_empty() {
            fresh.next().unwrap_or_default()
        } else {
            u.key.clone()
        };
        let unit = Unit {
            key,
            section: u.section.clone(),
            title: u.title.clone(),
            minutes,
            is_example: u.example,
            content,
        };
        kept.push((order, i, unit));
    }
    // By order number, then as the form listed them.
    kept.sort_by_key(|(order, i, _)| (*order, *i));
    let slots: Vec<usize> = kept.iter().map(|(_, i, _)| *i).collect();
    let module = Module {
        slug: slug.to_string(),
        title: d.title.clone(),
        summary: d.summary.clone(),
        note: d.note.clone(),
        is_example: d.example,
        units: kept.into_iter().map(|(_, _, u)| u).collect(),
    };
    for p in module.problems() {
        let (id, message) = match p.unit {
            Some(u) => {
                let i = slots[u];
                let name = match p.field {
                    "key" => "cle",
                    "section" => "section",
                    "minutes" => "minutes",
                    "target" => "cible",
                    "text" => "texte",
                    _ => "titre",
                };
                (field(i, name), format!("Unité {} : {}", i + 1, p.message))
            }
            None => {
                let name = match p.field {
                    "summary" => "resume",
                    "note" => "note",
                    "units" => "",
                    _ => "titre",
                };
                (name.to_string(), sentence(&p.message))
            }
        };
        if !errors.0.iter().any(|(f, m)| *f == id && *m == message) {
            errors.push(id, message);
        }
    }
    if errors.is_empty() {
        Ok(Checked { module, slots })
    } else {
        Err(errors)
    }
}

fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn units_are_reordered_removed_and_added_by_their_fields() {
        let d = read(&sent(&[
            ("revision", "3"),
            ("titre", "Un module"),
            ("resume", "Son résumé"),
            ("unites", "4"),
            ("u0_cle", "a"),
            ("u0_ordre", "30"),
            ("u0_type", "resource"),
            ("u0_cible", "https://exemple.fr/ressources/un-document?x=1"),
            ("u0_minutes", "20"),
            ("u1_cle", "b"),
            ("u1_ordre", "10"),
            ("u1_type", "reflection"),
            ("u1_titre", "Réfléchir"),
            ("u1_texte", "Pourquoi ?"),
            ("u1_minutes", "15"),
            ("u2_cle", "c"),
            ("u2_ordre", "20"),
            ("u2_type", "replay"),
            ("u2_cible", "webinaire-2019-02-21"),
            ("u2_minutes", "60"),
            ("u2_supprimer", "oui"),
            ("u3_ordre", "20"),
            ("u3_type", "quiz"),
            ("u3_titre", "Quiz"),
            ("u3_texte", "? Q\r\n+ oui\r\n- non\r\n= Parce que."),
            ("u3_minutes", "5"),
            ("u3_exemple", "oui"),
        ]));
        let c = check("m", &d).unwrap();
        let keys: Vec<&str> = c.module.units.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(keys, ["b", "u1", "a"]);
        assert_eq!(c.slots, [1, 3, 0]);
        assert_eq!(c.module.units[2].content.target(), Some("un-document"));
        assert!(c.module.units[1].is_example);
        assert_eq!(d.revision, 3);
    }

    #[test]
    fn every_problem_is_tied_to_its_field() {
        let d = read(&sent(&[
            ("titre", ""),
            ("resume", "R"),
            ("unites", "2"),
            ("u0_cle", "a"),
            ("u0_ordre", "x"),
            ("u0_type", "quiz"),
            ("u0_titre", "Quiz"),
            ("u0_texte", "+ sans question"),
            ("u0_minutes", "5"),
            ("u1_cle", "b"),
            ("u1_ordre", "2"),
            ("u1_type", "reflection"),
            ("u1_titre", "R"),
            ("u1_texte", ""),
            ("u1_minutes", "900"),
        ]));
        let e = check("m", &d).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["u0_ordre", "u0_texte", "titre", "u1_minutes", "u1_texte"],
            "{e:?}"
        );
        assert!(e.of("u1_texte")[0].starts_with("Unité 2 : la consigne manque"));
        assert_eq!(e.of("titre"), ["Le titre manque"]);
    }
}
