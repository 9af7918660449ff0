//! Authentication: argon2id password hashes, server-side sessions behind a `__Host-` cookie,
//! CSRF tokens (double submit, checked on every state-changing form), and role extractors.

use crate::error::AppError;
use crate::state::AppState;
use crate::tokens::{random_token, token_hash};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::{Role, User};
use catalyse_store::SessionRecord;
use chrono::{Duration, Utc};
use rand::RngCore;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub const SESSION_COOKIE: &str = "__Host-session";
pub const CSRF_COOKIE: &str = "__Host-csrf";
pub const CSRF_FIELD: &str = "csrf";

fn argon2() -> Argon2<'static> {
    // OWASP: argon2id, m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password off the async runtime (it takes tens of milliseconds on purpose).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// Checks a password; with no hash (unknown account) it still spends the same time.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        match PasswordHash::new(&stored) {
            Ok(parsed) => {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
                    && stored != DUMMY_HASH
            }
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

/// An argon2id hash of a random string nobody knows, used to make unknown accounts cost the
/// same time as known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2kR+Iu2VzGqmJ8HMmNHvxwFCg1B4ZXWiDJVwDnl9hS8";

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, and, as the `__Host-` prefix demands,
/// `Secure` and `Path=/` without `Domain`. Browsers accept `Secure` cookies on
/// `http://127.0.0.1` and `http://localhost`, so the default set-up works without TLS.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Secure{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// The CSRF token of this request: the one its cookie carries, or a new one made the first
/// time a page asks for it (a page without a form sets no cookie).
#[derive(Clone)]
pub struct CsrfToken {
    pub(crate) existing: Option<String>,
    fresh: Arc<OnceLock<String>>,
    /// Whether a page wrote it into a form (then the page is this visitor's only).
    used: Arc<std::sync::atomic::AtomicBool>,
}

impl CsrfToken {
    pub fn value(&self) -> &str {
        self.used.store(true, std::sync::atomic::Ordering::Relaxed);
        match &self.existing {
            Some(t) => t,
            None => self.fresh.get_or_init(random_token),
        }
    }
}

/// Gives every request a CSRF token, sets the cookie when it is new, and refuses
/// cross-site state-changing requests by their `Origin`.
pub async fn csrf_layer(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let existing = cookie_value(req.headers(), CSRF_COOKIE).filter(|t| {
        t.len() == 43
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if let Some(origin) = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
        {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            let same = origin.split_once("://").map(|(_, h)| h) == Some(host)
                || origin == state.config.public_url();
            if !same {
                return AppError::Forbidden.into_response();
            }
        }
    }
    let token = CsrfToken {
        existing,
        fresh: Arc::new(OnceLock::new()),
        used: Arc::default(),
    };
    req.extensions_mut().insert(token.clone());
    let mut resp = next.run(req).await;
    if token.used.load(std::sync::atomic::Ordering::Relaxed) {
        resp.extensions_mut().insert(crate::page_cache::CsrfUsed);
    }
    if let Some(fresh) = token.fresh.get() {
        resp.headers_mut()
            .append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, fresh, None));
    }
    resp
}

/// Whether a form's token is the one the browser's cookie holds (in constant time).
pub(crate) fn csrf_matches(expected: Option<&str>, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    match expected {
        Some(e) => !given.is_empty() && bool::from(e.as_bytes().ct_eq(given.as_bytes())),
        None => false,
    }
}

/// A form whose hidden `csrf` field must match the cookie. Every state-changing form uses it.
pub struct CsrfForm<T>(pub T);

impl<T, S> FromRequest<S> for CsrfForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Only a token the browser sent back in its cookie can vouch for a form.
        let expected = req
            .extensions()
            .get::<CsrfToken>()
            .and_then(|t| t.existing.clone());
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("form too large or unreadable".into()))?;
        let fields: HashMap<String, String> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest("malformed form".into()))?;
        let given = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
        if !csrf_matches(expected.as_deref(), given) {
            return Err(AppError::Forbidden);
        }
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))?;
        Ok(CsrfForm(value))
    }
}

/// The signed-in user, if any (`MaybeUser`), looked up from the session cookie.
#[derive(Clone)]
pub struct MaybeUser(pub Option<User>);

impl<S> FromRequestParts<S> for MaybeUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<MaybeUser>() {
            return Ok(u.clone());
        }
        let state = AppState::from_ref(state);
        let user = match cookie_value(&parts.headers, SESSION_COOKIE) {
            Some(token) if token.len() == 43 => {
                let now = Utc::now();
                let hash = token_hash(&token);
                let idle = now - Duration::minutes(state.config.session_idle_minutes);
                let absolute = now - Duration::hours(state.config.session_absolute_hours);
                match state.store.session(&hash, idle, absolute).await? {
                    Some((session, user)) => {
                        // One write a minute at most keeps the idle clock honest.
                        if now - session.last_seen_at > Duration::seconds(60) {
                            state.store.touch_session(&hash, now).await?;
                        }
                        Some(user)
                    }
                    None => None,
                }
            }
            _ => None,
        };
        let u = MaybeUser(user);
        parts.extensions.insert(u.clone());
        Ok(u)
    }
}

/// The answer to a visitor where an account is needed: the sign-in page, then back to `back`.
pub fn sign_in_first(back: &str) -> Response {
    let target = format!(
        "/connexion?retour={}",
        percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC)
    );
    Redirect::to(&target).into_response()
}

/// A signed-in user with at least the role `min` — the one way routes check roles.
pub async fn require_role<S>(parts: &mut Parts, state: &S, min: Role) -> Result<User, Response>
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    let MaybeUser(user) = MaybeUser::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    match user {
        Some(u) if u.role.includes(min) => Ok(u),
        Some(_) => Err(AppError::Forbidden.into_response()),
        None => Err(sign_in_first(
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/"),
        )),
    }
}

/// What a signed-in person asks to change: not found (404) when it is not there, forbidden
/// (403) when `may` says she may not change it.
pub fn to_change<T>(found: Option<T>, may: impl FnOnce(&T) -> bool) -> Result<T, AppError> {
    let it = found.ok_or(AppError::NotFound)?;
    if may(&it) {
        Ok(it)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Any signed-in account.
pub struct SignedIn(pub User);
/// A moderator or an administrator.
pub struct Moderator(pub User);
/// An administrator.
pub struct Admin(pub User);

macro_rules! role_extractor {
    ($ty:ident, $role:expr) => {
        impl<S> FromRequestParts<S> for $ty
        where
            S: Send + Sync,
            AppState: FromRef<S>,
        {
            type Rejection = Response;
            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
                require_role(parts, state, $role).await.map($ty)
            }
        }
    };
}
role_extractor!(SignedIn, Role::Member);
role_extractor!(Moderator, Role::Moderator);
role_extractor!(Admin, Role::Admin);

/// Opens a session for `user` (a new id at every login) and returns its cookie.
/// Opens a session for `user`, who reads `lang` now: it is saved for the mails sent to her
/// outside her own requests (a moderation decision, a reminder).
pub async fn open_session(
    state: &AppState,
    user: &User,
    lang: crate::i18n::Lang,
) -> Result<HeaderValue, AppError> {
    if user.lang != lang.code() {
        state.store.set_user_lang(user.id, lang.code()).await?;
    }
    let token = random_token();
    let now = Utc::now();
    state
        .store
        .create_session(&SessionRecord {
            id_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            last_seen_at: now,
        })
        .await?;
    Ok(set_cookie(
        SESSION_COOKIE,
        &token,
        Some(state.config.session_absolute_hours * 3600),
    ))
}

/// Ends the session named by the request's cookie, and returns the cookie that clears it.
pub async fn close_session(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, AppError> {
    if let Some(token) = cookie_value(headers, SESSION_COOKIE) {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    Ok(set_cookie(SESSION_COOKIE, "", Some(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters() {
        let h = hash_password("une phrase de passe".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("une phrase de passe".into(), Some(h.clone())).await);
        assert!(!verify_password("autre chose".into(), Some(h)).await);
        assert!(!verify_password("x".into(), None).await);
    }

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie_value(&h, "c"), None);
    }
}

/// The client's address, as the rate limits see it (see [`TrustedProxies::client`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
        Ok(ClientIp(app.limits.proxies.client(peer, &parts.headers)))
    }
}
