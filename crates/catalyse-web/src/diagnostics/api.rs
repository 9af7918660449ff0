//! Autodiagnostics in the JSON API: the questionnaires (`GET /api/v1/diagnostics`), one with
//! its questions (`GET /api/v1/diagnostics/{slug}`), and scoring a set of answers
//! (`POST /api/v1/diagnostics/{slug}/responses`), which answers the scores per lever and the
//! recommendations with their reasons. Answers that do not fit are left out and named in
//! `problems` (the rest is scored, as the scoring rule says: what is not answered does not
//! count); a body that is not `{"answers": {…}}` is a 400. Nothing is kept: the API counts
//! nothing in the statistics (only the pages ask for that consent).

use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::diagnostics::{LeverScore, Questionnaire, Situation};
use serde::Serialize;
use utoipa::ToSchema;

use super::recommend::{Asker, Recommendation};
use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;

/// A questionnaire in the list.
#[derive(Serialize, ToSchema)]
pub struct QuestionnaireSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The estimated time to answer, in minutes.
    pub minutes: u32,
    pub source: String,
    /// Slugs of the levers it scores.
    pub levers: Vec<String>,
    pub questions: usize,
    /// A lever scoring under this (out of 100) is « à renforcer ».
    pub weak_below: u8,
    /// With consent, anonymous results feed the observatory.
    pub observatory: bool,
    /// Its page.
    pub url: String,
}

/// The result of a set of answers.
#[derive(Serialize, ToSchema)]
pub struct Scored {
    pub questionnaire: String,
    /// Every lever it scores, in the frame's order.
    pub scores: Vec<LeverScore>,
    /// Slugs of the levers « à renforcer », weakest first.
    pub weak: Vec<String>,
    pub situation: Situation,
    /// For the weakest levers (at most 3), each with its reason.
    pub recommendations: Vec<Recommendation>,
    /// What was left out or is missing, each with its question's id and why (French): an
    /// unknown question, a choice it does not have, a value out of its scale, an unknown
    /// département, a required question shown and not answered. Empty when all is well.
    pub problems: Vec<catalyse_core::diagnostics::Problem>,
    /// Every required question shown is answered.
    pub complete: bool,
    /// The result's private page when complete (whoever holds the link sees it).
    pub result_url: Option<String>,
    /// When not complete: the private link that resumes the questionnaire with these
    /// answers, at the first page that misses one.
    pub resume_url: Option<String>,
}

/// What `POST …/responses` takes.
#[derive(ToSchema)]
#[allow(dead_code)] // The schema of the body, read by hand for its French errors.
pub struct ResponseBody {
    /// By question id: a choice's id (single), a list of them (multiple), an integer
    /// (scale) or a text (text).
    answers: std::collections::HashMap<String, serde_json::Value>,
    /// INSEE code of a département, for nearby peers (optional).
    department: Option<String>,
}

/// The questionnaires, in their order.
#[utoipa::path(get, path = "/api/v1/diagnostics", tag = "diagnostics",
    responses((status = 200, description = "The questionnaires", body = Vec<QuestionnaireSummary>)))]
pub async fn list(State(state): State<AppState>) -> Json<Vec<QuestionnaireSummary>> {
    let base = state.config.public_url();
    Json(
        (state.diagnostics.all.iter())
            .map(|q| QuestionnaireSummary {
                slug: q.slug.clone(),
                title: q.title.clone(),
                summary: q.summary.clone(),
                minutes: q.minutes,
                source: q.source.clone(),
                levers: (q.levers(&state.reference.levers).into_iter())
                    .map(|l| l.slug.clone())
                    .collect(),
                questions: q.questions().count(),
                weak_below: q.weak_below,
                observatory: q.observatory,
                url: format!("{base}/diagnostic/{}", q.slug),
            })
            .collect(),
    )
}

/// One questionnaire, its blocks and questions (each with its `id`; a choice question's
/// `choices`, each with its `id`; a scale's bounds; a condition `show_if`).
#[utoipa::path(get, path = "/api/v1/diagnostics/{slug}", tag = "diagnostics",
    params(("slug" = String, Path, description = "The questionnaire's slug")),
    responses(
        (status = 200, description = "The questionnaire", body = Questionnaire),
        (status = 404, description = "No such questionnaire", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn one(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Questionnaire>, ApiError> {
    let q = state.diagnostics.get(&slug).ok_or(AppError::NotFound)?;
    Ok(Json(q.clone()))
}

/// Scores a set of answers and recommends, for the weakest levers, resources, webinars,
/// replays, cases, peers and a parcours, each with its reason. Answers that do not fit the
/// questionnaire are left out and named in `problems`, as are the required questions left
/// unanswered (`complete` is then false, and `resume_url` resumes the questionnaire).
/// Nothing is kept.
#[utoipa::path(post, path = "/api/v1/diagnostics/{slug}/responses", tag = "diagnostics",
    params(("slug" = String, Path, description = "The questionnaire's slug")),
    request_body(content = ResponseBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The scores and recommendations, and what was left out", body = Scored),
        (status = 400, description = "A body that is not the JSON object `{\"answers\": {…}, \"department\": \"…\"}`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such questionnaire", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn respond(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Scored>, ApiError> {
    let q = state.diagnostics.get(&slug).ok_or(AppError::NotFound)?;
    let bad = |m: &str| AppError::BadRequest(m.to_string());
    let body: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| bad("le corps doit être un objet JSON {\"answers\": {…}}"))?;
    let given = (body.get("answers").and_then(|a| a.as_object()))
        .ok_or_else(|| bad("« answers » doit être un objet : identifiant de question → réponse"))?;
    let (answers, mut problems) = q.read_json_lenient(given);
    let department = match body.get("department") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => {
            let code = v
                .as_str()
                .ok_or_else(|| bad("« department » doit être un code de département (texte)"))?;
            if state.diagnostics.departments.iter().any(|(c, _)| c == code) {
                Some(code.to_string())
            } else {
                problems.push(catalyse_core::diagnostics::Problem {
                    question: String::new(),
                    message: "« department » doit être le code INSEE d'un département : ignoré"
                        .into(),
                });
                None
            }
        }
    };
    let missing = q.missing(&answers, None);
    let complete = missing.is_empty();
    problems.extend(missing);
    let scores = q.scores(&answers, &state.reference.levers);
    let situation = q.situation(&answers);
    let base = state.config.public_url();
    let asker = Asker {
        user_id: None,
        lang: catalyse_core::text::Lang::Fr,
        base: base.to_string(),
    };
    let recommendations =
        super::recommend::compute(&state, &scores, &situation, department.as_deref(), &asker)
            .await?;
    let mut draft = catalyse_core::diagnostics::token::Draft::new(&q.slug);
    draft.answers = catalyse_core::diagnostics::to_json(&answers);
    draft.department = department;
    draft.finished = complete;
    let token = state.diagnostics.sealer.seal(&draft);
    Ok(Json(Scored {
        questionnaire: q.slug.clone(),
        weak: (catalyse_core::diagnostics::weakest(&scores).into_iter())
            .map(|s| s.lever.clone())
            .collect(),
        scores,
        situation,
        recommendations,
        problems,
        complete,
        result_url: complete.then(|| format!("{base}/diagnostic/resultat/{token}")),
        resume_url: (!complete).then(|| format!("{base}/diagnostic/{}?r={token}", q.slug)),
    }))
}
