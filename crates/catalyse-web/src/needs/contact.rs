//! Putting people in touch about a need, by relayed mail (`network::relay`: no address shown,
//! the same per-day limit as peer contact): « Je peux aider », a signed-in member's offer to
//! the need's author (a member, or a visitor reached at the address she confirmed), and
//! « Demander une mise en relation », the author's request to a member the platform proposed.
//! Either is recorded (`record_need_contact`), which moves an « ouvert » need to « en
//! relation » with a dated step in its trail. Only public, open needs take them; bad input
//! comes back with a French message per field and nothing written.

use crate::auth::{CsrfForm, SignedIn};
use crate::error::{error_response, AppError};
use crate::forms::FormErrors;
use crate::i18n::Tr;
use crate::network::relay::{relay, Recipient, Relay, CONTACTS_PER_DAY};
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::needs::Need;
use catalyse_core::network::Profile;
use catalyse_core::User;
use catalyse_store::NeedContactKind;
use serde::Deserialize;

/// The length of a message, in characters.
const MESSAGE_CHARS: std::ops::RangeInclusive<usize> = 10..=2000;

/// What the form page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Offer,
    Request,
}

#[derive(Template)]
#[template(path = "needs/contact.html")]
struct ContactPage<'a> {
    ctx: &'a PageCtx,
    kind: Kind,
    slug: String,
    title: String,
    /// For a request: the member written to (slug, name).
    member: Option<(String, String)>,
    message: String,
    errors: FormErrors,
    limit: i64,
}

impl ContactPage<'_> {
    fn is_offer(&self) -> bool {
        self.kind == Kind::Offer
    }
}

/// The message typed in either form.
#[derive(Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    membre: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
pub struct MemberQuery {
    #[serde(default)]
    membre: String,
}

/// The public need of this slug (404 otherwise) and its public title.
async fn public_need(state: &AppState, slug: &str) -> Result<(Need, String), AppError> {
    let need = super::suggestions::public_need(state, slug).await?;
    let title = need
        .public_fields()
        .map(|f| f.title.clone())
        .unwrap_or_default();
    Ok((need, title))
}

/// A refusal with its French explanation, before anything is written.
fn refused(t: Tr, status: StatusCode, key: &str) -> Response {
    let title = match status {
        StatusCode::FORBIDDEN => "error.forbidden",
        _ => "error.conflict",
    };
    error_response(t, status, title, t.s(key))
}

/// Why an offer cannot be made on this need by this member, if it cannot.
fn offer_refused(t: Tr, need: &Need, user: &User) -> Option<Response> {
    if need.author_id == Some(user.id) {
        Some(refused(t, StatusCode::FORBIDDEN, "needs_match.error_own"))
    } else if !need.is_open() {
        Some(refused(t, StatusCode::CONFLICT, "needs_match.error_closed"))
    } else if !need.author_reachable() {
        Some(refused(
            t,
            StatusCode::CONFLICT,
            "needs_match.error_unreachable",
        ))
    } else {
        None
    }
}

/// Why a request cannot be made on this need by this member, if it cannot.
fn request_refused(t: Tr, need: &Need, user: &User) -> Option<Response> {
    if need.author_id != Some(user.id) {
        Some(refused(
            t,
            StatusCode::FORBIDDEN,
            "needs_match.error_not_author",
        ))
    } else if !need.is_open() {
        Some(refused(t, StatusCode::CONFLICT, "needs_match.error_closed"))
    } else {
        None
    }
}

/// The message, trimmed, and what is wrong with it.
fn check_message(t: Tr, raw: &str, errors: &mut FormErrors) -> String {
    let message = raw.trim().replace("\r\n", "\n");
    if !MESSAGE_CHARS.contains(&message.chars().count()) {
        errors.push("message", t.s("needs_match.error_message"));
    } else if catalyse_core::text::check_plain_lines(&message).is_err() {
        errors.push("message", t.s("needs_match.error_message_invisible"));
    }
    message
}

/// A member the author may be put in touch with: her profile seen by members, her opt-out
/// of suggestions not given, not the author herself; her profile and account.
async fn contactable(
    state: &AppState,
    slug: &str,
    author: &User,
) -> Result<Option<(Profile, User)>, AppError> {
    let Some(p) = state.store.profile_by_slug(slug).await? else {
        return Ok(None);
    };
    if !p.is_listed_for_members() || p.user_id == author.id {
        return Ok(None);
    }
    if state
        .store
        .unsuggestible_users()
        .await?
        .contains(&p.user_id)
    {
        return Ok(None);
    }
    Ok(state.store.user_by_id(p.user_id).await?.map(|u| (p, u)))
}

fn member_name(p: &Profile) -> String {
    p.moderated
        .published
        .as_ref()
        .map(|f| f.display_name.clone())
        .unwrap_or_default()
}

fn page<'a>(ctx: &'a PageCtx, kind: Kind, slug: &str, title: String) -> ContactPage<'a> {
    ContactPage {
        ctx,
        kind,
        slug: slug.to_string(),
        title,
        member: None,
        message: String::new(),
        errors: FormErrors::default(),
        limit: CONTACTS_PER_DAY,
    }
}

/// `GET /besoins/{slug}/aider`: the form of « Je peux aider ».
pub async fn offer_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (need, title) = public_need(&state, &slug).await?;
    if let Some(r) = offer_refused(ctx.t, &need, &user) {
        return Ok(r);
    }
    render(&ctx, &page(&ctx, Kind::Offer, &slug, title))
}

/// `POST /besoins/{slug}/aider`: relays the offer to the need's author and records it.
pub async fn offer(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<OfferForm>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let (need, title) = public_need(&state, &slug).await?;
    if let Some(r) = offer_refused(t, &need, &user) {
        return Ok(r);
    }
    let mut errors = FormErrors::default();
    let message = check_message(t, &form.message, &mut errors);
    if !errors.is_empty() {
        let mut p = page(&ctx, Kind::Offer, &slug, title);
        p.message = message;
        p.errors = errors;
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    // The author: a member (in her language), or a visitor at the address she confirmed.
    let author = match need.author_id {
        Some(id) => state.store.user_by_id(id).await?,
        None => None,
    };
    let recipient = match (&author, need.author_email.as_deref()) {
        (Some(u), _) => Recipient::Member(u),
        (None, Some(address)) => Recipient::Visitor(address),
        // Imported or example needs, or an author whose account is gone: no one to write to.
        (None, None) => {
            return Ok(refused(
                t,
                StatusCode::CONFLICT,
                "needs_match.error_unreachable",
            ))
        }
    };
    let mail_t = author
        .as_ref()
        .map_or(Tr::new(crate::i18n::Lang::Fr), Tr::for_user);
    let sent = send(
        &state,
        &user,
        recipient,
        mail_t,
        Kind::Offer,
        (&need, &title),
        &message,
    )
    .await?;
    if !sent {
        return Ok(too_many(t));
    }
    record(&state, &need, &user, None, NeedContactKind::Offer).await?;
    Ok(Redirect::to(&format!("/besoins/{slug}?etat=aide")).into_response())
}

/// `GET /besoins/{slug}/mise-en-relation?membre=…`: the form of « Demander une mise en
/// relation » with a member proposed for the need.
pub async fn request_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<MemberQuery>,
) -> Result<Response, AppError> {
    let (need, title) = public_need(&state, &slug).await?;
    if let Some(r) = request_refused(ctx.t, &need, &user) {
        return Ok(r);
    }
    let member = contactable(&state, q.membre.trim(), &user)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut p = page(&ctx, Kind::Request, &slug, title);
    p.member = Some((member.0.slug.clone(), member_name(&member.0)));
    render(&ctx, &p)
}

/// `POST /besoins/{slug}/mise-en-relation`: relays the author's request to the member and
/// records it.
pub async fn request(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let (need, title) = public_need(&state, &slug).await?;
    if let Some(r) = request_refused(t, &need, &user) {
        return Ok(r);
    }
    let mut errors = FormErrors::default();
    let member = contactable(&state, form.membre.trim(), &user).await?;
    if member.is_none() {
        let key = if form.membre.trim().is_empty() {
            "needs_match.error_member"
        } else {
            "needs_match.error_member_gone"
        };
        errors.push("membre", t.s(key));
    }
    let message = check_message(t, &form.message, &mut errors);
    let (profile, recipient) = match member {
        Some(found) if errors.is_empty() => found,
        member => {
            let mut p = page(&ctx, Kind::Request, &slug, title);
            p.member = Some(match &member {
                Some((profile, _)) => (profile.slug.clone(), member_name(profile)),
                None => (form.membre.trim().to_string(), String::new()),
            });
            p.message = message;
            p.errors = errors;
            return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let sent = send(
        &state,
        &user,
        Recipient::Member(&recipient),
        Tr::for_user(&recipient),
        Kind::Request,
        (&need, &title),
        &message,
    )
    .await?;
    if !sent {
        return Ok(too_many(t));
    }
    record(
        &state,
        &need,
        &user,
        Some(profile.user_id),
        NeedContactKind::Request,
    )
    .await?;
    Ok(Redirect::to(&format!("/besoins/{slug}?etat=demande")).into_response())
}

/// The need page's notice after a contact went (`?etat=aide` or `?etat=demande`).
pub fn notice(t: Tr, etat: &str) -> Option<&'static str> {
    match etat {
        "aide" => Some(t.s("needs_match.sent_offer")),
        "demande" => Some(t.s("needs_match.sent_request")),
        _ => None,
    }
}

/// The per-day limit is reached: nothing was sent nor recorded.
fn too_many(t: Tr) -> Response {
    error_response(
        t,
        StatusCode::TOO_MANY_REQUESTS,
        "error.too_many",
        &t.f("needs_match.error_rate", CONTACTS_PER_DAY),
    )
}

/// Relays the message, in the recipient's language.
async fn send(
    state: &AppState,
    sender: &User,
    recipient: Recipient<'_>,
    t: Tr,
    kind: Kind,
    (need, title): (&Need, &str),
    message: &str,
) -> Result<bool, AppError> {
    let url = format!("{}/besoins/{}", state.config.public_url(), need.slug);
    let (subject_key, body_key, log) = match kind {
        Kind::Offer => (
            "needs_match.offer_mail_subject",
            "needs_match.offer_mail_body",
            "need offer",
        ),
        Kind::Request => (
            "needs_match.request_mail_subject",
            "needs_match.request_mail_body",
            "need request",
        ),
    };
    let subject = t.f(subject_key, title);
    // `{message}` last, so that what the sender typed is not read for the need's placeholders.
    let body = t
        .s(body_key)
        .replace("{need}", title)
        .replace("{url}", &url)
        .replace("{message}", message);
    relay(
        state,
        Relay {
            sender,
            recipient,
            subject: &subject,
            body,
            kind: log,
        },
    )
    .await
}

/// Records the contact: the need moves to « en relation » with a step in its trail.
async fn record(
    state: &AppState,
    need: &Need,
    from: &User,
    to: Option<i64>,
    kind: NeedContactKind,
) -> Result<(), AppError> {
    let after = state
        .store
        .record_need_contact(need.id, from.id, to, kind, chrono::Utc::now())
        .await?;
    // Its status is searched and shown: the index and the pages follow.
    super::index::index_one(state, &after).await;
    tracing::info!(
        need = need.id,
        from = from.id,
        kind = kind.as_str(),
        "need contact"
    );
    Ok(())
}
