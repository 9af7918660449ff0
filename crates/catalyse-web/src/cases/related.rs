//! Cases shown elsewhere on the platform (a territory's portrait, a lever's page, a member's
//! page, the Atom feed): a query on the case index, then those cases read by id, so that a
//! page never loads every case.

use crate::error::AppError;
use crate::state::AppState;
use catalyse_core::cases::Case;
use catalyse_search::cases::CaseQuery;

/// The public cases the index finds for `q` (its first page), as the store has them, in
/// the index's order: what a page lists without loading every case.
pub async fn found(state: &AppState, q: CaseQuery) -> Result<(Vec<Case>, usize), AppError> {
    let index = state.cases.clone();
    let found = tokio::task::spawn_blocking(move || index.search(&q))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let cases = state.store.cases_by_ids(&ids).await?;
    // The index may lag a write by a moment: only what is public now.
    let cases = cases.into_iter().filter(Case::is_public).collect();
    Ok((cases, found.total))
}
