//! `/mes-badges`: a member's credentials (valid or revoked, with the reason), each to
//! download (`.jwt`, `.json`), to share (its public page), to show on her public pages or
//! not, and to receive again on a DID of hers; then what she could earn next and what it
//! still needs.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::badges::RuleKind;
use catalyse_core::User;
use catalyse_store::{Credential, StoredAchievement};
use serde::Deserialize;
use std::collections::HashSet;

use super::catalogue::{achievement_or_404, Names};
use super::issue::{issue, Awarded};
use super::rules::{all_levers, situation, Situation};
use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::pages::{render_status, PageCtx};
use crate::state::AppState;

/// The reason recorded on a credential received again on a DID.
pub const REISSUED_REASON: &str = "Réémis vers un DID";

/// The longest DID taken.
pub const DID_MAX: usize = 200;

/// One of her credentials.
pub struct MineLine {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub issued: String,
    pub issued_iso: String,
    pub public: bool,
    /// The reason it was revoked, when it was.
    pub revoked: Option<String>,
    /// Sent to a DID of hers (then it is not offered again).
    pub on_did: bool,
    /// Its public page's full address, to share.
    pub share: String,
}

/// An achievement she could earn, and what it still needs.
pub struct NextLine {
    pub slug: String,
    pub name: String,
    pub missing: String,
    pub href: String,
    pub link_key: &'static str,
}

#[derive(Template)]
#[template(path = "badges_mine.html")]
struct MinePage<'a> {
    ctx: &'a PageCtx,
    lines: Vec<MineLine>,
    next: Vec<NextLine>,
    is_example: bool,
    notice: Option<&'static str>,
    /// The credential whose DID form was refused, the DID as typed, and why.
    did_error: Option<(String, String, String)>,
}

impl MinePage<'_> {
    fn did_refused(&self, id: &str) -> Option<(&str, &str)> {
        match &self.did_error {
            Some((i, typed, why)) if i == id => Some((typed.as_str(), why.as_str())),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
pub struct Etat {
    etat: Option<String>,
}

fn notice_of(etat: Option<&str>) -> Option<&'static str> {
    match etat? {
        "public" => Some("badges_mine.notice_public"),
        "prive" => Some("badges_mine.notice_private"),
        "did" => Some("badges_mine.notice_did"),
        _ => None,
    }
}

/// Whether the credential's subject is a DID (then it was received on one).
fn on_did(jwt: &str) -> bool {
    let Some(payload) = jwt.split('.').nth(1) else {
        return false;
    };
    let Ok(bytes) = catalyse_core::badges::jws::b64url_decode(payload) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| {
        v.get("credentialSubject")
            .and_then(|s| s.get("id"))
            .and_then(|id| id.as_str())
            .is_some_and(|id| id.starts_with("did:"))
    })
}

fn line(state: &AppState, ctx: &PageCtx, c: &Credential) -> MineLine {
    MineLine {
        share: super::issuer::credential_url(&state.config, &c.id),
        id: c.id.clone(),
        slug: c.achievement_slug.clone(),
        name: c.achievement_name.clone(),
        issued: ctx.when(&c.issued_at),
        issued_iso: catalyse_core::time::rfc3339(&c.issued_at),
        public: c.public,
        revoked: c
            .is_revoked()
            .then(|| c.revoked_reason.clone().unwrap_or_default()),
        on_did: on_did(&c.jwt),
    }
}

/// What the automatic achievements she never held still need.
async fn next_lines(
    state: &AppState,
    ctx: &PageCtx,
    held: &HashSet<i64>,
    s: &Situation,
) -> Result<Vec<NextLine>, AppError> {
    let t = ctx.t;
    let names = Names::read(state).await?;
    let levers = all_levers(state);
    let mut out = Vec::new();
    for a in state.store.achievements(false).await? {
        let rule = &a.fields.rule;
        if !rule.kind.automatic() || held.contains(&a.id) || rule.met(&s.facts, &levers) {
            continue;
        }
        let target = rule.target.clone().unwrap_or_default();
        let (missing, href, link_key) = match rule.kind {
            RuleKind::LeverWebinar => (
                t.s("badges_mine.missing_lever").to_string(),
                format!("/leviers/{target}"),
                "badges_mine.go_lever",
            ),
            RuleKind::LeverCycle => {
                let left: Vec<&str> = (levers.iter())
                    .filter(|l| !s.facts.levers.contains(*l))
                    .map(|l| names.lever(l))
                    .collect();
                (
                    t.n("badges_mine.missing_cycle", left.len())
                        .replace("{levers}", &left.join(" · ")),
                    "/webinaires".to_string(),
                    "badges_mine.go_webinars",
                )
            }
            RuleKind::Module => {
                let (done, total) = (s.modules.iter())
                    .find(|m| m.slug == target)
                    .map_or((0, 0), |m| (m.done, m.total));
                (
                    t.s("badges_mine.missing_module")
                        .replace("{done}", &done.to_string())
                        .replace("{total}", &total.to_string()),
                    format!("/formation/{target}"),
                    "badges_mine.go_module",
                )
            }
            RuleKind::Cohort => {
                let mine: Vec<_> = (s.cohorts.iter())
                    .filter(|c| rule.target.as_ref().is_none_or(|t| *t == c.slug))
                    .collect();
                match mine.iter().max_by_key(|c| c.progress.percent()) {
                    Some(c) => (
                        t.s("badges_mine.missing_cohort")
                            .replace("{cohort}", &c.title)
                            .replace("{percent}", &c.progress.percent().to_string()),
                        "/mon-parcours".to_string(),
                        "badges_mine.go_mine",
                    ),
                    None => (
                        t.s("badges_mine.missing_no_cohort").to_string(),
                        "/parcours".to_string(),
                        "badges_mine.go_parcours",
                    ),
                }
            }
            RuleKind::Activity | RuleKind::Manual => continue,
        };
        out.push(NextLine {
            slug: a.slug.clone(),
            name: a.fields.name.clone(),
            missing,
            href,
            link_key,
        });
    }
    Ok(out)
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    status: StatusCode,
    notice: Option<&'static str>,
    did_error: Option<(String, String, String)>,
) -> Result<Response, AppError> {
    let credentials = state.store.credentials_of(user.id).await?;
    let held: HashSet<i64> = credentials.iter().map(|c| c.achievement_id).collect();
    let s = situation(state, user.id).await?;
    let page = MinePage {
        ctx,
        lines: credentials.iter().map(|c| line(state, ctx, c)).collect(),
        next: next_lines(state, ctx, &held, &s).await?,
        is_example: user.is_example,
        notice,
        did_error,
    };
    let mut resp = render_status(ctx, status, &page)?;
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// `GET /mes-badges`.
pub async fn mine(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Query(q): Query<Etat>,
) -> Result<Response, AppError> {
    let notice = notice_of(q.etat.as_deref());
    page(&state, &ctx, &user, StatusCode::OK, notice, None).await
}

/// Her own credential, or 404 (never someone else's).
async fn hers(state: &AppState, user: &User, id: &str) -> Result<Credential, AppError> {
    (state.store.credential(id).await?)
        .filter(|c| c.user_id == Some(user.id))
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct PublicForm {
    public: String,
}

/// `POST /mes-badges/{id}/public`: shown on her public pages (`public=oui`) or not.
pub async fn set_public(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<PublicForm>,
) -> Result<Response, AppError> {
    let public = f.public == "oui";
    if !state
        .store
        .set_credential_public(&id, user.id, public)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let etat = if public { "public" } else { "prive" };
    Ok(Redirect::to(&format!("/mes-badges?etat={etat}#badge-{id}")).into_response())
}

/// Whether `did` reads as a DID: `did:`, a method of lowercase letters and digits, `:`, a
/// method-specific id of the characters DID syntax allows; at most [`DID_MAX`] characters.
pub fn valid_did(did: &str) -> bool {
    if did.chars().count() > DID_MAX {
        return false;
    }
    let Some(rest) = did.strip_prefix("did:") else {
        return false;
    };
    let Some((method, id)) = rest.split_once(':') else {
        return false;
    };
    !method.is_empty()
        && (method.bytes()).all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !id.is_empty()
        && !id.ends_with(':')
        && (id.bytes()).all(|b| b.is_ascii_alphanumeric() || b"._-:%".contains(&b))
}

/// How many badges a member may receive again on a DID in an hour (each one revokes, signs
/// and mails).
pub const REISSUES_PER_HOUR: u32 = 10;

async fn reissue_budget(state: &AppState, user_id: i64) -> Result<(), AppError> {
    let b = catalyse_store::RateBudget {
        key: format!("badges-did:{user_id}"),
        limit: REISSUES_PER_HOUR,
        window: chrono::Duration::hours(1),
    };
    match state
        .store
        .rate_limit_take(&[b], chrono::Utc::now())
        .await?
    {
        None => Ok(()),
        Some(wait) => Err(AppError::TooManyRequests {
            retry_after: (wait.num_seconds() + 1).max(1) as u64,
        }),
    }
}

#[derive(Deserialize)]
pub struct DidForm {
    did: String,
}

/// `POST /mes-badges/{id}/did`: her credential issued again with the DID she gives as its
/// subject — the DID checked first; then the old one revoked (« Réémis vers un DID ») and
/// the new one issued, in that order.
pub async fn reissue_to_did(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DidForm>,
) -> Result<Response, AppError> {
    let old = hers(&state, &user, &id).await?;
    let did = f.did.trim().to_string();
    let refuse = |key: &str| {
        let why = ctx.t.s(key).replace("{max}", &DID_MAX.to_string());
        Some((id.clone(), f.did.clone(), why))
    };
    let refused = if old.is_revoked() {
        refuse("badges_mine.did_revoked")
    } else if !valid_did(&did) {
        refuse("badges_mine.did_invalid")
    } else {
        None
    };
    if refused.is_some() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(&state, &ctx, &user, status, None, refused).await;
    }
    reissue_budget(&state, user.id).await?;
    let achievement: StoredAchievement = achievement_or_404(&state, &old.achievement_slug).await?;
    if !(state.store)
        .revoke_credential(&old.id, Some(user.id), REISSUED_REASON, chrono::Utc::now())
        .await?
    {
        // Revoked meanwhile (by an animator, or by the same form sent twice).
        let refused = refuse("badges_mine.did_revoked");
        return page(&state, &ctx, &user, StatusCode::CONFLICT, None, refused).await;
    }
    let awarded = Awarded {
        by: old.issued_by,
        reason: old.reason.as_deref(),
        subject_did: Some(&did),
    };
    match issue(&state, &user, &achievement, &awarded).await {
        Ok(Some(new)) => {
            if old.public {
                state
                    .store
                    .set_credential_public(&new.id, user.id, true)
                    .await?;
            }
            tracing::info!(old = %old.id, new = %new.id, "Open Badges: credential reissued to a DID");
            let to = format!("/mes-badges?etat=did#badge-{}", new.id);
            Ok(Redirect::to(&to).into_response())
        }
        other => {
            if let Err(e) = &other {
                tracing::error!(credential = %old.id, "Open Badges: reissue to a DID failed: {e:#}");
            }
            let failed = refuse("badges_mine.did_failed");
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            page(&state, &ctx, &user, status, None, failed).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_did;

    #[test]
    fn dids_are_checked_by_their_shape() {
        assert!(valid_did("did:web:exemple.fr"));
        assert!(valid_did(
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        ));
        assert!(valid_did("did:web:exemple.fr:u:alice%40x"));
        for bad in [
            "",
            "did:",
            "did:web",
            "did:web:",
            "did:Web:x",
            "DID:web:x",
            "did:web:a b",
            "did::x",
            "did:web:x:",
            "https://exemple.fr",
        ] {
            assert!(!valid_did(bad), "{bad}");
        }
        assert!(!valid_did(&format!("did:web:{}", "a".repeat(200))));
    }
}
