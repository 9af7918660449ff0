//! The demo's badges, all « données d'exemple »: some participants of the example pilot
//! followed modules of the kit (their progress is generated: [`load_demo`]); then, once the
//! platform runs, the rules award every example account what it earned, and the example
//! animator attests a métier activity of two participants ([`award_demo`]). Only example
//! accounts receive them, and the pages that show a credential of an example account say
//! so.

use catalyse_core::badges::RuleKind;
use catalyse_core::parcours::CohortRole;
use catalyse_core::Role;
use catalyse_store::{Store, UserSearch};
use chrono::{TimeZone, Utc};

use super::issue::{issue, Awarded};
use crate::parcours::examples::PILOT;
use crate::state::AppState;

/// The settings key set once the example progress is loaded.
const FACTS_DONE: &str = "demo_badges_facts_loaded";
/// The settings key set once the example accounts were awarded what they earned.
const AWARDS_DONE: &str = "demo_badges_awarded";

/// How many of the pilot's participants follow the kit in the demo.
const LEARNERS: usize = 9;

/// The example reason of an animator's attestation.
const ATTESTATION: &str = "Attestation d'exemple : a animé un tour de table des partenaires de \
                           son territoire pendant le parcours pilote (données d'exemple).";

/// Loads the example progress in the kit once (after the pilot): of the pilot's first
/// participants, one in three completes « Les 7 leviers » (its replays cover every lever),
/// one in three « Le métier de catalyseur territorial », the others the first units of the
/// first.
pub async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    if store.setting(FACTS_DONE).await?.is_some() {
        return Ok(());
    }
    let Some(cohort) = store.cohort(PILOT).await? else {
        return Ok(());
    };
    let people: Vec<i64> = (store.enrolments(cohort.id).await?.into_iter())
        .filter(|e| e.role == CohortRole::Participant)
        .map(|e| e.user_id)
        .take(LEARNERS)
        .collect();
    let when = Utc
        .with_ymd_and_hms(2019, 3, 20, 17, 0, 0)
        .single()
        .unwrap_or_default();
    let mut done = 0;
    for (i, user) in people.iter().enumerate() {
        let (module, units) = match i % 3 {
            0 => ("sept-leviers", usize::MAX),
            1 => ("metier-catalyseur", usize::MAX),
            _ => ("sept-leviers", 6),
        };
        let Some(m) = store.formation_module(module).await? else {
            continue;
        };
        for u in m.module.units.iter().take(units) {
            store
                .complete_formation_unit(*user, module, &u.key, None, when)
                .await?;
            done += 1;
        }
    }
    store
        .set_setting(FACTS_DONE, &Utc::now().to_rfc3339())
        .await?;
    tracing::info!(
        units = done,
        "example progress in the kit loaded (données d'exemple)"
    );
    Ok(())
}

/// Once, on a demo: the rules run for every example account, and the example animator
/// attests a métier activity of the pilot's first two participants.
pub async fn award_demo(state: &AppState) -> anyhow::Result<()> {
    let store = &state.store;
    if store.setting(AWARDS_DONE).await?.is_some() {
        return Ok(());
    }
    let mut examples = Vec::new();
    let mut page = 1;
    loop {
        let p = store.list_users(page, 500).await?;
        examples.extend(p.items.iter().filter(|u| u.is_example).map(|u| u.id));
        if page >= p.pages() {
            break;
        }
        page += 1;
    }
    let mut issued = 0;
    for user in &examples {
        issued += super::rules::check(state, *user).await?.len();
    }
    let animator = store
        .search_users(
            &UserSearch {
                text: String::new(),
                role: Some(Role::Moderator),
            },
            1,
            5,
        )
        .await?
        .items
        .into_iter()
        .find(|u| u.is_example);
    let pilot = match store.cohort(PILOT).await? {
        Some(c) => (store.enrolments(c.id).await?.into_iter())
            .filter(|e| e.role == CohortRole::Participant)
            .map(|e| e.user_id)
            .take(2)
            .collect(),
        None => Vec::new(),
    };
    let activities: Vec<_> = (store.achievements(false).await?.into_iter())
        .filter(|a| a.fields.rule.kind == RuleKind::Activity)
        .collect();
    if let Some(animator) = animator {
        for (user, achievement) in pilot.iter().zip(activities.iter().step_by(5)) {
            let Some(user) = store.user_by_id(*user).await?.filter(|u| u.is_example) else {
                continue;
            };
            let awarded = Awarded {
                by: Some(animator.id),
                reason: Some(ATTESTATION),
                subject_did: None,
            };
            if issue(state, &user, achievement, &awarded).await?.is_some() {
                issued += 1;
            }
        }
    }
    store
        .set_setting(AWARDS_DONE, &Utc::now().to_rfc3339())
        .await?;
    tracing::info!(issued, "example badges issued (données d'exemple)");
    Ok(())
}
