//! `GET /credentials/status/{list}`: the W3C `BitstringStatusListCredential` of one status
//! list, signed as a VC-JWT with the current key (`application/vc+jwt`), or as JSON when
//! the client asks `application/json`. Made from the store at each request and never kept
//! by the page cache: a revocation, even by the command line, reads at once.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use catalyse_core::badges::{did, status, vc};
use chrono::{SubsecRound, Utc};

use super::accept::{preferred, Media};
use super::did::key_ring;
use super::issuer::{issuer, status_list_url};
use crate::error::AppError;
use crate::page_cache::NotKept;
use crate::state::AppState;

/// The status list credential of `list` (unsigned JSON), or `None` when no slot was ever
/// handed out from it.
pub async fn list_credential(
    state: &AppState,
    list: i64,
) -> Result<Option<serde_json::Value>, AppError> {
    if !state.store.status_lists().await?.contains(&list) {
        return Ok(None);
    }
    let revoked: Vec<u64> = (state.store.revoked_indexes(list).await?)
        .into_iter()
        .filter_map(|i| u64::try_from(i).ok())
        .collect();
    let url = status_list_url(&state.config, list);
    let now = Utc::now().trunc_subsecs(0);
    Ok(Some(status::status_list_credential(
        &issuer(&state.config),
        &url,
        &revoked,
        now,
    )))
}

/// `GET /credentials/status/{list}`.
pub async fn status_list(
    State(state): State<AppState>,
    Path(list): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let list: i64 = list
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)?;
    let cred = list_credential(&state, list)
        .await?
        .ok_or(AppError::NotFound)?;
    let offered = [Media::Jwt, Media::Json, Media::JsonLd];
    let media = preferred(&headers, &offered, Media::Jwt);
    let (content_type, body) = match media {
        Media::Json | Media::JsonLd => (
            media.json_type(),
            serde_json::to_string_pretty(&cred).unwrap_or_default(),
        ),
        Media::Jwt | Media::Html => {
            let keys = key_ring(&state)?;
            let key = keys.current();
            let kid = did::key_url(&issuer(&state.config).did, key);
            ("application/vc+jwt", vc::vc_jwt(key, &kid, &cred))
        }
    };
    let mut resp = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::VARY, "Accept"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response();
    resp.extensions_mut().insert(NotKept);
    Ok(resp)
}
