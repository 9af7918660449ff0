//! The draft needs a webinar registration leaves (« Quel est votre besoin ? »): how long an
//! answer may be, the link that lets its author complete it into a need
//! (`/besoins/nouveau?brouillon=ID&jeton=T`), and who may read one — its author signed in, or
//! whoever holds the link's token from her mail or her registration's page; no one else.

use crate::state::AppState;
use catalyse_core::User;
use catalyse_store::{NeedDraft, StoreError};

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
    crate::tokens::signed(&state.link_secret, &message(draft))
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
    let holds_link = crate::tokens::signed_valid(&state.link_secret, &message(&draft), token);
    Ok((draft.used_at.is_none() && (hers || holds_link)).then_some(draft))
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
