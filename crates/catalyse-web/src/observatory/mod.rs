//! The observatory of partnerships: datasets, indicators and their choropleth maps, the
//! administrators' import, and their API.

pub mod admin;
pub mod api;
pub mod import;
pub mod pages;

use crate::{Config, Routes};
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes(config: &Config) -> Routes {
    Routes {
        pages: Router::new()
            .route("/observatoire", get(pages::home))
            .route("/observatoire/cartes", get(pages::gallery))
            .route("/observatoire/{slug}", get(pages::dataset))
            .route("/observatoire/{slug}/donnees.csv", get(pages::download_csv))
            .route(
                "/observatoire/{slug}/donnees.json",
                get(pages::download_json),
            )
            .route(
                "/observatoire/{slug}/indicateurs/{indicator}",
                get(pages::indicator),
            )
            .route(
                "/observatoire/{slug}/indicateurs/{indicator}/carte.svg",
                get(pages::map_svg),
            )
            .route(
                "/admin/donnees",
                get(admin::page)
                    .post(admin::upload)
                    .layer(DefaultBodyLimit::max(crate::upload::body_limit(config))),
            ),
        api: OpenApiRouter::new()
            .routes(routes!(api::children))
            .routes(routes!(api::datasets))
            .routes(routes!(api::dataset))
            .routes(routes!(api::indicator_values))
            .routes(routes!(api::territory_values)),
        ..Routes::default()
    }
}
