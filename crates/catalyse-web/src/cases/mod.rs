//! Pratiques innovantes: the case-study base. Search with facets and a page per case
//! (`pages`), the API (`api`), the full-text index kept in step with the store (`index`).
//! Members document cases (`contribute`, its fields `form_parts` and images `form_parts::images`;
//! `manage` for what follows: images, archiving, « Mes pratiques »; `status` for who may
//! act); moderators decide on them in `network::moderation`. Open data: CSV, GeoJSON, Atom
//! (`exports`), the OAI-PMH set `type:pratique` (`oai`); the cases shown on portraits, lever
//! and member pages (`related`); example cases (`examples`) and `catalyse cases import`
//! (`import`).

pub mod api;
pub mod contribute;
pub mod examples;
pub mod exports;
pub mod form_parts;
pub mod import;
pub mod index;
pub mod manage;
pub mod oai;
pub mod pages;
pub mod related;
pub mod status;

use crate::Routes;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
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
            .route("/pratiques/{slug}", get(pages::case))
            // Documenting a case (`contribute`), its images, archiving, « Mes pratiques ».
            .route(
                "/pratiques/nouvelle",
                get(contribute::new_form)
                    .post(contribute::create)
                    .layer(DefaultBodyLimit::max(contribute::BODY_LIMIT)),
            )
            .route(
                "/pratiques/{slug}/modifier",
                get(contribute::edit_form)
                    .post(contribute::update)
                    .layer(DefaultBodyLimit::max(contribute::BODY_LIMIT)),
            )
            .route("/pratiques/{slug}/images/{n}", get(manage::image))
            .route("/pratiques/{slug}/archiver", post(manage::archive))
            .route("/pratiques/{slug}/desarchiver", post(manage::unarchive))
            .route("/mon-profil/pratiques", get(manage::mine)),
        api: OpenApiRouter::with_openapi(Schemas::openapi())
            .routes(routes!(api::search))
            .routes(routes!(api::case)),
        machine: Router::new(),
    }
}
