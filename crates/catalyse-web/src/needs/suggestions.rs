//! Seam for the suggestions of a need (written by the needs-match branch, which replaces this
//! file): what the need's page shows under « Qui pourrait aider ? ».

use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;
use catalyse_core::needs::Need;

/// The suggestions shown on a need's page.
pub struct Shown;

/// The suggestions of `need` as `ctx`'s viewer may see them.
pub async fn for_need(_state: &AppState, _ctx: &PageCtx, _need: &Need) -> Result<Shown, AppError> {
    Ok(Shown)
}
