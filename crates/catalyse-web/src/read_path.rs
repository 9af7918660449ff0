//! The read path's layer: answers a visitor's `GET` from [`crate::page_cache`] when it can,
//! keeps what it may, forgets everything when a write succeeds (see `page_cache` for the
//! rules).

use crate::auth::SESSION_COOKIE;
use crate::page_cache::{
    CsrfUsed, Entry, Key, NotKept, Refreshing, Whole, WroteNothing, MAX_ENTRY_BYTES,
};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The key of a request that may be answered from the cache, or `None`.
fn key_of(req: &Request) -> Option<Key> {
    if req.method() != Method::GET {
        return None;
    }
    let h = req.headers();
    if h.contains_key(header::AUTHORIZATION)
        || crate::auth::cookie_value(h, SESSION_COOKIE).is_some()
    {
        return None;
    }
    // A visitor's progress in the training kit shows on its pages: hers only.
    if req.uri().path().starts_with("/formation")
        && crate::auth::cookie_value(h, crate::formation::PROGRESS_COOKIE).is_some()
    {
        return None;
    }
    Some(Key {
        path_and_query: req.uri().path_and_query()?.as_str().to_string(),
        lang: crate::pages::lang_of(h),
        accept_encoding: h.get(header::ACCEPT_ENCODING).cloned(),
        accept: h
            .get(header::ACCEPT)
            .filter(|a| !a.to_str().is_ok_and(|a| a.contains("text/html")))
            .cloned(),
    })
}

/// Whether an answer may be kept for every visitor who asks the same.
fn keepable(resp: &Response) -> bool {
    let h = resp.headers();
    let private = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("private") || v.contains("no-store"));
    resp.status() == StatusCode::OK
        && !private
        && !h.contains_key(header::SET_COOKIE)
        && resp.extensions().get::<CsrfUsed>().is_none()
        && resp.extensions().get::<NotKept>().is_none()
        && resp
            .extensions()
            .get::<Whole>()
            .is_some_and(|w| w.0 <= MAX_ENTRY_BYTES)
}

/// The layer: answers from the cache when it can, keeps what it may, and forgets everything
/// when a write succeeds. While one request renders an address, the others asking for it
/// wait for its answer instead of rendering it too.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.pages;
    if !cache.enabled() {
        return next.run(req).await;
    }
    let Some(key) = key_of(&req) else {
        let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let resp = next.run(req).await;
        let wrote = resp.extensions().get::<WroteNothing>().is_none();
        if writes && wrote && (resp.status().is_success() || resp.status().is_redirection()) {
            cache.invalidate();
        }
        return resp;
    };
    let conditional = req.headers().get(header::IF_NONE_MATCH).cloned();
    let mut guard = None;
    let mut _refreshing = None;
    match cache.entries.get(&key) {
        Some(e) if cache.is_fresh(&e) => {
            return serve(&state, &e, conditional.as_ref(), req, next).await;
        }
        // Past its time but nothing was written since: one request renders it again while
        // the others get it as it is.
        Some(e) if e.page.is_some() && cache.is_current(&e) => {
            if e.refreshing.swap(true, Ordering::AcqRel) {
                return serve(&state, &e, conditional.as_ref(), req, next).await;
            }
            _refreshing = Some(Refreshing(e));
        }
        stale => {
            if let Some(e) = stale {
                cache.entries.remove_if(&key, |v| Arc::ptr_eq(v, &e));
            }
            match cache.entries.get_value_or_guard_async(&key).await {
                // Rendered by another request meanwhile.
                Ok(e) if cache.is_fresh(&e) => {
                    return serve(&state, &e, conditional.as_ref(), req, next).await
                }
                Ok(_) => {}
                Err(g) => guard = Some(g),
            }
        }
    }
    state.metrics.page_cache_misses.inc();
    // Read before rendering: a write during the rendering makes this answer stale at once.
    let generation = cache.generation.load(Ordering::Acquire);
    let resp = next.run(req).await;
    if resp.status() == StatusCode::NOT_MODIFIED {
        // A browser revalidating a page it holds: nothing to keep, and the address is not
        // marked as one whose answers cannot be kept (the guard, dropped, lets the next one
        // render it).
        return resp;
    }
    let (page, resp) = if keepable(&resp) {
        let (parts, body) = resp.into_parts();
        let body = match body.collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
        let mut headers = parts.headers.clone();
        headers.remove(REQUEST_ID);
        let page = (headers, body.clone());
        (Some(page), Response::from_parts(parts, Body::from(body)))
    } else {
        (None, resp)
    };
    let entry = Arc::new(Entry {
        page,
        made: Instant::now(),
        generation,
        refreshing: AtomicBool::new(false),
    });
    match guard {
        Some(guard) => {
            let _ = guard.insert(entry);
        }
        None => cache.entries.insert(key, entry),
    }
    resp
}

/// The kept answer, or `304 Not Modified` when the client holds the same bytes; an address
/// whose answers are not kept is rendered.
async fn serve(
    state: &AppState,
    e: &Entry,
    conditional: Option<&HeaderValue>,
    req: Request,
    next: Next,
) -> Response {
    let Some((headers, body)) = &e.page else {
        return next.run(req).await;
    };
    state.metrics.page_cache_hits.inc();
    let mut resp = match (conditional, headers.get(header::ETAG)) {
        (Some(cond), Some(tag)) if crate::middleware::matches_tag(cond.to_str().ok(), tag) => {
            crate::middleware::not_modified(headers)
        }
        _ => {
            let mut resp = Response::new(Body::from(body.clone()));
            *resp.headers_mut() = headers.clone();
            resp
        }
    };
    // The layers that give other answers their id are not run: this one gets its own.
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        resp.headers_mut().insert(REQUEST_ID, id);
    }
    resp
}

const REQUEST_ID: &str = "x-request-id";

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, headers: &[(&str, &str)]) -> Request {
        let mut b = Request::get(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_anonymous_gets_have_a_key() {
        assert!(key_of(&get("/ressources?q=eau", &[])).is_some());
        assert!(key_of(&get("/", &[("cookie", "__Host-csrf=abc; lang=en")])).is_some());
        assert!(key_of(&get("/", &[("cookie", "__Host-session=abc")])).is_none());
        assert!(key_of(&get("/", &[("authorization", "Bearer x")])).is_none());
        let post = Request::post("/").body(Body::empty()).unwrap();
        assert!(key_of(&post).is_none());
        let en = key_of(&get("/", &[("cookie", "lang=en")])).unwrap();
        let fr = key_of(&get("/", &[])).unwrap();
        assert_ne!(en, fr, "one entry per language");
        let gz = key_of(&get("/", &[("accept-encoding", "gzip")])).unwrap();
        assert_ne!(gz, fr, "one entry per accepted encoding");
        let progress = [("cookie", "__Host-formation=x")];
        assert!(key_of(&get("/formation", &progress)).is_none());
        assert!(key_of(&get("/formation/un-module", &progress)).is_none());
        assert!(key_of(&get("/ressources", &progress)).is_some());
    }
}
