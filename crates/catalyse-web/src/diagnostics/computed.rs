//! The observatory's datasets of autodiagnostics: per questionnaire that feeds it, the
//! dataset of `catalyse_core::diagnostics::aggregate` (no territory under 10 respondents),
//! from the store's tallies. Read by the observatory's snapshot (`state`).

use catalyse_core::diagnostics::aggregate;
use catalyse_core::observatory::DatasetValues;
use catalyse_core::{Lever, TerritoryIndex};
use catalyse_store::{Store, StoreResult};

use super::Diagnostics;

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
