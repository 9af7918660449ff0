//! The issuer's published identity: its DID document (`/.well-known/did.json`, how a
//! verifier resolves `did:web` to the keys) and its OB 3.0 `Profile` (`/badges/emetteur`).
//! Both list every key, the current one and those rotated out, read from the key folder (or
//! the configuration) at each request: a key added by `catalyse badges rotate-key` is
//! published at once, without a restart.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalyse_core::badges::{did, vc};

use super::issuer::issuer;
use super::keys::KeyRing;
use crate::error::AppError;
use crate::page_cache::NotKept;
use crate::state::AppState;

/// The keys as they are now (an unreadable key folder is an internal error, logged).
pub fn key_ring(state: &AppState) -> Result<KeyRing, AppError> {
    KeyRing::load_or_create(&state.config).map_err(AppError::Internal)
}

/// A JSON document of the issuer, never kept by the page cache (the keys can change under
/// it), revalidated by browsers and caches through its ETag.
pub(super) fn document(content_type: &'static str, body: &serde_json::Value) -> Response {
    let mut resp = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        serde_json::to_string_pretty(body).unwrap_or_default(),
    )
        .into_response();
    resp.extensions_mut().insert(NotKept);
    resp
}

/// `GET /.well-known/did.json`: the W3C DID document of the platform's `did:web`.
pub async fn did_json(State(state): State<AppState>) -> Result<Response, AppError> {
    let keys = key_ring(&state)?;
    let doc = did::did_document(&issuer(&state.config).did, &keys.public_jwks());
    Ok(document("application/did+json", &doc))
}

/// `GET /badges/emetteur`: the issuer's OB 3.0 `Profile`, with its keys.
pub async fn profile(State(state): State<AppState>) -> Result<Response, AppError> {
    let keys = key_ring(&state)?;
    let p = vc::issuer_profile(&issuer(&state.config), &keys.public_jwks());
    Ok(document("application/json", &p))
}
