//! The read path's cache of rendered answers: a visitor's `GET` of a public page or API read
//! is answered from memory when the same address was rendered a moment ago for the same
//! language and the same accepted encodings, and nothing was written since.
//!
//! - **Who is served from it**: requests without a session cookie and without an
//!   `Authorization` header. A signed-in member always gets a fresh page (her own data, the
//!   members-only profiles, her edit shown at once).
//! - **What is kept**: `200` answers whose whole body is known (no stream), without
//!   `Set-Cookie`, not `private` nor `no-store`, and that did not write the visitor's CSRF token
//!   into a form ([`CsrfUsed`]). Bodies are kept as sent (compressed when the client accepted
//!   it), with their headers and ETag, so a hit costs no rendering, hashing nor compressing.
//! - **How long**: until anything is written through this instance (a `POST`, `PUT`, `PATCH`
//!   or `DELETE` that succeeded, or a dataset reloaded from disk: [`PageCache::invalidate`]),
//!   and at most `page_cache_seconds` (default 5) plus the time to render it again: past its
//!   time, one request renders the page again while the others still get the kept one. The
//!   second bound is what carries a write made by another instance on the same PostgreSQL,
//!   or by the command line, and what keeps time-dependent words (« inscriptions
//!   ouvertes ») right within a few seconds.
//! - **How much**: at most `page_cache_mb` megabytes of bodies (default 64); the least useful
//!   entries go first. `page_cache_seconds = 0` turns the cache off.

use crate::auth::SESSION_COOKIE;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest body kept (larger pages are rendered each time).
const MAX_ENTRY_BYTES: u64 = 2 * 1024 * 1024;

/// A response extension: the page put the visitor's CSRF token in a form, so it is hers only.
#[derive(Debug, Clone, Copy)]
pub struct CsrfUsed;

/// A response extension set by the ETag layer on a body whose whole length it knew (not a
/// stream): that length, before compression.
#[derive(Debug, Clone, Copy)]
pub struct Whole(pub u64);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    path_and_query: String,
    lang: crate::i18n::Lang,
    accept_encoding: Option<HeaderValue>,
}

/// What the cache holds for an address: the answer to give, or `None` for an address whose
/// answer cannot be kept (a form, a 404…), rendered each time without waiting for another.
struct Entry {
    page: Option<(HeaderMap, Bytes)>,
    made: Instant,
    generation: u64,
    /// A request is rendering this address again (the entry is past its time).
    refreshing: AtomicBool,
}

/// Held by the request that renders an entry again; lets another one try if it fails.
struct Refreshing(Arc<Entry>);

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<Key, Arc<Entry>> for Weight {
    fn weight(&self, key: &Key, entry: &Arc<Entry>) -> u64 {
        let body = entry.page.as_ref().map_or(0, |(_, b)| b.len());
        (body + key.path_and_query.len() + 512) as u64
    }
}

/// The cache itself, one per instance (in [`AppState`]).
pub struct PageCache {
    entries: quick_cache::sync::Cache<Key, Arc<Entry>, Weight>,
    /// Bumped by every write: an entry made before is not served.
    generation: AtomicU64,
    ttl: Duration,
}

impl PageCache {
    /// A cache that keeps answers `seconds` at most, within `megabytes` of bodies; `seconds`
    /// 0 keeps nothing.
    pub fn new(seconds: u64, megabytes: u64) -> PageCache {
        let bytes = megabytes.max(1).saturating_mul(1024 * 1024);
        PageCache {
            entries: quick_cache::sync::Cache::with_weighter(
                (bytes / 16_384).clamp(64, 1 << 20) as usize,
                bytes,
                Weight,
            ),
            generation: AtomicU64::new(0),
            ttl: Duration::from_secs(seconds),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// Forgets every answer: something they show may have changed.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
    }

    /// Made after the last write.
    fn is_current(&self, e: &Entry) -> bool {
        e.generation == self.generation.load(Ordering::Acquire)
    }

    /// Made after the last write, and within its time.
    fn is_fresh(&self, e: &Entry) -> bool {
        self.is_current(e) && e.made.elapsed() < self.ttl
    }

    #[cfg(test)]
    fn fresh(&self, key: &Key) -> Option<Arc<Entry>> {
        self.entries.get(key).filter(|e| self.is_fresh(e))
    }
}

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
    Some(Key {
        path_and_query: req.uri().path_and_query()?.as_str().to_string(),
        lang: crate::pages::lang_of(h),
        accept_encoding: h.get(header::ACCEPT_ENCODING).cloned(),
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
        if writes && (resp.status().is_success() || resp.status().is_redirection()) {
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
    }

    #[test]
    fn an_entry_lives_until_a_write_or_its_time() {
        let c = PageCache::new(60, 1);
        let key = key_of(&get("/", &[])).unwrap();
        let entry = |generation| {
            Arc::new(Entry {
                page: Some((HeaderMap::new(), Bytes::from_static(b"page"))),
                made: Instant::now(),
                generation,
                refreshing: AtomicBool::new(false),
            })
        };
        c.entries.insert(key.clone(), entry(0));
        assert!(c.fresh(&key).is_some());
        c.invalidate();
        assert!(c.fresh(&key).is_none());
        // Rendered before the write, kept after it: never served.
        c.entries.insert(key.clone(), entry(0));
        assert!(c.fresh(&key).is_none());
        let old = Arc::new(Entry {
            made: Instant::now() - Duration::from_secs(61),
            ..Arc::try_unwrap(entry(1)).ok().unwrap()
        });
        c.entries.insert(key.clone(), old);
        assert!(c.fresh(&key).is_none(), "older than its time");
        assert!(!PageCache::new(0, 1).enabled());
    }
}
