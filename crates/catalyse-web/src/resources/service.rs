//! Publishing resources, for the administrators' pages and any other caller: each write
//! goes to the store, then to the search index (searchable when the call returns); a file that
//! no resource uses any more is deleted.

use super::index::index_one;
use crate::state::AppState;
use catalyse_core::resource::{Resource, ResourceFields, ResourceState, StoredFile};
use catalyse_store::{FileChange, StoreError};
use chrono::Utc;

/// Creates a resource (a draft, or published at once) with its file, already stored; if the
/// store refuses it, the file goes unless another resource uses it.
pub async fn create(
    state: &AppState,
    fields: &ResourceFields,
    wanted: ResourceState,
    file: Option<&StoredFile>,
    by: i64,
) -> Result<Resource, StoreError> {
    match state
        .store
        .create_resource(fields, wanted, file, Some(by), Utc::now())
        .await
    {
        Ok(r) => {
            index_one(state, &r).await;
            Ok(r)
        }
        Err(e) => {
            forget_file(state, file).await;
            Err(e)
        }
    }
}

/// Saves a new version of `before`; the file it replaced or removed goes, and so does the new
/// file if the store refuses the version.
pub async fn update(
    state: &AppState,
    before: &Resource,
    fields: &ResourceFields,
    change: &FileChange,
    new_file: Option<&StoredFile>,
    by: i64,
) -> Result<Resource, StoreError> {
    match state
        .store
        .update_resource(before.id, fields, change, Some(by), Utc::now())
        .await
    {
        Ok(r) => {
            if r.file != before.file {
                forget_file(state, before.file.as_ref()).await;
            }
            index_one(state, &r).await;
            Ok(r)
        }
        Err(e) => {
            forget_file(state, new_file).await;
            Err(e)
        }
    }
}

/// Publishes, archives or returns a resource to draft; the index follows.
pub async fn set_state(
    state: &AppState,
    id: i64,
    wanted: ResourceState,
    by: i64,
) -> Result<Resource, StoreError> {
    let r = state
        .store
        .set_resource_state(id, wanted, Some(by), Utc::now())
        .await?;
    index_one(state, &r).await;
    Ok(r)
}

/// A file that no resource refers to any more is deleted.
async fn forget_file(state: &AppState, file: Option<&StoredFile>) {
    if let Some(f) = file {
        if let Ok(false) = state.store.file_in_use(&f.sha256).await {
            if let Err(e) = state.files.delete(&f.sha256).await {
                tracing::warn!(error = %e, file = %f.sha256, "orphan file not deleted");
            }
        }
    }
}
