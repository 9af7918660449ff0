//! Parcours d'expérience: cohorts, their teams and people, sessions (events), deliverables
//! and what teams handed in, attendance read from and written to the events' registrations,
//! and the cohort's space of exchanges. One SQL text for both engines (`crate::sql`): the
//! trait and how rows are read here, its implementation in `store_impl`.

mod store_impl;

use crate::sql::{corrupt, query_as, Engine, FromRow, Row};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use catalyse_core::agenda::Event;
use catalyse_core::network::TerritoryRef;
use catalyse_core::parcours::{
    Cohort, CohortFields, CohortRole, Deliverable, DeliverableFields, Enrolment, HandIn, Session,
    Submission, Team,
};
use catalyse_core::resource::StoredFile;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Executor;

/// A message of a cohort's space, with its author's name as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortPost {
    pub id: i64,
    pub cohort_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: Option<i64>,
    /// Empty once her account is gone.
    pub author_name: String,
    /// Markdown, as written.
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// What a team or an animator hands in for a deliverable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewSubmission {
    File(StoredFile),
    Link(String),
    /// Recorded by an animator, with what she noted.
    Recorded(String),
}

/// Cohorts and everything that belongs to one.
#[async_trait]
pub trait ParcoursStore: Send + Sync {
    /// A new cohort; a slug already taken is a `Conflict` on `slug`.
    async fn create_cohort(
        &self,
        f: &CohortFields,
        is_example: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Cohort>;
    /// Saves a cohort's fields (its slug included: a taken one is a `Conflict`).
    async fn update_cohort(
        &self,
        id: i64,
        f: &CohortFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Cohort>;
    /// Every cohort, the latest start first.
    async fn cohorts(&self) -> StoreResult<Vec<Cohort>>;
    async fn cohort(&self, slug: &str) -> StoreResult<Option<Cohort>>;
    /// A team for a territory; a territory already in the cohort is a `Conflict` on
    /// `territory`.
    async fn add_team(
        &self,
        cohort_id: i64,
        name: &str,
        territory: &TerritoryRef,
    ) -> StoreResult<Team>;
    async fn teams(&self, cohort_id: i64) -> StoreResult<Vec<Team>>;
    /// Puts a member in a cohort (or changes her role and team): a participant needs a team
    /// of this cohort (`Conflict` on `team` otherwise), an animator has none.
    async fn enrol(
        &self,
        cohort_id: i64,
        user_id: i64,
        role: CohortRole,
        team_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Takes a member out of a cohort; whether she was in it.
    async fn unenrol(&self, cohort_id: i64, user_id: i64) -> StoreResult<bool>;
    /// The cohort's people, animators first, then by team and name.
    async fn enrolments(&self, cohort_id: i64) -> StoreResult<Vec<Enrolment>>;
    async fn enrolment(&self, cohort_id: i64, user_id: i64) -> StoreResult<Option<Enrolment>>;
    /// The cohorts a member is in, the latest start first.
    async fn member_cohorts(&self, user_id: i64) -> StoreResult<Vec<(Cohort, Enrolment)>>;
    /// Her settings for the cohort's mail: answers to her messages, the weekly digest.
    async fn set_cohort_mail(
        &self,
        cohort_id: i64,
        user_id: i64,
        notify_replies: bool,
        weekly_digest: bool,
    ) -> StoreResult<()>;
    /// Adds an event as a session of the cohort at `step`, in one transaction; a slug
    /// already taken is a `Conflict` on `slug`.
    async fn add_session(
        &self,
        cohort_id: i64,
        event: &Event,
        step: i32,
        now: DateTime<Utc>,
    ) -> StoreResult<Session>;
    /// The cohort's sessions by start.
    async fn sessions(&self, cohort_id: i64) -> StoreResult<Vec<Session>>;
    /// The cohort a session belongs to, by the event's id.
    async fn session_cohort(&self, event_id: i64) -> StoreResult<Option<Cohort>>;
    /// Who of the cohort attended which of its sessions: (event id, user id), read from the
    /// events' registrations (made under her account or with her address).
    async fn cohort_attendance(&self, cohort_id: i64) -> StoreResult<Vec<(i64, i64)>>;
    /// Which modules of the kit each member of the cohort completed (every current unit
    /// done): (user id, module slug), in one read for the whole cohort.
    async fn cohort_completed_modules(&self, cohort_id: i64) -> StoreResult<Vec<(i64, String)>>;
    /// Marks a member present at (or absent from) an event: her registration's `attended`,
    /// a confirmed registration made for her if she had none.
    async fn set_member_attendance(
        &self,
        event_id: i64,
        user_id: i64,
        present: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Marks a whole attendance grid of a cohort at once — (event id, user id, present) —
    /// in one transaction, each cell as [`ParcoursStore::set_member_attendance`] does: all or
    /// nothing. An event that is not a session of the cohort, or a person not in it, is
    /// `NotFound` and nothing is written.
    async fn set_cohort_attendance(
        &self,
        cohort_id: i64,
        marks: &[(i64, i64, bool)],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn add_deliverable(
        &self,
        cohort_id: i64,
        f: &DeliverableFields,
    ) -> StoreResult<Deliverable>;
    /// The cohort's deliverables by step, then due date.
    async fn deliverables(&self, cohort_id: i64) -> StoreResult<Vec<Deliverable>>;
    /// Records what a team handed in for a deliverable of its own cohort (`NotFound`
    /// otherwise).
    async fn submit(
        &self,
        deliverable_id: i64,
        team_id: i64,
        user_id: Option<i64>,
        s: &NewSubmission,
        now: DateTime<Utc>,
    ) -> StoreResult<Submission>;
    /// Everything handed in within the cohort, the latest first.
    async fn submissions(&self, cohort_id: i64) -> StoreResult<Vec<Submission>>;
    async fn submission(&self, id: i64) -> StoreResult<Option<Submission>>;
    /// A message (`parent_id` `None`) or an answer to a message of the same cohort (an answer
    /// to an answer goes to its message). `NotFound` if the parent is not of this cohort.
    async fn add_post(
        &self,
        cohort_id: i64,
        parent_id: Option<i64>,
        author_id: i64,
        body: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<CohortPost>;
    /// The cohort's messages, the latest first, each followed by its answers in order.
    async fn posts(&self, cohort_id: i64) -> StoreResult<Vec<CohortPost>>;
    async fn post(&self, id: i64) -> StoreResult<Option<CohortPost>>;
    /// The cohort's posts since `since` (the weekly digest).
    async fn posts_since(
        &self,
        cohort_id: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<CohortPost>>;
    /// Members whose weekly digest of this cohort is due (never sent, or sent before
    /// `before`), claimed at `now` in the same statement so that no two runs send it twice.
    async fn claim_digests(
        &self,
        cohort_id: i64,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Enrolment>>;
    /// Gives back a digest claimed at `claimed_at` whose mail could not be sent: due again at
    /// the next run (unless another run claimed it since).
    async fn release_cohort_digest(
        &self,
        cohort_id: i64,
        user_id: i64,
        claimed_at: DateTime<Utc>,
    ) -> StoreResult<()>;
}

pub(super) const COHORT_COLUMNS: &str =
    "id, slug, title, summary, description, starts_on, ends_on, \
     modules, is_example, updated_at";

fn date<DB: Engine>(r: &Row<DB>, column: &str) -> StoreResult<NaiveDate> {
    let text: String = r.try_get(column)?;
    text.parse()
        .map_err(|_| corrupt(format!("{column}: {text}")))
}

impl FromRow for Cohort {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let modules: String = r.try_get("modules")?;
        Ok(Cohort {
            id: r.try_get("id")?,
            fields: CohortFields {
                slug: r.try_get("slug")?,
                title: r.try_get("title")?,
                summary: r.try_get("summary")?,
                description: r.try_get("description")?,
                starts_on: date(r, "starts_on")?,
                ends_on: date(r, "ends_on")?,
                modules: serde_json::from_str(&modules).map_err(corrupt)?,
            },
            is_example: r.try_get("is_example")?,
            updated_at: r.time("updated_at")?,
        })
    }
}

impl FromRow for Team {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let level: String = r.try_get("territory_level")?;
        Ok(Team {
            id: r.try_get("id")?,
            cohort_id: r.try_get("cohort_id")?,
            name: r.try_get("name")?,
            territory: TerritoryRef {
                level: level.parse().map_err(corrupt)?,
                code: r.try_get("territory_code")?,
            },
        })
    }
}

const ENROLMENT_SELECT: &str = "SELECT m.cohort_id, m.user_id, u.display_name, u.email, m.role, \
     m.team_id, m.notify_replies, m.weekly_digest FROM cohort_members m JOIN users u ON u.id = m.user_id";

impl FromRow for Enrolment {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let role: String = r.try_get("role")?;
        Ok(Enrolment {
            cohort_id: r.try_get("cohort_id")?,
            user_id: r.try_get("user_id")?,
            display_name: r.try_get("display_name")?,
            email: r.try_get("email")?,
            role: role.parse().map_err(corrupt)?,
            team_id: r.try_get("team_id")?,
            notify_replies: r.try_get("notify_replies")?,
            weekly_digest: r.try_get("weekly_digest")?,
        })
    }
}

const DELIVERABLE_COLUMNS: &str = "id, cohort_id, title, description, step, due_on";

impl FromRow for Deliverable {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let due: Option<String> = r.try_get("due_on")?;
        Ok(Deliverable {
            id: r.try_get("id")?,
            cohort_id: r.try_get("cohort_id")?,
            fields: DeliverableFields {
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                step: r.try_get("step")?,
                due_on: due
                    .map(|d| d.parse().map_err(|_| corrupt(format!("due_on: {d}"))))
                    .transpose()?,
            },
        })
    }
}

const SUBMISSION_COLUMNS: &str = "s.id, s.deliverable_id, s.team_id, s.user_id, s.kind, s.link, \
     s.file_sha256, s.file_name, s.file_content_type, s.file_size, s.note, s.submitted_at";

impl FromRow for Submission {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let kind: String = r.try_get("kind")?;
        let file = match r.try_get::<Option<String>, _>("file_sha256")? {
            Some(sha256) => Some(StoredFile {
                sha256,
                name: r
                    .try_get::<Option<String>, _>("file_name")?
                    .unwrap_or_default(),
                content_type: r
                    .try_get::<Option<String>, _>("file_content_type")?
                    .unwrap_or_default(),
                size: r.try_get::<Option<i64>, _>("file_size")?.unwrap_or(0),
            }),
            None => None,
        };
        Ok(Submission {
            id: r.try_get("id")?,
            deliverable_id: r.try_get("deliverable_id")?,
            team_id: r.try_get("team_id")?,
            user_id: r.try_get("user_id")?,
            kind: kind.parse::<HandIn>().map_err(corrupt)?,
            link: r.try_get("link")?,
            file,
            note: r.try_get("note")?,
            submitted_at: r.time("submitted_at")?,
        })
    }
}

const POST_SELECT: &str = "SELECT p.id, p.cohort_id, p.parent_id, p.author_id, \
     COALESCE(u.display_name, '') AS author_name, p.body, p.created_at \
     FROM cohort_posts p LEFT JOIN users u ON u.id = p.author_id";

impl FromRow for CohortPost {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(CohortPost {
            id: r.try_get("id")?,
            cohort_id: r.try_get("cohort_id")?,
            parent_id: r.try_get("parent_id")?,
            author_id: r.try_get("author_id")?,
            author_name: r.try_get("author_name")?,
            body: r.try_get("body")?,
            created_at: r.time("created_at")?,
        })
    }
}

const SLUG_TAKEN: &str = "cette adresse courte est déjà prise";

async fn cohort_by_id<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    id: i64,
) -> StoreResult<Cohort> {
    query_as(&format!(
        "SELECT {COHORT_COLUMNS} FROM cohorts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(on)
    .await?
    .ok_or(StoreError::NotFound)
}
