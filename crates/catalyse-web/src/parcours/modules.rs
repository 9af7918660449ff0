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
    let kit = state.store.formation_modules().await?;
    Ok(slugs
        .iter()
        .filter_map(|s| {
            kit.iter()
                .find(|m| &m.module.slug == s)
                .map(|m| (s.clone(), m.module.title.clone()))
        })
        .collect())
}

/// (user id, module slug) for every module of `slugs` each of `users` completed.
pub async fn completed(
    state: &AppState,
    users: &[i64],
    slugs: &[String],
) -> Result<Vec<(i64, String)>, AppError> {
    let mut out = Vec::new();
    if slugs.is_empty() {
        return Ok(out);
    }
    for user in users {
        for m in state.store.completed_formation_modules(*user).await? {
            if slugs.contains(&m.slug) {
                out.push((*user, m.slug));
            }
        }
    }
    Ok(out)
}
