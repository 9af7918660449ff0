//! Moderation decisions, for pages and any other caller: the store's decision on the
//! revision that was shown, then what follows an approval or a refusal (the photo replaced,
//! the network in memory, the mail to the member).

use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;
use catalyse_core::cases::Case;
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
}

impl Target {
    pub fn subject(self) -> (Subject, i64) {
        match self {
            Target::Member(id) => (Subject::Member, id),
            Target::Place(id) => (Subject::Place, id),
            Target::Case(id) => (Subject::Case, id),
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
    }
    Ok(())
}

/// Tells `author` what became of her version, in the language she reads: `letter` is the keys of the mail's subject and body and the
/// page it links to; `place` the place's name, for a place. A mail not sent is logged.
async fn tell(
    state: &AppState,
    author: Option<i64>,
    (subject, body, link): (&str, &str, String),
    place: Option<&str>,
    reason: &str,
) {
    let Some(author) = author else {
        return;
    };
    let Ok(Some(user)) = state.store.user_by_id(author).await else {
        return;
    };
    let t = Tr::for_user(&user);
    let mut body = t.s(body).replace("{name}", &user.display_name);
    if let Some(place) = place {
        body = body.replace("{place}", place);
    }
    let body = body.replace("{reason}", reason).replace("{link}", &link);
    let mail = Mail {
        to: user.email.as_str(),
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
