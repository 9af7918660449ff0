//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document generated from the code.
//! Errors are RFC 9457 `application/problem+json`.

pub mod events;
pub mod network;
pub mod observatory;
pub mod places;
pub mod reference;
pub mod resources;
pub mod territories;

use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Catalyse API",
        version = "1",
        description = "Reference frame of territorial co-construction (levers, métier, actor \
                       families, 2019 programme) and French territorial geography.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(
        reference::levers,
        reference::lever,
        reference::metier,
        reference::actor_families,
        reference::programme,
        territories::search,
        territories::territory,
        observatory::children,
        observatory::datasets,
        observatory::dataset,
        observatory::indicator_values,
        observatory::territory_values,
        resources::search,
        resources::resource,
        events::events,
        events::event,
        events::series,
        events::occurrences,
        events::register,
        events::unregister,
        places::places,
        places::place,
        network::clusters,
        network::members,
        network::member,
    ),
    components(schemas(Problem)),
    tags(
        (name = "reference", description = "The reference frame from the programme"),
        (name = "territories", description = "Regions, departments, EPCI and communes"),
        (name = "observatory", description = "Datasets, indicators and their values by territory"),
        (name = "resources", description = "The resource centre: documents of the kit and beyond"),
        (name = "events", description = "Webinars and events, series and their rules"),
        (name = "places", description = "Places run by members of the network: cafés solidaires, co-workings, showrooms, FabLabs, tiers-lieux"),
        (name = "network", description = "The network of pioneers: public profiles and the clustered map")
    )
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/levers", get(reference::levers))
        .route("/levers/{slug}", get(reference::lever))
        .route("/metier", get(reference::metier))
        .route("/actor-families", get(reference::actor_families))
        .route("/programme", get(reference::programme))
        .route("/territories", get(territories::search))
        .route("/territories/{level}/{code}", get(territories::territory))
        .route(
            "/territories/{level}/{code}/children",
            get(observatory::children),
        )
        .route(
            "/territories/{level}/{code}/values",
            get(observatory::territory_values),
        )
        .route("/datasets", get(observatory::datasets))
        .route("/datasets/{slug}", get(observatory::dataset))
        .route(
            "/datasets/{slug}/indicators/{indicator}/values",
            get(observatory::indicator_values),
        )
        .route("/resources", get(resources::search))
        .route("/resources/{id}", get(resources::resource))
        .route("/events", get(events::events))
        .route("/events/{slug}", get(events::event))
        .route(
            "/events/{slug}/registrations",
            axum::routing::post(events::register).delete(events::unregister),
        )
        .route("/series/{slug}", get(events::series))
        .route("/series/{slug}/occurrences", get(events::occurrences))
        .route("/map/clusters", get(network::clusters))
        .route("/members", get(network::members))
        .route("/members/{slug}", get(network::member))
        .route("/places", get(places::places))
        .route("/places/{slug}", get(places::place))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError(AppError::NotFound) })
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Query parameters whose errors come back as problem+json.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| ApiError(AppError::BadRequest(e.body_text())))
    }
}
