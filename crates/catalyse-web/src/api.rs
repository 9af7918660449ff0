//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document generated from the code.
//! Errors are RFC 9457 `application/problem+json`. Each area declares its API routes with
//! their OpenAPI entries (`utoipa_axum::routes!`); this module holds what they share.

use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::routing::{any, get};
use axum::Router;
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
    components(schemas(Problem)),
    tags(
        (name = "reference", description = "The reference frame from the programme"),
        (name = "territories", description = "Regions, departments, EPCI and communes"),
        (name = "observatory", description = "Datasets, indicators and their values by territory"),
        (name = "resources", description = "The resource centre: documents of the kit and beyond"),
        (name = "events", description = "Webinars and events, series and their rules"),
        (name = "places", description = "Places run by members of the network: cafés solidaires, co-workings, showrooms, FabLabs, tiers-lieux"),
        (name = "network", description = "The network of pioneers: public profiles and the clustered map"),
        (name = "needs", description = "Needs of territories and who could help with them"),
        (name = "parcours", description = "Parcours d'expérience: cohorts of territory teams, their territories and sessions (public part)"),
        (name = "diagnostics", description = "Autodiagnostics along the 7 levers: questionnaires, scores and recommendations")
    )
)]
pub struct ApiDoc;

/// The document's header (info, tags, shared schemas); each area adds its paths.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The areas' API routes, the OpenAPI document at `/api/v1/openapi.json`, and a
/// problem+json 404 for any other address under `/api/v1`.
pub fn routes(api: Router<AppState>, document: utoipa::openapi::OpenApi) -> Router<AppState> {
    // Serialised once: the document does not change while the platform runs.
    let body = bytes::Bytes::from(serde_json::to_vec(&document).unwrap_or_default());
    api.route(
        "/api/v1/openapi.json",
        get(move || async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
        }),
    )
    .route("/api/v1", any(not_found))
    .route("/api/v1/{*rest}", any(not_found))
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
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

/// The `page` parameter of a paged list: from 1 (none is 1).
pub fn page_number(page: Option<i32>) -> Result<u32, ApiError> {
    match page {
        None => Ok(1),
        Some(n) if n >= 1 => Ok(n as u32),
        Some(_) => Err(ApiError(AppError::BadRequest(
            "page : un entier à partir de 1".into(),
        ))),
    }
}
