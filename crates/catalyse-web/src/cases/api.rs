//! The case base in the API: search with facets (`/api/v1/cases`) and one case
//! (`/api/v1/cases/{slug}`). Only public cases; contacts by the slug of a public profile.

use crate::cases::index::{parse, API_NAMES, PER_PAGE};
use crate::error::{ApiError, AppError, Problem};
use crate::resources::api::{counts, FacetCount};
use crate::state::AppState;
use crate::territories::api::TerritoryPoint;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use catalyse_core::cases::{Case, CaseActor, CaseFigure, FundingShare, Phase};
use serde::Serialize;
use utoipa::ToSchema;

/// The orders of results.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CaseApiSort {
    Relevance,
    Newest,
    Title,
    Started,
}

/// A case as listed.
#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub slug: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    /// Where it took place.
    pub territory: Option<TerritoryPoint>,
    pub phase: Phase,
    pub started_year: Option<i32>,
    pub levers: Vec<String>,
    pub fragilities: Vec<String>,
    pub families: Vec<String>,
    pub activities: Vec<String>,
    /// Generated example data (« données d'exemple »), not a real initiative.
    pub is_example: bool,
    /// One of the experiences the programme documents.
    pub is_reference: bool,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A case with everything public about it.
#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// Markdown.
    pub body: String,
    pub actors: Vec<CaseActor>,
    pub funding: Vec<FundingShare>,
    /// Markdown.
    pub model: String,
    /// Markdown.
    pub results: String,
    pub figures: Vec<CaseFigure>,
    /// Slugs of the resource centre's documents.
    pub resources: Vec<String>,
    /// Slugs of the public profiles of its contacts (`/reseau/{slug}`).
    pub contacts: Vec<String>,
    pub source: String,
    pub licence: String,
}

/// Counts per facet value, for the results.
#[derive(Serialize, ToSchema)]
pub struct CaseFacetCounts {
    pub lever: Vec<FacetCount>,
    pub fragility: Vec<FacetCount>,
    pub family: Vec<FacetCount>,
    pub activity: Vec<FacetCount>,
    pub phase: Vec<FacetCount>,
    pub region: Vec<FacetCount>,
    pub department: Vec<FacetCount>,
}

/// One page of results.
#[derive(Serialize, ToSchema)]
pub struct CaseResultsPage {
    pub items: Vec<CaseSummary>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub facets: CaseFacetCounts,
}

/// What everyone may read of a public case.
pub fn summary(state: &AppState, c: &Case) -> Option<CaseSummary> {
    let f = c.public_fields()?;
    let t = crate::cases::pages::territory(state, f);
    Some(CaseSummary {
        slug: c.slug.clone(),
        url: format!("{}/pratiques/{}", state.config.public_url(), c.slug),
        title: f.title.clone(),
        summary: f.summary.clone(),
        territory: t.map(TerritoryPoint::from),
        phase: f.phase,
        started_year: f.started_year,
        levers: f.levers.clone(),
        fragilities: f.fragilities.clone(),
        families: f.families.clone(),
        activities: f.activities.clone(),
        is_example: c.is_example,
        is_reference: c.is_reference,
        published_at: c.moderated.published_at,
    })
}

/// Searches the public case studies (French analysis: accents, plurals, elision, one typo on
/// words of 5 letters or more). Filters repeat (`lever=a&lever=b`: either) and combine
/// (`lever=a&phase=essaimage`: both). Each facet counts the results its value would give.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(
        ("q" = Option<String>, Query, description = "Words to find"),
        ("lever" = Option<Vec<String>>, Query, description = "Lever slug"),
        ("fragility" = Option<Vec<String>>, Query, description = "Fragility slug"),
        ("family" = Option<Vec<String>>, Query, description = "Actor family slug"),
        ("activity" = Option<Vec<String>>, Query, description = "Métier activity slug"),
        ("phase" = Option<Vec<Phase>>, Query, description = "emergence, experimentation, consolidation, essaimage"),
        ("region" = Option<String>, Query, description = "Région code (INSEE)"),
        ("department" = Option<String>, Query, description = "Département code (INSEE)"),
        ("sort" = Option<CaseApiSort>, Query, description = "relevance (default; newest without words), newest, title or started"),
        ("page" = Option<i32>, Query, description = "From 1; pages beyond 500 give the 500th"),
    ),
    responses(
        (status = 200, description = "Results with facet counts", body = CaseResultsPage),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<CaseResultsPage>, ApiError> {
    let filter =
        parse(raw.as_deref().unwrap_or(""), &API_NAMES).map_err(|e| AppError::BadRequest(e.0))?;
    let found = crate::cases::index::search(&state, &filter).await?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let cases = state.store.cases_by_ids(&ids).await?;
    let items = ids
        .iter()
        .filter_map(|id| cases.iter().find(|c| c.id == *id))
        .filter_map(|c| summary(&state, c))
        .collect();
    let f = &found.facets;
    Ok(Json(CaseResultsPage {
        items,
        total: found.total as u64,
        page: filter.page,
        per_page: PER_PAGE,
        facets: CaseFacetCounts {
            lever: counts(&f.levers),
            fragility: counts(&f.fragilities),
            family: counts(&f.families),
            activity: counts(&f.activities),
            phase: counts(&f.phases),
            region: counts(&f.regions),
            department: counts(&f.departments),
        },
    }))
}

/// One public case study.
#[utoipa::path(get, path = "/api/v1/cases/{slug}", tag = "cases",
    params(("slug" = String, Path, description = "The case's slug")),
    responses(
        (status = 200, description = "The case", body = CaseDetail),
        (status = 404, description = "No such public case", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn case(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    let c = state
        .store
        .case_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = summary(&state, &c).ok_or(AppError::NotFound)?;
    let f = c.public_fields().ok_or(AppError::NotFound)?;
    let contacts = state
        .store
        .profiles_by_ids(&f.contacts)
        .await?
        .into_iter()
        .filter(|p| p.is_public())
        .map(|p| p.slug)
        .collect();
    Ok(Json(CaseDetail {
        summary: s,
        body: f.body.clone(),
        actors: f.actors.clone(),
        funding: f.funding.clone(),
        model: f.model.clone(),
        results: f.results.clone(),
        figures: f.figures.clone(),
        resources: f.resources.clone(),
        contacts,
        source: f.source.clone(),
        licence: f.licence.clone(),
    }))
}
