//! Kit de formation « catalyseur territorial »: self-paced modules, each made of ordered units
//! (read a resource of the centre, watch a webinar's replay, write a private reflection,
//! answer a quiz), their checks, and how a quiz is scored. The shipped modules
//! (`data/reference/formation.toml`) are read by `shipped`; the animators' text form of a
//! quiz by `quiz_text`.

pub mod quiz_text;
pub mod shipped;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

crate::slug_enum! {
    /// What a unit asks of the person who follows it.
    pub enum UnitKind ("type d'unité inconnu") {
        /// Lire une ressource du centre (`/ressources/{slug}`).
        Resource = "resource", "Lire une ressource";
        /// Revoir un webinaire passé (`/evenements/{slug}`, son replay s'il en a un).
        Replay = "replay", "Revoir un webinaire";
        /// Écrire une réflexion personnelle (privée : seule son autrice la voit).
        Reflection = "reflection", "Réflexion personnelle";
        /// Répondre à un quiz (chaque réponse a son explication).
        Quiz = "quiz", "Quiz";
    }
}

/// One answer a quiz question offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    #[serde(default)]
    pub correct: bool,
}

/// A quiz question: one answer to pick (`multiple` false) or all the right ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    #[serde(default)]
    pub multiple: bool,
    pub choices: Vec<Choice>,
    /// Shown after the answer, right or wrong.
    pub explanation: String,
}

impl Question {
    /// The indexes of the right answers.
    pub fn right(&self) -> Vec<usize> {
        (self.choices.iter().enumerate())
            .filter(|(_, c)| c.correct)
            .map(|(i, _)| i)
            .collect()
    }

    /// Whether `picked` (indexes, any order) is exactly the set of right answers.
    pub fn is_right(&self, picked: &[usize]) -> bool {
        let mut p = picked.to_vec();
        p.sort_unstable();
        p.dedup();
        p == self.right()
    }
}

/// What a unit holds, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitContent {
    /// A resource of the centre, by slug.
    Resource {
        slug: String,
    },
    /// An event (a webinar that took place), by slug.
    Replay {
        event: String,
    },
    Reflection {
        prompt: String,
    },
    Quiz {
        questions: Vec<Question>,
    },
}

impl UnitContent {
    pub fn kind(&self) -> UnitKind {
        match self {
            UnitContent::Resource { .. } => UnitKind::Resource,
            UnitContent::Replay { .. } => UnitKind::Replay,
            UnitContent::Reflection { .. } => UnitKind::Reflection,
            UnitContent::Quiz { .. } => UnitKind::Quiz,
        }
    }

    /// The slug of the resource or event it links, if any.
    pub fn target(&self) -> Option<&str> {
        match self {
            UnitContent::Resource { slug } => Some(slug),
            UnitContent::Replay { event } => Some(event),
            _ => None,
        }
    }
}

/// One step of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Stable within its module (the person's progress follows it through reorderings).
    pub key: String,
    /// The heading of the group of units it belongs to (may be empty).
    pub section: String,
    /// May be empty for a resource or a replay: the page then shows the target's title.
    pub title: String,
    /// Estimated time, in minutes.
    pub minutes: i32,
    /// Content the programme text does not give (« contenu d'exemple »).
    pub is_example: bool,
    pub content: UnitContent,
}

impl Unit {
    pub fn kind(&self) -> UnitKind {
        self.content.kind()
    }
}

/// A module as written: its text and its units, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// A word on where the content comes from (may be empty).
    pub note: String,
    /// The whole module is content the programme text does not give.
    pub is_example: bool,
    pub units: Vec<Unit>,
}

impl Module {
    /// The estimated time of all its units, in minutes.
    pub fn minutes(&self) -> i64 {
        self.units.iter().map(|u| i64::from(u.minutes)).sum()
    }

    /// Whether anything in it is example content.
    pub fn has_examples(&self) -> bool {
        self.is_example || self.units.iter().any(|u| u.is_example)
    }

    /// The position (from 0) of the unit `key`.
    pub fn position_of(&self, key: &str) -> Option<usize> {
        self.units.iter().position(|u| u.key == key)
    }

    /// What is wrong with it, in French (empty when it is valid). Whether its resources and
    /// events exist is for the caller to check.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = vec![];
        let mut add = |unit: Option<usize>, field: &'static str, message: String| {
            out.push(Problem {
                unit,
                field,
                message,
            })
        };
        if let Err(m) = check_slug(&self.slug, MAX_SLUG) {
            add(None, "slug", format!("l'identifiant du module {m}"));
        }
        for (field, label, value, max, required) in [
            ("title", "le titre", &self.title, MAX_TITLE, true),
            ("summary", "le résumé", &self.summary, MAX_TEXT, true),
            ("note", "la note", &self.note, MAX_TEXT, false),
        ] {
            if let Err(m) = check_text(value, max, required, field == "title") {
                add(None, field, format!("{label} {m}"));
            }
        }
        if self.units.is_empty() {
            add(None, "units", "le module n'a aucune unité".into());
        }
        if self.units.len() > MAX_UNITS {
            add(
                None,
                "units",
                format!(
                    "le module a {} unités : {MAX_UNITS} au plus",
                    self.units.len()
                ),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, u) in self.units.iter().enumerate() {
            let at = Some(i);
            match check_slug(&u.key, MAX_KEY) {
                Err(m) => add(at, "key", format!("la clé {m}")),
                Ok(()) if !seen.insert(u.key.as_str()) => add(
                    at,
                    "key",
                    format!("la clé « {} » est déjà celle d'une autre unité", u.key),
                ),
                Ok(()) => {}
            }
            let titled = matches!(u.kind(), UnitKind::Reflection | UnitKind::Quiz);
            if let Err(m) = check_text(&u.title, MAX_TITLE, titled, true) {
                add(at, "title", format!("le titre {m}"));
            }
            if let Err(m) = check_text(&u.section, MAX_TITLE, false, true) {
                add(at, "section", format!("la section {m}"));
            }
            if !(1..=MAX_MINUTES).contains(&u.minutes) {
                add(
                    at,
                    "minutes",
                    format!("la durée doit être de 1 à {MAX_MINUTES} minutes"),
                );
            }
            match &u.content {
                UnitContent::Resource { slug } => {
                    if let Err(m) = check_slug(slug, MAX_TARGET) {
                        add(at, "target", format!("la ressource {m}"));
                    }
                }
                UnitContent::Replay { event } => {
                    if let Err(m) = check_slug(event, MAX_TARGET) {
                        add(at, "target", format!("la séance {m}"));
                    }
                }
                UnitContent::Reflection { prompt } => {
                    if let Err(m) = check_text(prompt, MAX_TEXT, true, false) {
                        add(at, "text", format!("la consigne {m}"));
                    }
                }
                UnitContent::Quiz { questions } => {
                    for m in quiz_problems(questions) {
                        add(at, "text", m);
                    }
                }
            }
        }
        out
    }
}

/// Something wrong with a module: on the module (`unit` None) or on its unit number `unit`
/// (from 0); `field` names the field (`slug`, `title`, `summary`, `note`, `units`, `key`,
/// `section`, `minutes`, `target`, `text`); `message` is French, to follow « Unité 3 : ».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub unit: Option<usize>,
    pub field: &'static str,
    pub message: String,
}

pub const MAX_SLUG: usize = 60;
pub const MAX_KEY: usize = 30;
pub const MAX_TARGET: usize = 200;
pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 2_000;
pub const MAX_UNITS: usize = 200;
pub const MAX_MINUTES: i32 = 600;
pub const MAX_QUESTIONS: usize = 20;
pub const MAX_CHOICES: usize = 10;
/// The longest reflection a person may write.
pub const MAX_REFLECTION: usize = 5_000;

/// A slug: lowercase ASCII letters, digits and single hyphens inside, `max` characters at most.
fn check_slug(s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() {
        return Err("manque".into());
    }
    if s.len() > max {
        return Err(format!("fait plus de {max} caractères"));
    }
    let ok = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "« {s} » ne doit contenir que des lettres minuscules sans accent, des chiffres et des \
             tirets"
        ))
    }
}

fn check_text(s: &str, max: usize, required: bool, one_line: bool) -> Result<(), String> {
    if required && s.trim().is_empty() {
        return Err("manque".into());
    }
    if s.chars().count() > max {
        return Err(format!("fait plus de {max} caractères"));
    }
    let plain = if one_line {
        crate::text::check_plain(s)
    } else {
        crate::text::check_plain_lines(s)
    };
    plain.map_err(str::to_string)
}

/// What is wrong with a quiz's questions, in French.
pub fn quiz_problems(questions: &[Question]) -> Vec<String> {
    let mut out = vec![];
    if questions.is_empty() {
        out.push("le quiz n'a aucune question".into());
    }
    if questions.len() > MAX_QUESTIONS {
        out.push(format!("le quiz a plus de {MAX_QUESTIONS} questions"));
    }
    for (i, q) in questions.iter().enumerate() {
        let n = i + 1;
        if let Err(m) = check_text(&q.text, MAX_TEXT, true, false) {
            out.push(format!("question {n} : le texte {m}"));
        }
        if let Err(m) = check_text(&q.explanation, MAX_TEXT, true, false) {
            out.push(format!("question {n} : l'explication {m}"));
        }
        if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
            out.push(format!(
                "question {n} : il faut de 2 à {MAX_CHOICES} réponses possibles"
            ));
        }
        for (j, c) in q.choices.iter().enumerate() {
            if let Err(m) = check_text(&c.text, MAX_TITLE, true, true) {
                out.push(format!("question {n}, réponse {} : le texte {m}", j + 1));
            }
        }
        let right = q.right().len();
        if q.multiple && right == 0 {
            out.push(format!("question {n} : aucune réponse n'est marquée juste"));
        }
        if !q.multiple && right != 1 {
            out.push(format!(
                "question {n} : une question à réponse unique doit avoir exactement une bonne \
                 réponse ({right} marquées)"
            ));
        }
    }
    out
}

/// How a person answered a quiz: the indexes she picked for each question, in order.
pub type Answers = Vec<Vec<usize>>;

/// A quiz answered: how many questions were right, of how many, and the answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizResult {
    pub score: i32,
    pub out_of: i32,
    pub answers: Answers,
}

/// Scores `answers` against `questions`, or says in French what is wrong with them (a
/// question left unanswered, two answers to a one-answer question, an answer that does not
/// exist), each with the index of its question (`None`: the answers as a whole): nothing is
/// recorded then.
pub fn score(
    questions: &[Question],
    answers: &Answers,
) -> Result<QuizResult, Vec<(Option<usize>, String)>> {
    let mut problems = vec![];
    if answers.len() != questions.len() {
        problems.push((
            None,
            "les réponses ne correspondent pas aux questions du quiz".to_string(),
        ));
    }
    let mut score = 0;
    for (i, (q, a)) in questions.iter().zip(answers).enumerate() {
        let n = i + 1;
        let problem = if a.is_empty() {
            format!("question {n} : choisissez une réponse")
        } else if !q.multiple && a.len() > 1 {
            format!("question {n} : une seule réponse est attendue")
        } else if a.iter().any(|&c| c >= q.choices.len()) {
            format!("question {n} : cette réponse n'existe pas")
        } else {
            if q.is_right(a) {
                score += 1;
            }
            continue;
        };
        problems.push((Some(i), problem));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(QuizResult {
        score,
        out_of: questions.len() as i32,
        answers: answers.clone(),
    })
}

/// An estimated time in words: « 15 min », « 1 h », « 2 h 30 ».
pub fn duration_fr(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}
