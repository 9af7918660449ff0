//! Pratiques innovantes: the case-study base. Search with facets and a page per case
//! (`pages`), the API (`api`), the full-text index kept in step with the store (`index`).

pub mod api;
pub mod examples;
pub mod exports;
pub mod import;
pub mod index;
pub mod oai;
pub mod pages;
pub mod related;

use crate::Routes;
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The schemas the API's parameters refer to (responses bring their own).
#[derive(OpenApi)]
#[openapi(components(schemas(api::CaseApiSort, catalyse_core::cases::Phase)))]
struct Schemas;

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/pratiques", get(pages::list))
            .route("/pratiques.csv", get(exports::csv))
            .route("/pratiques.geojson", get(exports::geojson))
            .route("/pratiques/flux.atom", get(exports::atom))
            .route("/pratiques/{slug}", get(pages::case)),
        api: OpenApiRouter::with_openapi(Schemas::openapi())
            .routes(routes!(api::search))
            .routes(routes!(api::case)),
        machine: Router::new(),
    }
}
