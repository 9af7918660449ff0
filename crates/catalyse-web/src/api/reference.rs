//! The reference frame: levers, métier, actor families, programme milestones.

use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// One of the 7 levers of an innovative project, with its guiding questions.
#[derive(Serialize, ToSchema)]
pub struct LeverOut {
    #[schema(example = "qualifier-son-innovation")]
    pub slug: String,
    /// 1 to 7, the order of the seed.
    pub position: i32,
    pub name: String,
    pub questions: Vec<String>,
}

impl From<catalyse_core::Lever> for LeverOut {
    fn from(l: catalyse_core::Lever) -> Self {
        LeverOut {
            slug: l.slug,
            position: l.position,
            name: l.name,
            questions: l.questions,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityOut {
    pub slug: String,
    pub name: String,
}

/// A family of the catalyseur's métier with its 4 activities.
#[derive(Serialize, ToSchema)]
pub struct MetierFamilyOut {
    pub slug: String,
    pub name: String,
    pub activities: Vec<ActivityOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ActorFamilyOut {
    pub slug: String,
    pub name: String,
}

/// A milestone of the 2019 programme.
#[derive(Serialize, ToSchema)]
pub struct MilestoneOut {
    /// ISO 8601 date.
    #[schema(example = "2019-01-17", format = Date)]
    pub date: String,
    /// `day`, or `month` when the source gives only the month.
    pub date_precision: String,
    pub label: String,
    pub description: String,
    /// plateforme, parcours, reseau or observatoire.
    pub pillar: String,
}

/// The 7 levers.
#[utoipa::path(get, path = "/api/v1/levers", tag = "reference",
    responses((status = 200, description = "The 7 levers in order", body = Vec<LeverOut>)))]
pub async fn levers(State(state): State<AppState>) -> Result<Json<Vec<LeverOut>>, ApiError> {
    Ok(Json(
        state
            .store
            .levers()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// One lever.
#[utoipa::path(get, path = "/api/v1/levers/{slug}", tag = "reference",
    params(("slug" = String, Path, description = "The lever's slug", pattern = "^[a-z0-9-]{1,100}$")),
    responses(
        (status = 200, description = "The lever", body = LeverOut),
        (status = 404, description = "No such lever", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn lever(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<LeverOut>, ApiError> {
    if slug.is_empty()
        || slug.len() > 100
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ApiError(AppError::NotFound));
    }
    let lever = state.store.lever(&slug).await?.ok_or(AppError::NotFound)?;
    Ok(Json(lever.into()))
}

/// The catalyseur's métier: 4 families × 4 activities.
#[utoipa::path(get, path = "/api/v1/metier", tag = "reference",
    responses((status = 200, description = "The 4 families and their activities", body = Vec<MetierFamilyOut>)))]
pub async fn metier(State(state): State<AppState>) -> Result<Json<Vec<MetierFamilyOut>>, ApiError> {
    let out = state
        .store
        .metier()
        .await?
        .into_iter()
        .map(|f| MetierFamilyOut {
            slug: f.slug,
            name: f.name,
            activities: f
                .activities
                .into_iter()
                .map(|a| ActivityOut {
                    slug: a.slug,
                    name: a.name,
                })
                .collect(),
        })
        .collect();
    Ok(Json(out))
}

/// The actor families of the network.
#[utoipa::path(get, path = "/api/v1/actor-families", tag = "reference",
    responses((status = 200, description = "The actor families", body = Vec<ActorFamilyOut>)))]
pub async fn actor_families(
    State(state): State<AppState>,
) -> Result<Json<Vec<ActorFamilyOut>>, ApiError> {
    let out = state
        .store
        .actor_families()
        .await?
        .into_iter()
        .map(|f| ActorFamilyOut {
            slug: f.slug,
            name: f.name,
        })
        .collect();
    Ok(Json(out))
}

/// The milestones of the 2019 programme.
#[utoipa::path(get, path = "/api/v1/programme", tag = "reference",
    responses((status = 200, description = "Milestones in date order", body = Vec<MilestoneOut>)))]
pub async fn programme(State(state): State<AppState>) -> Result<Json<Vec<MilestoneOut>>, ApiError> {
    let out = state
        .store
        .milestones()
        .await?
        .into_iter()
        .map(|m| MilestoneOut {
            date: m.date.to_string(),
            date_precision: m.date_precision,
            label: m.label,
            description: m.description,
            pillar: m.pillar,
        })
        .collect();
    Ok(Json(out))
}
