//! Observatory datasets, indicators and values, by indicator and by territory.

use crate::api::ApiQuery;
use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use crate::territories::api::find_territory;
use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::dataset::{Dataset, Indicator, IndicatorValue, TerritoryValue};
use catalyse_core::TerritoryLevel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A dataset and its indicators.
#[derive(Serialize, ToSchema)]
pub struct DatasetOut {
    pub dataset: Dataset,
    pub indicators: Vec<Indicator>,
}

/// The datasets of the observatory.
#[utoipa::path(get, path = "/api/v1/datasets", tag = "observatory",
    responses((status = 200, description = "Every dataset", body = Vec<Dataset>)))]
pub async fn datasets(State(state): State<AppState>) -> Result<Json<Vec<Dataset>>, ApiError> {
    Ok(Json(state.observatory().datasets().cloned().collect()))
}

/// One dataset with its indicators.
#[utoipa::path(get, path = "/api/v1/datasets/{slug}", tag = "observatory",
    params(("slug" = String, Path, description = "The dataset's slug")),
    responses(
        (status = 200, description = "The dataset", body = DatasetOut),
        (status = 404, description = "No such dataset", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn dataset(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<DatasetOut>, ApiError> {
    let obs = state.observatory();
    let (dataset, indicators) = obs.dataset(&slug).ok_or(AppError::NotFound)?;
    Ok(Json(DatasetOut {
        dataset: dataset.clone(),
        indicators: indicators.iter().map(|(i, _)| i.clone()).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuesParams {
    /// Only this level.
    pub level: Option<TerritoryLevel>,
}

/// The values of one indicator, best rank first.
#[utoipa::path(get, path = "/api/v1/datasets/{slug}/indicators/{indicator}/values", tag = "observatory",
    params(
        ("slug" = String, Path, description = "The dataset's slug"),
        ("indicator" = String, Path, description = "The indicator's slug"),
        ValuesParams
    ),
    responses(
        (status = 200, description = "Values by territory, group and year", body = Vec<IndicatorValue>),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset or indicator", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn indicator_values(
    State(state): State<AppState>,
    Path((slug, indicator)): Path<(String, String)>,
    ApiQuery(p): ApiQuery<ValuesParams>,
) -> Result<Json<Vec<IndicatorValue>>, ApiError> {
    let obs = state.observatory();
    obs.indicator(&slug, &indicator).ok_or(AppError::NotFound)?;
    Ok(Json(
        obs.values(&slug, &indicator, p.level)
            .into_iter()
            .cloned()
            .collect(),
    ))
}

/// Every value the observatory knows for one territory, with its rank among its peers.
#[utoipa::path(get, path = "/api/v1/territories/{level}/{code}/values", tag = "observatory",
    params(
        ("level" = TerritoryLevel, Path, description = "region, department, epci or commune"),
        ("code" = String, Path, description = "INSEE code (SIREN for an EPCI)")
    ),
    responses(
        (status = 200, description = "The territory's values", body = Vec<TerritoryValue>),
        (status = 400, description = "Unknown level", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such territory", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn territory_values(
    State(state): State<AppState>,
    Path((level, code)): Path<(String, String)>,
) -> Result<Json<Vec<TerritoryValue>>, ApiError> {
    let t = find_territory(&state, &level, &code)?;
    Ok(Json(state.observatory().territory_values(t.level, &t.code)))
}

/// The direct children of a territory: a region's departments, a department's EPCI and
/// communes, an EPCI's communes.
#[utoipa::path(get, path = "/api/v1/territories/{level}/{code}/children", tag = "territories",
    params(
        ("level" = TerritoryLevel, Path, description = "region, department, epci or commune"),
        ("code" = String, Path, description = "INSEE code (SIREN for an EPCI)")
    ),
    responses(
        (status = 200, description = "Children in name order", body = Vec<crate::territories::api::TerritoryOut>),
        (status = 400, description = "Unknown level", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such territory", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn children(
    State(state): State<AppState>,
    Path((level, code)): Path<(String, String)>,
) -> Result<Json<Vec<crate::territories::api::TerritoryOut>>, ApiError> {
    let t = find_territory(&state, &level, &code)?;
    Ok(Json(
        state
            .territories
            .children(t.level, &t.code)
            .into_iter()
            .map(|c| crate::territories::api::out(c, &state.territories))
            .collect(),
    ))
}
