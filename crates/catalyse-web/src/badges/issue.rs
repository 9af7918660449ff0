//! Issuing a credential: an `OpenBadgeCredential` for one person and one achievement, its
//! subject her hashed email (with a fresh salt) or the DID she gave, its revocation bit a
//! newly allocated slot of a status list, signed as a VC-JWT by the newest issuer key, and
//! kept as signed. At most one live credential per person and achievement: a second issue
//! answers `None` and writes nothing (the slot it allocated stays unused, its bit 0).

use catalyse_core::account::User;
use catalyse_core::badges::{did, vc, StatusSlot, Subject};
use catalyse_store::{Credential, NewCredential, StoreError, StoredAchievement};

use super::issuer::{self, issuer};
use super::keys::KeyRing;
use crate::AppState;

/// Who awards, and why (a manual award by an animator); nothing for a rule's own award.
#[derive(Debug, Clone, Default)]
pub struct Awarded<'a> {
    pub by: Option<i64>,
    pub reason: Option<&'a str>,
    /// The DID the earner wants as the credential's subject, instead of her hashed email.
    pub subject_did: Option<&'a str>,
}

/// Issues `achievement` to `user`; `None` when she already holds it (live).
pub async fn issue(
    state: &AppState,
    user: &User,
    achievement: &StoredAchievement,
    awarded: &Awarded<'_>,
) -> anyhow::Result<Option<Credential>> {
    let config = &state.config;
    let (list, index) = state.store.allocate_status_slot().await?;
    let id = uuid::Uuid::new_v4().to_string();
    let subject = match awarded.subject_did {
        Some(d) => Subject::Did(d.to_string()),
        None => Subject::Email {
            email: user.email.as_str().to_string(),
            salt: crate::tokens::random_token(),
        },
    };
    let now = chrono::Utc::now();
    let image = issuer::image_url(config, &achievement.slug);
    let activities: Vec<_> = (state.reference.metier.iter())
        .flat_map(|f| f.activities.iter().cloned())
        .collect();
    let credential = vc::credential(
        &issuer(config),
        &issuer::credential_urn(&id),
        &issuer::achievement_url(config, &achievement.slug),
        &achievement.slug,
        &achievement.fields,
        Some(&image),
        &subject,
        now,
        &StatusSlot {
            list_url: issuer::status_list_url(config, list),
            index: index as u64,
        },
        &state.reference.levers,
        &activities,
    );
    let keys = KeyRing::load_or_create(config)?;
    let key = keys.current();
    let jwt = vc::vc_jwt(key, &did::key_url(&issuer(config).did, key), &credential);
    let new = NewCredential {
        id,
        achievement_id: achievement.id,
        user_id: user.id,
        jwt,
        status_list: list,
        status_index: index,
        issued_by: awarded.by,
        reason: awarded.reason.map(str::to_string),
    };
    match state.store.insert_credential(&new, now).await {
        Ok(c) => {
            tracing::info!(
                credential = %c.id,
                achievement = %achievement.slug,
                user = user.id,
                "Open Badges: credential issued"
            );
            // The credential is kept: a mail that fails is logged, not a failed award.
            if let Err(e) = tell_earner(state, user, achievement, &c, awarded.reason).await {
                tracing::warn!(credential = %c.id, "Open Badges: earner's mail not sent: {e:#}");
            }
            Ok(Some(c))
        }
        Err(StoreError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Tells the earner, in her language, what she received and where to find it.
async fn tell_earner(
    state: &AppState,
    user: &User,
    achievement: &StoredAchievement,
    c: &Credential,
    reason: Option<&str>,
) -> anyhow::Result<()> {
    let t = crate::i18n::Tr::for_user(user);
    let name = &achievement.fields.name;
    let reason = reason
        .map(|r| t.s("badges_mail.reason").replace("{reason}", r))
        .unwrap_or_default();
    let body = t
        .s("badges_mail.body")
        .replace("{person}", &user.display_name)
        .replace("{name}", name)
        .replace("{issuer}", &issuer(&state.config).name)
        .replace("{reason}", &reason)
        .replace(
            "{mine}",
            &format!("{}/mes-badges", state.config.public_url()),
        )
        .replace("{page}", &issuer::credential_url(&state.config, &c.id));
    let subject = t.s("badges_mail.subject").replace("{name}", name);
    let mail = crate::mail::Mail {
        to: user.email.as_str(),
        subject: &subject,
        body,
        attachment: None,
    };
    state.mailer.send(&state.mail_from, mail).await
}
