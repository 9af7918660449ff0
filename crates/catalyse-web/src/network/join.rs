//! Joining the network: `/rejoindre` creates an account whose address must be proved by a
//! single-use link that expires (48 h); the link opens a page whose button does the proving
//! (mail scanners that follow links change nothing). The answer is the same whether or not
//! the address already has an account: that one gets a reminder instead of a second account.

use crate::auth::ClientIp;
use crate::auth::{hash_password, open_session, CsrfForm};
use crate::error::AppError;
use crate::forms::{password_message, FormErrors};
use crate::mail::Mail;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::tokens::{random_token, token_hash};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::{Email, Role};
use catalyse_store::{NewUser, StoreError};
use chrono::{Duration, Utc};
use serde::Deserialize;

/// How long a verification link stays valid.
pub const VERIFY_HOURS: i64 = 48;

#[derive(Template)]
#[template(path = "network/join.html")]
struct JoinPage<'a> {
    ctx: &'a PageCtx,
    name: String,
    email: String,
    errors: FormErrors,
    sent: bool,
}

/// The join page, empty (`sent`: after a request, whatever its outcome).
fn empty_join(ctx: &PageCtx, sent: bool) -> Result<Response, AppError> {
    render(
        ctx,
        &JoinPage {
            ctx,
            name: String::new(),
            email: String::new(),
            errors: FormErrors::default(),
            sent,
        },
    )
}

pub async fn form(ctx: PageCtx) -> Result<Response, AppError> {
    empty_join(&ctx, false)
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
    #[serde(default)]
    charte: String,
}

pub async fn join(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let mut errors = FormErrors::default();
    let name = form.name.trim().to_string();
    let n = name.chars().count();
    if !(2..=80).contains(&n) {
        errors.push("name", t.s("join.error_name"));
    } else if catalyse_core::text::check_plain(&name).is_err() {
        errors.push("name", t.s("join.error_name_invisible"));
    }
    let email = Email::parse(&form.email);
    if email.is_err() {
        errors.push("email", t.s("login.error_email"));
    }
    if let Err(p) = state
        .passwords
        .check(&form.password, email.as_ref().ok().map(Email::as_str))
    {
        errors.push("password", password_message(t, p));
    } else if form.password != form.confirmation {
        errors.push("confirmation", t.s("reset.error_mismatch"));
    }
    if form.charte != "oui" {
        errors.push("charte", t.s("join.error_charte"));
    }
    let (Ok(email), true) = (email, errors.is_empty()) else {
        let page = JoinPage {
            ctx: &ctx,
            name,
            email: form.email.trim().to_string(),
            errors,
            sent: false,
        };
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let store = state.store.as_ref();
    state.limits.join_from(store, ip).await?;
    let hash = hash_password(form.password).await?;
    // At most `reset_per_hour` mails to one address an hour asked from this address (four
    // times that whoever asks): past that, the same answer and nothing sent (the mails already sent hold what is needed).
    if state.limits.mail_to(store, email.as_str(), ip).await? {
        // The mail goes before the answer both for a new account (taken back if the mail
        // cannot go) and for an address that has one (a reminder): the two answers take as
        // long and read the same, so neither tells whether the address has an account.
        if let Err(e) = welcome(&state, t, &email, &name, hash).await {
            tracing::error!(error = %format!("{e:#}"), "joining: mail not sent");
            let page = JoinPage {
                ctx: &ctx,
                name,
                email: email.to_string(),
                errors: FormErrors::one("", t.s("join.mail_failed")),
                sent: false,
            };
            return render_status(&ctx, StatusCode::SERVICE_UNAVAILABLE, &page);
        }
    } else {
        tracing::warn!("joining: mail skipped, too many to this address this hour");
    }
    empty_join(&ctx, true)
}

#[derive(Template)]
#[template(path = "network/verify.html")]
struct VerifyPage<'a> {
    ctx: &'a PageCtx,
    token: String,
    valid: bool,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    jeton: String,
}

/// The link of the email: a page with a button, so that opening the link changes nothing.
pub async fn verify_form(ctx: PageCtx, Query(q): Query<TokenQuery>) -> Result<Response, AppError> {
    let valid = !q.jeton.is_empty() && q.jeton.len() <= 128;
    let page = VerifyPage {
        ctx: &ctx,
        token: q.jeton,
        valid,
    };
    render(&ctx, &page)
}

pub async fn verify(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<TokenQuery>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let user = match state
        .store
        .verify_email(&token_hash(&form.jeton), now)
        .await?
    {
        Some(id) => state.store.user_by_id(id).await?,
        None => None,
    };
    let Some(user) = user else {
        let page = VerifyPage {
            ctx: &ctx,
            token: String::new(),
            valid: false,
        };
        return render_status(&ctx, StatusCode::GONE, &page);
    };
    tracing::info!(user = user.id, "address verified");
    let cookie = open_session(&state, &user, ctx.t.lang).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/mon-profil?etat=bienvenue"),
    )
        .into_response())
}

/// Creates the account and mails its confirmation link or, when the address already has an
/// account, mails a reminder. A new account whose link cannot be written or mailed is taken
/// back: nothing is left behind.
async fn welcome(
    state: &AppState,
    t: crate::i18n::Tr,
    email: &Email,
    name: &str,
    password_hash: String,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let base = state.config.public_url();
    let created = state
        .store
        .create_user(
            &NewUser {
                email: email.clone(),
                display_name: name.to_string(),
                role: Role::Member,
                password_hash,
                is_example: false,
                email_verified: false,
            },
            now,
        )
        .await;
    let user = match created {
        Ok(user) => user,
        Err(StoreError::Conflict { .. }) => {
            let body = t
                .s("join.mail_exists_body")
                .replace("{login}", &format!("{base}/connexion"))
                .replace("{forgot}", &format!("{base}/mot-de-passe-oublie"));
            let mail = Mail {
                to: email.as_str(),
                subject: t.s("join.mail_exists_subject"),
                body,
                attachment: None,
            };
            return state.mailer.send(&state.mail_from, mail).await;
        }
        Err(e) => return Err(e.into()),
    };
    let sent = send_link(state, t, &user).await;
    match &sent {
        Ok(()) => tracing::info!(user = user.id, "account created, address to verify"),
        Err(_) => {
            if let Err(e) = state.store.discard_unverified_user(user.id).await {
                tracing::error!(error = %e, user = user.id, "unsent account not taken back");
            }
        }
    }
    sent
}

/// Writes a verification link for `user` and mails it: at joining, and after a correct
/// password at the login while the address is still unproved.
pub async fn send_link(
    state: &AppState,
    t: crate::i18n::Tr,
    user: &catalyse_core::User,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let token = random_token();
    state
        .store
        .create_email_verification(
            user.id,
            &token_hash(&token),
            now,
            now + Duration::hours(VERIFY_HOURS),
        )
        .await?;
    let link = format!(
        "{}/rejoindre/confirmer?jeton={token}",
        state.config.public_url()
    );
    let mail = Mail {
        to: user.email.as_str(),
        subject: t.s("join.mail_subject"),
        body: t
            .s("join.mail_body")
            .replace("{name}", &user.display_name)
            .replace("{link}", &link),
        attachment: None,
    };
    state.mailer.send(&state.mail_from, mail).await
}

#[cfg(test)]
mod tests {
    use catalyse_core::Email;
    use lettre::message::Mailbox;

    /// Every address the forms accept is one the mailer accepts: no 500 after the form.
    #[test]
    fn accepted_addresses_are_mailable() {
        let mut accepted = 0;
        for c in (0u8..128).map(char::from) {
            for candidate in [
                format!("a{c}b@exemple.fr"),
                format!("{c}b@exemple.fr"),
                format!("ab{c}@exemple.fr"),
                format!("ab@ex{c}emple.fr"),
                format!("ab@{c}exemple.fr"),
            ] {
                if let Ok(e) = Email::parse(&candidate) {
                    accepted += 1;
                    assert!(
                        e.as_str().parse::<Mailbox>().is_ok(),
                        "{candidate:?} passes the form but not the mailer"
                    );
                    assert!(
                        e.as_str().parse::<lettre::Address>().is_ok(),
                        "{candidate:?}"
                    );
                }
            }
        }
        assert!(accepted > 100, "{accepted}");
        for good in [
            "a!#$%&'*+/=?^_`{|}~-b@sous-domaine.exemple.fr",
            "prenom.nom+tag@x-y.org",
        ] {
            let e = Email::parse(good).expect(good);
            assert!(e.as_str().parse::<Mailbox>().is_ok(), "{good}");
        }
    }
}
