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

/// Published places, by name.
#[derive(Serialize, ToSchema)]
pub struct PlaceList {
    pub items: Vec<ApiPlace>,
    pub total: usize,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesParams {
    /// cafe-solidaire, coworking, showroom, fablab, tiers-lieu
    pub kind: Option<PlaceKind>,
    /// Code of a région (e.g. 84); an unknown code matches nothing.
    pub region: Option<String>,
}

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
    let region = q.region.filter(|r| !r.is_empty());
    let mut items: Vec<ApiPlace> = state
        .store
        .published_places()
        .await?
        .into_iter()
        .filter_map(|p| api_place(&state, p))
        .filter(|p| q.kind.is_none_or(|k| k == p.kind))
        .filter(|p| match &region {
            None => true,
            Some(r) => {
                state
                    .territories
                    .get(TerritoryLevel::Commune, &p.commune.code)
                    .and_then(|c| c.region.as_ref())
                    == Some(r)
            }
        })
        .collect();
    items.sort_by_cached_key(|p| catalyse_core::text::fold(&p.name));
    Ok(Json(PlaceList {
        total: items.len(),
        items,
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
