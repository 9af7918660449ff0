//! The draft needs a webinar registration leaves (« Quel est votre besoin ? »): how long an
//! answer may be, the link that lets its author complete it into a need
//! (`/besoins/nouveau?brouillon=ID&jeton=T`), and who may read one — its author signed in, or
//! whoever holds the link's token from her mail or her registration's page; no one else.

use super::form::Typed;
use crate::state::AppState;
use catalyse_core::User;
use catalyse_store::{NeedDraft, StoreError};
use serde::Deserialize;

/// The longest answer to « Quel est votre besoin ? », in characters.
pub const MAX_ANSWER_CHARS: usize = 1000;

/// A registrant's answer, trimmed: `None` when empty (nothing is kept); its length in
/// characters when too long.
pub fn answer(text: &str) -> Result<Option<String>, usize> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    let n = text.chars().count();
    if n > MAX_ANSWER_CHARS {
        return Err(n);
    }
    Ok((!text.is_empty()).then(|| text.to_string()))
}

fn message(draft: &NeedDraft) -> String {
    format!("need-draft:{}:{}", draft.id, draft.email.to_lowercase())
}

/// The token of the link to a draft, for its author only.
pub fn token(state: &AppState, draft: &NeedDraft) -> String {
    crate::tokens::sign(&state.link_secret, &message(draft))
}

/// The path of the form that completes the draft (the link mails and pages give).
pub fn path(state: &AppState, draft: &NeedDraft) -> String {
    format!(
        "/besoins/nouveau?brouillon={}&jeton={}",
        draft.id,
        token(state, draft)
    )
}

/// The draft `id` if `user` wrote it or `token` is its link's, and it has not become a need
/// yet; `None` otherwise (an unknown draft and someone else's look the same).
pub async fn readable(
    state: &AppState,
    id: i64,
    token: &str,
    user: Option<&User>,
) -> Result<Option<NeedDraft>, StoreError> {
    let Some(draft) = state.store.need_draft(id).await? else {
        return Ok(None);
    };
    let hers = user.is_some_and(|u| draft.user_id == Some(u.id));
    let holds_link = crate::tokens::signed(&state.link_secret, &message(&draft), token);
    Ok((draft.used_at.is_none() && (hers || holds_link)).then_some(draft))
}

/// `/besoins/nouveau?brouillon=ID&jeton=T`: the draft to complete.
#[derive(Deserialize, Default)]
pub struct DraftQuery {
    #[serde(default)]
    pub brouillon: Option<String>,
    #[serde(default)]
    pub jeton: String,
    /// An autodiagnostic's result link's token (« transformer en besoin »).
    #[serde(default)]
    pub diagnostic: Option<String>,
}

/// The draft the form names (its link's `brouillon` and `jeton`, kept as hidden fields), if
/// `user` or the token may read it and it is still a draft.
pub async fn of_form(
    state: &AppState,
    user: Option<&User>,
    (id, token): (&str, &str),
) -> Result<Option<NeedDraft>, StoreError> {
    match id.trim().parse::<i64>() {
        Ok(id) => readable(state, id, token, user).await,
        Err(_) => Ok(None),
    }
}

/// Fills the new need's form from the draft the link names: its text as the description, the
/// territory typed at registration, a visitor's address; the draft's id and token ride along
/// as hidden fields. False when the link names no draft its holder may read.
pub async fn fill(
    state: &AppState,
    user: Option<&User>,
    q: &DraftQuery,
    d: &mut Typed,
) -> Result<bool, StoreError> {
    let id = q.brouillon.as_deref().unwrap_or_default();
    let Some(draft) = of_form(state, user, (id, &q.jeton)).await? else {
        return Ok(false);
    };
    d.description = draft.text.clone();
    if let Some(event) = draft.event_id {
        let link = crate::tokens::registration_link(&state.link_secret, event, &draft.email);
        let hash = crate::tokens::token_hash(&link);
        if let Some(r) = state.store.registration_by_token(&hash).await? {
            d.territory = r.territory;
        }
    }
    if user.is_none() {
        d.email = draft.email.clone();
    }
    d.draft = draft.id.to_string();
    d.draft_token = token(state, &draft);
    Ok(true)
}

/// Marks the draft a submitted need completes as used: it is no longer offered.
pub async fn used(state: &AppState, draft: Option<&NeedDraft>) -> Result<(), StoreError> {
    if let Some(d) = draft {
        state.store.use_need_draft(d.id, chrono::Utc::now()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_trimmed_optional_and_limited() {
        assert_eq!(answer("  \r\n "), Ok(None));
        assert_eq!(
            answer(" Un minibus\r\npour le marché "),
            Ok(Some("Un minibus\npour le marché".into()))
        );
        assert!(answer(&"é".repeat(MAX_ANSWER_CHARS)).is_ok());
        assert_eq!(answer(&"é".repeat(MAX_ANSWER_CHARS + 1)), Err(1001));
    }
}
