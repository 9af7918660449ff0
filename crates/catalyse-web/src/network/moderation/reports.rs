//! Reports: members report a profile or a place; animators resolve them.

use super::{subject_label, when, DoneQuery, Names, Subjects};
use crate::auth::{CsrfForm, Moderator, SignedIn};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::i18n::{Lang, Tr};
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::network::Subject;
use catalyse_core::{Role, User};
use catalyse_store::StoreError;
use chrono::{Duration, Utc};
use serde::Deserialize;

pub struct ReportRow {
    pub id: i64,
    pub at: String,
    pub at_iso: String,
    pub reporter: String,
    pub kind: &'static str,
    pub name: String,
    pub href: Option<String>,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "network/moderation_reports.html")]
struct ReportsPage<'a> {
    ctx: &'a PageCtx,
    reports: Vec<ReportRow>,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    /// A resolution that was refused: (report id, typed text, message).
    failed: Option<(i64, String, String)>,
}

impl ReportsPage<'_> {
    fn resolution_error(&self, id: &i64) -> Option<&str> {
        self.failed
            .as_ref()
            .filter(|f| f.0 == *id)
            .map(|f| f.2.as_str())
    }
    fn resolution_value(&self, id: &i64) -> &str {
        self.failed
            .as_ref()
            .filter(|f| f.0 == *id)
            .map(|f| f.1.as_str())
            .unwrap_or("")
    }
}

async fn reports_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    failed: Option<(i64, String, String)>,
) -> Result<ReportsPage<'a>, AppError> {
    let t = ctx.t;
    let open = state.store.open_reports().await?;
    let subjects = Subjects::load(state, t, open.iter().map(|r| (r.subject, r.subject_id))).await?;
    let mut names = Names::default();
    let mut reports = Vec::with_capacity(open.len());
    for r in open {
        let (name, href) = subjects.get(r.subject, r.subject_id);
        let reporter = match r.reporter_id {
            Some(_) => names.or_former(state, t, r.reporter_id).await?,
            None => t.s("moderation.visitor").to_string(),
        };
        reports.push(ReportRow {
            id: r.id,
            at: when(t, &r.at),
            at_iso: r.at.to_rfc3339(),
            reporter,
            kind: subject_label(t, r.subject),
            name,
            href,
            reason: r.reason,
        });
    }
    Ok(ReportsPage {
        ctx,
        reports,
        notice,
        error,
        failed,
    })
}

/// `GET /admin/signalements`: open reports, oldest first.
pub async fn reports(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = q.notice(ctx.t, &[("resolu", "moderation.report_resolved")]);
    let page = reports_page(&state, &ctx, notice, None, None).await?;
    render(&ctx, &page)
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    resolution: String,
}

/// `POST /admin/signalements/{id}`: closes a report with what was done (3 to 500 characters).
pub async fn resolve(
    State(state): State<AppState>,
    Moderator(moderator): Moderator,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let resolution = form.resolution.trim().to_string();
    let n = resolution.chars().count();
    let problem = if n < 3 {
        Some(t.s("moderation.resolution_short").to_string())
    } else if n > 500 {
        Some(t.f("moderation.resolution_long", n))
    } else {
        None
    };
    if let Some(message) = problem {
        let page = reports_page(&state, &ctx, None, None, Some((id, resolution, message))).await?;
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    match state
        .store
        .resolve_report(id, moderator.id, &resolution, Utc::now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/signalements?fait=resolu").into_response()),
        Err(StoreError::NotFound) => {
            let page = reports_page(
                &state,
                &ctx,
                None,
                Some(t.s("moderation.report_gone")),
                None,
            )
            .await?;
            render_status(&ctx, StatusCode::NOT_FOUND, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "network/moderation_report.html")]
struct ReportFormPage<'a> {
    ctx: &'a PageCtx,
    /// What is reported, when the member may see its name.
    name: Option<String>,
    subject: Subject,
    action: String,
    back: Option<String>,
    about_message: bool,
    /// The abuse token of a contact mail, repeated by the form.
    token: String,
    reason: String,
    errors: FormErrors,
}

impl ReportFormPage<'_> {
    fn is_place(&self) -> bool {
        self.subject == Subject::Place
    }
}

#[derive(Deserialize)]
pub struct ReportQuery {
    message: Option<String>,
    jeton: Option<String>,
}

#[derive(Deserialize)]
pub struct ReportFields {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    jeton: String,
}

/// The token of a contact mail's abuse link: proof that `recipient` received a message from
/// `sender`, so that she may report the sender even when his profile is not shown to her
/// (without it, such a profile is answered exactly as an unknown one).
pub fn abuse_token(state: &AppState, sender: i64, recipient: i64) -> String {
    crate::tokens::sign(&state.link_secret, &abuse_message(sender, recipient))
}

fn abuse_message(sender: i64, recipient: i64) -> String {
    format!("report-sender:{sender}:{recipient}")
}

fn abuse_token_valid(state: &AppState, sender: i64, recipient: i64, token: &str) -> bool {
    crate::tokens::signed(&state.link_secret, &abuse_message(sender, recipient), token)
}

/// A member's reports per day, across instances (the in-memory limiter is per instance).
const REPORTS_PER_DAY: usize = 10;

/// What is being reported, as the reporting member sees it.
struct Reported {
    subject: Subject,
    id: i64,
    name: Option<String>,
    /// The page of the reported profile or place, where the member returns.
    page: String,
    own: bool,
}

async fn reported_member(
    state: &AppState,
    user: &User,
    slug: &str,
    token: &str,
) -> Result<Reported, AppError> {
    let p = state
        .store
        .profile_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = p.user_id == user.id;
    let sees = own || p.visible_to(true) || user.role.includes(Role::Moderator);
    // A hidden or unapproved profile is answered exactly as an unknown one, unless the member
    // follows the abuse link of a message it sent her.
    if !sees && !abuse_token_valid(state, p.user_id, user.id, token) {
        return Err(AppError::NotFound);
    }
    Ok(Reported {
        subject: Subject::Member,
        id: p.user_id,
        name: sees
            .then(|| p.moderated.current().map(|f| f.display_name.clone()))
            .flatten(),
        page: format!("/reseau/{}", p.slug),
        own,
    })
}

async fn reported_place(state: &AppState, user: &User, slug: &str) -> Result<Reported, AppError> {
    let p = state
        .store
        .place_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let manages = crate::network::places::can_manage(Some(user), &p);
    let Some((f, _)) = p.moderated.shown(manages) else {
        return Err(AppError::NotFound);
    };
    Ok(Reported {
        subject: Subject::Place,
        id: p.id,
        name: Some(f.name.clone()),
        page: format!("/lieux/{}", p.slug),
        own: false,
    })
}

fn report_form<'a>(
    ctx: &'a PageCtx,
    r: &Reported,
    about_message: bool,
    token: &str,
) -> ReportFormPage<'a> {
    ReportFormPage {
        ctx,
        name: r.name.clone(),
        subject: r.subject,
        action: format!("{}/signaler", r.page),
        back: r.name.as_ref().map(|_| r.page.clone()),
        about_message,
        token: token.to_string(),
        reason: String::new(),
        errors: FormErrors::default(),
    }
}

/// `GET /reseau/{slug}/signaler` (`?message=1` from a contact mail's abuse link).
pub async fn report_member_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let token = q.jeton.unwrap_or_default();
    let r = reported_member(&state, &user, &slug, &token).await?;
    let about = q.message.as_deref().is_some_and(|m| !m.is_empty());
    render(&ctx, &report_form(&ctx, &r, about, &token))
}

/// `GET /lieux/{slug}/signaler`
pub async fn report_place_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let r = reported_place(&state, &user, &slug).await?;
    render(&ctx, &report_form(&ctx, &r, false, ""))
}

/// `POST /reseau/{slug}/signaler`
pub async fn report_member(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ReportFields>,
) -> Result<Response, AppError> {
    let r = reported_member(&state, &user, &slug, &form.jeton).await?;
    submit_report(&state, &ctx, &user, r, form).await
}

/// `POST /lieux/{slug}/signaler`
pub async fn report_place(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ReportFields>,
) -> Result<Response, AppError> {
    let r = reported_place(&state, &user, &slug).await?;
    submit_report(&state, &ctx, &user, r, form).await
}

async fn submit_report(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    r: Reported,
    form: ReportFields,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let about_message = !form.message.is_empty();
    let reason = form.reason.trim().to_string();
    let mut page = report_form(ctx, &r, about_message, &form.jeton);
    let n = reason.chars().count();
    if r.own {
        page.errors.push("reason", t.s("moderation.report_own"));
    } else if n < 10 {
        page.errors.push("reason", t.s("moderation.report_short"));
    } else if n > 1000 {
        page.errors.push("reason", t.f("moderation.report_long", n));
    }
    if !page.errors.is_empty() {
        page.reason = reason;
        return render_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    state.limits.report(state.store.as_ref(), user.id).await?;
    let now = Utc::now();
    let today = state
        .store
        .open_reports()
        .await?
        .iter()
        .filter(|x| x.reporter_id == Some(user.id) && x.at > now - Duration::hours(24))
        .count();
    if today >= REPORTS_PER_DAY {
        return Err(AppError::TooManyRequests { retry_after: 3600 });
    }
    let reason = if about_message {
        // Stored for the animators, who read French.
        let fr = Tr::new(Lang::Fr);
        format!("{} {reason}", fr.s("moderation.about_message_prefix"))
    } else {
        reason
    };
    state
        .store
        .create_report(Some(user.id), r.subject, r.id, &reason, now)
        .await?;
    super::alerts::submitted(
        state,
        super::alerts::Waiting::Report { subject: r.subject },
        Some(user.id),
    );
    Ok(Redirect::to(&format!("{}?signalement=envoye", r.page)).into_response())
}
