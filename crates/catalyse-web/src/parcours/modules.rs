//! The kit's modules a cohort asks its participants to follow (`/formation`): their titles,
//! and who completed which.
// TODO(lead): wired to the formation area when it lands (same session).

use crate::error::AppError;
use crate::state::AppState;

/// Each of `slugs` with its title.
pub async fn titles(
    _state: &AppState,
    slugs: &[String],
) -> Result<Vec<(String, String)>, AppError> {
    Ok(slugs.iter().map(|s| (s.clone(), s.clone())).collect())
}

/// (user id, module slug) for every module of `slugs` each of `users` completed.
pub async fn completed(
    _state: &AppState,
    _users: &[i64],
    _slugs: &[String],
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(vec![])
}
