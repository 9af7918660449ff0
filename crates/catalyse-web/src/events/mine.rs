//! A member's own registrations: « Mes inscriptions » in her space (to come and past, each
//! with its calendar file), and cancelling one from there or from the event's page.

use super::pages::{span, NoticeQuery};
use super::service;
use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::agenda::EventStatus;
use chrono::Utc;
use serde::Deserialize;

/// One registration as listed.
pub struct Item {
    pub slug: String,
    pub title: String,
    pub when: String,
    pub datetime: String,
    /// Her place on the waiting list (1 for the first), or `None` for a seat.
    pub waiting: Option<i64>,
    /// The animators cancelled the event.
    pub event_cancelled: bool,
    /// Still to come and not cancelled: she may cancel her registration.
    pub can_cancel: bool,
}

#[derive(Template)]
#[template(path = "events/mine.html")]
struct MinePage<'a> {
    ctx: &'a PageCtx,
    upcoming: Vec<Item>,
    past: Vec<Item>,
    notice: Option<&'static str>,
}

impl MinePage<'_> {
    fn status(&self, i: &Item) -> String {
        match i.waiting {
            Some(n) => self.ctx.t.f("reg.st_waiting", n),
            None => self.ctx.t.s("reg.st_seat").to_string(),
        }
    }
}

/// `GET /mon-profil/inscriptions`: the signed-in member's registrations, those to come first
/// (the next first), then past ones (the latest first).
pub async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let mut upcoming = Vec::new();
    let mut past = Vec::new();
    for (r, place) in state
        .store
        .member_registrations(user.id, user.email.as_str(), None)
        .await?
    {
        let Some(e) = state.store.event_by_id(r.event_id).await? else {
            continue;
        };
        let (_, end) = span(&e);
        let to_come = end > now;
        let item = Item {
            when: super::pages::when(ctx.t.lang, &e),
            datetime: catalyse_core::time::rfc3339(&e.starts_at),
            waiting: (place > 0).then_some(place),
            event_cancelled: e.status == EventStatus::Cancelled,
            can_cancel: e.status == EventStatus::Scheduled && e.starts_at > now,
            slug: e.slug,
            title: e.title,
        };
        if to_come {
            upcoming.push((e.starts_at, item));
        } else {
            past.push((e.starts_at, item));
        }
    }
    upcoming.sort_by_key(|(at, _)| *at);
    past.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let notice = match q.etat.as_deref() {
        Some("annulee") => Some(ctx.t.s("reg.cancelled_notice")),
        _ => None,
    };
    render(
        &ctx,
        &MinePage {
            ctx: &ctx,
            upcoming: upcoming.into_iter().map(|(_, i)| i).collect(),
            past: past.into_iter().map(|(_, i)| i).collect(),
            notice,
        },
    )
}

#[derive(Deserialize)]
pub struct CancelForm {
    /// `liste` when sent from « Mes inscriptions », to come back to it.
    #[serde(default)]
    depuis: String,
}

/// `POST /evenements/{slug}/inscription/annuler`: the signed-in member cancels her
/// registration before the event, as the link of her mails does (the seat goes to the first
/// on the waiting list, both are told); then back to the page she came from, which says so.
/// Asked again, or after the start, nothing changes.
pub async fn cancel(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let before = e.status == EventStatus::Scheduled && e.starts_at > Utc::now();
    let done = before && service::member_state(&state, &e, &user).await?.is_some();
    if done {
        service::cancel_member(&state, &e, &user).await?;
    }
    let target = match (form.depuis == "liste", done) {
        (true, true) => "/mon-profil/inscriptions?etat=annulee".to_string(),
        (true, false) => "/mon-profil/inscriptions".to_string(),
        (false, true) => format!("/evenements/{}?inscription=annulee#inscription", e.slug),
        (false, false) => format!("/evenements/{}#inscription", e.slug),
    };
    Ok(Redirect::to(&target).into_response())
}
