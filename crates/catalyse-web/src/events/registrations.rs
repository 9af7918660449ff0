//! Registration to events: members in one click, visitors with their name and address
//! (confirmed by email), seats up to the capacity then a waiting list, cancellation by the
//! signed link every email carries, confirmations with the event as an .ics file, and the
//! reminders sent the day before and an hour before.

use crate::auth::{CsrfForm, MaybeUser};
use crate::error::AppError;
use crate::events::pages::when_fr;
use crate::forms::FormErrors;
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::agenda::Event;
use catalyse_core::text::has_forbidden_chars;
use catalyse_core::Email;
use catalyse_store::{NewRegistration, Registration, RegistrationStatus, Reminder, StoreError};
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use std::collections::HashMap;

/// The token of the links for one address registered to one event: an HMAC, so that every
/// email can carry it without storing it (the database keeps its SHA-256).
pub fn link_token(state: &AppState, event_id: i64, email: &str) -> String {
    use base64::Engine;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&state.link_secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("registration:{event_id}:{}", email.to_lowercase()).as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether people may register now (see [`Event::open_for_registration`]).
fn open_for_registration(e: &Event) -> bool {
    e.open_for_registration(Utc::now())
}

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
    if !open_for_registration(&view.e) {
        view.errors.push("", ctx.t.s("reg.closed"));
        return render_status(&ctx, StatusCode::CONFLICT, &view);
    }
    render(&ctx, &view)
}

fn page<'a>(ctx: &'a PageCtx, e: Event) -> RegistrationPage<'a> {
    RegistrationPage {
        ctx,
        when: when_fr(&e),
        e,
        outcome: None,
        errors: FormErrors::default(),
        form: RegisterForm::default(),
        token: String::new(),
        status: None,
    }
}

/// The mail that goes with each step, with the event as an .ics file when a seat is held.
async fn notify(state: &AppState, t: Tr, e: &Event, r: &Registration, promoted: bool) {
    let (subject, intro) = match (r.status, promoted) {
        (RegistrationStatus::Pending, _) => ("reg.mail_confirm_subject", "reg.mail_confirm"),
        (RegistrationStatus::Confirmed, true) => ("reg.mail_promoted_subject", "reg.mail_promoted"),
        (RegistrationStatus::Confirmed, false) => ("reg.mail_seat_subject", "reg.mail_seat"),
        (RegistrationStatus::Waiting, _) => ("reg.mail_waiting_subject", "reg.mail_waiting"),
        (RegistrationStatus::Cancelled, _) => ("reg.mail_cancelled_subject", "reg.mail_cancelled"),
    };
    send_mail(state, t, e, r, subject, intro).await;
}

/// A visitor asked to register an address that already is: she is answered exactly as a new
/// registration would be (who is registered is never revealed), and the registration's owner
/// gets a mail instead: the confirmation link again if she has not confirmed yet, else a
/// word that nothing changed, with her link. Nothing is written.
async fn tell_already_registered(state: &AppState, t: Tr, e: &Event, email: &str) {
    let token = crate::tokens::token_hash(&link_token(state, e.id, email));
    let existing = match state.store.registration_by_token(&token).await {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "registration not read");
            return;
        }
    };
    if existing.status == RegistrationStatus::Pending {
        notify(state, t, e, &existing, false).await;
    } else {
        send_mail(
            state,
            t,
            e,
            &existing,
            "reg.mail_already_subject",
            "reg.mail_already",
        )
        .await;
    }
}

/// One mail about a registration: its intro, the event, and the link to manage it; the event
/// as an .ics file when a seat is held (but not with the « already registered » word).
async fn send_mail(
    state: &AppState,
    t: Tr,
    e: &Event,
    r: &Registration,
    subject: &str,
    intro: &str,
) {
    let base = state.config.public_url();
    let link = format!("{base}/inscriptions/{}", link_token(state, e.id, &r.email));
    let body = format!(
        "{}\n\n{}\n{}\n{}\n\n{}\n{link}\n",
        t.s(intro).replace("{name}", &r.name),
        e.title,
        when_fr(e),
        format_args!("{base}/evenements/{}", e.slug),
        t.s("reg.mail_link"),
    );
    let attachment = (r.status == RegistrationStatus::Confirmed && intro != "reg.mail_already")
        .then(|| {
            (
                format!("{}.ics", e.slug),
                "text/calendar; charset=utf-8; method=PUBLISH".to_string(),
                crate::events::pages::event_ics(state, e).into_bytes(),
            )
        });
    let sent = state
        .mailer
        .send(
            &state.mail_from,
            Mail {
                to: &r.email,
                subject: &t.s(subject).replace("{}", &e.title),
                body,
                attachment,
            },
        )
        .await;
    if let Err(err) = sent {
        tracing::error!(error = %format!("{err:#}"), registration = r.id, "registration mail not sent");
    }
}

/// A member takes her seat at once, under her account's name and address.
fn member_registration(user: &catalyse_core::User) -> NewRegistration {
    NewRegistration {
        user_id: Some(user.id),
        name: user.display_name.clone(),
        email: user.email.as_str().to_string(),
        organisation: String::new(),
        territory: String::new(),
        token_hash: String::new(),
        pending: false,
    }
}

/// Stores a registration under the hash of its signed link, and sends the mail of its step.
async fn submit(
    state: &AppState,
    t: Tr,
    e: &Event,
    new: NewRegistration,
) -> Result<Registration, StoreError> {
    let new = NewRegistration {
        token_hash: crate::tokens::token_hash(&link_token(state, e.id, &new.email)),
        ..new
    };
    let r = state.store.register(e.id, &new, Utc::now()).await?;
    notify(state, t, e, &r, false).await;
    Ok(r)
}

/// Registers a signed-in member (the API; the page does the same through `register`).
pub async fn register_member(
    state: &AppState,
    e: &Event,
    user: &catalyse_core::User,
) -> Result<Registration, AppError> {
    if !open_for_registration(e) {
        return Err(AppError::Conflict("registration is closed".into()));
    }
    Ok(submit(
        state,
        Tr::new(crate::i18n::Lang::Fr),
        e,
        member_registration(user),
    )
    .await?)
}

/// Cancels a signed-in member's registration; the first on the waiting list gets the seat.
pub async fn cancel_member(
    state: &AppState,
    e: &Event,
    user: &catalyse_core::User,
) -> Result<Registration, AppError> {
    let token = link_token(state, e.id, user.email.as_str());
    let (r, promoted) = state
        .store
        .cancel_registration(&crate::tokens::token_hash(&token), Utc::now())
        .await?;
    let t = Tr::new(crate::i18n::Lang::Fr);
    notify(state, t, e, &r, false).await;
    if let Some(p) = promoted {
        notify(state, t, e, &p, true).await;
    }
    Ok(r)
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
    let mut view = page(&ctx, e.clone());
    if !open_for_registration(&e) {
        view.errors.push("", t.s("reg.closed"));
        return render_status(&ctx, StatusCode::CONFLICT, &view);
    }
    let new = match &user {
        Some(u) => member_registration(u),
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
    match submit(&state, t, &e, new).await {
        Ok(r) => {
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
        Err(StoreError::Conflict { .. }) if user.is_none() => {
            tell_already_registered(&state, t, &e, &asked).await;
            view.outcome = Some(t.s("reg.done_pending").to_string());
            render(&ctx, &view)
        }
        // A member is signed in: this is her own address.
        Err(StoreError::Conflict { .. }) => {
            view.errors.push("email", t.s("reg.already"));
            render_status(&ctx, StatusCode::CONFLICT, &view)
        }
        Err(e) => Err(e.into()),
    }
}

async fn by_token(state: &AppState, token: &str) -> Result<(Registration, Event), AppError> {
    let r = state
        .store
        .registration_by_token(&crate::tokens::token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let e = state
        .store
        .event_by_id(r.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((r, e))
}

/// `GET /inscriptions/{token}`: where a registration stands, with the buttons to confirm or
/// cancel it (a link alone never changes anything: mail scanners follow links).
pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (r, e) = by_token(&state, &token).await?;
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
    let (r, e) = by_token(&state, &token).await?;
    if r.status == RegistrationStatus::Pending {
        let r = state
            .store
            .confirm_registration(&crate::tokens::token_hash(&token), Utc::now())
            .await?;
        notify(&state, ctx.t, &e, &r, false).await;
    }
    Ok(Redirect::to(&format!("/inscriptions/{token}")).into_response())
}

/// `POST /inscriptions/{token}/annuler`
pub async fn cancel(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (_, e) = by_token(&state, &token).await?;
    let (r, promoted) = state
        .store
        .cancel_registration(&crate::tokens::token_hash(&token), Utc::now())
        .await?;
    notify(&state, ctx.t, &e, &r, false).await;
    if let Some(p) = promoted {
        notify(&state, ctx.t, &e, &p, true).await;
    }
    Ok(Redirect::to(&format!("/inscriptions/{token}")).into_response())
}

/// Sends the reminders that are due: the day before (events starting in 1 to 24 hours) and
/// an hour before. Each is claimed in the database before it is sent, so a restart or a second
/// instance never sends it twice; a mail that fails is given back to be tried again.
pub async fn send_due_reminders(state: &AppState) -> anyhow::Result<usize> {
    use chrono::Duration;
    let now = Utc::now();
    let t = crate::i18n::Tr::new(crate::i18n::Lang::Fr);
    let mut sent = 0;
    for (which, from, to, subject) in [
        (
            Reminder::DayBefore,
            Duration::hours(1),
            Duration::hours(24),
            "reg.reminder_day",
        ),
        (
            Reminder::HourBefore,
            Duration::zero(),
            Duration::hours(1),
            "reg.reminder_hour",
        ),
    ] {
        let mut events: HashMap<i64, Option<Event>> = HashMap::new();
        for r in state.store.claim_reminders(which, now, from, to).await? {
            if let std::collections::hash_map::Entry::Vacant(slot) = events.entry(r.event_id) {
                slot.insert(state.store.event_by_id(r.event_id).await?);
            }
            let Some(Some(e)) = events.get(&r.event_id) else {
                continue;
            };
            let base = state.config.public_url();
            let link = format!("{base}/inscriptions/{}", link_token(state, e.id, &r.email));
            let body = format!(
                "{}\n\n{}\n{}\n{}\n\n{}\n{link}\n",
                t.s("reg.reminder_text").replace("{name}", &r.name),
                e.title,
                when_fr(e),
                e.online_url
                    .clone()
                    .unwrap_or_else(|| format!("{base}/evenements/{}", e.slug)),
                t.s("reg.mail_link"),
            );
            let mail = Mail {
                to: &r.email,
                subject: &t.s(subject).replace("{}", &e.title),
                body,
                attachment: None,
            };
            match state.mailer.send(&state.mail_from, mail).await {
                Ok(()) => sent += 1,
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), registration = r.id, "reminder not sent; will retry");
                    state.store.release_reminder(r.id, which).await?;
                }
            }
        }
    }
    Ok(sent)
}
