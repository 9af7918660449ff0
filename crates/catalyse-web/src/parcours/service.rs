//! Who may see what of a cohort, and a participant's progress: the rules every page of the
//! area (and the animators' table, the badges to come) reads.

use crate::error::AppError;
use crate::state::AppState;
use catalyse_core::parcours::{
    progress, Cohort, CohortRole, Deliverable, Enrolment, Progress, ProgressInput, Session,
    Submission, Team, Todo,
};
use catalyse_core::{Role, User};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// What a person is to a cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// A visitor, or a member who is not in it: the public page only.
    Public,
    /// A participant, in her team.
    Participant { team_id: i64 },
    /// An animator of the cohort, or of the platform (moderators and administrators).
    Animator,
}

impl Access {
    pub async fn of(
        state: &AppState,
        user: Option<&User>,
        cohort: &Cohort,
    ) -> Result<Access, AppError> {
        let Some(user) = user else {
            return Ok(Access::Public);
        };
        if user.role.includes(Role::Moderator) {
            return Ok(Access::Animator);
        }
        Ok(match state.store.enrolment(cohort.id, user.id).await? {
            Some(e) if e.role == CohortRole::Animateur => Access::Animator,
            Some(Enrolment {
                team_id: Some(team_id),
                ..
            }) => Access::Participant { team_id },
            _ => Access::Public,
        })
    }

    /// Whether the members' view (people, deliverables, the space) is hers to see.
    pub fn inside(&self) -> bool {
        !matches!(self, Access::Public)
    }

    pub fn animates(&self) -> bool {
        matches!(self, Access::Animator)
    }
}

/// A cohort by slug, or 404.
pub async fn cohort(state: &AppState, slug: &str) -> Result<Cohort, AppError> {
    state.store.cohort(slug).await?.ok_or(AppError::NotFound)
}

/// Everything a cohort's progress is read from, read once for all its people.
pub struct Board {
    pub cohort: Cohort,
    pub teams: Vec<Team>,
    pub people: Vec<Enrolment>,
    pub sessions: Vec<Session>,
    pub deliverables: Vec<Deliverable>,
    /// The latest first.
    pub submissions: Vec<Submission>,
    /// (event id, user id) of who attended.
    attended: HashSet<(i64, i64)>,
    /// The cohort's modules: slug, title; and who completed which.
    pub modules: Vec<(String, String)>,
    completed: HashSet<(i64, String)>,
}

/// One person's progress and what she should do next.
pub struct PersonProgress {
    pub progress: Progress,
    pub todo: Vec<Todo>,
}

impl Board {
    pub async fn read(state: &AppState, cohort: Cohort) -> Result<Board, AppError> {
        let id = cohort.id;
        let store = &state.store;
        let people = store.enrolments(id).await?;
        let modules = super::modules::titles(state, &cohort.fields.modules).await?;
        let completed = super::modules::completed(state, id, &cohort.fields.modules)
            .await?
            .into_iter()
            .collect();
        Ok(Board {
            teams: store.teams(id).await?,
            sessions: store.sessions(id).await?,
            deliverables: store.deliverables(id).await?,
            submissions: store.submissions(id).await?,
            attended: store.cohort_attendance(id).await?.into_iter().collect(),
            people,
            modules,
            completed,
            cohort,
        })
    }

    pub fn team(&self, id: i64) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    pub fn attended(&self, event_id: i64, user_id: i64) -> bool {
        self.attended.contains(&(event_id, user_id))
    }

    /// What a team handed in last for a deliverable.
    pub fn handed_in(&self, deliverable_id: i64, team_id: i64) -> Option<&Submission> {
        self.submissions
            .iter()
            .find(|s| s.deliverable_id == deliverable_id && s.team_id == team_id)
    }

    /// A participant's progress: her sessions, her team's deliverables, her modules.
    pub fn progress_of(&self, e: &Enrolment, now: DateTime<Utc>) -> PersonProgress {
        let attended: Vec<i64> = self
            .sessions
            .iter()
            .map(|s| s.event.id)
            .filter(|id| self.attended(*id, e.user_id))
            .collect();
        let handed: Vec<i64> = match e.team_id {
            Some(team) => self
                .deliverables
                .iter()
                .map(|d| d.id)
                .filter(|d| self.handed_in(*d, team).is_some())
                .collect(),
            None => vec![],
        };
        let modules: Vec<(String, String, bool)> = self
            .modules
            .iter()
            .map(|(slug, title)| {
                let done = self.completed.contains(&(e.user_id, slug.clone()));
                (slug.clone(), title.clone(), done)
            })
            .collect();
        let (progress, todo) = progress(&ProgressInput {
            sessions: &self.sessions,
            attended: &attended,
            deliverables: &self.deliverables,
            handed_in: &handed,
            modules: &modules,
            now,
        });
        PersonProgress { progress, todo }
    }

    /// The participants (not the animators), by team then name.
    pub fn participants(&self) -> impl Iterator<Item = &Enrolment> {
        self.people
            .iter()
            .filter(|p| p.role == CohortRole::Participant)
    }

    /// Each team's participants.
    pub fn by_team(&self) -> HashMap<i64, Vec<&Enrolment>> {
        let mut out: HashMap<i64, Vec<&Enrolment>> = HashMap::new();
        for p in self.participants() {
            if let Some(t) = p.team_id {
                out.entry(t).or_default().push(p);
            }
        }
        out
    }
}
