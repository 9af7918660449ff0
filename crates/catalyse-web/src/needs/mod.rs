//! Besoins des territoires: who could help with a need and why (`suggestions`, over the pool
//! in memory `pool`, and its API `api_suggestions`), and putting people in touch about it
//! (`contact`).

pub mod api_suggestions;
pub mod contact;
pub mod pool;
pub mod suggestions;

use crate::Routes;
use axum::routing::get;
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The suggestions' API and the contact forms.
pub fn match_routes() -> Routes {
    Routes {
        pages: Router::new()
            .route(
                "/besoins/{slug}/aider",
                get(contact::offer_form).post(contact::offer),
            )
            .route(
                "/besoins/{slug}/mise-en-relation",
                get(contact::request_form).post(contact::request),
            ),
        api: OpenApiRouter::new().routes(routes!(api_suggestions::suggestions)),
        machine: Router::new(),
    }
}
