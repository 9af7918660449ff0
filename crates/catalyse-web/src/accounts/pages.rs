//! Sign in, sign out, and password reset by emailed link.

use crate::auth::ClientIp;
use crate::auth::{close_session, hash_password, open_session, verify_password, CsrfForm};
use crate::error::AppError;
use crate::forms::{password_message, FormErrors};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::pages::{render, render_status, safe_return, PageCtx};
use crate::state::AppState;
use crate::tokens::{random_token, token_hash};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::Email;
use chrono::{Duration, Utc};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct Login<'a> {
    ctx: &'a PageCtx,
    email: String,
    retour: String,
    errors: FormErrors,
    notice: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    retour: Option<String>,
    etat: Option<String>,
}

pub async fn login_form(ctx: PageCtx, Query(q): Query<LoginQuery>) -> Result<Response, AppError> {
    let notice = match q.etat.as_deref() {
        Some("reinitialise") => Some(ctx.t.s("login.notice_reset")),
        Some("deconnecte") => Some(ctx.t.s("login.notice_logged_out")),
        _ => None,
    };
    let page = Login {
        ctx: &ctx,
        email: String::new(),
        retour: safe_return(q.retour.as_deref()),
        errors: FormErrors::default(),
        notice,
    };
    render(&ctx, &page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    retour: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request_headers: HeaderMap,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let retour = safe_return(form.retour.as_deref());
    let again = |errors: FormErrors, status: StatusCode| {
        let page = Login {
            ctx: &ctx,
            email: form.email.trim().to_string(),
            retour: retour.clone(),
            errors,
            notice: None,
        };
        render_status(&ctx, status, &page)
    };
    let mut errors = FormErrors::default();
    let email = Email::parse(&form.email);
    if email.is_err() {
        errors.push("email", t.s("login.error_email"));
    }
    if form.password.is_empty() {
        errors.push("password", t.s("login.error_password_empty"));
    }
    let Ok(email) = email else {
        return again(errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    if !errors.is_empty() {
        return again(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Failures count, on this account from this address and from this address on any
    // account: failures from elsewhere never stand in the way of the right password. The
    // try is counted before the password is checked and given back if it was right.
    let limits = &state.limits;
    let store = state.store.as_ref();
    if let Err(wait) = limits.login_attempt(store, ip, email.as_str()).await? {
        return too_many(&ctx, wait, "login.error_rate");
    }
    if limits.login_slowed(store, email.as_str()).await? {
        tokio::time::sleep(crate::ratelimit::LOGIN_SLOWDOWN).await;
    }
    let user = state.store.user_by_email(&email).await?;
    let ok = verify_password(
        form.password.clone(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    match (ok, user) {
        (true, Some(user)) if !user.email_verified => {
            // The password is right but the address unproved: a fresh link, no session.
            limits.login_succeeded(store, ip, email.as_str()).await?;
            match crate::network::join::send_link(&state, t, &user).await {
                Ok(()) => again(
                    FormErrors::one("", t.s("join.unverified")),
                    StatusCode::FORBIDDEN,
                ),
                // The mail server refused or is down: say so, rather than claim a link left.
                Err(e) => {
                    tracing::warn!(error = %e, user = user.id, "verification link not sent");
                    again(
                        FormErrors::one("", t.s("join.unverified_mail_failed")),
                        StatusCode::SERVICE_UNAVAILABLE,
                    )
                }
            }
        }
        (true, Some(user)) => {
            limits.login_succeeded(store, ip, email.as_str()).await?;
            // A new session id at every login; the previous session, if any, ends.
            close_session(&state, &request_headers).await?;
            let cookie = open_session(&state, &user, ctx.t.lang).await?;
            tracing::info!(user = user.id, "signed in");
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&retour)).into_response())
        }
        _ => {
            limits.login_failed(store, email.as_str()).await?;
            again(
                FormErrors::one("", t.s("login.error_invalid")),
                StatusCode::UNAUTHORIZED,
            )
        }
    }
}

fn too_many(ctx: &PageCtx, wait: u64, key: &str) -> Result<Response, AppError> {
    let minutes = wait.div_ceil(60);
    let mut resp = crate::error::error_response(
        ctx.t,
        StatusCode::TOO_MANY_REQUESTS,
        "error.too_many",
        &ctx.t.n(key, minutes),
    );
    if let Ok(v) = wait.to_string().parse() {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let cookie = close_session(&state, &headers).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/connexion?etat=deconnecte"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct Forgot<'a> {
    ctx: &'a PageCtx,
    email: String,
    errors: FormErrors,
    sent: bool,
}

/// The forgotten-password page, empty (`sent`: after a request).
fn empty_forgot(ctx: &PageCtx, sent: bool) -> Result<Response, AppError> {
    render(
        ctx,
        &Forgot {
            ctx,
            email: String::new(),
            errors: FormErrors::default(),
            sent,
        },
    )
}

pub async fn forgot_form(ctx: PageCtx) -> Result<Response, AppError> {
    empty_forgot(&ctx, false)
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, AppError> {
    let Ok(email) = Email::parse(&form.email) else {
        let page = Forgot {
            ctx: &ctx,
            email: form.email.trim().to_string(),
            errors: FormErrors::one("email", ctx.t.s("login.error_email")),
            sent: false,
        };
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    if let Err(wait) = state.limits.reset_from(state.store.as_ref(), ip).await? {
        return too_many(&ctx, wait, "forgot.error_rate");
    }
    // The answer comes first and is the same whether or not the account exists: looking it
    // up, writing the token and sending the mail (a whole SMTP round trip) happen after, so
    // the time it takes tells nothing either.
    let lang = ctx.t.lang;
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&state, Tr::new(lang), &email, ip).await {
            tracing::error!(error = %format!("{e:#}"), "password reset mail not sent");
        }
    });
    empty_forgot(&ctx, true)
}

/// Writes a reset token for the account of `email`, if there is one, and mails its link; at
/// most `reset_per_hour` mails per address, so that nobody fills someone's mailbox (the links
/// already sent keep working).
async fn send_reset_link(
    state: &AppState,
    t: Tr,
    email: &Email,
    ip: std::net::IpAddr,
) -> anyhow::Result<()> {
    let Some(user) = state.store.user_by_email(email).await? else {
        return Ok(());
    };
    if !state
        .limits
        .mail_to(state.store.as_ref(), email.as_str(), ip)
        .await?
    {
        tracing::warn!(
            user = user.id,
            "password reset mail skipped: too many this hour"
        );
        return Ok(());
    }
    let token = random_token();
    let now = Utc::now();
    state
        .store
        .create_password_reset(&token_hash(&token), user.id, now, now + Duration::hours(1))
        .await?;
    let link = format!("{}/reinitialiser?jeton={token}", state.config.public_url());
    let body = t
        .s("forgot.mail_body")
        .replace("{link}", &link)
        .replace("{name}", &user.display_name);
    state
        .mailer
        .send(
            &state.mail_from,
            Mail {
                to: user.email.as_str(),
                subject: t.s("forgot.mail_subject"),
                body,
                attachment: None,
            },
        )
        .await?;
    tracing::info!(user = user.id, "password reset link sent");
    Ok(())
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct Reset<'a> {
    ctx: &'a PageCtx,
    token: String,
    valid: bool,
    errors: FormErrors,
    hint: String,
}

impl<'a> Reset<'a> {
    fn new(ctx: &'a PageCtx, token: String, valid: bool, errors: FormErrors) -> Reset<'a> {
        let hint = ctx
            .t
            .f("reset.hint", catalyse_core::account::PASSWORD_MIN_CHARS);
        Reset {
            ctx,
            token,
            valid,
            errors,
            hint,
        }
    }
}

#[derive(Deserialize)]
pub struct ResetQuery {
    jeton: Option<String>,
}

pub async fn reset_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ResetQuery>,
) -> Result<Response, AppError> {
    let token = q.jeton.unwrap_or_default();
    let valid = !token.is_empty()
        && state
            .store
            .password_reset_user(&token_hash(&token), Utc::now())
            .await?
            .is_some();
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    render_status(
        &ctx,
        status,
        &Reset::new(&ctx, token, valid, FormErrors::default()),
    )
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    jeton: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

pub async fn reset(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let hash = token_hash(&form.jeton);
    let Some(user_id) = state.store.password_reset_user(&hash, now).await? else {
        let page = Reset::new(&ctx, String::new(), false, FormErrors::default());
        return render_status(&ctx, StatusCode::GONE, &page);
    };
    let email = state
        .store
        .user_by_id(user_id)
        .await?
        .map(|u| u.email.to_string());
    let mut errors = FormErrors::default();
    if let Err(p) = state.passwords.check(&form.password, email.as_deref()) {
        errors.push("password", password_message(ctx.t, p));
    } else if form.password != form.confirmation {
        errors.push("confirmation", ctx.t.s("reset.error_mismatch"));
    }
    if !errors.is_empty() {
        let page = Reset::new(&ctx, form.jeton.clone(), true, errors);
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let new_hash = hash_password(form.password).await?;
    match state.store.reset_password(&hash, &new_hash, now).await? {
        Some(_) => Ok(Redirect::to("/connexion?etat=reinitialise").into_response()),
        None => {
            let page = Reset::new(&ctx, String::new(), false, FormErrors::default());
            render_status(&ctx, StatusCode::GONE, &page)
        }
    }
}
