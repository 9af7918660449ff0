//! What every server-rendered page (askama) shares: the page context, rendering, error pages,
//! the language switch and the static assets. The pages themselves live in their area's
//! folder. Every page works without JavaScript.

use crate::auth::{CsrfToken, MaybeUser};
use crate::error::{keyed_error_page, AppError};
use crate::format::format_date;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use askama::Template;
use axum::extract::{FromRef, FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use catalyse_core::User;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

pub const LANG_COOKIE: &str = "lang";

/// What the layout needs on every page.
pub struct PageCtx {
    pub t: Tr,
    pub user: Option<User>,
    csrf: Option<CsrfToken>,
    /// Current path and query, for the language switch and `aria-current`.
    pub path: String,
    pub css: String,
    pub logo: String,
    /// For moderators and administrators: how much waits moderation (the header's badge).
    /// Read with one indexed count per page they view; never for visitors or members.
    pub pending: Option<catalyse_store::ModerationCounts>,
}

impl PageCtx {
    /// The token a form repeats; asking for it makes sure the browser gets its cookie.
    pub fn csrf(&self) -> &str {
        self.csrf.as_ref().map(CsrfToken::value).unwrap_or("")
    }

    pub fn is_current(&self, prefix: &str) -> bool {
        let p = self.path.split('?').next().unwrap_or("");
        p == prefix || p.starts_with(&format!("{prefix}/"))
    }

    /// Whether this is the page `path` itself (not one below it).
    pub fn is_page(&self, path: &str) -> bool {
        self.path.split('?').next() == Some(path)
    }

    pub fn return_to(&self) -> String {
        utf8_percent_encode(&self.path, NON_ALPHANUMERIC).to_string()
    }

    /// Moderators (animateurs) and administrators.
    pub fn is_moderator(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role >= catalyse_core::Role::Moderator)
    }

    /// The header's « À modérer (N) » for animators when something waits: the count and the
    /// page to go to (the queue, or the reports when only reports wait).
    pub fn pending_badge(&self) -> Option<(i64, &'static str)> {
        let c = self.pending.filter(|c| c.total() > 0)?;
        let href = if c.profiles + c.places + c.cases + c.needs > 0 {
            "/admin/moderation"
        } else {
            "/admin/signalements"
        };
        Some((c.total(), href))
    }

    pub fn is_admin(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == catalyse_core::Role::Admin)
    }

    /// A number written the way the page's language writes it (« 34 969 » / « 34,969 »).
    pub fn num(&self, n: &i64) -> String {
        crate::i18n::format_count(self.t.lang, *n)
    }

    pub fn date(&self, d: &chrono::NaiveDate) -> String {
        format_date(self.t.lang, d, false)
    }

    pub fn month(&self, d: &chrono::NaiveDate) -> String {
        format_date(self.t.lang, d, true)
    }

    /// An instant in Paris time (« 3 mars 2026 à 14:05 »).
    pub fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::format::format_datetime(self.t.lang, at)
    }
}

/// A file to download under `filename`: shared caches may keep it unless `private`.
pub fn download(content_type: &str, filename: &str, body: Vec<u8>, private: bool) -> Response {
    let mut resp = (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response();
    if private {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    resp
}

/// The bytes a CSV writer wrote, as a download.
pub fn csv_download(
    w: csv::Writer<Vec<u8>>,
    filename: &str,
    private: bool,
) -> Result<Response, AppError> {
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(download("text/csv; charset=utf-8", filename, body, private))
}

/// The language the reader chose (the `lang` cookie), French by default.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    crate::auth::cookie_value(headers, LANG_COOKIE)
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_default()
}

impl<S> FromRequestParts<S> for PageCtx
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let lang = lang_of(&parts.headers);
        let csrf = parts.extensions.get::<CsrfToken>().cloned();
        // Only animators pay for the count: anonymous pages (served from the page cache) and
        // members' pages read nothing more.
        let pending = match &user {
            Some(u) if u.role >= catalyse_core::Role::Moderator => {
                match app.store.moderation_counts().await {
                    Ok(c) => Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, "moderation count not read");
                        None
                    }
                }
            }
            _ => None,
        };
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        Ok(PageCtx {
            t: Tr::new(lang),
            user,
            csrf,
            path,
            css: app.assets.url("app.css").to_string(),
            logo: app.assets.url("logo.svg").to_string(),
            pending,
        })
    }
}

/// Renders a page; pages are never stored by shared caches and are revalidated by ETag.
pub fn render<T: Template>(ctx: &PageCtx, page: &T) -> Result<Response, AppError> {
    render_status(ctx, StatusCode::OK, page)
}

/// A search page: 400 when its query was refused (`refused`: the page then says why, with
/// the form kept), else 200.
pub fn render_search<T: Template>(
    ctx: &PageCtx,
    page: &T,
    refused: bool,
) -> Result<Response, AppError> {
    let status = if refused {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(ctx, status, page)
}

pub fn render_status<T: Template>(
    ctx: &PageCtx,
    status: StatusCode,
    page: &T,
) -> Result<Response, AppError> {
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    let cache = if ctx.user.is_some() {
        "private, no-cache"
    } else {
        "no-cache"
    };
    Ok((
        status,
        [
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::VARY, HeaderValue::from_static("Cookie")),
        ],
        Html(html),
    )
        .into_response())
}

/// The JSON-LD of a page, to put inside `<script type="application/ld+json">` as it is
/// (`|safe`): every `<`, `>` and `&` is written `\u003c`, `\u003e`, `\u0026` (and the line
/// separators U+2028, U+2029 as escapes too), so that nothing a description holds — `</script>`,
/// `<!--<script>` — can end the element or change how the browser parses it. These
/// characters only occur inside JSON strings, where the escapes mean the same.
pub fn json_ld(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod json_ld_tests {
    #[test]
    fn json_ld_has_no_markup_characters_and_reads_back() {
        let v = serde_json::json!({
            "description": "<!--<script> </script> a & b > c \u{2028}",
            "name": "Tiers-lieu « L'Atelier »",
        });
        let s = super::json_ld(&v);
        assert!(!s.contains(['<', '>', '&', '\u{2028}']), "{s}");
        assert!(s.contains("\\u003c!--\\u003cscript\\u003e"));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}

/// The routes every area's pages rely on: the language switch and the static assets.
pub fn routes() -> crate::Routes {
    crate::Routes::pages(
        axum::Router::new()
            .route("/langue/{code}", axum::routing::get(switch_language))
            .route("/static/{file}", axum::routing::get(static_asset)),
    )
}

/// The answer to a request whose handler panicked: the 500 page (the panic is logged).
pub fn panic_page(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    tracing::error!(panic = %what, "a handler panicked");
    keyed_error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "error.internal",
        "error.internal_text",
    )
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A known address asked with a method it does not answer: 405 with a page (or, under
/// `/api/`, a problem document); the router adds the `Allow` header.
pub async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    let status = StatusCode::METHOD_NOT_ALLOWED;
    if uri.path().starts_with("/api/") {
        let body = crate::error::Problem {
            kind: "about:blank".into(),
            title: "Method Not Allowed".into(),
            status: status.as_u16(),
            detail: None,
        };
        return (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_string(&body).unwrap_or_default(),
        )
            .into_response();
    }
    keyed_error_page(
        status,
        "error.method_not_allowed",
        "error.method_not_allowed_text",
    )
}

/// The page of a 414 answer (an address too long), for the layer that refuses one.
pub fn uri_too_long() -> Response {
    keyed_error_page(
        StatusCode::URI_TOO_LONG,
        "error.uri_too_long",
        "error.uri_too_long_text",
    )
}

#[derive(Deserialize)]
pub struct ReturnTo {
    retour: Option<String>,
}

/// Only paths on this site are followed after a language switch or a login: the one place
/// that reads a return path (`retour`). `target` is the value as the query string or the
/// form decoded it (percent-decoding done once, as the browser will not decode `Location`
/// again). Refused, for `/`: anything that does not start with a single `/` (so `//host`
/// and `/\host`), and any control character, whitespace or backslash anywhere — browsers
/// drop tabs and newlines and read `\` as `/`, so `/\t/host` would become `//host`, and a
/// newline cannot go into a header. Other non-ASCII characters come out percent-encoded, so
/// what passes is always a valid `Location`.
pub fn safe_return(target: Option<&str>) -> String {
    const HOME: &str = "/";
    let Some(t) = target else {
        return HOME.into();
    };
    let unsafe_char = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if !t.starts_with('/') || t.starts_with("//") || t.chars().any(unsafe_char) || t.len() > 2048 {
        return HOME.into();
    }
    percent_encoding::utf8_percent_encode(t, percent_encoding::CONTROLS).to_string()
}

/// `GET /langue/{code}?retour=/…`: remembers the language and goes back.
pub async fn switch_language(
    Path(code): Path<String>,
    Query(q): Query<ReturnTo>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let cookie = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    ))
    .map_err(|e| AppError::Internal(e.into()))?;
    let mut resp = Redirect::to(&safe_return(q.retour.as_deref())).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}

/// `GET /static/{file}`: an embedded asset, cached for a year (its name changes with it).
pub async fn static_asset(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(file): Path<String>,
) -> Response {
    // `304 Not Modified` comes from the ETag layer.
    let Some(asset) = state.assets.get(&file) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type.to_string()),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
            (header::ETAG, asset.etag.clone()),
        ],
        asset.bytes,
    )
        .into_response()
}

/// Where a paged list stands: page `page` of `pages`, with the addresses of its neighbours
/// (drawn by the `pager` macro of `_macros.html`).
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `total` items, `per_page` a page; `link` gives a page's address.
    pub fn new(page: u32, total: usize, per_page: u32, link: impl Fn(u32) -> String) -> Pager {
        let pages = (total.div_ceil(per_page.max(1) as usize).max(1)).min(u32::MAX as usize) as u32;
        Pager {
            page,
            pages,
            prev: (page > 1).then(|| link((page - 1).min(pages))),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// One page of search hits, `total` in all, and its pager (`link` gives a page's address).
pub fn hits_page<T>(
    items: Vec<T>,
    total: usize,
    page: u32,
    per_page: u32,
    link: impl Fn(u32) -> String,
) -> (catalyse_core::Page<T>, Pager) {
    let pager = Pager::new(page, total, per_page, link);
    let results = catalyse_core::Page {
        items,
        total: total as i64,
        page,
        per_page,
    };
    (results, pager)
}

/// The `page` parameter of a list page: a number from 1 (anything else reads as 1), at most
/// `max` (beyond, an empty page would be searched for nothing).
pub fn page_param(raw: Option<&str>, max: u32) -> u32 {
    raw.and_then(|p| p.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, max)
}
