//! Cross-cutting layers: security headers, ETags with 304 answers, metrics, error pages in
//! the reader's language, the length of addresses.

use crate::error::ErrorPageKeys;
use crate::i18n::{Lang, Tr};
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
    let Some(len) = axum::body::HttpBody::size_hint(&body).exact() else {
        return Response::from_parts(parts, body);
    };
    parts.extensions.insert(crate::page_cache::Whole(len));
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

pub(crate) fn not_modified(headers: &axum::http::HeaderMap) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(v) = headers.get(&name) {
            r.headers_mut().insert(name, v.clone());
        }
    }
    r
}

pub(crate) fn matches_tag(cond: Option<&str>, tag: &HeaderValue) -> bool {
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

/// The longest address (path and query, in bytes) the platform answers; longer ones get a
/// 414 page. Far above any link the platform makes, under hyper's own limit (64 KiB), which
/// answers before any layer and without a body.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// Renders an error page again in the reader's language (the `lang` cookie) when it is not
/// French: the handlers and layers that answer an error do not know it.
pub async fn error_language(req: Request, next: Next) -> Response {
    let lang = crate::pages::lang_of(req.headers());
    let mut resp = next.run(req).await;
    if lang == Lang::Fr {
        return resp;
    }
    if let Some(keys) = resp.extensions().get::<ErrorPageKeys>().copied() {
        resp.headers_mut().remove(header::CONTENT_LENGTH);
        *resp.body_mut() = Body::from(keys.render(Tr::new(lang)).0);
    }
    resp
}

/// Refuses an address longer than [`MAX_URI_BYTES`] with a 414 page.
pub async fn refuse_long_uri(req: Request, next: Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if len > MAX_URI_BYTES {
        return crate::pages::uri_too_long();
    }
    next.run(req).await
}

/// The routes whose path holds a secret (the token of a registration's links): the segment
/// after the prefix is never written to the log.
const SECRET_PATH_PREFIXES: &[&str] = &["/inscriptions/"];

/// The actions that may follow a secret segment, kept in the log for what they tell.
const SECRET_PATH_ACTIONS: &[&str] = &["/confirmer", "/annuler"];

/// A request path as the log writes it: `/inscriptions/{token}/confirmer` →
/// `/inscriptions/…/confirmer`; every other path as it is.
pub fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in SECRET_PATH_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let action = SECRET_PATH_ACTIONS
                .iter()
                .find(|a| rest.ends_with(*a) && rest.len() > a.len())
                .copied()
                .unwrap_or("");
            return std::borrow::Cow::Owned(format!("{prefix}…{action}"));
        }
    }
    std::borrow::Cow::Borrowed(path)
}

#[cfg(test)]
mod redaction_tests {
    use super::redact_path;

    #[test]
    fn registration_tokens_stay_out_of_the_log() {
        let token = "Zk3x_Q9-secret";
        for (path, logged) in [
            (format!("/inscriptions/{token}"), "/inscriptions/…"),
            (
                format!("/inscriptions/{token}/confirmer"),
                "/inscriptions/…/confirmer",
            ),
            (
                format!("/inscriptions/{token}/annuler"),
                "/inscriptions/…/annuler",
            ),
            (format!("/inscriptions//{token}"), "/inscriptions/…"),
            (format!("/inscriptions/{token}/x/y"), "/inscriptions/…"),
            ("/inscriptions/".to_string(), "/inscriptions/…"),
        ] {
            let out = redact_path(&path);
            assert_eq!(out, logged, "{path}");
            assert!(!out.contains(token));
        }
        for path in [
            "/",
            "/evenements/atelier/inscription",
            "/reseau/camille",
            "/inscriptions",
        ] {
            assert_eq!(redact_path(path), path);
        }
    }
}
