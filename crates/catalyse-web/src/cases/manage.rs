//! What follows the form of a case: a version submitted (its images stored, moderators told,
//! the index kept in step), its images served to those who may see them, archiving by
//! moderators, and « Mes pratiques » in the member's space.
use super::status::{can_edit, images_of};
use crate::auth::{CsrfForm, Moderator, SignedIn};
use crate::error::AppError;
use crate::network::moderation::alerts::{self, Waiting};
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::cases::{Case, CaseFields};
use catalyse_core::User;
use chrono::Utc;
use serde::Deserialize;

/// Submits a checked version for review: its new images stored first, then the version; the
/// images of the draft it replaces go once nothing uses them. Moderators are told and the
/// index follows.
pub async fn submit(
    state: &AppState,
    user: &User,
    before: Option<&Case>,
    fields: &CaseFields,
    uploads: Vec<Vec<u8>>,
) -> Result<Case, AppError> {
    let mut stored = vec![];
    for jpeg in uploads {
        match state.files.put(jpeg.into()).await {
            Ok(sha) => stored.push(sha),
            Err(e) => {
                crate::network::photo::release(state, stored).await;
                return Err(AppError::Internal(e));
            }
        }
    }
    let id = before.map(|c| c.id);
    let after = match state
        .store
        .submit_case(id, user.id, fields, Utc::now())
        .await
    {
        Ok(c) => c,
        Err(e) => {
            // Nothing was written: the images just stored go too (unless in use).
            crate::network::photo::release(state, stored).await;
            return Err(e.into());
        }
    };
    crate::network::photo::release(state, images_of(before)).await;
    super::index::index_one(state, &after).await;
    let name = fields.title.clone();
    alerts::submitted(state, Waiting::Case { name }, Some(user.id));
    tracing::info!(
        case = after.id,
        user = user.id,
        revision = after.moderated.revision,
        "case submitted"
    );
    Ok(after)
}

#[derive(Deserialize)]
pub struct ImageQuery {
    version: Option<String>,
}

/// `GET /pratiques/{slug}/images/{n}`: the n-th image (from 1) of the version the viewer sees
/// on the case's page; `?version=brouillon`, the version being worked on, for its author and
/// moderators.
pub async fn image(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, n)): Path<(String, String)>,
    Query(q): Query<ImageQuery>,
) -> Result<Response, AppError> {
    let n: usize = (n.parse().ok())
        .filter(|n| *n >= 1)
        .ok_or(AppError::NotFound)?;
    let (f, public) = if q.version.as_deref() == Some("brouillon") {
        let c = state
            .store
            .case_by_slug(&slug)
            .await?
            .ok_or(AppError::NotFound)?;
        if !can_edit(ctx.user.as_ref(), &c) {
            return Err(AppError::NotFound);
        }
        let f = c.moderated.current().ok_or(AppError::NotFound)?.clone();
        (f, false)
    } else {
        let (_, f, not_public) = super::pages::visible(&state, &ctx, &slug).await?;
        (f, !not_public)
    };
    let img = f.images.get(n - 1).ok_or(AppError::NotFound)?;
    let bytes = state
        .files
        .get(&img.file)
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    let cache = if public {
        "public, max-age=300"
    } else {
        "private, no-store"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /pratiques/{slug}/archiver`: withdrawn from every public view (moderators).
pub async fn archive(
    State(state): State<AppState>,
    Moderator(m): Moderator,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    set_archived(&state, &m, &slug, true).await
}

/// `POST /pratiques/{slug}/desarchiver`: back in public view, if it was ever published.
pub async fn unarchive(
    State(state): State<AppState>,
    Moderator(m): Moderator,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    set_archived(&state, &m, &slug, false).await
}

async fn set_archived(
    state: &AppState,
    moderator: &User,
    slug: &str,
    archive: bool,
) -> Result<Response, AppError> {
    let c = state
        .store
        .case_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = Utc::now();
    let c = if archive {
        state.store.archive_case(c.id, now).await?
    } else {
        state.store.unarchive_case(c.id, now).await?
    };
    super::index::index_one(state, &c).await;
    tracing::info!(
        case = c.id,
        moderator = moderator.id,
        archive,
        "case archive state set"
    );
    let done = if archive { "archivee" } else { "desarchivee" };
    Ok(Redirect::to(&format!("/pratiques/{}?etat={done}", c.slug)).into_response())
}

/// One of her cases, as « Mes pratiques » lists it.
pub struct MineItem {
    pub slug: String,
    pub title: String,
    pub state: String,
    pub rejected: Option<String>,
    pub updated: String,
    pub updated_iso: String,
}

#[derive(Template)]
#[template(path = "cases/mine.html")]
struct MinePage<'a> {
    ctx: &'a PageCtx,
    items: Vec<MineItem>,
}

/// Where a case stands, in words.
fn state_label(ctx: &PageCtx, c: &Case) -> String {
    let m = &c.moderated;
    let key = if c.archived_at.is_some() {
        "cases_form.st_archived"
    } else if m.is_pending() && m.published.is_some() {
        "cases_form.st_published_pending"
    } else if m.is_pending() {
        "cases_form.st_pending"
    } else if m.rejection().is_some() && m.published.is_some() {
        "cases_form.st_published_rejected"
    } else if m.rejection().is_some() {
        "cases_form.st_rejected"
    } else {
        "cases_form.st_published"
    };
    ctx.t.s(key).to_string()
}

/// `GET /mon-profil/pratiques`: the cases she documented, in any state, newest first.
pub async fn mine(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let mut cases = state.store.cases_of(user.id).await?;
    cases.sort_by_key(|c| std::cmp::Reverse((c.updated_at, c.id)));
    let items = cases
        .iter()
        .map(|c| MineItem {
            slug: c.slug.clone(),
            title: c
                .moderated
                .current()
                .map_or_else(|| c.slug.clone(), |f| f.title.clone()),
            state: state_label(&ctx, c),
            rejected: c.moderated.rejection().map(str::to_string),
            updated: ctx.when(&c.updated_at),
            updated_iso: c.updated_at.to_rfc3339(),
        })
        .collect();
    render(&ctx, &MinePage { ctx: &ctx, items })
}
