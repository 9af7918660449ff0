//! The needs in the API: search with facets (`/api/v1/needs`) and one need
//! (`/api/v1/needs/{slug}`). Only public needs; a visitor's address is never given, a
//! member author only by the slug of her public profile.

use super::index::{parse, API_NAMES, PER_PAGE};
use crate::error::{ApiError, AppError, Problem};
use crate::resources::api::{counts, FacetCount};
use crate::state::AppState;
use crate::territories::api::TerritoryPoint;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use catalyse_core::needs::{Horizon, Need, NeedEvent, NeedStatus};
use catalyse_search::needs::NeedFacet;
use serde::Serialize;
use utoipa::ToSchema;

/// The orders of results.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NeedApiSort {
    Relevance,
    Newest,
    /// The open needs first, published longest ago first; then the others.
    Waiting,
}

/// A need as listed.
#[derive(Serialize, ToSchema)]
pub struct NeedSummary {
    pub slug: String,
    pub url: String,
    pub title: String,
    /// Who expresses it, as shown publicly; may be empty.
    pub organisation: String,
    /// Where the need is.
    pub territory: Option<TerritoryPoint>,
    /// Fragility slug.
    pub fragility: String,
    /// Lever slugs.
    pub levers: Vec<String>,
    /// Slugs of the actor families sought.
    pub families: Vec<String>,
    /// Slugs of the métier activities sought.
    pub activities: Vec<String>,
    pub horizon: Horizon,
    pub status: NeedStatus,
    /// Generated example data (« données d'exemple »), not a real need.
    pub is_example: bool,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A need with everything public about it.
#[derive(Serialize, ToSchema)]
pub struct NeedDetail {
    #[serde(flatten)]
    pub summary: NeedSummary,
    /// Markdown.
    pub description: String,
    /// Slug of the actor family of who expresses it; empty when not said.
    pub author_family: String,
    /// The public profile of the member who expressed it (`/reseau/{slug}`), if public.
    pub author_profile: Option<String>,
    /// Its dated steps, oldest first.
    pub trail: Vec<NeedEvent>,
}

/// Counts per facet value, for the results.
#[derive(Serialize, ToSchema)]
pub struct NeedFacetCounts {
    pub region: Vec<FacetCount>,
    pub department: Vec<FacetCount>,
    pub fragility: Vec<FacetCount>,
    pub lever: Vec<FacetCount>,
    pub family: Vec<FacetCount>,
    pub activity: Vec<FacetCount>,
    pub status: Vec<FacetCount>,
    pub horizon: Vec<FacetCount>,
}

/// One page of results.
#[derive(Serialize, ToSchema)]
pub struct NeedResultsPage {
    pub items: Vec<NeedSummary>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub facets: NeedFacetCounts,
}

/// What everyone may read of a public need.
pub fn summary(state: &AppState, n: &Need) -> Option<NeedSummary> {
    let f = n.public_fields()?;
    let t = super::pages::territory(state, f);
    Some(NeedSummary {
        slug: n.slug.clone(),
        url: format!("{}/besoins/{}", state.config.public_url(), n.slug),
        title: f.title.clone(),
        organisation: f.organisation.clone(),
        territory: t.map(TerritoryPoint::from),
        fragility: f.fragility.clone(),
        levers: f.levers.clone(),
        families: f.families.clone(),
        activities: f.activities.clone(),
        horizon: f.horizon,
        status: n.status,
        is_example: n.is_example,
        published_at: n.moderated.published_at,
    })
}

/// Searches the public needs (French analysis: accents, plurals, elision, one typo on words
/// of 5 letters or more). Filters repeat (`lever=a&lever=b`: either) and combine
/// (`lever=a&status=ouvert`: both). Each facet counts the results its value would give.
#[utoipa::path(get, path = "/api/v1/needs", tag = "needs",
    params(
        ("q" = Option<String>, Query, description = "Words to find"),
        ("region" = Option<Vec<String>>, Query, description = "Région code (INSEE)"),
        ("department" = Option<Vec<String>>, Query, description = "Département code (INSEE)"),
        ("fragility" = Option<Vec<String>>, Query, description = "Fragility slug"),
        ("lever" = Option<Vec<String>>, Query, description = "Lever slug"),
        ("family" = Option<Vec<String>>, Query, description = "Slug of an actor family sought"),
        ("activity" = Option<Vec<String>>, Query, description = "Slug of a métier activity sought"),
        ("status" = Option<Vec<NeedStatus>>, Query, description = "ouvert, en-relation, resolu, clos"),
        ("horizon" = Option<Vec<Horizon>>, Query, description = "3-mois, 6-mois, 1-an, sans-echeance"),
        ("sort" = Option<NeedApiSort>, Query, description = "relevance (default; newest without words), newest or waiting"),
        ("page" = Option<i32>, Query, description = "From 1; pages beyond 500 give the 500th"),
    ),
    responses(
        (status = 200, description = "Results with facet counts", body = NeedResultsPage),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<NeedResultsPage>, ApiError> {
    let filter =
        parse(raw.as_deref().unwrap_or(""), &API_NAMES).map_err(|e| AppError::BadRequest(e.0))?;
    let found = super::index::search(&state, &filter).await?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let items = (state.store.needs_by_ids(&ids).await?.iter())
        .filter_map(|n| summary(&state, n))
        .collect();
    let counts = |facet| counts(found.facets.get(facet));
    Ok(Json(NeedResultsPage {
        items,
        total: found.total as u64,
        page: filter.page,
        per_page: PER_PAGE,
        facets: NeedFacetCounts {
            region: counts(NeedFacet::Region),
            department: counts(NeedFacet::Department),
            fragility: counts(NeedFacet::Fragility),
            lever: counts(NeedFacet::Lever),
            family: counts(NeedFacet::Family),
            activity: counts(NeedFacet::Activity),
            status: counts(NeedFacet::Status),
            horizon: counts(NeedFacet::Horizon),
        },
    }))
}

/// One public need.
#[utoipa::path(get, path = "/api/v1/needs/{slug}", tag = "needs",
    params(("slug" = String, Path, description = "The need's slug")),
    responses(
        (status = 200, description = "The need", body = NeedDetail),
        (status = 404, description = "No such public need", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn need(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<NeedDetail>, ApiError> {
    let n = state
        .store
        .need_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = summary(&state, &n).ok_or(AppError::NotFound)?;
    let f = n.public_fields().ok_or(AppError::NotFound)?;
    let author_profile = match n.author_id {
        Some(id) => (state.store.profiles_by_ids(&[id]).await?.into_iter())
            .find(|p| p.is_public())
            .map(|p| p.slug),
        None => None,
    };
    Ok(Json(NeedDetail {
        summary: s,
        description: f.description.clone(),
        author_family: f.author_family.clone(),
        author_profile,
        trail: n.trail.clone(),
    }))
}
