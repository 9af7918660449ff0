//! The questionnaire files (`data/reference/diagnostics/*.toml`), read and checked: a mistake
//! stops the start with the file, the line and what is wrong, every mistake found at once.
//! The shipped files are compiled into the binary; `CATALYSE_DIAGNOSTICS_DIR` may name a
//! folder of files read instead (checked the same way).

use super::{Block, Choice, Condition, Kind, Question, Questionnaire, Role, Scale, OTHER};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;
use toml::Spanned;

/// The shipped files: (name, text), in the order they are listed.
pub const SHIPPED: [(&str, &str); 3] = [
    (
        "qualifier-son-innovation.toml",
        include_str!("../../../../data/reference/diagnostics/qualifier-son-innovation.toml"),
    ),
    (
        "capacite-de-co-construction.toml",
        include_str!("../../../../data/reference/diagnostics/capacite-de-co-construction.toml"),
    ),
    (
        "evaluer-un-partenariat.toml",
        include_str!("../../../../data/reference/diagnostics/evaluer-un-partenariat.toml"),
    ),
];

/// Where the shipped files are in the repository, as errors name them.
pub const SHIPPED_DIR: &str = "data/reference/diagnostics";

/// One mistake: the file, the line (when it can be told) and what is wrong (French).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}, ligne {l} : {}", self.file, self.message),
            None => write!(f, "{} : {}", self.file, self.message),
        }
    }
}

/// Every mistake found, one a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("questionnaires d'autodiagnostic refusés :\n{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct FileErrors(pub Vec<FileError>);

/// The slugs a questionnaire may name: levers, actor families, fragilities, phases.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub levers: Vec<String>,
    pub families: Vec<String>,
    pub fragilities: Vec<String>,
    pub phases: Vec<String>,
}

impl Known {
    /// From the reference frame and the survey's fragilities; the phases are the case
    /// studies' (`cases::Phase`).
    pub fn new(frame: &crate::ReferenceFrame, fragilities: &[crate::dataset::Fragility]) -> Known {
        Known {
            levers: frame.levers.iter().map(|l| l.slug.clone()).collect(),
            families: (frame.actor_families.iter())
                .map(|f| f.slug.clone())
                .collect(),
            fragilities: fragilities.iter().map(|f| f.slug.clone()).collect(),
            phases: (crate::cases::Phase::ALL.iter())
                .map(|p| p.as_str().to_string())
                .collect(),
        }
    }

    fn of(&self, role: Role) -> &[String] {
        match role {
            Role::Family => &self.families,
            Role::Fragility => &self.fragilities,
            Role::Phase => &self.phases,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    slug: Spanned<String>,
    title: String,
    summary: String,
    minutes: Spanned<u32>,
    source: String,
    #[serde(default)]
    position: u32,
    #[serde(default)]
    observatory: bool,
    weak_below: Option<Spanned<u8>>,
    #[serde(default)]
    block: Vec<BlockEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockEntry {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    question: Vec<QuestionEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionEntry {
    id: Spanned<String>,
    kind: Spanned<String>,
    label: String,
    #[serde(default)]
    hint: String,
    required: Option<bool>,
    lever: Option<Spanned<String>>,
    role: Option<Spanned<String>>,
    show_if: Option<Spanned<ConditionEntry>>,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    min_label: String,
    #[serde(default)]
    max_label: String,
    max_chars: Option<u32>,
    #[serde(default)]
    choice: Vec<ChoiceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionEntry {
    question: String,
    any_of: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceEntry {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    points: u32,
}

/// The shipped questionnaires, in their order.
pub fn shipped(known: &Known) -> Result<Vec<Questionnaire>, FileErrors> {
    read_all(
        SHIPPED
            .iter()
            .map(|(name, text)| (format!("{SHIPPED_DIR}/{name}"), text.to_string())),
        known,
    )
}

/// The questionnaires of the `*.toml` files of `dir` (in their `position`, then slug order).
pub fn from_dir(dir: &Path, known: &Known) -> Result<Vec<Questionnaire>, FileErrors> {
    let fail = |message: String| {
        FileErrors(vec![FileError {
            file: dir.display().to_string(),
            line: None,
            message,
        }])
    };
    let entries = std::fs::read_dir(dir).map_err(|e| fail(format!("dossier illisible ({e})")))?;
    let mut files = vec![];
    for e in entries {
        let path = e
            .map_err(|e| fail(format!("dossier illisible ({e})")))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                FileErrors(vec![FileError {
                    file: path.display().to_string(),
                    line: None,
                    message: format!("fichier illisible ({e})"),
                }])
            })?;
            files.push((path.display().to_string(), text));
        }
    }
    if files.is_empty() {
        return Err(fail("aucun fichier .toml de questionnaire".into()));
    }
    files.sort();
    read_all(files.into_iter(), known)
}

fn read_all(
    files: impl Iterator<Item = (String, String)>,
    known: &Known,
) -> Result<Vec<Questionnaire>, FileErrors> {
    let mut out: Vec<(u32, Questionnaire)> = vec![];
    let mut errors = vec![];
    for (file, text) in files {
        match parse(&file, &text, known) {
            Ok(q) => {
                if out.iter().any(|(_, o)| o.slug == q.1.slug) {
                    errors.push(FileError {
                        file,
                        line: None,
                        message: format!(
                            "un autre questionnaire a déjà l'identifiant « {} »",
                            q.1.slug
                        ),
                    });
                } else {
                    out.push(q);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(FileErrors(errors));
    }
    out.sort_by(|a, b| (a.0, &a.1.slug).cmp(&(b.0, &b.1.slug)));
    Ok(out.into_iter().map(|(_, q)| q).collect())
}

/// Reads one file (named `file`, for the errors): the questionnaire and its position, or
/// every mistake with its line.
pub fn parse(
    file: &str,
    text: &str,
    known: &Known,
) -> Result<(u32, Questionnaire), Vec<FileError>> {
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let parsed: FileEntry = toml::from_str(text).map_err(|e| {
        vec![FileError {
            file: file.to_string(),
            line: e.span().map(|s| line_of(s.start)),
            message: e.message().trim().to_string(),
        }]
    })?;
    let mut c = Checker {
        file,
        line_of: &line_of,
        known,
        errors: vec![],
    };
    let q = c.questionnaire(parsed);
    if c.errors.is_empty() {
        Ok(q)
    } else {
        Err(c.errors)
    }
}

struct Checker<'a> {
    file: &'a str,
    line_of: &'a dyn Fn(usize) -> usize,
    known: &'a Known,
    errors: Vec<FileError>,
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl Checker<'_> {
    fn fail<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.errors.push(FileError {
            file: self.file.to_string(),
            line: Some((self.line_of)(at.span().start)),
            message: message.into(),
        });
    }

    fn questionnaire(&mut self, f: FileEntry) -> (u32, Questionnaire) {
        if !is_id(f.slug.get_ref()) {
            self.fail(
                &f.slug,
                "l'identifiant (slug) : lettres minuscules sans accent, chiffres et tirets",
            );
        }
        let stem = Path::new(self.file).file_stem().and_then(|s| s.to_str());
        if stem.is_some_and(|s| s != f.slug.get_ref()) {
            self.fail(
                &f.slug,
                "le fichier doit porter le nom de l'identifiant (slug.toml)",
            );
        }
        for (what, s) in [
            ("title", &f.title),
            ("summary", &f.summary),
            ("source", &f.source),
        ] {
            if s.trim().is_empty() {
                self.fail(&f.slug, format!("« {what} » ne peut pas être vide"));
            }
        }
        if !(1..=120).contains(f.minutes.get_ref()) {
            self.fail(&f.minutes, "« minutes » : de 1 à 120");
        }
        let weak_below = match &f.weak_below {
            Some(w) if !(1..=100).contains(w.get_ref()) => {
                self.fail(w, "« weak_below » : de 1 à 100");
                50
            }
            Some(w) => *w.get_ref(),
            None => 50,
        };
        if f.block.is_empty() {
            self.fail(&f.slug, "un questionnaire a au moins un bloc ([[block]])");
        }
        let mut q = Questionnaire {
            slug: f.slug.get_ref().clone(),
            title: f.title.trim().to_string(),
            summary: f.summary.trim().to_string(),
            minutes: *f.minutes.get_ref(),
            source: f.source.trim().to_string(),
            observatory: f.observatory,
            weak_below,
            blocks: vec![],
        };
        let mut block_ids = HashSet::new();
        for b in f.block {
            if !is_id(b.id.get_ref()) {
                self.fail(
                    &b.id,
                    "l'identifiant du bloc : lettres minuscules, chiffres et tirets",
                );
            }
            if !block_ids.insert(b.id.get_ref().clone()) {
                self.fail(
                    &b.id,
                    format!("un autre bloc a déjà l'identifiant « {} »", b.id.get_ref()),
                );
            }
            if b.title.trim().is_empty() {
                self.fail(&b.id, "le bloc n'a pas de titre");
            }
            if b.question.is_empty() {
                self.fail(
                    &b.id,
                    "un bloc a au moins une question ([[block.question]])",
                );
            }
            let mut block = Block {
                id: b.id.get_ref().clone(),
                title: b.title.trim().to_string(),
                intro: b.intro.trim().to_string(),
                questions: vec![],
            };
            for entry in b.question {
                if let Some(question) = self.question(entry, &q, &block.questions) {
                    block.questions.push(question);
                }
            }
            q.blocks.push(block);
        }
        (f.position, q)
    }

    /// One question, checked against the questions of the earlier blocks (`so_far`) and
    /// those before it in its own (`current`).
    fn question(
        &mut self,
        e: QuestionEntry,
        so_far: &Questionnaire,
        current: &[Question],
    ) -> Option<Question> {
        let id = e.id.get_ref().clone();
        if !is_id(&id) {
            self.fail(
                &e.id,
                "l'identifiant de la question : lettres minuscules, chiffres et tirets",
            );
        }
        if so_far.question(&id).is_some() || current.iter().any(|q| q.id == id) {
            self.fail(
                &e.id,
                format!("une autre question a déjà l'identifiant « {id} »"),
            );
        }
        if e.label.trim().is_empty() {
            self.fail(
                &e.id,
                format!("la question « {id} » n'a pas d'intitulé (label)"),
            );
        }
        let kind: Kind = match e.kind.get_ref().parse() {
            Ok(k) => k,
            Err(_) => {
                self.fail(
                    &e.kind,
                    format!(
                        "type « {} » inconnu : single, multiple, scale ou text",
                        e.kind.get_ref()
                    ),
                );
                return None;
            }
        };
        let choice_kind = matches!(kind, Kind::Single | Kind::Multiple);
        let mut choices = vec![];
        let mut seen = HashSet::new();
        for c in e.choice {
            if !is_id(c.id.get_ref()) {
                self.fail(
                    &c.id,
                    "l'identifiant du choix : lettres minuscules, chiffres et tirets",
                );
            }
            if !seen.insert(c.id.get_ref().clone()) {
                self.fail(
                    &c.id,
                    format!("deux choix ont l'identifiant « {} »", c.id.get_ref()),
                );
            }
            if c.points > 10 {
                self.fail(&c.id, "« points » : de 0 à 10");
            }
            if c.label.trim().is_empty() {
                self.fail(&c.id, "le choix n'a pas d'intitulé (label)");
            }
            choices.push(Choice {
                id: c.id.get_ref().clone(),
                label: c.label.trim().to_string(),
                points: c.points.min(10),
            });
        }
        if choice_kind && !(2..=12).contains(&choices.len()) {
            self.fail(
                &e.id,
                format!("la question « {id} » doit offrir de 2 à 12 choix"),
            );
        }
        if !choice_kind && !choices.is_empty() {
            self.fail(
                &e.id,
                format!("la question « {id} » ({kind}) ne prend pas de choix"),
            );
        }
        let scale = match (kind, e.min, e.max) {
            (Kind::Scale, Some(min), Some(max)) => {
                if !(0..=1).contains(&min) || !(1..=10).contains(&(max - min)) {
                    self.fail(
                        &e.id,
                        "une échelle va de 0 ou 1 (min) à au plus 10 crans de plus (max)",
                    );
                }
                Some(Scale {
                    min,
                    max,
                    min_label: e.min_label.trim().to_string(),
                    max_label: e.max_label.trim().to_string(),
                })
            }
            (Kind::Scale, ..) => {
                self.fail(&e.id, "une échelle a besoin de « min » et de « max »");
                None
            }
            (_, None, None) => None,
            _ => {
                self.fail(
                    &e.id,
                    "« min » et « max » ne valent que pour une échelle (scale)",
                );
                None
            }
        };
        let max_chars = match (kind, e.max_chars) {
            (Kind::Text, Some(n)) if !(1..=1000).contains(&n) => {
                self.fail(&e.id, "« max_chars » : de 1 à 1000");
                280
            }
            (Kind::Text, n) => n.unwrap_or(280),
            (_, Some(_)) => {
                self.fail(
                    &e.id,
                    "« max_chars » ne vaut que pour un texte court (text)",
                );
                0
            }
            (_, None) => 0,
        };
        let lever = e.lever.as_ref().map(|l| l.get_ref().clone());
        if let Some(l) = &e.lever {
            if !self.known.levers.contains(l.get_ref()) {
                self.fail(
                    l,
                    format!(
                        "levier « {} » inconnu (voir data/reference/levers.toml)",
                        l.get_ref()
                    ),
                );
            }
            if kind == Kind::Text {
                self.fail(l, "un texte court ne compte pour aucun levier");
            }
            if choice_kind && choices.iter().all(|c| c.points == 0) {
                self.fail(l, format!("la question « {id} » compte pour un levier : au moins un choix doit rapporter des points"));
            }
        }
        let role = match &e.role {
            None => None,
            Some(r) => match r.get_ref().parse::<Role>() {
                Err(_) => {
                    self.fail(
                        r,
                        format!(
                            "rôle « {} » inconnu : family, fragility ou phase",
                            r.get_ref()
                        ),
                    );
                    None
                }
                Ok(_) if kind != Kind::Single => {
                    self.fail(
                        r,
                        "seule une question à choix unique (single) peut avoir un rôle",
                    );
                    None
                }
                Ok(role) => {
                    let allowed = self.known.of(role);
                    for c in &choices {
                        if c.id != OTHER && !allowed.contains(&c.id) {
                            self.fail(r, format!(
                                "le choix « {} » n'est pas dans la liste du rôle « {role} » ({}, ou « {OTHER} »)",
                                c.id,
                                allowed.join(", ")
                            ));
                        }
                    }
                    Some(role)
                }
            },
        };
        let show_if = e.show_if.as_ref().map(|s| {
            let c = s.get_ref();
            let target = so_far.question(&c.question);
            match target {
                None => self.fail(
                    s,
                    format!(
                    "la condition porte sur « {} », qui n'est pas une question d'un bloc précédent",
                    c.question
                ),
                ),
                Some(t) if !matches!(t.kind, Kind::Single | Kind::Multiple) => self.fail(
                    s,
                    format!(
                        "la condition porte sur « {} », qui n'est pas une question à choix",
                        c.question
                    ),
                ),
                Some(t) => {
                    if c.any_of.is_empty() {
                        self.fail(s, "« any_of » doit nommer au moins un choix");
                    }
                    for id in &c.any_of {
                        if t.choice(id).is_none() {
                            self.fail(
                                s,
                                format!("la question « {} » n'a pas de choix « {id} »", c.question),
                            );
                        }
                    }
                }
            }
            Condition {
                question: c.question.clone(),
                any_of: c.any_of.clone(),
            }
        });
        Some(Question {
            id,
            kind,
            label: e.label.trim().to_string(),
            hint: e.hint.trim().to_string(),
            required: e
                .required
                .unwrap_or(matches!(kind, Kind::Single | Kind::Scale)),
            lever,
            role,
            show_if,
            choices,
            scale,
            max_chars,
        })
    }
}
