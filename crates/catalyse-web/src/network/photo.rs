//! What profile photos leave behind in the file store. Turning an upload into a photo (decoding,
//! cropping, re-encoding) is `catalyse_formats::profile_photo`.

/// Deletes from the file store those of `photos` that nothing refers to any more: no version
/// of any profile (published, or under review: a draft may still show the published photo)
/// and no document of the resource centre, which share the store. Called after the write
/// that let go of them (a new version, an approval, a removal, an account deleted), so that
/// what the RGPD asks to forget is forgotten. The write is done by then: a failure here is
/// logged, never shown to the person (the file is only left behind).
pub async fn release(state: &crate::state::AppState, photos: impl IntoIterator<Item = String>) {
    let mut seen = std::collections::HashSet::new();
    for sha in photos {
        if !seen.insert(sha.clone()) {
            continue;
        }
        match state.store.file_in_use(&sha).await {
            Ok(true) => {}
            Ok(false) => match state.files.delete(&sha).await {
                Ok(()) => tracing::info!(photo = %sha, "unused profile photo deleted"),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), photo = %sha, "unused profile photo not deleted")
                }
            },
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), photo = %sha, "unused profile photo not checked")
            }
        }
    }
}

/// Every photo of a profile: its published version's and its draft's.
pub fn photos_of(profile: Option<&catalyse_core::network::Profile>) -> Vec<String> {
    profile
        .into_iter()
        .flat_map(|p| p.moderated.versions())
        .filter_map(|f| f.photo.clone())
        .collect()
}
