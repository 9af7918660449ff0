//! Places of the réseau des pionniers: the published ones only (a version waiting for
//! moderation never shows here).

use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::network::{Place, PlaceKind};
use catalyse_core::TerritoryLevel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The commune of a place.
#[derive(Serialize, ToSchema)]
pub struct PlaceCommune {
    /// INSEE code.
    pub code: String,
    /// `null` if the code is no longer in the geography.
    pub name: Option<String>,
}

/// A published place.
#[derive(Serialize, ToSchema)]
pub struct ApiPlace {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: PlaceKind,
    pub commune: PlaceCommune,
    /// Latitude of the commune (WGS84), not of the address.
    pub lat: Option<f64>,
    /// Longitude of the commune (WGS84).
    pub lon: Option<f64>,
    /// Street address; empty if not given.
    pub address: String,
    /// Plain text; paragraphs separated by an empty line.
    pub description: String,
    pub website: Option<String>,
    /// Example content (« données d'exemple »), not a real place.
    pub is_example: bool,
    /// The place's page.
    pub url: String,
}

/// One page of published places, by name.
#[derive(Serialize, ToSchema)]
pub struct PlaceList {
    pub items: Vec<ApiPlace>,
    /// Places matching the filters, on every page.
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesParams {
    /// cafe-solidaire, coworking, showroom, fablab, tiers-lieu
    pub kind: Option<PlaceKind>,
    /// Code of a région (e.g. 84); an unknown code matches nothing.
    pub region: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 2147483647)]
    pub page: Option<i32>,
}

/// Places on a page of `/api/v1/places`.
const PER_PAGE: u32 = 50;

fn api_place(state: &AppState, p: Place) -> Option<ApiPlace> {
    let f = p.moderated.published?;
    let c = state.territories.get(TerritoryLevel::Commune, &f.commune);
    Some(ApiPlace {
        url: format!("{}/lieux/{}", state.config.public_url(), p.slug),
        id: p.id,
        slug: p.slug,
        name: f.name,
        kind: f.kind,
        commune: PlaceCommune {
            name: c.map(|c| c.name.clone()),
            code: f.commune,
        },
        lat: c.and_then(|c| c.lat),
        lon: c.and_then(|c| c.lon),
        address: f.address,
        description: f.description,
        website: f.website,
        is_example: p.is_example,
    })
}

/// Published places, optionally of one kind and in one région.
#[utoipa::path(get, path = "/api/v1/places", tag = "places",
    params(PlacesParams),
    responses(
        (status = 200, description = "Published places, by name", body = PlaceList),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn places(
    State(state): State<AppState>,
    crate::api::ApiQuery(q): crate::api::ApiQuery<PlacesParams>,
) -> Result<Json<PlaceList>, ApiError> {
    let page = crate::api::page_number(q.page)?;
    let (total, ids) = match q.region.filter(|r| !r.is_empty()) {
        None => state.network().places_page(q.kind, None, page, PER_PAGE),
        Some(r) => match state.numbering.region(&r) {
            Some(r) => state.network().places_page(q.kind, Some(r), page, PER_PAGE),
            // An unknown région matches nothing.
            None => (0, vec![]),
        },
    };
    let items = state
        .store
        .places_by_ids(&ids)
        .await?
        .into_iter()
        .filter_map(|p| api_place(&state, p))
        .collect();
    Ok(Json(PlaceList {
        items,
        total,
        page,
        per_page: PER_PAGE,
    }))
}

/// One published place.
#[utoipa::path(get, path = "/api/v1/places/{slug}", tag = "places",
    params(("slug" = String, Path, description = "The place's slug")),
    responses(
        (status = 200, description = "The place", body = ApiPlace),
        (status = 404, description = "No such published place", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn place(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<ApiPlace>, ApiError> {
    let p = state
        .store
        .place_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(api_place(&state, p).ok_or(AppError::NotFound)?))
}
