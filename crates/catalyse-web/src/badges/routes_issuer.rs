//! The issuer's and the verifiers' side of Open Badges: what a wallet, a recruiter or a
//! relying party reads. Addresses are a contract (issue #18): credentials point at them.
//!
//! - `GET /.well-known/did.json`, `GET /badges/emetteur` — the issuer's identity and keys;
//! - `GET /credentials/{id}` (page, VC-JWT or JSON), `/credentials/{id}/badge.jwt`,
//!   `/credentials/{id}/badge.json`;
//! - `GET /credentials/status/{list}` — a status list credential;
//! - `GET`/`POST /verifier` — anyone checks a badge;
//! - `GET /api/v1/credentials/{id}`.

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{api_credentials, credentials, did, issuer, status_list, verifier};
use crate::Routes;

/// The issuer's routes: pages behind the CSRF layer, its API, and the documents machines
/// fetch.
pub fn issuer_routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/credentials/{id}", get(credentials::page))
            .route("/credentials/{id}/badge.jwt", get(credentials::badge_jwt))
            .route("/credentials/{id}/badge.json", get(credentials::badge_json))
            .route(
                "/verifier",
                get(verifier::form)
                    .post(verifier::check)
                    .layer(DefaultBodyLimit::max(verifier::body_limit())),
            ),
        api: OpenApiRouter::new().routes(routes!(api_credentials::credential)),
        machine: Router::new()
            .route(issuer::DID_PATH, get(did::did_json))
            .route(issuer::PROFILE_PATH, get(did::profile))
            .route("/credentials/status/{list}", get(status_list::status_list)),
    }
}
