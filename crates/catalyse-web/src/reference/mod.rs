//! The reference frame of the programme: the home page, the 7 levers, the 2019 programme, the
//! métier, the legal pages, and their API.

pub mod api;
pub mod home;
pub mod legal;
pub mod pages;

use crate::Routes;
use axum::routing::get;
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/", get(home::home))
            .route("/leviers", get(pages::levers))
            .route("/leviers/{slug}", get(pages::lever))
            .route("/programme", get(pages::programme))
            .route("/metier", get(pages::metier))
            .route("/mentions-legales", get(legal::mentions))
            .route("/accessibilite", get(legal::accessibility))
            .route("/donnees-personnelles", get(legal::personal_data)),
        api: OpenApiRouter::new()
            .routes(routes!(api::levers))
            .routes(routes!(api::lever))
            .routes(routes!(api::metier))
            .routes(routes!(api::actor_families))
            .routes(routes!(api::programme)),
        ..Routes::default()
    }
}
