//! Operations: liveness, readiness and Prometheus metrics endpoints, the background jobs,
//! backup and restore, and the example content.

pub mod backup;
pub mod demo;
pub mod jobs;

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// Machine endpoints, outside the pages' CSRF protection.
pub fn routes() -> crate::Routes {
    crate::Routes {
        machine: axum::Router::new()
            .route("/healthz", axum::routing::get(healthz))
            .route("/readyz", axum::routing::get(readyz))
            .route("/metrics", axum::routing::get(metrics_with_token)),
        ..crate::Routes::default()
    }
}

pub async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ready",
        ),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "database unreachable",
            )
        }
    }
}

/// `GET /metrics` on the main address: only with `Authorization: Bearer {metrics_token}`;
/// without the setting, or with another token, the answer is the one of an unknown page.
pub async fn metrics_with_token(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match (&state.config.metrics_token, given) {
        (Some(token), Some(given)) if !token.0.is_empty() && same_secret(&token.0, given) => {
            Ok(metrics(State(state)).await.into_response())
        }
        _ => Err(AppError::NotFound),
    }
}

/// Compares two secrets in constant time (their SHA-256, so that not even the length shows).
fn same_secret(expected: &str, given: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let a = Sha256::digest(expected.as_bytes());
    let b = Sha256::digest(given.as_bytes());
    a.ct_eq(&b).into()
}

/// The router of `metrics_bind`: `/metrics` alone, without a token (the address is meant
/// to be reachable only by the monitoring).
pub fn metrics_router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .with_state(state)
}

/// `GET /metrics`: Prometheus/OpenMetrics text.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.store.pool_stats();
    state.metrics.pool_size.set(pool.size as i64);
    state.metrics.pool_idle.set(pool.idle as i64);
    (
        [
            (
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        state.metrics.render(),
    )
}
