//! The resource centre: search with facets, and one resource.

use crate::error::{ApiError, AppError, Problem};
use crate::resources::index::parse_api_filter;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use catalyse_core::resource::{Resource, ResourceState};
use serde::Serialize;
use utoipa::ToSchema;

/// The orders of results.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiSort {
    Relevance,
    Newest,
    Oldest,
}

/// A facet value and how many results have it.
#[derive(Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// A range of years and how many results fall in it.
#[derive(Serialize, ToSchema)]
pub struct YearCount {
    pub label: String,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub count: u64,
}

/// Counts by nature, sub-group, lever, author, format and year range, for the results.
#[derive(Serialize, ToSchema)]
pub struct ResourceFacets {
    pub nature: Vec<FacetCount>,
    pub subgroup: Vec<FacetCount>,
    pub lever: Vec<FacetCount>,
    pub author: Vec<FacetCount>,
    pub format: Vec<FacetCount>,
    pub year: Vec<YearCount>,
}

/// One page of results, best match first.
#[derive(Serialize, ToSchema)]
pub struct ResourceResults {
    pub items: Vec<Resource>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub facets: ResourceFacets,
}

/// Facet values with their counts, as a search gave them, for the API (resources, cases,
/// needs).
pub fn counts<N: crate::i18n::Count + Copy>(v: &[(String, N)]) -> Vec<FacetCount> {
    v.iter()
        .map(|(value, n)| FacetCount {
            value: value.clone(),
            count: n.count().max(0) as u64,
        })
        .collect()
}

/// Searches the published resources (French analysis: accents, plurals, elision, one typo
/// on words of 5 letters or more). Filters repeat (`nature=methode&nature=illustration`) and
/// combine.
#[utoipa::path(get, path = "/api/v1/resources", tag = "resources",
    params(
        ("q" = Option<String>, Query, description = "Words to find"),
        ("nature" = Option<Vec<catalyse_core::resource::Nature>>, Query, description = "cadre-de-reference, illustration, methode, boite-a-outils"),
        ("subgroup" = Option<Vec<String>>, Query, description = "Sub-group slug"),
        ("lever" = Option<Vec<String>>, Query, description = "Lever slug"),
        ("author" = Option<Vec<String>>, Query, description = "Author or organisation, as written"),
        ("format" = Option<Vec<String>>, Query, description = "Format, as written"),
        ("year_from" = Option<i32>, Query, description = "From this year"),
        ("year_to" = Option<i32>, Query, description = "Up to this year"),
        ("sort" = Option<ApiSort>, Query, description = "relevance (default), newest or oldest"),
        ("page" = Option<i32>, Query, description = "From 1; pages beyond 500 give the 500th"),
    ),
    responses(
        (status = 200, description = "Results with facet counts", body = ResourceResults),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ResourceResults>, ApiError> {
    let filter =
        parse_api_filter(raw.as_deref().unwrap_or("")).map_err(|e| AppError::BadRequest(e.0))?;
    let found = state
        .search
        .search(&filter)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let items = state.store.resources_by_ids(&ids).await?;
    let f = &found.facets;
    Ok(Json(ResourceResults {
        items,
        total: found.total,
        page: filter.page,
        per_page: crate::resources::index::PER_PAGE,
        facets: ResourceFacets {
            nature: counts(&f.natures),
            subgroup: counts(&f.subgroups),
            lever: counts(&f.levers),
            author: counts(&f.authors),
            format: counts(&f.formats),
            year: f
                .years
                .iter()
                .map(|y| YearCount {
                    label: y.label.clone(),
                    from: y.from,
                    to: y.to,
                    count: y.count,
                })
                .collect(),
        },
    }))
}

/// One published resource.
#[utoipa::path(get, path = "/api/v1/resources/{id}", tag = "resources",
    params(("id" = i64, Path, description = "The resource's id")),
    responses(
        (status = 200, description = "The resource", body = Resource),
        (status = 400, description = "Not an id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published resource", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn resource(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Resource>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::BadRequest(format!("not a resource id: {id}")))?;
    let r = state
        .store
        .resource(id)
        .await?
        .filter(|r| r.state == ResourceState::Published)
        .ok_or(AppError::NotFound)?;
    Ok(Json(r))
}
