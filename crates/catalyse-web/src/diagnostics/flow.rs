//! Taking a diagnostic: `/diagnostic` (the questionnaires), `/diagnostic/{slug}` (one block
//! a page, then a last page for the territory and the consents). Nothing is kept on the
//! server while someone answers: after each page her answers so far are sealed into the
//! link of the next (`?r=…`), which she may keep to resume later. A member may also save
//! them to her space. Works without JavaScript.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::diagnostics::token::Draft;
use catalyse_core::diagnostics::{Answer, Answers, Kind, Problem, Question, Questionnaire};
use serde::Deserialize;

use super::links::{answers_of, invalid_link, open, questionnaire};
use crate::auth::{ClientIp, CsrfForm};
use crate::error::AppError;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;

/// A form's messages: (field id, message), in the fields' order.
pub type Errors = Vec<(String, String)>;

/// A questionnaire as the list shows it.
pub struct Card<'a> {
    pub q: &'a Questionnaire,
    pub questions: usize,
    pub levers: Vec<String>,
}

#[derive(Template)]
#[template(path = "diagnostics/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    cards: Vec<Card<'a>>,
    min_respondents: i64,
}

/// `GET /diagnostic`
pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let cards = (state.diagnostics.all.iter())
        .map(|q| Card {
            q,
            questions: q.questions().count(),
            levers: (q.levers(&state.reference.levers).into_iter())
                .map(|l| l.name.clone())
                .collect(),
        })
        .collect();
    render(
        &ctx,
        &ListPage {
            ctx: &ctx,
            cards,
            min_respondents: catalyse_core::diagnostics::aggregate::MIN_RESPONDENTS,
        },
    )
}

/// A question as its page shows it.
pub struct QView {
    pub id: String,
    /// `radios`, `boxes` or `text`.
    pub widget: &'static str,
    pub label: String,
    pub hint: String,
    pub required: bool,
    /// (value, label, checked).
    pub choices: Vec<(String, String, bool)>,
    pub text: String,
    pub max_chars: u32,
    /// The platform's scoring of it, in words (empty when it counts for no lever).
    pub rule: String,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "diagnostics/step.html")]
struct StepPage<'a> {
    ctx: &'a PageCtx,
    q: &'a Questionnaire,
    /// From 1; `total + 1` is the last page (territory and consents).
    step: usize,
    total: usize,
    title: String,
    intro: String,
    questions: Vec<QView>,
    errors: Errors,
    /// The sealed answers so far (empty before the first page is sent).
    token: String,
    /// The private link to resume from this page.
    resume: String,
    saved: bool,
    /// The last page: the départements (code, name), the one chosen, the consents.
    departments: &'a [(String, String)],
    department: String,
    share: bool,
    keep: bool,
    /// The rule of the scores, a sentence a line.
    rule: Vec<&'static str>,
}

impl StepPage<'_> {
    fn is_last(&self) -> bool {
        self.step > self.total
    }

    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }
}

#[derive(Deserialize, Default)]
pub struct StepQuery {
    #[serde(default)]
    r: String,
    #[serde(default)]
    etape: Option<String>,
    #[serde(default)]
    etat: String,
}

/// `GET /diagnostic/{slug}`: the first page, or with `?r=…` where the link's answers stop
/// (or the page `etape`).
pub async fn step(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(query): Query<StepQuery>,
) -> Result<Response, AppError> {
    let q = questionnaire(&state, &slug)?;
    let total = q.blocks.len();
    let (draft, answers) = if query.r.is_empty() {
        (None, Answers::new())
    } else {
        let Some(d) = open(&state, q, &query.r) else {
            return Ok(invalid_link(&ctx));
        };
        let a = answers_of(q, &d);
        (Some(d), a)
    };
    let asked = (query.etape.as_deref())
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| (1..=total + 1).contains(s));
    let step = match (&draft, asked) {
        (None, _) => 1,
        (Some(_), Some(s)) => s,
        (Some(_), None) => q.first_unfinished(&answers).map_or(total + 1, |b| b + 1),
    };
    let given = pairs(&answers);
    let page = page(&state, &ctx, q, step, (&query.r, &given), Errors::new());
    let page = StepPage {
        saved: query.etat == "enregistre",
        department: draft.and_then(|d| d.department).unwrap_or_default(),
        ..page
    };
    render(&ctx, &page)
}

/// The answers as a form gives them: (question id, value) pairs.
fn pairs(answers: &Answers) -> Vec<(String, String)> {
    let mut out = vec![];
    for (id, a) in answers {
        match a {
            Answer::Choice(c) | Answer::Text(c) => out.push((id.clone(), c.clone())),
            Answer::Choices(v) => out.extend(v.iter().map(|c| (id.clone(), c.clone()))),
            Answer::Number(n) => out.push((id.clone(), n.to_string())),
        }
    }
    out
}

/// The page `step` of `q`, its fields filled from `given` (raw pairs), with `errors`.
fn page<'a>(
    state: &'a AppState,
    ctx: &'a PageCtx,
    q: &'a Questionnaire,
    step: usize,
    (token, given): (&str, &[(String, String)]),
    errors: Errors,
) -> StepPage<'a> {
    let total = q.blocks.len();
    let block = q.blocks.get(step.wrapping_sub(1));
    let earlier = {
        let mut a = Answers::new();
        for (id, v) in given {
            if let Some(x) = q.question(id) {
                let value = match x.kind {
                    Kind::Scale => v.parse::<i64>().map_or(serde_json::Value::Null, Into::into),
                    Kind::Multiple => serde_json::Value::from(vec![v.clone()]),
                    _ => serde_json::Value::from(v.as_str()),
                };
                if let Ok(Some(ans)) = x.read(&value) {
                    a.entry(id.clone()).or_insert(ans);
                }
            }
        }
        a
    };
    let questions = block
        .map(|b| {
            (b.questions.iter())
                .filter(|x| q.shown(x, &earlier))
                .map(|x| view(state, x, given, &errors))
                .collect()
        })
        .unwrap_or_default();
    let resume = if token.is_empty() {
        String::new()
    } else {
        format!(
            "{}/diagnostic/{}?r={token}&etape={step}",
            state.config.public_url(),
            q.slug
        )
    };
    StepPage {
        ctx,
        q,
        step,
        total,
        title: block.map_or_else(
            || ctx.t.s("diagnostics.last_title").to_string(),
            |b| b.title.clone(),
        ),
        intro: block.map(|b| b.intro.clone()).unwrap_or_default(),
        questions,
        errors,
        token: token.to_string(),
        resume,
        saved: false,
        departments: &state.diagnostics.departments,
        department: String::new(),
        share: false,
        keep: false,
        rule: RULE.to_vec(),
    }
}

/// The catalogue keys of the scoring rule, a sentence each.
const RULE: [&str; 4] = [
    "diagnostics.rule_1",
    "diagnostics.rule_2",
    "diagnostics.rule_3",
    "diagnostics.rule_4",
];

fn view(state: &AppState, x: &Question, given: &[(String, String)], errors: &Errors) -> QView {
    let values: Vec<&str> = (given.iter())
        .filter(|(k, _)| *k == x.id)
        .map(|(_, v)| v.as_str())
        .collect();
    let mut choices: Vec<(String, String, bool)> = (x.choices.iter())
        .map(|c| {
            (
                c.id.clone(),
                c.label.clone(),
                values.contains(&c.id.as_str()),
            )
        })
        .collect();
    if let Some(s) = &x.scale {
        choices = (s.min..=s.max)
            .map(|n| {
                let label = match n {
                    n if n == s.min && !s.min_label.is_empty() => format!("{n} — {}", s.min_label),
                    n if n == s.max && !s.max_label.is_empty() => format!("{n} — {}", s.max_label),
                    n => n.to_string(),
                };
                (
                    n.to_string(),
                    label,
                    values.contains(&n.to_string().as_str()),
                )
            })
            .collect();
    }
    QView {
        id: x.id.clone(),
        widget: match x.kind {
            Kind::Single | Kind::Scale => "radios",
            Kind::Multiple => "boxes",
            Kind::Text => "text",
        },
        label: x.label.clone(),
        hint: x.hint.clone(),
        required: x.required,
        choices,
        text: values.last().map(|s| s.to_string()).unwrap_or_default(),
        max_chars: x.max_chars,
        rule: rule_of(state, x),
        errors: (errors.iter())
            .filter(|(f, _)| *f == x.id)
            .map(|(_, m)| m.clone())
            .collect(),
    }
}

/// « Barème Catalyse, levier « … » : Oui 2 pts, Non 0 pt » — the question's scoring in words.
pub fn rule_of(state: &AppState, x: &Question) -> String {
    let Some(lever) = x.lever.as_deref().filter(|_| x.is_scored()) else {
        return String::new();
    };
    let name = (state.reference.levers.iter())
        .find(|l| l.slug == lever)
        .map_or(lever, |l| l.name.as_str());
    let pts = |n: u32| {
        if n <= 1 {
            format!("{n} pt")
        } else {
            format!("{n} pts")
        }
    };
    let detail = match (&x.kind, &x.scale) {
        (Kind::Scale, Some(s)) => {
            format!("de 0 pt ({}) à {} ({})", s.min, pts(x.max_points()), s.max)
        }
        (Kind::Multiple, _) => {
            let each: Vec<String> = (x.choices.iter())
                .map(|c| format!("{} {}", c.label, pts(c.points)))
                .collect();
            format!("points additionnés — {}", each.join(", "))
        }
        _ => {
            let each: Vec<String> = (x.choices.iter())
                .map(|c| format!("{} {}", c.label, pts(c.points)))
                .collect();
            each.join(", ")
        }
    };
    format!("Barème Catalyse, levier « {name} » : {detail}.")
}

/// `POST /diagnostic/{slug}`: one page's answers. `action`: `suivant` (checked: a required
/// question left blank keeps her on the page, with what she gave), `precedent` (kept as
/// given, unchecked), `enregistrer` (a member saves where she is), or, on the last page,
/// the territory and the consents, then the result.
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let q = questionnaire(&state, &slug)?;
    let field = |name: &str| {
        (fields.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let mut draft = match field("r") {
        "" => Draft::new(&q.slug),
        t => match open(&state, q, t) {
            Some(d) => d,
            None => return Ok(invalid_link(&ctx)),
        },
    };
    let mut answers = answers_of(q, &draft);
    let total = q.blocks.len();
    let step = (field("etape").parse::<usize>().ok())
        .filter(|s| (1..=total + 1).contains(s))
        .unwrap_or(1);
    let action = field("action").to_string();
    let token_now = field("r").to_string();
    if step <= total {
        let b = step - 1;
        let (got, problems) = q.read_block(b, &fields, &answers);
        for x in &q.blocks[b].questions {
            answers.remove(&x.id);
        }
        // What the page shows again if refused: the earlier blocks' answers (its
        // conditions depend on them), then this page's fields as sent.
        let mut given = pairs(&answers);
        given.extend(fields.iter().cloned());
        answers.extend(got);
        q.prune(&mut answers);
        draft.answers = catalyse_core::diagnostics::to_json(&answers);
        let to = |token: &str, s: usize| format!("/diagnostic/{}?r={token}&etape={s}", q.slug);
        match action.as_str() {
            "precedent" => {
                let token = state.diagnostics.sealer.seal(&draft);
                return Ok(Redirect::to(&to(&token, step.saturating_sub(1).max(1))).into_response());
            }
            "enregistrer" => {
                let Some(user) = &ctx.user else {
                    return Ok(crate::auth::sign_in_first(&format!(
                        "/diagnostic/{}",
                        q.slug
                    )));
                };
                draft.saved = Some(super::mine::keep(&state, user, &draft).await?);
                let token = state.diagnostics.sealer.seal(&draft);
                return Ok(
                    Redirect::to(&format!("{}&etat=enregistre", to(&token, step))).into_response(),
                );
            }
            _ => {}
        }
        if !problems.is_empty() {
            let errors = form_errors(problems);
            let p = page(&state, &ctx, q, step, (&token_now, &given), errors);
            return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
        let token = state.diagnostics.sealer.seal(&draft);
        return Ok(Redirect::to(&to(&token, step + 1)).into_response());
    }
    // The last page: the territory and the consents.
    let department = field("departement").to_string();
    let share = q.observatory && field("partager") == "oui";
    let keep = ctx.user.is_some() && field("enregistrer") == "oui";
    let mut errors = Errors::new();
    let known = department.is_empty()
        || state
            .diagnostics
            .departments
            .iter()
            .any(|(c, _)| *c == department);
    if !known {
        errors.push((
            "departement".into(),
            ctx.t.s("diagnostics.department_unknown").into(),
        ));
    } else if share && department.is_empty() {
        errors.push((
            "departement".into(),
            ctx.t.s("diagnostics.department_for_share").into(),
        ));
    }
    if let Some(b) = q.first_unfinished(&answers) {
        let token = state.diagnostics.sealer.seal(&draft);
        return Ok(
            Redirect::to(&format!("/diagnostic/{}?r={token}&etape={}", q.slug, b + 1))
                .into_response(),
        );
    }
    if !errors.is_empty() {
        let p = page(
            &state,
            &ctx,
            q,
            step,
            (&token_now, &pairs(&answers)),
            errors,
        );
        let p = StepPage {
            department,
            share,
            keep,
            ..p
        };
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    draft.finished = true;
    draft.department = (!department.is_empty()).then_some(department);
    if share {
        state
            .limits
            .diagnostic_share(state.store.as_ref(), ip)
            .await?;
        super::statistics::share(&state, q, &draft, &answers).await?;
    }
    if keep {
        if let Some(user) = &ctx.user {
            draft.saved = Some(super::mine::keep(&state, user, &draft).await?);
        }
    }
    let token = state.diagnostics.sealer.seal(&draft);
    Ok(Redirect::to(&format!("/diagnostic/resultat/{token}")).into_response())
}

fn form_errors(problems: Vec<Problem>) -> Errors {
    problems
        .into_iter()
        .map(|p| (p.question, p.message))
        .collect()
}
