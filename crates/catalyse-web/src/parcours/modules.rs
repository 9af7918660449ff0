//! The kit's modules a cohort asks its participants to follow (`/formation`): their titles,
//! and who completed which (every unit done, as the kit records it for members).

use crate::error::AppError;
use crate::state::AppState;

/// Each of `slugs` that the kit has, with its title, in the cohort's order (a module an
/// animator removed from the kit is left out, rather than linked to a missing page).
pub async fn titles(state: &AppState, slugs: &[String]) -> Result<Vec<(String, String)>, AppError> {
    if slugs.is_empty() {
        return Ok(vec![]);
    }
    let kit = state.store.formation_module_titles().await?;
    Ok(slugs
        .iter()
        .filter_map(|s| kit.iter().find(|(slug, _)| slug == s).cloned())
        .collect())
}

/// (user id, module slug) for every module of `slugs` a member of the cohort completed.
pub async fn completed(
    state: &AppState,
    cohort_id: i64,
    slugs: &[String],
) -> Result<Vec<(i64, String)>, AppError> {
    if slugs.is_empty() {
        return Ok(vec![]);
    }
    let mut done = state.store.cohort_completed_modules(cohort_id).await?;
    done.retain(|(_, m)| slugs.contains(m));
    Ok(done)
}
