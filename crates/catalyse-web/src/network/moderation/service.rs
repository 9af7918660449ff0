//! Moderation decisions, for pages and any other caller: the store's decision on the
//! revision that was shown, then what follows an approval or a refusal (the photo replaced,
//! the network in memory, the mail to the member).

use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;
use catalyse_core::cases::Case;
use catalyse_core::needs::Need;
use catalyse_core::network::{Place, Profile, Subject};
use catalyse_core::User;
use catalyse_store::StoreError;
use chrono::Utc;

/// What a decision is about.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Member(i64),
    Place(i64),
    Case(i64),
    Need(i64),
}

impl Target {
    pub fn subject(self) -> (Subject, i64) {
        match self {
            Target::Member(id) => (Subject::Member, id),
            Target::Place(id) => (Subject::Place, id),
            Target::Case(id) => (Subject::Case, id),
            Target::Need(id) => (Subject::Need, id),
        }
    }
}

/// Approves or refuses `revision` of `target`. A revision that is no longer the one under
/// review is refused by the store (`StoreError::Conflict` on `revision`); nothing is sent then.
pub async fn decide(
    state: &AppState,
    moderator: &User,
    target: Target,
    revision: i64,
    approve: bool,
    reason: &str,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let by = Some(moderator.id);
    match target {
        Target::Member(id) => {
            let before = state.store.profile(id).await?.ok_or(StoreError::NotFound)?;
            let p = state
                .store
                .decide_profile(id, revision, approve, reason, by, now)
                .await?;
            if approve {
                // The photo of the version replaced goes, once nothing uses it.
                let photos = crate::network::photo::photos_of(Some(&before));
                crate::network::photo::release(state, photos).await;
            }
            if let Err(e) = crate::network::live::changed(state, Some(id)).await {
                tracing::error!(error = %format!("{e:#}"), member = id, "network not updated");
            }
            mail_member(state, &p, approve, reason).await;
        }
        Target::Place(id) => {
            state.store.place(id).await?.ok_or(StoreError::NotFound)?;
            let p = state
                .store
                .decide_place(id, revision, approve, reason, by, now)
                .await?;
            if let Err(e) = crate::network::live::changed(state, None).await {
                tracing::error!(error = %format!("{e:#}"), place = id, "network not updated");
            }
            mail_place(state, &p, approve, reason).await;
        }
        Target::Case(id) => {
            let before = state.store.case(id).await?.ok_or(StoreError::NotFound)?;
            let c = state
                .store
                .decide_case(id, revision, approve, reason, by, now)
                .await?;
            if approve {
                // The images of the version replaced go, once nothing uses them.
                let images = crate::cases::status::images_of(Some(&before));
                crate::network::photo::release(state, images).await;
            }
            crate::cases::index::index_one(state, &c).await;
            mail_case(state, &c, approve, reason).await;
        }
        Target::Need(id) => {
            let n = state
                .store
                .decide_need(id, revision, approve, reason, by, now)
                .await?;
            crate::needs::index::index_one(state, &n).await;
            mail_need(state, &n, approve, reason).await;
        }
    }
    Ok(())
}

/// Tells `author` what became of her version, in the language she reads: `letter` is the
/// keys of the mail's subject and body and the page it links to; `place` the name of what
/// was decided on (a place, a case, a need). A mail not sent is logged.
async fn tell(
    state: &AppState,
    author: Option<i64>,
    letter: (&str, &str, String),
    place: Option<&str>,
    reason: &str,
) {
    let Some(author) = author else {
        return;
    };
    let Ok(Some(user)) = state.store.user_by_id(author).await else {
        return;
    };
    let to = (user.email.as_str(), Some(user.display_name.as_str()));
    send(state, Tr::for_user(&user), to, letter, place, reason).await;
}

/// Sends a decision's mail to `to` (an address, and the name the mail greets, if known).
async fn send(
    state: &AppState,
    t: Tr,
    (to, name): (&str, Option<&str>),
    (subject, body, link): (&str, &str, String),
    place: Option<&str>,
    reason: &str,
) {
    let mut body = match name {
        Some(name) => t.s(body).replace("{name}", name),
        // « Bonjour {name}, » becomes « Bonjour, ».
        None => t.s(body).replace(" {name}", ""),
    };
    if let Some(place) = place {
        body = body.replace("{place}", place);
    }
    let body = body.replace("{reason}", reason).replace("{link}", &link);
    let mail = Mail {
        to,
        subject: t.s(subject),
        body,
        attachment: None,
    };
    if let Err(e) = state.mailer.send(&state.mail_from, mail).await {
        tracing::error!(error = %format!("{e:#}"), "moderation mail not sent");
    }
}

async fn mail_member(state: &AppState, p: &Profile, approve: bool, reason: &str) {
    let base = state.config.public_url();
    let letter = if approve {
        (
            "moderation.mail_profile_ok_subject",
            "moderation.mail_profile_ok",
            format!("{base}/reseau/{}", p.slug),
        )
    } else {
        (
            "moderation.mail_profile_no_subject",
            "moderation.mail_profile_no",
            format!("{base}/mon-profil"),
        )
    };
    tell(state, Some(p.user_id), letter, None, reason).await;
}

async fn mail_place(state: &AppState, p: &Place, approve: bool, reason: &str) {
    let base = state.config.public_url();
    let name = p.moderated.current().map_or(p.slug.as_str(), |f| &f.name);
    let letter = if approve {
        (
            "moderation.mail_place_ok_subject",
            "moderation.mail_place_ok",
            format!("{base}/lieux/{}", p.slug),
        )
    } else {
        (
            "moderation.mail_place_no_subject",
            "moderation.mail_place_no",
            format!("{base}/lieux/{}/modifier", p.slug),
        )
    };
    tell(state, p.created_by, letter, Some(name), reason).await;
}

async fn mail_case(state: &AppState, c: &Case, approve: bool, reason: &str) {
    let base = state.config.public_url();
    let title = c.moderated.current().map_or(c.slug.as_str(), |f| &f.title);
    let letter = if approve {
        (
            "cases_form.mail_ok_subject",
            "cases_form.mail_ok",
            format!("{base}/pratiques/{}", c.slug),
        )
    } else {
        (
            "cases_form.mail_no_subject",
            "cases_form.mail_no",
            format!("{base}/pratiques/{}/modifier", c.slug),
        )
    };
    tell(state, c.created_by, letter, Some(title), reason).await;
}

/// Tells the author of a need what became of it: a member in her language, a visitor at the
/// address she confirmed, in French (she has no account to edit it from: a refusal invites
/// her to express it again).
async fn mail_need(state: &AppState, n: &Need, approve: bool, reason: &str) {
    let base = state.config.public_url();
    let title = n.moderated.current().map_or(n.slug.as_str(), |f| &f.title);
    let letter = if approve {
        (
            "needs_form.mail_ok_subject",
            "needs_form.mail_ok",
            format!("{base}/besoins/{}", n.slug),
        )
    } else {
        let again = match n.author_id {
            Some(_) => format!("{base}/besoins/{}/modifier", n.slug),
            None => format!("{base}/besoins/nouveau"),
        };
        ("needs_form.mail_no_subject", "needs_form.mail_no", again)
    };
    match (n.author_id, &n.author_email) {
        (Some(_), _) => tell(state, n.author_id, letter, Some(title), reason).await,
        (None, Some(email)) => {
            let t = Tr::new(crate::i18n::Lang::Fr);
            send(state, t, (email, None), letter, Some(title), reason).await
        }
        (None, None) => {}
    }
}
