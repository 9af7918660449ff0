//! A credential's public side: `/credentials/{id}` — its page (what, who, when, the issuer,
//! and the platform's verification), or, as the `Accept` header asks, the VC-JWT as signed
//! or the credential's JSON — and its downloads `badge.jwt` and `badge.json`.
//!
//! **Who sees it**: anyone when the earner made it public; otherwise only the earner
//! (signed in) and the animators and administrators; anyone else gets the usual 404, as if
//! it did not exist. The earner's name shows only on a public credential. None of these
//! answers is kept by the page cache: a revocation made by the command line reads at once.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use catalyse_core::badges::jws::decode_compact;
use catalyse_core::{Role, User};
use catalyse_store::Credential;
use serde_json::Value;

use super::accept::{preferred, Media};
use super::issuer::{credential_url, issuer};
use super::verification::{verify_here, Verification};
use crate::error::AppError;
use crate::page_cache::NotKept;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;

/// The registered JWT claims the VC-JWT adds to the credential (see core's `vc` module).
const REGISTERED_CLAIMS: [&str; 5] = ["iss", "jti", "sub", "nbf", "exp"];

/// Whether `user` may see `c`: public, hers, or she animates the platform.
pub fn may_see(c: &Credential, user: Option<&User>) -> bool {
    c.public || user.is_some_and(|u| u.role >= Role::Moderator || c.user_id == Some(u.id))
}

/// The credential of this id that `user` may see; `NotFound` otherwise (an id that is not a
/// credential id, as written in its URL, too).
pub async fn visible(
    state: &AppState,
    id: &str,
    user: Option<&User>,
) -> Result<Credential, AppError> {
    let canonical = uuid::Uuid::parse_str(id)
        .ok()
        .map(|u| u.hyphenated().to_string());
    if canonical.as_deref() != Some(id) {
        return Err(AppError::NotFound);
    }
    let c = state
        .store
        .credential(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if may_see(&c, user) {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}

/// The credential as JSON: the VC-JWT's payload without the registered claims, i.e. the
/// W3C credential that was signed (its `vc` member for a token that nests it).
pub fn credential_json(jwt: &str) -> Result<Value, AppError> {
    let (_, payload, _, _) = decode_compact(jwt)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored credential unreadable: {e}")))?;
    if let Some(vc @ Value::Object(_)) = payload.get("vc") {
        return Ok(vc.clone());
    }
    let mut cred = payload;
    if let Some(obj) = cred.as_object_mut() {
        for claim in REGISTERED_CLAIMS {
            obj.remove(claim);
        }
    }
    Ok(cred)
}

/// Marks an answer that depends on `Accept` and on who asks: never kept by the page cache,
/// never stored by a shared cache when the credential is not public or the page shows who
/// reads it (`personal`).
fn negotiated(mut resp: Response, public: bool, personal: bool) -> Response {
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Accept, Cookie"));
    let cache = match (public, personal) {
        (true, false) => "no-cache",
        (true, true) => "private, no-cache",
        (false, _) => "private, no-store",
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if public {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    resp.extensions_mut().insert(NotKept);
    resp
}

/// The VC-JWT or the JSON of `c`, as `media` asks.
pub fn machine_answer(c: &Credential, media: Media) -> Result<Response, AppError> {
    let resp = match media {
        Media::Jwt => (
            [(header::CONTENT_TYPE, "application/vc+jwt")],
            c.jwt.clone(),
        )
            .into_response(),
        Media::Json | Media::JsonLd | Media::Html => {
            let body = serde_json::to_string_pretty(&credential_json(&c.jwt)?).unwrap_or_default();
            ([(header::CONTENT_TYPE, media.json_type())], body).into_response()
        }
    };
    Ok(negotiated(resp, c.public, false))
}

#[derive(Template)]
#[template(path = "badges_credential.html")]
struct CredentialPage<'a> {
    ctx: &'a PageCtx,
    c: Credential,
    name: String,
    description: String,
    criteria_html: String,
    /// The earner's name, on a public credential only.
    earner: Option<String>,
    /// The reader is the earner.
    hers: bool,
    issuer_name: String,
    issuer_did: String,
    share_url: String,
    v: Verification,
}

impl CredentialPage<'_> {
    fn issued(&self) -> String {
        self.ctx.when(&self.c.issued_at)
    }

    fn revoked_on(&self) -> Option<String> {
        self.c.revoked_at.as_ref().map(|t| self.ctx.when(t))
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str()
}

/// `GET /credentials/{id}`: the page, the VC-JWT (`Accept: application/vc+jwt` or
/// `application/jwt`) or the JSON (`application/json`, `application/ld+json`).
pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let c = visible(&state, &id, ctx.user.as_ref()).await?;
    let offered = [Media::Html, Media::Jwt, Media::Json, Media::JsonLd];
    let media = preferred(&headers, &offered, Media::Html);
    if media != Media::Html {
        return machine_answer(&c, media);
    }
    let cred = credential_json(&c.jwt)?;
    let achievement = ["credentialSubject", "achievement"];
    let at = |key: &str| {
        let mut path = achievement.to_vec();
        path.push(key);
        str_at(&cred, &path).unwrap_or_default().to_string()
    };
    let name = Some(at("name"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| c.achievement_name.clone());
    let criteria = str_at(
        &cred,
        &["credentialSubject", "achievement", "criteria", "narrative"],
    )
    .unwrap_or_default();
    let earner = match (c.public, c.user_id) {
        (true, Some(uid)) => state.store.user_by_id(uid).await?.map(|u| u.display_name),
        _ => None,
    };
    let hers = ctx.user.as_ref().is_some_and(|u| c.user_id == Some(u.id));
    let who = issuer(&state.config);
    let v = verify_here(&state, &c.jwt).await?;
    let page = CredentialPage {
        ctx: &ctx,
        name,
        description: at("description"),
        criteria_html: crate::resources::index::markdown_in_section(criteria),
        earner,
        hers,
        issuer_name: who.name,
        issuer_did: who.did,
        share_url: credential_url(&state.config, &c.id),
        v,
        c,
    };
    let public = page.c.public;
    Ok(negotiated(render(&ctx, &page)?, public, ctx.user.is_some()))
}

/// A download of `c` under `badge-{slug}.{ext}`.
fn download(c: &Credential, ext: &str, content_type: &str, body: String) -> Response {
    let name = format!("badge-{}.{ext}", c.achievement_slug);
    let resp = crate::pages::download(content_type, &name, body.into_bytes(), !c.public);
    negotiated(resp, c.public, false)
}

/// `GET /credentials/{id}/badge.jwt`: the VC-JWT as signed, to keep or put in a wallet.
pub async fn badge_jwt(
    State(state): State<AppState>,
    crate::auth::MaybeUser(user): crate::auth::MaybeUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let c = visible(&state, &id, user.as_ref()).await?;
    let jwt = c.jwt.clone();
    Ok(download(&c, "jwt", "application/vc+jwt", jwt))
}

/// `GET /credentials/{id}/badge.json`: the credential as JSON (what was signed).
pub async fn badge_json(
    State(state): State<AppState>,
    crate::auth::MaybeUser(user): crate::auth::MaybeUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let c = visible(&state, &id, user.as_ref()).await?;
    let body = serde_json::to_string_pretty(&credential_json(&c.jwt)?).unwrap_or_default();
    Ok(download(&c, "json", "application/json", body))
}
