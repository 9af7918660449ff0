//! The demo's shared results (« données d'exemple »), so that the observatory's dataset and
//! maps have something to show: for each questionnaire that feeds it, respondents in a
//! fixed set of départements, their weak levers drawn by a fixed rule (the same every
//! time), each marked as example data. Real results count beside them.

use catalyse_core::diagnostics::Questionnaire;
use catalyse_core::Lever;
use catalyse_store::{NewContribution, Store};

/// Départements with example respondents, and how many.
const PLACES: [(&str, u32); 12] = [
    ("01", 14),
    ("07", 11),
    ("13", 18),
    ("21", 12),
    ("29", 16),
    ("35", 13),
    ("42", 22),
    ("44", 15),
    ("59", 19),
    ("69", 24),
    ("87", 10),
    ("974", 12),
];

/// Adds the example results (idempotent: each has a fixed response id).
pub async fn load(
    store: &dyn Store,
    questionnaires: &[Questionnaire],
    levers: &[Lever],
) -> anyhow::Result<u64> {
    let mut all = vec![];
    for q in questionnaires.iter().filter(|q| q.observatory) {
        let scored = q.levers(levers);
        for (d, (department, n)) in PLACES.iter().enumerate() {
            for i in 0..*n {
                // A fixed spread: lever k is weak for some respondents, more often for the
                // levers of the middle of the list.
                let weak_levers = (scored.iter().enumerate())
                    .filter(|(k, _)| (i as usize * 7 + d * 3 + k * 5).is_multiple_of(3 + k % 3))
                    .map(|(_, l)| l.slug.clone())
                    .collect();
                all.push(NewContribution {
                    questionnaire: q.slug.clone(),
                    response_hash: format!("exemple-{}-{department}-{i}", q.slug),
                    department: department.to_string(),
                    weak_levers,
                    is_example: true,
                });
            }
        }
    }
    Ok(store
        .contribute_diagnostics(&all, chrono::Utc::now())
        .await?)
}
