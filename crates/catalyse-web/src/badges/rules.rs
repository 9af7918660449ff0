//! The automatic awards: what a person did (the levers of the webinars she attended or
//! watched, the kit's modules she completed, the cohorts she completed) read from the
//! store, and every automatic achievement whose rule it meets issued to her — once: an
//! achievement she ever held (revoked ones too) is never issued again by a rule.
//!
//! [`check`] is called where those facts change — attendance marked (events, parcours), a
//! unit of the kit completed, a deliverable handed in or recorded — through [`after`],
//! which logs a failure instead of failing the person's action.

use std::collections::BTreeSet;

use catalyse_core::badges::Facts;
use catalyse_core::parcours::{CohortRole, Progress};
use catalyse_store::{Credential, ModuleProgress};
use chrono::Utc;

use super::issue::{issue, Awarded};
use crate::parcours::service::Board;
use crate::state::AppState;

/// One of her cohorts, with her progress in it.
pub struct CohortProgress {
    pub slug: String,
    pub title: String,
    pub progress: Progress,
}

/// What rules read of a person, with the detail « what is missing » shows.
pub struct Situation {
    pub facts: Facts,
    /// Her progress in every module of the kit, in the kit's order.
    pub modules: Vec<ModuleProgress>,
    /// The cohorts she is a participant of.
    pub cohorts: Vec<CohortProgress>,
}

/// Reads what the person did.
pub async fn situation(state: &AppState, user_id: i64) -> anyhow::Result<Situation> {
    let store = &state.store;
    let levers: BTreeSet<String> = store
        .lever_webinars_of(user_id)
        .await?
        .into_iter()
        .collect();
    let modules: BTreeSet<String> = (store.completed_formation_modules(user_id).await?)
        .into_iter()
        .map(|m| m.slug)
        .collect();
    let now = Utc::now();
    let mut cohorts = Vec::new();
    for (cohort, me) in store.member_cohorts(user_id).await? {
        if me.role != CohortRole::Participant {
            continue;
        }
        let board = Board::read(state, cohort).await?;
        let progress = board.progress_of(&me, now).progress;
        cohorts.push(CohortProgress {
            slug: board.cohort.fields.slug.clone(),
            title: board.cohort.fields.title.clone(),
            progress,
        });
    }
    let facts = Facts {
        levers,
        modules,
        cohorts: (cohorts.iter())
            .filter(|c| c.progress.complete())
            .map(|c| c.slug.clone())
            .collect(),
    };
    Ok(Situation {
        facts,
        modules: crate::formation::progress_of(state, user_id).await?,
        cohorts,
    })
}

/// The slugs of every lever of the frame, in order.
pub fn all_levers(state: &AppState) -> Vec<String> {
    (state.reference.levers.iter())
        .map(|l| l.slug.clone())
        .collect()
}

/// Issues to the person every automatic achievement (not archived) whose rule she meets
/// and that she never held; returns what it issued (nothing the second time).
pub async fn check(state: &AppState, user_id: i64) -> anyhow::Result<Vec<Credential>> {
    let Some(user) = state.store.user_by_id(user_id).await? else {
        return Ok(Vec::new());
    };
    let achievements = state.store.achievements(false).await?;
    if !achievements.iter().any(|a| a.fields.rule.kind.automatic()) {
        return Ok(Vec::new());
    }
    let facts = situation(state, user_id).await?.facts;
    let levers = all_levers(state);
    let mut issued = Vec::new();
    for a in &achievements {
        let rule = &a.fields.rule;
        if !rule.kind.automatic() || !rule.met(&facts, &levers) {
            continue;
        }
        if state.store.has_credential(user_id, a.id).await? {
            continue;
        }
        if let Some(c) = issue(state, &user, a, &Awarded::default()).await? {
            issued.push(c);
        }
    }
    Ok(issued)
}

/// [`check`] for each of these people after something they did changed; a failure is
/// logged, never the failure of the action that called it.
pub async fn after(state: &AppState, users: impl IntoIterator<Item = i64>) {
    let users: BTreeSet<i64> = users.into_iter().collect();
    for user in users {
        if let Err(e) = check(state, user).await {
            tracing::warn!(user, "Open Badges: rules not checked: {e:#}");
        }
    }
}

/// The participants of a cohort's team (after a deliverable of the team was handed in).
pub async fn team_members(state: &AppState, cohort_id: i64, team_id: i64) -> Vec<i64> {
    match state.store.enrolments(cohort_id).await {
        Ok(people) => people
            .into_iter()
            .filter(|e| e.role == CohortRole::Participant && e.team_id == Some(team_id))
            .map(|e| e.user_id)
            .collect(),
        Err(e) => {
            tracing::warn!(cohort = cohort_id, "Open Badges: team not read: {e:#}");
            Vec::new()
        }
    }
}
