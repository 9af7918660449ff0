//! Territories: search by name, postcode or INSEE code, and one territory with its parents.

use crate::api::ApiQuery;
use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::{Territory, TerritoryIndex, TerritoryLevel};
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

/// Where something is (a case, a need): its territory by level, code and name, and a point.
#[derive(Serialize, ToSchema)]
pub struct TerritoryPoint {
    /// region, department, epci or commune
    pub level: String,
    pub code: String,
    pub name: String,
    /// Its town hall or, for a larger territory, its most populous commune's (WGS 84).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl From<&Territory> for TerritoryPoint {
    fn from(t: &Territory) -> Self {
        TerritoryPoint {
            level: t.level.to_string(),
            code: t.code.clone(),
            name: t.name.clone(),
            lat: t.lat,
            lon: t.lon,
        }
    }
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

/// A territory as the API shows it, its parents with their names.
pub fn out(t: &Territory, index: &TerritoryIndex) -> TerritoryOut {
    let parent = |level, code: &Option<String>| {
        code.as_ref().map(|c| ParentOut {
            code: c.clone(),
            name: index
                .get(level, c)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        })
    };
    TerritoryOut {
        region: parent(TerritoryLevel::Region, &t.region),
        department: parent(TerritoryLevel::Department, &t.department),
        epci: parent(TerritoryLevel::Epci, &t.epci),
        code: t.code.clone(),
        name: t.name.clone(),
        level: t.level,
        population: t.population,
        postcodes: t.postcodes.clone(),
        lat: t.lat,
        lon: t.lon,
    }
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
    let found = state.territories.search(&p.q, p.level, page, per_page);
    Ok(Json(TerritoryPage {
        items: found
            .items
            .into_iter()
            .map(|t| out(t, &state.territories))
            .collect(),
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
    let t = find_territory(&state, &level, &code)?;
    Ok(Json(out(t, &state.territories)))
}

/// The territory a `{level}/{code}` path names: 400 for an unknown level, 404 for an unknown
/// code.
pub fn find_territory<'a>(
    state: &'a AppState,
    level: &str,
    code: &str,
) -> Result<&'a Territory, ApiError> {
    let level: TerritoryLevel = level.parse().map_err(|_| {
        AppError::BadRequest("level must be region, department, epci or commune".into())
    })?;
    if code.is_empty() || code.len() > 9 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound.into());
    }
    Ok(state
        .territories
        .get(level, &code.to_ascii_uppercase())
        .ok_or(AppError::NotFound)?)
}
