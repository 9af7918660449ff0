//! Moderation decisions, for pages and any other caller: the store's decision on the
//! revision that was shown, then what follows an approval or a refusal (the photo replaced,
//! the network in memory, the mail to the member).

use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;
use catalyse_core::network::{Place, Profile};
use catalyse_core::User;
use catalyse_store::StoreError;
use chrono::Utc;

/// What a decision is about.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Member(i64),
    Place(i64),
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
    match target {
        Target::Member(id) => {
            let before = state.store.profile(id).await?.ok_or(StoreError::NotFound)?;
            match state
                .store
                .decide_profile(id, revision, approve, reason, Some(moderator.id), now)
                .await
            {
                Ok(p) => {
                    if approve {
                        // The photo of the version replaced goes, once nothing uses it.
                        crate::network::photo::release(
                            state,
                            crate::network::photo::photos_of(Some(&before)),
                        )
                        .await;
                    }
                    if let Err(e) = crate::network::live::changed(state, Some(id)).await {
                        tracing::error!(error = %format!("{e:#}"), member = id, "network not updated");
                    }
                    mail_member(state, &p, approve, reason).await;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        Target::Place(id) => {
            state.store.place(id).await?.ok_or(StoreError::NotFound)?;
            match state
                .store
                .decide_place(id, revision, approve, reason, Some(moderator.id), now)
                .await
            {
                Ok(p) => {
                    if let Err(e) = crate::network::live::changed(state, None).await {
                        tracing::error!(error = %format!("{e:#}"), place = id, "network not updated");
                    }
                    mail_place(state, &p, approve, reason).await;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// Sends a moderation mail (in the language its recipient reads).
async fn send(state: &AppState, to: &str, subject: &str, body: String) {
    if let Err(e) = state
        .mailer
        .send(
            &state.mail_from,
            Mail {
                to,
                subject,
                body,
                attachment: None,
            },
        )
        .await
    {
        tracing::error!(error = %format!("{e:#}"), "moderation mail not sent");
    }
}

async fn mail_member(state: &AppState, p: &Profile, approve: bool, reason: &str) {
    let Ok(Some(user)) = state.store.user_by_id(p.user_id).await else {
        return;
    };
    let t = Tr::for_user(&user);
    let base = state.config.public_url();
    let (subject, body, link) = if approve {
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
    let body = t
        .s(body)
        .replace("{name}", &user.display_name)
        .replace("{reason}", reason)
        .replace("{link}", &link);
    send(state, user.email.as_str(), t.s(subject), body).await;
}

async fn mail_place(state: &AppState, p: &Place, approve: bool, reason: &str) {
    let Some(creator) = p.created_by else {
        return;
    };
    let Ok(Some(user)) = state.store.user_by_id(creator).await else {
        return;
    };
    let t = Tr::for_user(&user);
    let base = state.config.public_url();
    let name = p
        .current()
        .map(|f| f.name.clone())
        .unwrap_or_else(|| p.slug.clone());
    let (subject, body, link) = if approve {
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
    let body = t
        .s(body)
        .replace("{name}", &user.display_name)
        .replace("{place}", &name)
        .replace("{reason}", reason)
        .replace("{link}", &link);
    send(state, user.email.as_str(), t.s(subject), body).await;
}
