//! The kit's pages: the list of modules with the person's progress (`/formation`), a module
//! and its units by section (`/formation/{module}`), one unit at a time with « précédent /
//! suivant » (`/formation/{module}/{n}`, `n` from 1). A page that shows a person's progress
//! (a member's, or a visitor's from her cookie) is hers only: `private`, never cached.

use super::progress::{Done, Learner};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::{render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use catalyse_core::formation::{Answers, Module, Question, Unit, UnitContent, UnitKind};
use catalyse_store::{StoredModule, UnitTarget};
use std::collections::HashMap;

/// A module as the list shows it.
pub struct Card {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub is_example: bool,
    pub has_examples: bool,
    pub units: usize,
    pub minutes: String,
    pub done: usize,
    pub completed_at: Option<String>,
}

#[derive(Template)]
#[template(path = "formation/index.html")]
struct IndexPage<'a> {
    ctx: &'a PageCtx,
    cards: Vec<Card>,
    member: bool,
}

/// « 3 unités faites sur 12 ».
fn done_of(t: crate::i18n::Tr, done: usize, total: usize) -> String {
    t.n("formation.done_of", done).replacen(
        "{}",
        &crate::i18n::format_count(t.lang, total as i64),
        1,
    )
}

impl IndexPage<'_> {
    fn done_of(&self, done: &usize, total: &usize) -> String {
        done_of(self.ctx.t, *done, *total)
    }
}

/// Marks a page that shows one person's progress as hers only.
fn personal(mut resp: Response, learner: &Learner) -> Response {
    if learner.is_personal() {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    resp
}

/// `GET /formation`: the modules, with the person's progress in each.
pub async fn index(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let learner = Learner::new(&state, ctx.user.clone(), &headers);
    let modules = state.store.formation_modules().await?;
    let member_progress = match &learner {
        Learner::Member(u) => super::progress_of(&state, u.id).await?,
        Learner::Visitor(_) => vec![],
    };
    let cards = modules
        .iter()
        .map(|s| {
            let m = &s.module;
            let (done, completed_at) = match &learner {
                Learner::Member(_) => member_progress
                    .iter()
                    .find(|p| p.slug == m.slug)
                    .map_or((0, None), |p| {
                        (p.done as usize, p.completed_at.map(|at| ctx.when(&at)))
                    }),
                Learner::Visitor(v) => {
                    let kept = v.0.get(&m.slug);
                    let done = (m.units.iter())
                        .filter(|u| kept.is_some_and(|k| k.contains_key(&u.key)))
                        .count();
                    (done, None)
                }
            };
            Card {
                slug: m.slug.clone(),
                title: m.title.clone(),
                summary: m.summary.clone(),
                is_example: m.is_example,
                has_examples: m.has_examples(),
                units: m.units.len(),
                minutes: super::duration(ctx.t, m.minutes()),
                done,
                completed_at,
            }
        })
        .collect();
    let page = IndexPage {
        ctx: &ctx,
        cards,
        member: learner.is_member(),
    };
    Ok(personal(
        render_status(&ctx, StatusCode::OK, &page)?,
        &learner,
    ))
}

/// One unit in a module's list.
pub struct UnitLine {
    pub n: usize,
    pub title: String,
    pub kind: &'static str,
    pub minutes: String,
    pub done: bool,
    pub score: Option<(i32, i32)>,
    pub is_example: bool,
}

/// Units that share a section heading, in order.
pub struct Section {
    pub title: String,
    pub units: Vec<UnitLine>,
}

#[derive(Template)]
#[template(path = "formation/module.html")]
struct ModulePage<'a> {
    ctx: &'a PageCtx,
    m: &'a Module,
    sections: Vec<Section>,
    done: usize,
    total: usize,
    minutes: String,
    /// The first unit not done yet (from 1), if any.
    next: Option<usize>,
    member: bool,
}

impl ModulePage<'_> {
    fn done_of(&self, done: &usize, total: &usize) -> String {
        done_of(self.ctx.t, *done, *total)
    }
}

/// The i18n key of a kind's name.
pub(crate) fn kind_key(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Resource => "formation.kind_resource",
        UnitKind::Replay => "formation.kind_replay",
        UnitKind::Reflection => "formation.kind_reflection",
        UnitKind::Quiz => "formation.kind_quiz",
    }
}

/// A unit's title: its own, else what it links (from the store), else its target's slug.
pub(crate) fn unit_title(u: &Unit, target: Option<&UnitTarget>) -> String {
    if !u.title.trim().is_empty() {
        return u.title.clone();
    }
    match (target, u.content.target()) {
        (Some(t), _) => t.title.clone(),
        (None, Some(slug)) => slug.to_string(),
        (None, None) => u.key.clone(),
    }
}

/// The module of `slug`, or 404.
pub(crate) async fn module_or_404(state: &AppState, slug: &str) -> Result<StoredModule, AppError> {
    state
        .store
        .formation_module(slug)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /formation/{module}`: its units by section, what the person did of them.
pub async fn module(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let s = module_or_404(&state, &slug).await?;
    let learner = Learner::new(&state, ctx.user.clone(), &headers);
    let done = learner.done_in(&state, &slug).await?;
    let m = &s.module;
    let mut sections: Vec<Section> = vec![];
    for (i, (u, target)) in m.units.iter().zip(&s.targets).enumerate() {
        let line = UnitLine {
            n: i + 1,
            title: unit_title(u, target.as_ref()),
            kind: kind_key(u.kind()),
            minutes: super::duration(ctx.t, i64::from(u.minutes)),
            done: done.contains_key(&u.key),
            score: done.get(&u.key).and_then(|d| d.score),
            is_example: u.is_example,
        };
        match sections.last_mut() {
            Some(last) if last.title == u.section => last.units.push(line),
            _ => sections.push(Section {
                title: u.section.clone(),
                units: vec![line],
            }),
        }
    }
    let count = m.units.iter().filter(|u| done.contains_key(&u.key)).count();
    let page = ModulePage {
        ctx: &ctx,
        m,
        done: count,
        total: m.units.len(),
        minutes: super::duration(ctx.t, m.minutes()),
        next: m
            .units
            .iter()
            .position(|u| !done.contains_key(&u.key))
            .map(|i| i + 1),
        sections,
        member: learner.is_member(),
    };
    Ok(personal(
        render_status(&ctx, StatusCode::OK, &page)?,
        &learner,
    ))
}

/// The ids of the quiz's fieldsets, for errors tied to their question.
pub(crate) const QUESTION_IDS: [&str; catalyse_core::formation::MAX_QUESTIONS] = [
    "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q13", "q14", "q15",
    "q16", "q17", "q18", "q19", "q20",
];

/// How one quiz question was answered.
pub struct Feedback {
    pub right: bool,
    pub answers: Vec<String>,
    pub explanation: String,
}

/// What the unit page shows after a form: errors, the answers or text as sent, a quiz's
/// feedback.
#[derive(Default)]
pub struct After {
    pub errors: FormErrors,
    pub picked: Option<Answers>,
    pub text: Option<String>,
    pub feedback: Option<(Vec<Feedback>, (i32, i32))>,
}

/// One question as the form shows it: its answers and which are ticked.
pub struct QuestionView<'a> {
    pub n: usize,
    pub q: &'a Question,
    pub choices: Vec<(usize, &'a str, bool)>,
}

#[derive(Template)]
#[template(path = "formation/unit.html")]
pub(crate) struct UnitPage<'a> {
    ctx: &'a PageCtx,
    s: &'a StoredModule,
    /// From 1.
    n: usize,
    total: usize,
    done_count: usize,
    unit: &'a Unit,
    title: String,
    target: Option<&'a UnitTarget>,
    done: Option<Done>,
    member: bool,
    /// The member's saved reflection: its text and when.
    saved: Option<(String, String)>,
    after: After,
    prev: Option<(usize, String)>,
    next: Option<(usize, String)>,
}

impl UnitPage<'_> {
    /// The longest reflection, written the language's way.
    fn max_chars(&self) -> String {
        let max = catalyse_core::formation::MAX_REFLECTION as i64;
        crate::i18n::format_count(self.ctx.t.lang, max)
    }

    fn is(&self, kind: &str) -> bool {
        self.unit.kind().as_str() == kind
    }

    fn unit_of(&self) -> String {
        (self.ctx.t.s("formation.unit_of"))
            .replacen("{}", &self.n.to_string(), 1)
            .replacen("{}", &self.total.to_string(), 1)
    }

    fn done_of(&self) -> String {
        done_of(self.ctx.t, self.done_count, self.total)
    }

    fn score_line(&self, right: &i32, out_of: &i32) -> String {
        (self.ctx.t.s("formation.score_line"))
            .replacen("{}", &right.to_string(), 1)
            .replacen("{}", &out_of.to_string(), 1)
    }

    /// The id of question `n`'s fieldset.
    fn qid(&self, n: &usize) -> &'static str {
        let ids = &QUESTION_IDS;
        n.checked_sub(1)
            .and_then(|i| ids.get(i))
            .copied()
            .unwrap_or("")
    }

    fn right_answers(&self, answers: &[String]) -> String {
        let quoted: Vec<String> = answers.iter().map(|a| format!("« {a} »")).collect();
        let key = if answers.len() > 1 {
            "formation.right_answers"
        } else {
            "formation.right_answer"
        };
        self.ctx.t.f(key, quoted.join(", "))
    }

    /// The event's replay, when it is a web address.
    fn replay(&self) -> Option<&str> {
        let url = self.target?.replay_url.as_deref()?;
        (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
    }

    fn action(&self) -> String {
        format!("/formation/{}/{}", self.s.module.slug, self.n)
    }

    fn kind(&self) -> &'static str {
        kind_key(self.unit.kind())
    }

    fn minutes(&self) -> String {
        super::duration(self.ctx.t, i64::from(self.unit.minutes))
    }

    /// The slug a resource or replay links.
    fn target_slug(&self) -> &str {
        self.unit.content.target().unwrap_or("")
    }

    fn prompt(&self) -> Vec<&str> {
        match &self.unit.content {
            UnitContent::Reflection { prompt } => {
                (prompt.lines()).filter(|l| !l.trim().is_empty()).collect()
            }
            _ => vec![],
        }
    }

    /// The reflection's text area: as sent, else as saved.
    fn text(&self) -> &str {
        (self.after.text.as_deref())
            .or(self.saved.as_ref().map(|(t, _)| t.as_str()))
            .unwrap_or("")
    }

    fn when(&self) -> Option<String> {
        self.target
            .and_then(|t| t.starts_at)
            .map(|at| self.ctx.when(&at))
    }

    fn questions(&self) -> Vec<QuestionView<'_>> {
        let UnitContent::Quiz { questions } = &self.unit.content else {
            return vec![];
        };
        let picked =
            (self.after.picked.as_ref()).or(self.done.as_ref().and_then(|d| d.answers.as_ref()));
        (questions.iter().enumerate())
            .map(|(i, q)| QuestionView {
                n: i + 1,
                q,
                choices: (q.choices.iter().enumerate())
                    .map(|(j, c)| {
                        let ticked = picked
                            .and_then(|p| p.get(i))
                            .is_some_and(|p| p.contains(&j));
                        (j, c.text.as_str(), ticked)
                    })
                    .collect(),
            })
            .collect()
    }

    /// The feedback to show: just given, or a member's last answers.
    fn feedback(&self) -> Option<(Vec<Feedback>, (i32, i32))> {
        if let Some((f, s)) = &self.after.feedback {
            let copy = f
                .iter()
                .map(|f| Feedback {
                    right: f.right,
                    answers: f.answers.clone(),
                    explanation: f.explanation.clone(),
                })
                .collect();
            return Some((copy, *s));
        }
        if !self.after.errors.is_empty() {
            return None;
        }
        let done = self.done.as_ref()?;
        let answers = done.answers.as_ref()?;
        let UnitContent::Quiz { questions } = &self.unit.content else {
            return None;
        };
        Some((feedback(questions, answers), done.score?))
    }
}

/// Right or wrong, the right answers and the explanation, for each question.
pub fn feedback(questions: &[Question], answers: &Answers) -> Vec<Feedback> {
    (questions.iter().zip(answers))
        .map(|(q, a)| Feedback {
            right: q.is_right(a),
            answers: (q.choices.iter())
                .filter(|c| c.correct)
                .map(|c| c.text.clone())
                .collect(),
            explanation: q.explanation.clone(),
        })
        .collect()
}

/// Renders unit `n` (from 1) of the module for this person, with what a form left (`after`).
pub(crate) async fn render_unit(
    state: &AppState,
    ctx: &PageCtx,
    learner: &Learner,
    s: &StoredModule,
    n: usize,
    (status, after): (StatusCode, After),
) -> Result<Response, AppError> {
    let m = &s.module;
    let i = n
        .checked_sub(1)
        .filter(|i| *i < m.units.len())
        .ok_or(AppError::NotFound)?;
    let unit = &m.units[i];
    let mut done: HashMap<String, Done> = learner.done_in(state, &m.slug).await?;
    let saved = match (learner, unit.kind()) {
        (Learner::Member(u), UnitKind::Reflection) => state
            .store
            .formation_reflection(u.id, &m.slug, &unit.key)
            .await?
            .map(|r| (r.text, ctx.when(&r.updated_at))),
        _ => None,
    };
    let title_at = |j: usize| unit_title(&m.units[j], s.targets[j].as_ref());
    let page = UnitPage {
        ctx,
        s,
        n,
        total: m.units.len(),
        done_count: m.units.iter().filter(|u| done.contains_key(&u.key)).count(),
        unit,
        title: title_at(i),
        target: s.targets[i].as_ref(),
        done: done.remove(&unit.key),
        member: learner.is_member(),
        saved,
        after,
        prev: i.checked_sub(1).map(|j| (j + 1, title_at(j))),
        next: (i + 1 < m.units.len()).then(|| (i + 2, title_at(i + 1))),
    };
    Ok(personal(render_status(ctx, status, &page)?, learner))
}

/// `GET /formation/{module}/{n}`: one unit, its form, where it stands in the module.
pub async fn unit(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path((slug, n)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let n: usize = n.parse().map_err(|_| AppError::NotFound)?;
    let s = module_or_404(&state, &slug).await?;
    let learner = Learner::new(&state, ctx.user.clone(), &headers);
    render_unit(
        &state,
        &ctx,
        &learner,
        &s,
        n,
        (StatusCode::OK, After::default()),
    )
    .await
}
