//! The digital resource centre: search, the training kit, documents and their files, the
//! Atom feed, OAI-PMH, the administrators' editing, the search index, and their API.

pub mod admin;
pub mod api;
pub mod index;
pub mod oai;
pub mod pages;
pub mod service;

use crate::{Config, Routes};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The schemas the API's parameters refer to (responses bring their own).
#[derive(OpenApi)]
#[openapi(components(schemas(api::ApiSort)))]
struct Schemas;

pub fn routes(config: &Config) -> Routes {
    let upload = || DefaultBodyLimit::max(crate::upload::body_limit(config));
    Routes {
        pages: Router::new()
            .route("/ressources", get(pages::search))
            .route("/ressources/kit", get(pages::kit))
            .route("/ressources/flux.atom", get(pages::atom))
            .route("/ressources/{slug}", get(pages::resource))
            .route("/ressources/{slug}/fichier", get(pages::file))
            .route("/admin/ressources", get(admin::list))
            .route(
                "/admin/ressources/nouvelle",
                get(admin::new_form).post(admin::create).layer(upload()),
            )
            .route(
                "/admin/ressources/{id}",
                get(admin::edit_form).post(admin::update).layer(upload()),
            )
            .route("/admin/ressources/{id}/etat", post(admin::set_state)),
        api: OpenApiRouter::with_openapi(Schemas::openapi())
            .routes(routes!(api::search))
            .routes(routes!(api::resource)),
        // Harvesters post their requests without a form token.
        machine: Router::new().route("/oai", get(oai::get).post(oai::post)),
    }
}
