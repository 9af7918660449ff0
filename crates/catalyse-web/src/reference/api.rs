//! The reference frame: levers, métier, actor families, programme milestones. Served from the
//! copy held in memory since start.

use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::{ActorFamily, Lever, MetierFamily, Milestone};

/// The 7 levers.
#[utoipa::path(get, path = "/api/v1/levers", tag = "reference",
    responses((status = 200, description = "The 7 levers in order", body = Vec<Lever>)))]
pub async fn levers(State(state): State<AppState>) -> Json<Vec<Lever>> {
    Json(state.reference.levers.clone())
}

/// One lever.
#[utoipa::path(get, path = "/api/v1/levers/{slug}", tag = "reference",
    params(("slug" = String, Path, description = "The lever's slug", pattern = "^[a-z0-9-]{1,100}$")),
    responses(
        (status = 200, description = "The lever", body = Lever),
        (status = 404, description = "No such lever", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn lever(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Lever>, ApiError> {
    let lever = state
        .reference
        .levers
        .iter()
        .find(|l| l.slug == slug)
        .ok_or(AppError::NotFound)?;
    Ok(Json(lever.clone()))
}

/// The catalyseur's métier: 4 families × 4 activities.
#[utoipa::path(get, path = "/api/v1/metier", tag = "reference",
    responses((status = 200, description = "The 4 families and their activities", body = Vec<MetierFamily>)))]
pub async fn metier(State(state): State<AppState>) -> Json<Vec<MetierFamily>> {
    Json(state.reference.metier.clone())
}

/// The actor families of the network.
#[utoipa::path(get, path = "/api/v1/actor-families", tag = "reference",
    responses((status = 200, description = "The actor families", body = Vec<ActorFamily>)))]
pub async fn actor_families(State(state): State<AppState>) -> Json<Vec<ActorFamily>> {
    Json(state.reference.actor_families.clone())
}

/// The milestones of the 2019 programme (`date_precision` is `month` when the source gives
/// only the month).
#[utoipa::path(get, path = "/api/v1/programme", tag = "reference",
    responses((status = 200, description = "Milestones in date order", body = Vec<Milestone>)))]
pub async fn programme(State(state): State<AppState>) -> Json<Vec<Milestone>> {
    Json(state.reference.milestones.clone())
}
