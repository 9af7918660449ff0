//! Self-assessments along the 7 levers (« autodiagnostics »): questionnaires shipped as data
//! (`data/reference/diagnostics/*.toml`, read and checked by [`file`]), answered one block
//! at a time, scored per lever by the platform's own rule ([`Questionnaire::scores`]).
//!
//! **The scoring rule** (written beside the questions on every page): a single-choice
//! question gives the chosen choice's points out of its best choice's; a multiple-choice
//! question the sum of the chosen choices' points out of the sum of all its positive points;
//! a scale (value − min) out of (max − min). A lever's score is the points obtained over the
//! points possible of the questions answered on it, out of 100 (rounded); a question not
//! shown (its condition unmet) or not answered does not count. A lever scoring under the
//! questionnaire's `weak_below` is « à renforcer ». No I/O here: answers come in as JSON
//! values (the API, the private link's [`token`]) or form fields, and are read against the
//! questionnaire.

pub mod aggregate;
pub mod file;
pub mod token;

use crate::Lever;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

crate::slug_enum! {
    /// What a question asks for.
    pub enum Kind ("type de question inconnu") {
        Single = "single", "Choix unique";
        Multiple = "multiple", "Choix multiple";
        Scale = "scale", "Échelle";
        Text = "text", "Texte court";
    }
}

crate::slug_enum! {
    /// What an answer tells the recommendations, beside the scores.
    pub enum Role ("rôle inconnu") {
        /// The respondent's actor family (peers of another family are sought first).
        Family = "family", "Famille d'acteurs";
        /// The fragility of the territory the project answers (cases on it are shown).
        Fragility = "fragility", "Fragilité";
        /// The project's phase (cases of the same phase are shown).
        Phase = "phase", "Phase du projet";
    }
}

/// The choice id that, in a role question, names nothing of the reference lists.
pub const OTHER: &str = "autre";

/// A questionnaire, as read from its file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Questionnaire {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The estimated time to answer, in minutes.
    pub minutes: u32,
    /// Where its questions come from, as shown.
    pub source: String,
    /// With the respondent's consent, anonymous results feed the observatory.
    pub observatory: bool,
    /// A lever scoring under this (out of 100) is « à renforcer ».
    pub weak_below: u8,
    /// One page each, in order.
    pub blocks: Vec<Block>,
}

/// A page of questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Block {
    pub id: String,
    pub title: String,
    pub intro: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// Unique in its questionnaire: the key of its answer.
    pub id: String,
    pub kind: Kind,
    pub label: String,
    pub hint: String,
    pub required: bool,
    /// The lever it counts for, if it is scored.
    pub lever: Option<String>,
    pub role: Option<Role>,
    /// Shown only when this holds.
    pub show_if: Option<Condition>,
    /// Single and multiple choice: the choices, in order.
    pub choices: Vec<Choice>,
    /// Scale only.
    pub scale: Option<Scale>,
    /// Text only: the longest answer, in characters.
    pub max_chars: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    pub min_label: String,
    pub max_label: String,
}

/// Shown only if the answer to `question` (a choice question of an earlier block) is, or
/// includes, one of `any_of`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

/// An answer, read against its question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A choice's id.
    Choice(String),
    /// Choices' ids, in the question's order.
    Choices(Vec<String>),
    Number(i64),
    Text(String),
}

impl Answer {
    /// As JSON, as the API and the private link write it.
    pub fn to_json(&self) -> Value {
        match self {
            Answer::Choice(s) | Answer::Text(s) => Value::from(s.as_str()),
            Answer::Choices(v) => Value::from(v.clone()),
            Answer::Number(n) => Value::from(*n),
        }
    }

    /// Whether it is, or includes, the choice `id`.
    pub fn has(&self, id: &str) -> bool {
        match self {
            Answer::Choice(c) => c == id,
            Answer::Choices(v) => v.iter().any(|c| c == id),
            _ => false,
        }
    }
}

/// Answers by question id.
pub type Answers = BTreeMap<String, Answer>;

/// What is wrong with an answer (or a missing one), in French. (`AnswerProblem` in the
/// OpenAPI document: `Problem` is the RFC 9457 error there.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AnswerProblem))]
pub struct Problem {
    /// The question's id (empty for the whole answer set).
    pub question: String,
    pub message: String,
}

impl Problem {
    fn new(question: &str, message: impl Into<String>) -> Problem {
        Problem {
            question: question.to_string(),
            message: message.into(),
        }
    }
}

/// One lever's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeverScore {
    /// The lever's slug.
    pub lever: String,
    pub name: String,
    /// Points obtained and possible on the questions answered on it.
    pub points: u32,
    pub max: u32,
    /// Out of 100, rounded; `None` when no question on it was answered.
    pub score: Option<u8>,
    /// Under the questionnaire's threshold: « à renforcer ».
    pub weak: bool,
    /// How many of its questions were answered.
    pub answered: u32,
}

/// What the role questions said: the recommendations' inputs beside the scores.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Situation {
    pub family: Option<String>,
    pub fragility: Option<String>,
    pub phase: Option<String>,
}

impl Question {
    /// The most points it can give.
    pub fn max_points(&self) -> u32 {
        match self.kind {
            Kind::Single => self.choices.iter().map(|c| c.points).max().unwrap_or(0),
            Kind::Multiple => self.choices.iter().map(|c| c.points).sum(),
            Kind::Scale => self
                .scale
                .as_ref()
                .map_or(0, |s| u32::try_from(s.max - s.min).unwrap_or(0)),
            Kind::Text => 0,
        }
    }

    /// The points an answer gives.
    pub fn points(&self, a: &Answer) -> u32 {
        let of = |id: &str| {
            (self.choices.iter())
                .find(|c| c.id == id)
                .map_or(0, |c| c.points)
        };
        match (a, &self.scale) {
            (Answer::Choice(c), _) => of(c),
            (Answer::Choices(v), _) => v.iter().map(|c| of(c)).sum(),
            (Answer::Number(n), Some(s)) => u32::try_from(n - s.min).unwrap_or(0),
            _ => 0,
        }
    }

    /// Whether it counts for a lever.
    pub fn is_scored(&self) -> bool {
        self.lever.is_some() && self.max_points() > 0
    }

    pub fn choice(&self, id: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.id == id)
    }

    /// Reads a JSON answer: a choice's id, a list of them, a number or a text, as its kind
    /// asks. `Ok(None)` for no answer (null, an empty list or text).
    pub fn read(&self, v: &Value) -> Result<Option<Answer>, String> {
        if v.is_null() {
            return Ok(None);
        }
        let choice = |v: &Value| -> Result<String, String> {
            let id = v
                .as_str()
                .ok_or("un identifiant de choix (texte) est attendu")?;
            match self.choice(id) {
                Some(c) => Ok(c.id.clone()),
                None => Err(format!("le choix « {} » n'existe pas", clip(id))),
            }
        };
        match self.kind {
            Kind::Single => {
                let id = choice(v)?;
                Ok(Some(Answer::Choice(id)))
            }
            Kind::Multiple => {
                let list = v
                    .as_array()
                    .ok_or("une liste d'identifiants de choix est attendue")?;
                let mut chosen = Vec::with_capacity(list.len());
                for item in list {
                    chosen.push(choice(item)?);
                }
                // In the question's order, each once.
                let ordered: Vec<String> = (self.choices.iter())
                    .filter(|c| chosen.contains(&c.id))
                    .map(|c| c.id.clone())
                    .collect();
                Ok((!ordered.is_empty()).then_some(Answer::Choices(ordered)))
            }
            Kind::Scale => {
                let s = self.scale.as_ref().ok_or("échelle sans bornes")?;
                let n = v.as_i64().ok_or_else(|| {
                    format!("un nombre entier de {} à {} est attendu", s.min, s.max)
                })?;
                if n < s.min || n > s.max {
                    return Err(format!("la valeur doit aller de {} à {}", s.min, s.max));
                }
                Ok(Some(Answer::Number(n)))
            }
            Kind::Text => {
                let text = v.as_str().ok_or("un texte est attendu")?;
                let text: String = text
                    .trim()
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                if text.chars().count() > self.max_chars as usize {
                    return Err(format!("la réponse dépasse {} caractères", self.max_chars));
                }
                Ok((!text.is_empty()).then_some(Answer::Text(text)))
            }
        }
    }
}

/// At most 40 characters of what someone sent, for an error message.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

impl Questionnaire {
    /// Every question, with the position of its block.
    pub fn questions(&self) -> impl Iterator<Item = (usize, &Question)> {
        (self.blocks.iter().enumerate()).flat_map(|(i, b)| b.questions.iter().map(move |q| (i, q)))
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.id == id)
    }

    /// The slugs of the levers it scores, in the frame's order.
    pub fn levers<'a>(&self, frame: &'a [Lever]) -> Vec<&'a Lever> {
        (frame.iter())
            .filter(|l| {
                self.questions()
                    .any(|(_, q)| q.is_scored() && q.lever.as_deref() == Some(&l.slug))
            })
            .collect()
    }

    /// Whether `q` is shown, given the answers (its condition's question answered with one
    /// of the choices it names).
    pub fn shown(&self, q: &Question, answers: &Answers) -> bool {
        match &q.show_if {
            None => true,
            Some(c) => answers
                .get(&c.question)
                .is_some_and(|a| c.any_of.iter().any(|id| a.has(id))),
        }
    }

    /// Drops the answers to unknown questions and to questions not shown (in order, so that
    /// a question hidden hides those that depend on it).
    pub fn prune(&self, answers: &mut Answers) {
        let mut kept = Answers::new();
        for (_, q) in self.questions() {
            if let Some(a) = answers.remove(&q.id) {
                if self.shown(q, &kept) {
                    kept.insert(q.id.clone(), a);
                }
            }
        }
        *answers = kept;
    }

    /// Reads answers given as JSON (the API's `answers`): every problem, or the answers
    /// pruned of those to questions not shown. `complete` asks every required question
    /// shown to be answered.
    pub fn read_json(
        &self,
        given: &serde_json::Map<String, Value>,
        complete: bool,
    ) -> Result<Answers, Vec<Problem>> {
        let (answers, mut problems) = self.read_json_lenient(given);
        if complete {
            problems.extend(self.missing(&answers, None));
        }
        if problems.is_empty() {
            Ok(answers)
        } else {
            Err(problems)
        }
    }

    /// Reads what can be read of answers given as JSON: the answers that fit (pruned of
    /// those to questions not shown), and a problem for each one that does not (an unknown
    /// question, a choice it does not have, a value out of its scale…), left out.
    pub fn read_json_lenient(
        &self,
        given: &serde_json::Map<String, Value>,
    ) -> (Answers, Vec<Problem>) {
        let mut answers = Answers::new();
        let mut problems = vec![];
        for (id, v) in given {
            match self.question(id) {
                None => problems.push(Problem::new(
                    id,
                    format!("aucune question n'a l'identifiant « {} »", clip(id)),
                )),
                Some(q) => match q.read(v) {
                    Ok(Some(a)) => {
                        answers.insert(q.id.clone(), a);
                    }
                    Ok(None) => {}
                    Err(m) => problems.push(Problem::new(&q.id, m)),
                },
            }
        }
        self.prune(&mut answers);
        (answers, problems)
    }

    /// Reads one block's form: its fields by question id (a multiple choice's field given
    /// once per choice ticked, a scale's as digits). The answers read, and every problem of
    /// the block (required questions shown left blank included), in the questions' order.
    /// `earlier` holds the answers of the earlier blocks, that decide what is shown.
    pub fn read_block(
        &self,
        block: usize,
        fields: &[(String, String)],
        earlier: &Answers,
    ) -> (Answers, Vec<Problem>) {
        let mut answers = Answers::new();
        let mut problems = vec![];
        let Some(b) = self.blocks.get(block) else {
            return (answers, problems);
        };
        for q in &b.questions {
            if !self.shown(q, earlier) {
                continue;
            }
            let mut given = fields.iter().filter(|(k, _)| *k == q.id).map(|(_, v)| v);
            let v = match q.kind {
                Kind::Multiple => Value::from(given.cloned().collect::<Vec<String>>()),
                Kind::Scale => match given.next_back().map(|s| s.trim()) {
                    None | Some("") => Value::Null,
                    Some(s) => s.parse::<i64>().map_or(Value::from(s), Value::from),
                },
                Kind::Single | Kind::Text => given
                    .next_back()
                    .map_or(Value::Null, |s| Value::from(s.as_str())),
            };
            match q.read(&v) {
                Ok(Some(a)) => {
                    answers.insert(q.id.clone(), a);
                }
                Ok(None) if q.required => problems.push(Problem::new(
                    &q.id,
                    "Répondez à cette question pour continuer.",
                )),
                Ok(None) => {}
                Err(m) => problems.push(Problem::new(&q.id, upper_first(&m))),
            }
        }
        (answers, problems)
    }

    /// The required questions shown and not answered, of one block or of all.
    pub fn missing(&self, answers: &Answers, block: Option<usize>) -> Vec<Problem> {
        self.questions()
            .filter(|(i, q)| block.is_none_or(|b| b == *i) && q.required)
            .filter(|(_, q)| self.shown(q, answers) && !answers.contains_key(&q.id))
            .map(|(_, q)| Problem::new(&q.id, "une réponse est attendue"))
            .collect()
    }

    /// The first block with a required question shown and unanswered: where to resume.
    pub fn first_unfinished(&self, answers: &Answers) -> Option<usize> {
        (0..self.blocks.len()).find(|b| !self.missing(answers, Some(*b)).is_empty())
    }

    /// The score of every lever it scores, in the frame's order.
    pub fn scores(&self, answers: &Answers, frame: &[Lever]) -> Vec<LeverScore> {
        self.levers(frame)
            .into_iter()
            .map(|l| {
                let (mut points, mut max, mut answered) = (0, 0, 0);
                for (_, q) in self.questions() {
                    if !q.is_scored() || q.lever.as_deref() != Some(&l.slug) {
                        continue;
                    }
                    if let Some(a) = answers.get(&q.id).filter(|_| self.shown(q, answers)) {
                        points += q.points(a).min(q.max_points());
                        max += q.max_points();
                        answered += 1;
                    }
                }
                let score = (max > 0).then(|| {
                    let s = (f64::from(points) * 100.0 / f64::from(max)).round();
                    s.clamp(0.0, 100.0) as u8
                });
                LeverScore {
                    lever: l.slug.clone(),
                    name: l.name.clone(),
                    points,
                    max,
                    score,
                    weak: score.is_some_and(|s| s < self.weak_below),
                    answered,
                }
            })
            .collect()
    }

    /// What the role questions said (« autre » says nothing).
    pub fn situation(&self, answers: &Answers) -> Situation {
        let mut s = Situation::default();
        for (_, q) in self.questions() {
            let (Some(role), Some(Answer::Choice(c))) = (q.role, answers.get(&q.id)) else {
                continue;
            };
            if c == OTHER {
                continue;
            }
            let slot = match role {
                Role::Family => &mut s.family,
                Role::Fragility => &mut s.fragility,
                Role::Phase => &mut s.phase,
            };
            slot.get_or_insert_with(|| c.clone());
        }
        s
    }
}

/// The weak levers, weakest first (then in the frame's order).
pub fn weakest(scores: &[LeverScore]) -> Vec<&LeverScore> {
    let mut weak: Vec<&LeverScore> = scores.iter().filter(|s| s.weak).collect();
    weak.sort_by_key(|s| s.score);
    weak
}

/// Answers as the API and the private link write them.
pub fn to_json(answers: &Answers) -> serde_json::Map<String, Value> {
    (answers.iter())
        .map(|(k, a)| (k.clone(), a.to_json()))
        .collect()
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
