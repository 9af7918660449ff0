//! Expressing a need: `/besoins/nouveau` for a member (sent to moderation at once) and for a
//! visitor, who gives her address: her need is kept unconfirmed, a link (its secret hashed in
//! the store, valid 48 h) is mailed to her, and only following it sends the need to
//! moderation — the link opens a page whose button confirms, so that mail scanners that
//! follow links change nothing. `/besoins/{slug}/modifier` for its author and moderators.
//! Nothing is written while anything is wrong.

use super::form::{self, Sent, Typed};
use crate::auth::{ClientIp, CsrfForm, SignedIn};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::mail::Mail;
use crate::network::moderation::alerts::{self, Waiting};
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::territories::pick::Ambiguity;
use crate::tokens::{random_token, token_hash};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::needs::{Horizon, Need, NeedFields, NeedOrigin};
use catalyse_core::{Email, User};
use chrono::{Duration, Utc};
use serde::Deserialize;

/// How long a visitor's confirmation link stays valid.
pub const CONFIRM_HOURS: i64 = 48;

#[derive(Template)]
#[template(path = "needs/form.html")]
struct FormPage<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    /// None when expressing a new need.
    need: Option<Need>,
    d: Typed,
    errors: FormErrors,
    choices: Option<Ambiguity>,
    /// A visitor: she gives her address and confirms by mail.
    visitor: bool,
}

impl FormPage<'_> {
    fn action(&self) -> String {
        match &self.need {
            Some(n) => format!("/besoins/{}/modifier", n.slug),
            None => "/besoins/nouveau".into(),
        }
    }
    fn title(&self) -> String {
        match &self.need {
            Some(n) => self.ctx.t.f(
                "needs_form.edit_title",
                n.moderated.current().map_or(n.slug.as_str(), |f| &f.title),
            ),
            None => self.ctx.t.s("needs_form.new_title").to_string(),
        }
    }
    /// How long a visitor's link stays valid.
    fn hours(&self) -> i64 {
        CONFIRM_HOURS
    }
    /// (slug, name, chosen) of a list of choices.
    fn choices_of<'b>(
        &self,
        all: impl Iterator<Item = (&'b str, &'b str)>,
        chosen: &[String],
    ) -> Vec<(&'b str, &'b str, bool)> {
        all.map(|(slug, name)| (slug, name, chosen.iter().any(|t| t == slug)))
            .collect()
    }
    fn fragilities(&self) -> Vec<(&str, &str, bool)> {
        let all = self.state.fragilities.iter();
        let chosen = std::slice::from_ref(&self.d.fragility);
        self.choices_of(all.map(|f| (f.slug.as_str(), f.name.as_str())), chosen)
    }
    fn levers(&self) -> Vec<(&str, &str, bool)> {
        let all = self.state.reference.levers.iter();
        self.choices_of(
            all.map(|l| (l.slug.as_str(), l.name.as_str())),
            &self.d.levers,
        )
    }
    fn family_list(&self) -> impl Iterator<Item = (&str, &str)> {
        (self.state.reference.actor_families.iter()).map(|f| (f.slug.as_str(), f.name.as_str()))
    }
    fn families(&self) -> Vec<(&str, &str, bool)> {
        self.choices_of(self.family_list(), &self.d.families)
    }
    fn author_families(&self) -> Vec<(&str, &str, bool)> {
        let chosen = std::slice::from_ref(&self.d.author_family);
        self.choices_of(self.family_list(), chosen)
    }
    fn activities(&self) -> Vec<(&str, &str, bool)> {
        let all = (self.state.reference.metier.iter())
            .flat_map(|m| m.activities.iter())
            .map(|a| (a.slug.as_str(), a.name.as_str()));
        self.choices_of(all, &self.d.activities)
    }
    fn horizons(&self) -> Vec<(&'static str, &'static str, bool)> {
        (Horizon::ALL.iter())
            .map(|h| {
                let label = super::status::horizon_label(self.ctx.t, *h);
                (h.as_str(), label, self.d.horizon == h.as_str())
            })
            .collect()
    }
}

fn page<'a>(ctx: &'a PageCtx, state: &'a AppState, need: Option<Need>, d: Typed) -> FormPage<'a> {
    FormPage {
        ctx,
        state,
        visitor: ctx.user.is_none(),
        need,
        d,
        errors: FormErrors::default(),
        choices: None,
    }
}

/// The form again, as sent, with what is wrong in it (422, or `status`).
fn again(
    ctx: &PageCtx,
    state: &AppState,
    need: Option<Need>,
    d: Typed,
    (errors, choices): (FormErrors, Option<Ambiguity>),
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut p = page(ctx, state, need, d);
    p.errors = errors;
    p.choices = choices;
    render_status(ctx, status, &p)
}

/// `GET /besoins/nouveau`: for a member, her organisation and its family from her profile;
/// with `?brouillon=ID&jeton=T`, what a webinar registration's draft says.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<super::drafts::DraftQuery>,
) -> Result<Response, AppError> {
    let mut d = Typed::default();
    if let Some(u) = &ctx.user {
        if let Some(p) = state.store.profile(u.id).await? {
            if let Some(f) = p.moderated.current() {
                d.organisation = f.organisation.clone();
                d.author_family = f.actor_family.clone();
            }
        }
    }
    if let Some(token) = &q.diagnostic {
        crate::diagnostics::result::prefill_need(&state, ctx.t, token, &mut d);
    }
    let asked = q.brouillon.is_some();
    if asked && !super::drafts::fill(&state, ctx.user.as_ref(), &q, &mut d).await? {
        let gone = FormErrors::one("", ctx.t.s("needs_form.draft_gone"));
        return again(&ctx, &state, None, d, (gone, None), StatusCode::OK);
    }
    render(&ctx, &page(&ctx, &state, None, d))
}

/// `POST /besoins/nouveau`: a member's need goes to moderation; a visitor's waits for her to
/// follow the link mailed to her.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    CsrfForm(sent): CsrfForm<Sent>,
) -> Result<Response, AppError> {
    let mut d = form::read(&state, &sent);
    let visitor = ctx.user.is_none();
    let (fields, email) = match form::check(&state, ctx.t, &mut d, visitor) {
        Ok(ok) => ok,
        Err(e) => return again(&ctx, &state, None, d, e, StatusCode::UNPROCESSABLE_ENTITY),
    };
    // A webinar registration's draft it completes: used once the need is submitted.
    let named = (d.draft.as_str(), d.draft_token.as_str());
    let draft = super::drafts::of_form(&state, ctx.user.as_ref(), named).await?;
    let origin = draft
        .as_ref()
        .map_or(NeedOrigin::Formulaire, |_| NeedOrigin::Webinaire);
    match (&ctx.user, email) {
        (Some(user), _) => {
            let after = super::manage::submit(&state, user, None, &fields, origin).await?;
            super::drafts::used(&state, draft.as_ref()).await?;
            Ok(Redirect::to(&format!("/besoins/{}?etat=envoye", after.slug)).into_response())
        }
        (None, Some(email)) => {
            state
                .limits
                .visitor_need(state.store.as_ref(), ip, email.as_str())
                .await?;
            if let Err(e) = from_visitor(&state, &ctx, (&fields, origin), &email).await {
                tracing::error!(error = %format!("{e:#}"), "visitor's need: mail not sent");
                let failed = FormErrors::one("", ctx.t.s("needs_form.mail_failed"));
                let status = StatusCode::SERVICE_UNAVAILABLE;
                return again(&ctx, &state, None, d, (failed, None), status);
            }
            super::drafts::used(&state, draft.as_ref()).await?;
            render(&ctx, &Done::new(&ctx, Done::SENT))
        }
        (None, None) => Err(AppError::BadRequest("email".into())),
    }
}

/// Keeps a visitor's need unconfirmed and mails her its link. A need whose mail did not go
/// stays unconfirmed and is deleted when its link expires.
async fn from_visitor(
    state: &AppState,
    ctx: &PageCtx,
    (fields, origin): (&NeedFields, NeedOrigin),
    email: &Email,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let token = random_token();
    let n = state
        .store
        .submit_visitor_need(
            fields,
            origin,
            email.as_str(),
            &token_hash(&token),
            now + Duration::hours(CONFIRM_HOURS),
            now,
        )
        .await?;
    let t = ctx.t;
    let link = format!(
        "{}/besoins/confirmer?jeton={token}",
        state.config.public_url()
    );
    let body = t
        .s("needs_form.mail_confirm")
        .replace("{title}", &fields.title)
        .replace("{link}", &link)
        .replace("{hours}", &CONFIRM_HOURS.to_string());
    let mail = Mail {
        to: email.as_str(),
        subject: t.s("needs_form.mail_confirm_subject"),
        body,
        attachment: None,
    };
    state.mailer.send(&state.mail_from, mail).await?;
    tracing::info!(need = n.id, "visitor's need kept, address to confirm");
    Ok(())
}

/// The need to edit, if the person may: its author, or a moderator when it has an author (a
/// version is submitted in its author's name; a visitor's need is approved or refused as it
/// is).
async fn editable(state: &AppState, user: &User, slug: &str) -> Result<Need, AppError> {
    let n = state
        .store
        .need_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    // A visitor's need is edited (by a moderator) only once she confirmed it.
    if !super::status::can_edit(Some(user), &n) || n.confirmed_at.is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(n)
}

/// `GET /besoins/{slug}/modifier`: the version she works on (her draft, else the published).
pub async fn edit_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let n = editable(&state, &user, &slug).await?;
    let d = n
        .moderated
        .current()
        .map(|f| form::typed_from(&state, f))
        .unwrap_or_default();
    render(&ctx, &page(&ctx, &state, Some(n), d))
}

/// `POST /besoins/{slug}/modifier`: a new version, to moderation.
pub async fn update(
    State(state): State<AppState>,
    ctx: PageCtx,
    uri: axum::http::Uri,
    Path(slug): Path<String>,
    CsrfForm(sent): CsrfForm<Sent>,
) -> Result<Response, AppError> {
    let Some(user) = ctx.user.clone() else {
        return Ok(crate::auth::sign_in_first(uri.path()));
    };
    let n = editable(&state, &user, &slug).await?;
    let mut d = form::read(&state, &sent);
    let fields = match form::check(&state, ctx.t, &mut d, false) {
        Ok((fields, _)) => fields,
        Err(e) => {
            return again(
                &ctx,
                &state,
                Some(n),
                d,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let origin = NeedOrigin::Formulaire;
    let after = super::manage::submit(&state, &user, Some(&n), &fields, origin).await?;
    Ok(Redirect::to(&format!("/besoins/{}?etat=envoye", after.slug)).into_response())
}

/// What a visitor reads after sending her need, and when she follows her link.
#[derive(Template)]
#[template(path = "needs/done.html")]
struct Done<'a> {
    ctx: &'a PageCtx,
    /// One of the `Done::…` steps.
    step: &'static str,
    /// The link's secret, for the confirmation button.
    token: String,
}

impl<'a> Done<'a> {
    /// Sent: check your mailbox.
    const SENT: &'static str = "envoye";
    /// The link followed: a button to confirm.
    const ASK: &'static str = "confirmer";
    /// Confirmed: sent to moderation.
    const CONFIRMED: &'static str = "confirme";
    /// The link is unknown or expired.
    const INVALID: &'static str = "invalide";

    fn new(ctx: &'a PageCtx, step: &'static str) -> Done<'a> {
        Done {
            ctx,
            step,
            token: String::new(),
        }
    }
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    jeton: String,
}

/// `GET /besoins/confirmer?jeton=…`: the link of the mail, a page with a button.
pub async fn confirm_form(ctx: PageCtx, Query(q): Query<TokenQuery>) -> Result<Response, AppError> {
    if q.jeton.is_empty() || q.jeton.len() > 128 {
        return render_status(&ctx, StatusCode::GONE, &Done::new(&ctx, Done::INVALID));
    }
    let mut page = Done::new(&ctx, Done::ASK);
    page.token = q.jeton;
    render(&ctx, &page)
}

/// `POST /besoins/confirmer`: the visitor's need goes to moderation (once: following the link
/// again changes nothing); moderators are told.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<TokenQuery>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let found = state
        .store
        .confirm_need(&token_hash(&form.jeton), now)
        .await?;
    let Some(n) = found else {
        return render_status(&ctx, StatusCode::GONE, &Done::new(&ctx, Done::INVALID));
    };
    // Moderators are told once: when she confirms, not when she follows the link again (a
    // double click, another day).
    let recent = n
        .confirmed_at
        .is_some_and(|at| now - at < Duration::minutes(10));
    let id = n.id.to_string();
    let store = state.store.as_ref();
    if recent
        && state
            .limits
            .first_time(store, ("need-confirmed", &id), 1)
            .await?
    {
        if let Some(f) = n.moderated.current() {
            let name = f.title.clone();
            alerts::submitted(&state, Waiting::Need { name }, None);
        }
        tracing::info!(need = n.id, "visitor's need confirmed");
    }
    render(&ctx, &Done::new(&ctx, Done::CONFIRMED))
}
