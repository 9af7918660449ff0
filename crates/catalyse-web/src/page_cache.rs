//! The read path's cache of rendered answers (kept here; `read_path` is the layer that reads
//! and fills it): a visitor's `GET` of a public page or API read
//! is answered from memory when the same address was rendered a moment ago for the same
//! language and the same accepted encodings (and, for a client that does not ask for HTML,
//! the same `Accept`), and nothing was written since.
//!
//! - **Who is served from it**: requests without a session cookie and without an
//!   `Authorization` header. A signed-in member always gets a fresh page (her own data, the
//!   members-only profiles, her edit shown at once).
//!   Nor is a visitor whose training-kit progress cookie (`formation::PROGRESS_COOKIE`)
//!   comes with a `/formation` page: that page shows her own progress.
//! - **What is kept**: `200` answers whose whole body is known (no stream), without
//!   `Set-Cookie`, not `private` nor `no-store`, and that did not write the visitor's CSRF token
//!   into a form ([`CsrfUsed`]), nor marked [`NotKept`]. Bodies are kept as sent
//!   (compressed when the client accepted it), with their headers and ETag, so a hit costs
//!   no rendering, hashing nor compressing.
//! - **How long**: until anything is written through this instance (a `POST`, `PUT`, `PATCH`
//!   or `DELETE` that succeeded and did not say [`WroteNothing`], or a dataset reloaded from
//!   disk: [`PageCache::invalidate`]),
//!   and at most `page_cache_seconds` (default 5) plus the time to render it again: past its
//!   time, one request renders the page again while the others still get the kept one. The
//!   second bound is what carries a write made by another instance on the same PostgreSQL,
//!   or by the command line, and what keeps time-dependent words (« inscriptions
//!   ouvertes ») right within a few seconds.
//! - **How much**: at most `page_cache_mb` megabytes of bodies (default 64); the least useful
//!   entries go first. `page_cache_seconds = 0` turns the cache off.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest body kept (larger pages are rendered each time).
pub(crate) const MAX_ENTRY_BYTES: u64 = 2 * 1024 * 1024;

/// A response extension: the page put the visitor's CSRF token in a form, so it is hers only.
#[derive(Debug, Clone, Copy)]
pub struct CsrfUsed;

/// A response extension: the answer reads what another process may change at any moment
/// (the issuer's keys, a revocation made by the command line) or depends on the `Accept`
/// header, so it is never kept, whoever asks.
#[derive(Debug, Clone, Copy)]
pub struct NotKept;

/// A response extension on the answer to a `POST` that wrote nothing a page shows (the
/// verifier's form): the kept pages stay.
#[derive(Debug, Clone, Copy)]
pub struct WroteNothing;

/// A response extension set by the ETag layer on a body whose whole length it knew (not a
/// stream): that length, before compression.
#[derive(Debug, Clone, Copy)]
pub struct Whole(pub u64);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) path_and_query: String,
    pub(crate) lang: crate::i18n::Lang,
    pub(crate) accept_encoding: Option<HeaderValue>,
    /// The `Accept` of a client that does not ask for HTML (an address may answer it
    /// otherwise: `/badges/{slug}` gives JSON); `None` for a browser.
    pub(crate) accept: Option<HeaderValue>,
}

/// What the cache holds for an address: the answer to give, or `None` for an address whose
/// answer cannot be kept (a form, a 404…), rendered each time without waiting for another.
pub(crate) struct Entry {
    pub(crate) page: Option<(HeaderMap, Bytes)>,
    pub(crate) made: Instant,
    pub(crate) generation: u64,
    /// A request is rendering this address again (the entry is past its time).
    pub(crate) refreshing: AtomicBool,
}

/// Held by the request that renders an entry again; lets another one try if it fails.
pub(crate) struct Refreshing(pub(crate) Arc<Entry>);

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

#[derive(Clone)]
pub(crate) struct Weight;

impl quick_cache::Weighter<Key, Arc<Entry>> for Weight {
    fn weight(&self, key: &Key, entry: &Arc<Entry>) -> u64 {
        let body = entry.page.as_ref().map_or(0, |(_, b)| b.len());
        (body + key.path_and_query.len() + 512) as u64
    }
}

/// The cache itself, one per instance (in [`AppState`]).
pub struct PageCache {
    pub(crate) entries: quick_cache::sync::Cache<Key, Arc<Entry>, Weight>,
    /// Bumped by every write: an entry made before is not served.
    pub(crate) generation: AtomicU64,
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
    pub(crate) fn is_current(&self, e: &Entry) -> bool {
        e.generation == self.generation.load(Ordering::Acquire)
    }

    /// Made after the last write, and within its time.
    pub(crate) fn is_fresh(&self, e: &Entry) -> bool {
        self.is_current(e) && e.made.elapsed() < self.ttl
    }

    #[cfg(test)]
    fn fresh(&self, key: &Key) -> Option<Arc<Entry>> {
        self.entries.get(key).filter(|e| self.is_fresh(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lives_until_a_write_or_its_time() {
        let c = PageCache::new(60, 1);
        let key = Key {
            path_and_query: "/".into(),
            lang: crate::i18n::Lang::Fr,
            accept_encoding: None,
            accept: None,
        };
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
