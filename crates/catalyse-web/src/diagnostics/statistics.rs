//! The anonymous statistics of autodiagnostics: a result shared with its respondent's
//! consent is counted (questionnaire, département, weak levers, month: nothing else), and
//! the observatory shows, per questionnaire that feeds it, the dataset of
//! `catalyse_core::diagnostics::aggregate` (no territory under 10 respondents).

use catalyse_core::diagnostics::aggregate;
use catalyse_core::diagnostics::token::Draft;
use catalyse_core::diagnostics::{Answers, Questionnaire};
use catalyse_core::observatory::DatasetValues;
use catalyse_core::{Lever, TerritoryIndex};
use catalyse_store::{NewContribution, Store, StoreResult};

use super::Diagnostics;
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

/// The dataset of every questionnaire that feeds the observatory, from the store's tallies.
pub async fn datasets(
    store: &dyn Store,
    diagnostics: &Diagnostics,
    levers: &[Lever],
    territories: &TerritoryIndex,
    year: i32,
) -> StoreResult<Vec<DatasetValues>> {
    let tallies = store.diagnostic_tallies().await?;
    let now = chrono::Utc::now();
    Ok((diagnostics.all.iter())
        .filter(|q| q.observatory)
        .map(|q| {
            let mine = (tallies.iter())
                .filter(|t| t.questionnaire == q.slug)
                .map(|t| {
                    (
                        t.department.as_str(),
                        &t.weak_levers[..],
                        t.count,
                        t.examples,
                    )
                });
            aggregate::dataset(q, levers, mine, territories, year, now)
        })
        .collect())
}
