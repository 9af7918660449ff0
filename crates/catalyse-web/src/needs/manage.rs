//! What follows the form of a need: a version submitted (moderators told, the index kept in
//! step), its status moved by its author or a moderator (`résolu`, `clos`, reopened) with a
//! dated step in its trail, and « Mes besoins » in the member's space.

use super::status::{can_edit, status_label, Status};
use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::network::moderation::alerts::{self, Waiting};
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::needs::{Need, NeedFields, NeedOrigin, NeedStatus};
use catalyse_core::{Role, User};
use catalyse_store::StoreError;
use chrono::Utc;
use serde::Deserialize;

/// Submits a checked version for review: a member's new need, or a new version of one (a
/// moderator's edit is a version in its author's name). Moderators are told and the index
/// follows (what others see changes only once a moderator approves it). `origin` counts for
/// a new need only.
pub async fn submit(
    state: &AppState,
    user: &User,
    before: Option<&Need>,
    fields: &NeedFields,
    origin: NeedOrigin,
) -> Result<Need, AppError> {
    let now = Utc::now();
    let after = match before {
        // A visitor's need: only moderators reach here (`status::can_edit`).
        Some(n) if n.author_id.is_none() => {
            state.store.revise_visitor_need(n.id, fields, now).await?
        }
        _ => {
            let author = before.and_then(|n| n.author_id).unwrap_or(user.id);
            let id = before.map(|n| n.id);
            state
                .store
                .submit_need(id, author, fields, origin, now)
                .await?
        }
    };
    super::index::index_one(state, &after).await;
    let name = fields.title.clone();
    alerts::submitted(state, Waiting::Need { name }, Some(user.id));
    tracing::info!(
        need = after.id,
        user = user.id,
        revision = after.moderated.revision,
        "need submitted"
    );
    Ok(after)
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    statut: String,
}

/// The step a move writes in the trail, in French (the trail is the platform's record).
fn note(to: NeedStatus, by_moderator: bool) -> &'static str {
    match (to, by_moderator) {
        (NeedStatus::Resolu, false) => "Résolu, selon son auteur",
        (NeedStatus::Resolu, true) => "Résolu, selon l'équipe d'animation",
        (NeedStatus::Clos, false) => "Clos sans solution par son auteur",
        (NeedStatus::Clos, true) => "Clos par l'équipe d'animation",
        (NeedStatus::Ouvert, false) => "Rouvert par son auteur",
        (NeedStatus::Ouvert, true) => "Rouvert par l'équipe d'animation",
        (NeedStatus::EnRelation, _) => "En relation",
    }
}

/// `POST /besoins/{slug}/statut`: its author or a moderator says it is resolved, closes it,
/// or reopens it. A move the status does not allow (or « en relation », which only an offer
/// of help or a request makes) is answered with the page and a message (409), nothing
/// written.
pub async fn set_status(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, AppError> {
    let n = state
        .store
        .need_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_edit(Some(&user), &n) {
        return Err(AppError::Forbidden);
    }
    let t = ctx.t;
    let to = form.statut.parse::<NeedStatus>().ok();
    let allowed = to.filter(|to| {
        n.is_public()
            && super::status::MOVES.iter().any(|(m, _)| m == to)
            && n.status.may_become(*to)
    });
    let moved = match allowed {
        Some(to) => {
            let by_moderator = user.role.includes(Role::Moderator) && n.author_id != Some(user.id);
            let done = state
                .store
                .set_need_status(n.id, to, note(to, by_moderator), Some(user.id), Utc::now())
                .await;
            match done {
                Ok(after) => Some(after),
                // Moved meanwhile (another tab, a moderator): told like any refused move.
                Err(StoreError::Conflict {
                    field: "status", ..
                }) => None,
                Err(e) => return Err(e.into()),
            }
        }
        None => None,
    };
    let Some(after) = moved else {
        let shown = super::pages::visible(&state, &ctx, &slug).await?;
        let asked = to.map_or(form.statut.chars().take(40).collect(), |s| {
            status_label(t, s).to_string()
        });
        let mut status = Status::of(&ctx, &shown.0, None);
        status.error = Some(
            t.s("needs.move_refused")
                .replace("{from}", status_label(t, shown.0.status))
                .replace("{to}", &asked),
        );
        let page = super::pages::need_page(&state, &ctx, shown, status).await?;
        return render_status(&ctx, StatusCode::CONFLICT, &page);
    };
    super::index::index_one(&state, &after).await;
    tracing::info!(
        need = after.id,
        user = user.id,
        status = after.status.as_str(),
        "need status moved"
    );
    Ok(Redirect::to(&format!("/besoins/{}?etat=statut", after.slug)).into_response())
}

/// One of her needs, as « Mes besoins » lists it.
pub struct MineItem {
    pub slug: String,
    pub title: String,
    /// Where its moderation stands.
    pub state: String,
    /// Its status, once public.
    pub status: Option<&'static str>,
    pub rejected: Option<String>,
    pub updated: String,
    pub updated_iso: String,
}

#[derive(Template)]
#[template(path = "needs/mine.html")]
struct MinePage<'a> {
    ctx: &'a PageCtx,
    items: Vec<MineItem>,
}

/// Where a need's moderation stands, in words.
fn state_label(ctx: &PageCtx, n: &Need) -> &'static str {
    let m = &n.moderated;
    ctx.t.s(if m.is_pending() && m.published.is_some() {
        "needs_form.st_published_pending"
    } else if m.is_pending() {
        "needs_form.st_pending"
    } else if m.rejection().is_some() && m.published.is_some() {
        "needs_form.st_published_rejected"
    } else if m.rejection().is_some() {
        "needs_form.st_rejected"
    } else {
        "needs_form.st_published"
    })
}

/// `GET /mon-profil/besoins`: the needs she expressed, in any state, newest first.
pub async fn mine(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let mut needs = state.store.needs_of(user.id).await?;
    needs.sort_by_key(|n| std::cmp::Reverse((n.updated_at, n.id)));
    let items = needs
        .iter()
        .map(|n| MineItem {
            slug: n.slug.clone(),
            title: n
                .moderated
                .current()
                .map_or_else(|| n.slug.clone(), |f| f.title.clone()),
            state: state_label(&ctx, n).to_string(),
            status: n.is_public().then(|| status_label(ctx.t, n.status)),
            rejected: n.moderated.rejection().map(str::to_string),
            updated: ctx.when(&n.updated_at),
            updated_iso: n.updated_at.to_rfc3339(),
        })
        .collect();
    render(&ctx, &MinePage { ctx: &ctx, items })
}
