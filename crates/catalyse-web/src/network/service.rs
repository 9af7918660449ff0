//! The network's workflows that are more than one write, for pages and any other caller.

use crate::error::AppError;
use crate::state::AppState;
use catalyse_core::network::{Profile, ProfileFields, Visibility};
use chrono::Utc;

/// Submits a member's profile for review: `photo` is the photo the version keeps (the
/// current one, or none), `new_photo` a normalised JPEG to store instead. Only a valid form
/// comes here, so only it stores a photo; if the store refuses the version, the photo just
/// stored goes too. The photos of the versions replaced go once nothing uses them, and the
/// network in memory follows when what others see changed.
#[allow(clippy::too_many_arguments)]
pub async fn submit_profile(
    state: &AppState,
    user_id: i64,
    before: Option<&Profile>,
    mut fields: ProfileFields,
    photo: Option<String>,
    new_photo: Option<Vec<u8>>,
    visibility: Visibility,
    consent: bool,
) -> Result<Profile, AppError> {
    let mut photo = photo;
    let mut stored = None;
    if let Some(jpeg) = new_photo {
        let sha = state
            .files
            .put(jpeg.into())
            .await
            .map_err(AppError::Internal)?;
        stored = Some(sha.clone());
        photo = Some(sha);
    }
    fields.photo = photo;
    let now = Utc::now();
    let consent_at = if consent {
        before.and_then(|p| p.consent_at).or(Some(now))
    } else {
        None
    };
    let after = match state
        .store
        .submit_profile(user_id, &fields, visibility, consent_at, now)
        .await
    {
        Ok(after) => after,
        Err(e) => {
            // Nothing was written: the photo just stored goes too (unless in use).
            super::photo::release(state, stored).await;
            return Err(e.into());
        }
    };
    // The photos of the versions replaced (the previous draft's, say) go once no version
    // of any profile uses them: the published one stays until a new version is approved.
    super::photo::release(state, super::photo::photos_of(before)).await;
    let seen_before = before.map(|p| (p.is_public(), p.is_listed_for_members()));
    if seen_before != Some((after.is_public(), after.is_listed_for_members())) {
        super::live::changed(state, Some(user_id))
            .await
            .map_err(AppError::Internal)?;
    }
    if after.moderated.is_pending() {
        let name = after
            .moderated
            .draft
            .as_ref()
            .map(|f| f.display_name.clone())
            .unwrap_or_default();
        super::moderation::alerts::submitted(
            state,
            super::moderation::alerts::Waiting::Profile { name },
            Some(user_id),
        );
    }
    tracing::info!(
        user = user_id,
        revision = after.moderated.revision,
        "profile submitted"
    );
    Ok(after)
}

/// Whether the member may be suggested to the authors of needs: saved at once, and the
/// suggestions' pool rebuilt with the network (on every instance) so that it holds at once.
pub async fn set_suggestible(
    state: &AppState,
    user_id: i64,
    suggestible: bool,
) -> Result<(), AppError> {
    state.store.set_suggestible(user_id, suggestible).await?;
    super::live::changed(state, None)
        .await
        .map_err(AppError::Internal)?;
    tracing::info!(user = user_id, suggestible, "suggestions opt-out changed");
    Ok(())
}
