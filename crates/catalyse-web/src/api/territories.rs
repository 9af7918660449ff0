//! Territories: search by name, postcode or INSEE code, and one territory with its parents.

use super::ApiQuery;
use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_store::TerritoryQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A parent territory, by code and name.
#[derive(Serialize, ToSchema)]
pub struct ParentOut {
    pub code: String,
    pub name: String,
}

/// A territory of the official geography (INSEE code, population of the official count).
#[derive(Serialize, ToSchema)]
pub struct TerritoryOut {
    /// INSEE code (SIREN for an EPCI).
    #[schema(example = "01001")]
    pub code: String,
    pub name: String,
    pub level: TerritoryLevel,
    pub population: Option<i64>,
    pub region: Option<ParentOut>,
    pub department: Option<ParentOut>,
    pub epci: Option<ParentOut>,
    /// Postcodes of a commune (empty for other levels).
    pub postcodes: Vec<String>,
    /// Latitude of the town hall or centre (communes only).
    pub lat: Option<f64>,
    /// Longitude of the town hall or centre (communes only).
    pub lon: Option<f64>,
}

/// A page of territories.
#[derive(Serialize, ToSchema)]
pub struct TerritoryPage {
    pub items: Vec<TerritoryOut>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// A name (accents and case do not matter), a postcode or an INSEE code.
    #[param(min_length = 1, max_length = 100, example = "saint etienne")]
    pub q: String,
    /// Only this level.
    pub level: Option<TerritoryLevel>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u32>,
    /// Results per page (1 to 100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

fn out(t: Territory, names: &ParentNames) -> TerritoryOut {
    let parent = |code: Option<String>, n: &Option<(String, String)>| {
        code.map(|c| ParentOut {
            name: n
                .as_ref()
                .filter(|(k, _)| *k == c)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            code: c,
        })
    };
    TerritoryOut {
        region: parent(t.region, &names.region),
        department: parent(t.department, &names.department),
        epci: parent(t.epci, &names.epci),
        code: t.code,
        name: t.name,
        level: t.level,
        population: t.population,
        postcodes: t.postcodes,
        lat: t.lat,
        lon: t.lon,
    }
}

#[derive(Default)]
struct ParentNames {
    region: Option<(String, String)>,
    department: Option<(String, String)>,
    epci: Option<(String, String)>,
}

async fn parent_names(state: &AppState, t: &Territory) -> Result<ParentNames, ApiError> {
    let mut n = ParentNames::default();
    for (level, code, slot) in [
        (TerritoryLevel::Region, &t.region, &mut n.region),
        (TerritoryLevel::Department, &t.department, &mut n.department),
        (TerritoryLevel::Epci, &t.epci, &mut n.epci),
    ] {
        if let Some(code) = code {
            if let Some(p) = state.store.territory(level, code).await? {
                *slot = Some((p.code, p.name));
            }
        }
    }
    Ok(n)
}

/// Search territories.
#[utoipa::path(get, path = "/api/v1/territories", tag = "territories", params(SearchParams),
    responses(
        (status = 200, description = "Matching territories, best first", body = TerritoryPage),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<TerritoryPage>, ApiError> {
    let per_page = p.per_page.unwrap_or(20);
    let page = p.page.unwrap_or(1);
    if p.q.is_empty() || p.q.chars().count() > 100 {
        return Err(AppError::BadRequest("q must have 1 to 100 characters".into()).into());
    }
    if !(1..=100).contains(&per_page) {
        return Err(AppError::BadRequest("per_page must be between 1 and 100".into()).into());
    }
    if !(1..=10000).contains(&page) {
        return Err(AppError::BadRequest("page must be between 1 and 10000".into()).into());
    }
    let found = state
        .store
        .search_territories(&TerritoryQuery {
            q: p.q,
            level: p.level,
            page,
            per_page,
        })
        .await?;
    // Search results carry parent codes; names are for the detail endpoint.
    let none = ParentNames::default();
    Ok(Json(TerritoryPage {
        items: found.items.into_iter().map(|t| out(t, &none)).collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    }))
}

/// One territory, with the names of its parents.
#[utoipa::path(get, path = "/api/v1/territories/{level}/{code}", tag = "territories",
    params(
        ("level" = TerritoryLevel, Path, description = "region, department, epci or commune"),
        ("code" = String, Path, description = "INSEE code (SIREN for an EPCI)", pattern = "^[0-9A-Za-z]{1,9}$")
    ),
    responses(
        (status = 200, description = "The territory", body = TerritoryOut),
        (status = 400, description = "Unknown level", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such territory", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn territory(
    State(state): State<AppState>,
    Path((level, code)): Path<(String, String)>,
) -> Result<Json<TerritoryOut>, ApiError> {
    let level: TerritoryLevel = level.parse().map_err(|_| {
        AppError::BadRequest("level must be region, department, epci or commune".into())
    })?;
    if code.is_empty() || code.len() > 9 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound.into());
    }
    let t = state
        .store
        .territory(level, &code.to_ascii_uppercase())
        .await?
        .ok_or(AppError::NotFound)?;
    let names = parent_names(&state, &t).await?;
    Ok(Json(out(t, &names)))
}
