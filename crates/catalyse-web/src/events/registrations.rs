//! Registration to events: members in one click, visitors with their name and address
//! (confirmed by email), seats up to the capacity then a waiting list, cancellation by the
//! signed link every email carries, confirmations with the event as an .ics file, and the
//! reminders sent the day before and an hour before.

use super::service;
use crate::auth::{CsrfForm, MaybeUser};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::needs::drafts;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::agenda::{Event, EventKind};
use catalyse_core::text::has_forbidden_chars;
use catalyse_core::Email;
use catalyse_store::{NewRegistration, RegistrationStatus, StoreError};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    territory: String,
    #[serde(default)]
    consent: String,
    /// A webinar's « Quel est votre besoin ? », optional.
    #[serde(default)]
    besoin: String,
}

#[derive(Template)]
#[template(path = "events/registration.html")]
struct RegistrationPage<'a> {
    ctx: &'a PageCtx,
    e: Event,
    when: String,
    /// The outcome once registered.
    outcome: Option<String>,
    errors: FormErrors,
    form: RegisterForm,
    /// For the link page: the token and where the registration stands.
    token: String,
    status: Option<RegistrationStatus>,
    /// Once registered with an answer to « Quel est votre besoin ? »: the form to complete it.
    need_link: Option<String>,
}

impl RegistrationPage<'_> {
    /// The visitor's text inputs: (name, label key, type, value).
    fn fields(&self) -> Vec<(&'static str, &'static str, &'static str, String)> {
        vec![
            ("name", "reg.f_name", "text", self.form.name.clone()),
            ("email", "reg.f_email", "email", self.form.email.clone()),
            (
                "organisation",
                "reg.f_organisation",
                "text",
                self.form.organisation.clone(),
            ),
            (
                "territory",
                "reg.f_territory",
                "text",
                self.form.territory.clone(),
            ),
        ]
    }

    /// Whether the form asks « Quel est votre besoin ? » (webinars do).
    fn asks_need(&self) -> bool {
        self.e.kind == EventKind::Webinaire
    }

    fn status_label(&self) -> &'static str {
        self.ctx.t.s(match self.status {
            Some(RegistrationStatus::Pending) => "reg.status_pending",
            Some(RegistrationStatus::Confirmed) => "reg.status_confirmed",
            Some(RegistrationStatus::Waiting) => "reg.status_waiting",
            _ => "reg.status_cancelled",
        })
    }
}

/// `GET /evenements/{slug}/inscription`: the form.
pub async fn form_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let mut view = page(&ctx, e);
    if !service::open_for_registration(&view.e) {
        view.errors.push("", ctx.t.s("reg.closed"));
        return render_status(&ctx, StatusCode::CONFLICT, &view);
    }
    render(&ctx, &view)
}

fn page<'a>(ctx: &'a PageCtx, e: Event) -> RegistrationPage<'a> {
    RegistrationPage {
        ctx,
        when: crate::events::pages::when(ctx.t.lang, &e),
        e,
        outcome: None,
        errors: FormErrors::default(),
        form: RegisterForm::default(),
        token: String::new(),
        status: None,
        need_link: None,
    }
}

/// `POST /evenements/{slug}/inscription`
pub async fn register(
    State(state): State<AppState>,
    ctx: PageCtx,
    MaybeUser(user): MaybeUser,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let t = ctx.t;
    // A member asking again (a second click, the back button) is shown where she stands.
    if let Some(u) = &user {
        if service::member_state(&state, &e, u).await?.is_some() {
            return Ok(already_registered(&e));
        }
    }
    let mut view = page(&ctx, e.clone());
    if !service::open_for_registration(&e) {
        view.errors.push("", t.s("reg.closed"));
        return render_status(&ctx, StatusCode::CONFLICT, &view);
    }
    // A webinar's « Quel est votre besoin ? »: too long, and nothing is written.
    let need = if view.asks_need() {
        drafts::answer(&form.besoin).unwrap_or_else(|n| {
            view.errors.push("besoin", t.f("reg.need_too_long", n));
            None
        })
    } else {
        None
    };
    let new = match &user {
        Some(u) => {
            if !view.errors.is_empty() {
                view.form = form;
                return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &view);
            }
            service::member_registration(u)
        }
        None => {
            let name = form.name.trim().to_string();
            if name.is_empty() || name.chars().count() > 120 {
                view.errors.push("name", t.s("reg.bad_name"));
            }
            // What a visitor types goes into mails sent in the platform's name and into the
            // animators' lists: no control character, line break or bidirectional override.
            if has_forbidden_chars(&name) {
                view.errors.push("name", t.s("reg.name_chars"));
            }
            let email = Email::parse(form.email.trim())
                .ok()
                .filter(|e| !has_forbidden_chars(e.as_str()));
            if email.is_none() {
                view.errors.push("email", t.s("reg.bad_email"));
            }
            if form.consent != "oui" {
                view.errors.push("consent", t.s("reg.no_consent"));
            }
            if has_forbidden_chars(&form.organisation) {
                view.errors
                    .push("organisation", t.s("reg.organisation_chars"));
            }
            if has_forbidden_chars(&form.territory) {
                view.errors.push("territory", t.s("reg.territory_chars"));
            }
            if form.organisation.chars().count() > 200 || form.territory.chars().count() > 200 {
                view.errors.push("organisation", t.s("reg.too_long"));
            }
            let Some(email) = email.filter(|_| view.errors.is_empty()) else {
                view.form = form;
                return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &view);
            };
            state
                .limits
                .register(state.store.as_ref(), ip, email.as_str())
                .await?;
            NewRegistration {
                user_id: None,
                name,
                email: email.as_str().to_string(),
                organisation: form.organisation.trim().to_string(),
                territory: form.territory.trim().to_string(),
                token_hash: String::new(),
                pending: true,
            }
        }
    };
    let asked = new.email.clone();
    match service::submit_with_need(&state, t, &e, new, need.as_deref()).await {
        Ok((r, draft)) => {
            view.need_link = draft.map(|d| drafts::path(&state, &d));
            view.outcome = Some(
                t.s(match r.status {
                    RegistrationStatus::Pending => "reg.done_pending",
                    RegistrationStatus::Confirmed => "reg.done_seat",
                    _ => "reg.done_waiting",
                })
                .to_string(),
            );
            render(&ctx, &view)
        }
        // A visitor is answered as for any new registration: whether an address is
        // registered is never told to whoever types it. Its owner gets a mail instead.
        // A need typed with it is kept all the same, and its link given, as for anyone.
        Err(StoreError::Conflict { .. }) if user.is_none() => {
            let mut extra = None;
            if let Some(text) = &need {
                let draft = (state.store)
                    .add_need_draft(None, &asked, Some(e.id), text, chrono::Utc::now())
                    .await?;
                extra = Some(service::need_line(&state, t, &draft));
                view.need_link = Some(drafts::path(&state, &draft));
            }
            service::tell_already_registered(&state, t, &e, &asked, extra.as_deref()).await;
            view.outcome = Some(t.s("reg.done_pending").to_string());
            render(&ctx, &view)
        }
        // A member is signed in: this is her own address, registered meanwhile.
        Err(StoreError::Conflict { .. }) => Ok(already_registered(&e)),
        Err(e) => Err(e.into()),
    }
}

/// The event's page, which tells a member she is registered (`?inscription=deja`).
fn already_registered(e: &Event) -> Response {
    Redirect::to(&format!(
        "/evenements/{}?inscription=deja#inscription",
        e.slug
    ))
    .into_response()
}

/// `GET /inscriptions/{token}`: where a registration stands, with the buttons to confirm or
/// cancel it (a link alone never changes anything: mail scanners follow links).
pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (r, e) = service::by_token(&state, &token).await?;
    let mut view = page(&ctx, e);
    view.token = token;
    view.status = Some(r.status);
    render(&ctx, &view)
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /inscriptions/{token}/confirmer`
pub async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    service::confirm(&state, ctx.t, &token).await?;
    Ok(Redirect::to(&format!("/inscriptions/{token}")).into_response())
}

/// `POST /inscriptions/{token}/annuler`
pub async fn cancel(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (_, e) = service::by_token(&state, &token).await?;
    service::cancel(&state, ctx.t, &e, &token).await?;
    Ok(Redirect::to(&format!("/inscriptions/{token}")).into_response())
}
