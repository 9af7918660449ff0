//! Autodiagnostics in the JSON API: the questionnaires (`GET /api/v1/diagnostics`), one with
//! its questions (`GET /api/v1/diagnostics/{slug}`), and scoring a set of answers
//! (`POST /api/v1/diagnostics/{slug}/responses`), which answers the scores per lever and the
//! recommendations with their reasons. Nothing is kept: the API counts nothing in the
//! statistics (only the pages ask for that consent).

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
    /// The result's private page (whoever holds the link sees it).
    pub result_url: String,
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

/// Scores a set of answers (every required question shown must be answered) and
/// recommends, for the weakest levers, resources, webinars, replays, cases, peers and a
/// parcours, each with its reason. Nothing is kept.
#[utoipa::path(post, path = "/api/v1/diagnostics/{slug}/responses", tag = "diagnostics",
    params(("slug" = String, Path, description = "The questionnaire's slug")),
    request_body(content = ResponseBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The scores and recommendations", body = Scored),
        (status = 400, description = "A body that is not the JSON expected, or answers that do not fit the questionnaire (each named in `detail`)", body = Problem, content_type = "application/problem+json"),
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
    let department = match body.get("department") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => {
            let code = v.as_str().unwrap_or_default();
            if !state.diagnostics.departments.iter().any(|(c, _)| c == code) {
                return Err(bad("« department » doit être le code INSEE d'un département").into());
            }
            Some(code.to_string())
        }
    };
    let answers = q.read_json(given, true).map_err(|problems| {
        let each: Vec<String> = (problems.iter())
            .map(|p| format!("{} : {}", p.question, p.message))
            .collect();
        AppError::BadRequest(each.join(" ; "))
    })?;
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
    draft.finished = true;
    let token = state.diagnostics.sealer.seal(&draft);
    Ok(Json(Scored {
        questionnaire: q.slug.clone(),
        weak: (catalyse_core::diagnostics::weakest(&scores).into_iter())
            .map(|s| s.lever.clone())
            .collect(),
        scores,
        situation,
        recommendations,
        result_url: format!("{base}/diagnostic/resultat/{token}"),
    }))
}
