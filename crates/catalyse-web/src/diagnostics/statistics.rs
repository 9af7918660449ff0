//! The anonymous statistics of autodiagnostics: a result shared with its respondent's
//! consent is counted (questionnaire, département, weak levers, month: nothing else), and
//! the observatory then shows it (`computed`).

use catalyse_core::diagnostics::token::Draft;
use catalyse_core::diagnostics::{Answers, Questionnaire};
use catalyse_store::NewContribution;

use crate::error::AppError;
use crate::state::AppState;

/// Counts a finished result in the statistics (once per response, however often sent), then
/// brings the observatory up to date.
pub async fn share(
    state: &AppState,
    q: &Questionnaire,
    d: &Draft,
    answers: &Answers,
) -> Result<(), AppError> {
    let Some(department) = d.department.clone().filter(|_| q.observatory) else {
        return Ok(());
    };
    let weak_levers = (q.scores(answers, &state.reference.levers).into_iter())
        .filter(|s| s.weak)
        .map(|s| s.lever)
        .collect();
    let c = NewContribution {
        questionnaire: q.slug.clone(),
        response_hash: d.hash(),
        department,
        weak_levers,
        is_example: false,
    };
    if state
        .store
        .contribute_diagnostics(&[c], chrono::Utc::now())
        .await?
        > 0
    {
        if let Err(e) = state.refresh_observatory().await {
            tracing::warn!(error = %e, "observatory not refreshed after a shared diagnostic");
        }
    }
    Ok(())
}
