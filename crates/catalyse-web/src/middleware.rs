//! Cross-cutting layers: security headers, ETags with 304 answers, metrics.

use crate::metrics::{RequestLabels, RouteLabels};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::time::Instant;

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, state.csp.clone());
    if state.config.public_url().starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// Strong ETags on successful GET answers without one, and `304 Not Modified` when the
/// client already has the same bytes. Runs inside compression, so it hashes the plain body.
pub async fn etag(req: Request, next: Next) -> Response {
    let conditional = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_get = matches!(*req.method(), Method::GET | Method::HEAD);
    let resp = next.run(req).await;
    if !is_get || resp.status() != StatusCode::OK {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // A streamed body (a large export) is sent as it is made, never gathered to hash it.
    if axum::body::HttpBody::size_hint(&body).exact().is_none() {
        return Response::from_parts(parts, body);
    }
    if let Some(tag) = parts.headers.get(header::ETAG).cloned() {
        if matches_tag(conditional.as_deref(), &tag) {
            return not_modified(&parts.headers);
        }
        return Response::from_parts(parts, body);
    }
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // A fast 64-bit hash is enough to tell two versions of one URL apart.
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hasher::write(&mut hasher, &bytes);
    let tag = format!("\"{:016x}\"", std::hash::Hasher::finish(&hasher));
    if let Ok(tag) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, tag.clone());
        if matches_tag(conditional.as_deref(), &tag) {
            return not_modified(&parts.headers);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn not_modified(headers: &axum::http::HeaderMap) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(v) = headers.get(&name) {
            r.headers_mut().insert(name, v.clone());
        }
    }
    r
}

fn matches_tag(cond: Option<&str>, tag: &HeaderValue) -> bool {
    let Some(cond) = cond else { return false };
    let Ok(tag) = tag.to_str() else { return false };
    cond.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

pub async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route: route.clone(),
            status: resp.status().as_u16(),
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(start.elapsed().as_secs_f64());
    resp
}
