//! Storage of Catalyse: the domain-level `Store` trait, its error type, and its two backends
//! (SQLite, the embedded default, and PostgreSQL), chosen once at start from the database URL.

pub mod backup;
mod error;
#[macro_use]
mod sql;
#[macro_use]
pub mod network;
mod postgres;
mod sqlite;
pub mod testing;

use async_trait::async_trait;
use catalyse_core::agenda::{Event, EventKind, Series};
use catalyse_core::dataset::{Dataset, DatasetImport, Indicator, IndicatorValue, TerritoryValue};
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::resource::{Nature, Resource, ResourceFields, ResourceState, StoredFile};
use catalyse_core::territory::Geography;
use catalyse_core::{
    ActorFamily, Email, Lever, MetierFamily, Milestone, Page, Role, Territory, TerritoryLevel, User,
};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub use error::{StoreError, StoreResult};
pub use network::{ExampleMember, NetworkStore};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Connection pool figures for the metrics endpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub is_example: bool,
    /// False for a person joining: she proves her address before she can sign in.
    pub email_verified: bool,
}

/// What describes a dataset beside its file.
#[derive(Debug, Clone)]
pub struct NewDataset {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub is_example: bool,
    /// Identifies the imported content, so that an identical import can be skipped.
    pub checksum: String,
}

/// A browser session, identified by the SHA-256 of its cookie value.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub details: String,
}

/// What an edit does to a resource's file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileChange {
    Keep,
    Replace(StoredFile),
    Remove,
}

/// One line of a resource's history: who changed what, when.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    /// create, edit, publish, archive, draft, import
    pub action: String,
    /// field → [before, after]
    pub changes: serde_json::Map<String, serde_json::Value>,
}

/// Resources as harvested (OAI-PMH): published ones, and archived ones as deleted records,
/// by last change.
#[derive(Debug, Clone, Default)]
pub struct HarvestQuery {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub nature: Option<Nature>,
    pub lever: Option<String>,
    /// Strictly after this (last change, id).
    pub after: Option<(DateTime<Utc>, i64)>,
    pub limit: u32,
}

/// A registration as asked: the person, and whether she still has to confirm her address.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub user_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub territory: String,
    /// SHA-256 (hex) of the secret sent in the links.
    pub token_hash: String,
    /// Visitors confirm by email first; members take their seat at once.
    pub pending: bool,
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStatus {
    Pending,
    Confirmed,
    Waiting,
    Cancelled,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waiting => "waiting",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Option<RegistrationStatus> {
        [
            RegistrationStatus::Pending,
            RegistrationStatus::Confirmed,
            RegistrationStatus::Waiting,
            RegistrationStatus::Cancelled,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A registration as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub id: i64,
    pub event_id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub territory: String,
    pub status: RegistrationStatus,
    pub created_at: DateTime<Utc>,
    pub attended: bool,
}

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    DayBefore,
    HourBefore,
}

/// One budget of a rate limit: at most `limit` events under `key` per `window`, spread
/// evenly once the burst is spent (GCRA: after a burst of `limit`, one more every
/// `window / limit`). Kept in the database, so every instance counts the same events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateBudget {
    pub key: String,
    pub limit: u32,
    pub window: chrono::Duration,
}

impl RateBudget {
    /// The time one event takes from the budget, in milliseconds (at least 1).
    pub fn interval_ms(&self) -> i64 {
        (self.window.num_milliseconds() / i64::from(self.limit.max(1))).max(1)
    }

    /// The window in milliseconds (at least one interval).
    pub fn window_ms(&self) -> i64 {
        self.window.num_milliseconds().max(self.interval_ms())
    }
}

/// Everything the platform stores, in the words of the domain.
#[async_trait]
pub trait Store: NetworkStore + Send + Sync + 'static {
    fn backend(&self) -> Backend;
    fn pool_stats(&self) -> PoolStats;
    async fn ping(&self) -> StoreResult<()>;
    async fn close(&self);

    // — Reference frame and geography —
    /// The checksum of the loaded version of `name` (`frame` or `geography`), if any.
    async fn reference_checksum(&self, name: &str) -> StoreResult<Option<String>>;
    /// Loads the frame unless the same version is already there; returns whether it changed
    /// anything. Rows are upserted by slug and rows gone from the files are removed.
    async fn load_reference(&self, frame: &ReferenceFrame) -> StoreResult<bool>;
    /// Same contract as `load_reference`, for the territorial geography.
    async fn load_geography(&self, geo: &Geography) -> StoreResult<bool>;
    async fn levers(&self) -> StoreResult<Vec<Lever>>;
    async fn lever(&self, slug: &str) -> StoreResult<Option<Lever>>;
    async fn metier(&self) -> StoreResult<Vec<MetierFamily>>;
    async fn actor_families(&self) -> StoreResult<Vec<ActorFamily>>;
    async fn milestones(&self) -> StoreResult<Vec<Milestone>>;
    /// Every territory, for the in-memory index (`catalyse_core::TerritoryIndex`).
    async fn territories(&self) -> StoreResult<Vec<Territory>>;

    // — Accounts —
    /// Fails with `Conflict { field: "email" }` when the address is taken.
    async fn create_user(&self, user: &NewUser, now: DateTime<Utc>) -> StoreResult<User>;
    /// Takes back an account whose address was never proved (its verification mail could not
    /// be sent): the row and its links go, with no trace. Returns whether it did.
    async fn discard_unverified_user(&self, user_id: i64) -> StoreResult<bool>;
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>>;
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    async fn list_users(&self, page: u32, per_page: u32) -> StoreResult<Page<User>>;
    async fn count_users(&self) -> StoreResult<i64>;
    /// Changes a role and records it in the audit trail; refuses to demote the last admin.
    async fn set_role(
        &self,
        user_id: i64,
        role: Role,
        actor_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<User>;
    /// Sets a new password hash and ends every session of the account.
    async fn set_password(&self, user_id: i64, hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    // — Sessions —
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The session and its user if it is neither idle since `idle_after` nor older than
    /// `created_after`.
    async fn session(
        &self,
        id_hash: &str,
        idle_after: DateTime<Utc>,
        created_after: DateTime<Utc>,
    ) -> StoreResult<Option<(SessionRecord, User)>>;
    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    async fn purge_sessions(
        &self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> StoreResult<u64>;

    // — Password reset —
    async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn password_reset_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Consumes the token, sets the password and ends the account's sessions, all at once.
    /// Returns the user id, or `None` when the token is unknown, used or expired.
    async fn reset_password(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;

    // — Observatory —
    /// Creates or replaces the dataset `dataset.slug` with its indicators and values, in one
    /// transaction: readers see the old version or the new one, never a mix.
    async fn replace_dataset(
        &self,
        dataset: &NewDataset,
        import: &DatasetImport,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn dataset_checksum(&self, slug: &str) -> StoreResult<Option<String>>;
    async fn datasets(&self) -> StoreResult<Vec<Dataset>>;
    async fn dataset(&self, slug: &str) -> StoreResult<Option<(Dataset, Vec<Indicator>)>>;
    /// The values of one indicator, at one level or all, best rank first.
    async fn indicator_values(
        &self,
        dataset: &str,
        indicator: &str,
        level: Option<TerritoryLevel>,
    ) -> StoreResult<Vec<IndicatorValue>>;
    /// For every indicator of every dataset, the territory levels it has values for:
    /// (dataset slug, indicator, level).
    async fn indicator_levels(&self) -> StoreResult<Vec<(String, Indicator, TerritoryLevel)>>;
    /// Every value known for one territory, with what it measures.
    async fn territory_values(
        &self,
        level: TerritoryLevel,
        code: &str,
    ) -> StoreResult<Vec<TerritoryValue>>;

    // — Resource centre —
    /// Creates a resource; a slug in use is a `Conflict` on `slug`.
    async fn create_resource(
        &self,
        fields: &ResourceFields,
        state: ResourceState,
        file: Option<&StoredFile>,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource>;
    /// Edits a resource and records what changed (nothing recorded when nothing did).
    async fn update_resource(
        &self,
        id: i64,
        fields: &ResourceFields,
        file: &FileChange,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource>;
    async fn set_resource_state(
        &self,
        id: i64,
        state: ResourceState,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource>;
    async fn resource(&self, id: i64) -> StoreResult<Option<Resource>>;
    async fn resource_by_slug(&self, slug: &str) -> StoreResult<Option<Resource>>;
    /// The resources with these ids, in the order given (unknown ids are skipped).
    async fn resources_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Resource>>;
    /// Every resource in one state (or all), by id.
    async fn resources(&self, state: Option<ResourceState>) -> StoreResult<Vec<Resource>>;
    async fn resource_history(&self, id: i64) -> StoreResult<Vec<ResourceChange>>;
    /// Creates or replaces (by slug) many resources in one transaction: all or nothing.
    /// Returns (created, updated).
    async fn import_resources(
        &self,
        items: &[(ResourceFields, ResourceState)],
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<(usize, usize)>;
    /// Adds the kit's documents that are not there yet (by slug), published, when the kit's
    /// checksum changed; what animators edited stays as they left it.
    async fn load_kit(
        &self,
        kit: &[ResourceFields],
        checksum: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Published and archived resources changed in a window, with the total count.
    async fn harvest(&self, q: &HarvestQuery) -> StoreResult<(Vec<Resource>, u64)>;
    /// The first change of a resource ever published.
    async fn harvest_earliest(&self) -> StoreResult<Option<DateTime<Utc>>>;
    /// Whether any resource, or any member's profile (its published version or the one under
    /// review), refers to this file.
    async fn file_in_use(&self, sha256: &str) -> StoreResult<bool>;
    /// A value that changes whenever any resource is created, edited, imported or changes
    /// state (here or in another process): instances compare it to know when their search
    /// index is behind.
    async fn resources_version(&self) -> StoreResult<String>;

    // — Events —
    /// Loads series and their events under a checksum `name` (e.g. the shipped 2019 cycle):
    /// series are updated by slug, events added when their slug is missing. Nothing when the
    /// checksum is unchanged.
    async fn load_events(
        &self,
        name: &str,
        checksum: &str,
        series: &[Series],
        events: &[Event],
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Events starting in [from, to), by start; optionally of one kind or one series.
    async fn events(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        kind: Option<EventKind>,
        series: Option<&str>,
    ) -> StoreResult<Vec<Event>>;
    async fn event(&self, slug: &str) -> StoreResult<Option<Event>>;
    async fn event_by_id(&self, id: i64) -> StoreResult<Option<Event>>;
    /// Saves what animators edit: title, description, levers, online link, address,
    /// speakers, capacity, status and replay link.
    async fn update_event(&self, e: &Event, now: DateTime<Utc>) -> StoreResult<Event>;
    /// Adds the events whose slug is not taken yet; returns how many were added.
    async fn add_events(&self, events: &[Event], now: DateTime<Utc>) -> StoreResult<usize>;
    /// Marks who attended among an event's registrations (the others did not).
    async fn set_attendance(&self, event_id: i64, present: &[i64]) -> StoreResult<()>;
    async fn series(&self, slug: &str) -> StoreResult<Option<Series>>;

    // — Registrations —
    /// Registers to an event: a seat if one is left (or `pending` for a visitor who must
    /// confirm), else the waiting list. The event is locked meanwhile, so that simultaneous
    /// registrations never exceed the capacity. An address already registered (and not
    /// cancelled) is a `Conflict` on `email`, except that a member (`user_id`, not
    /// `pending`) takes over an unconfirmed registration of her address, in one transaction.
    async fn register(
        &self,
        event_id: i64,
        r: &NewRegistration,
        now: DateTime<Utc>,
    ) -> StoreResult<Registration>;
    /// A visitor's confirmation: a seat if one is left, else the waiting list.
    async fn confirm_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Registration>;
    /// Cancels; a freed seat goes to the first on the waiting list, who is returned.
    async fn cancel_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Registration, Option<Registration>)>;
    async fn registration_by_token(&self, token_hash: &str) -> StoreResult<Option<Registration>>;
    /// Registrations of an event in order of arrival.
    async fn registrations(&self, event_id: i64) -> StoreResult<Vec<Registration>>;
    /// Confirmed registrations whose scheduled event starts in (now + from, now + to] and that
    /// have not had this reminder: claimed (marked sent) in the same statement, so that no two
    /// runs or instances send it twice.
    async fn claim_reminders(
        &self,
        which: Reminder,
        now: DateTime<Utc>,
        from: chrono::Duration,
        to: chrono::Duration,
    ) -> StoreResult<Vec<Registration>>;
    /// Gives back a claim whose mail could not be sent, to try again.
    async fn release_reminder(&self, id: i64, which: Reminder) -> StoreResult<()>;

    // — Settings —
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;

    // — Rate limits (shared by every instance) —
    /// Whether one more event would fit every budget: `None` when it would, else how long to
    /// wait. Records nothing.
    async fn rate_limit_check(
        &self,
        budgets: &[RateBudget],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<chrono::Duration>>;
    /// Takes one event from every budget if all of them allow it (`None`), in one
    /// transaction; otherwise takes nothing and says how long to wait.
    async fn rate_limit_take(
        &self,
        budgets: &[RateBudget],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<chrono::Duration>>;
    /// Gives back one event taken from every budget (what was taken turned out not to
    /// count, such as a sign-in that succeeded).
    async fn rate_limit_refund(&self, budgets: &[RateBudget]) -> StoreResult<()>;
    /// Forgets the events of one key (a success ends a run of failures).
    async fn rate_limit_clear(&self, key: &str) -> StoreResult<()>;
    /// Removes the keys that hold nothing any more (their time is past); returns how many.
    async fn purge_rate_limits(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// Options for opening a store.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// PostgreSQL only: work inside this schema (created if missing). Tests use one per test.
    pub schema: Option<String>,
    /// Largest pool size (PostgreSQL) or reader count (SQLite).
    pub max_connections: Option<u32>,
}

/// Opens the store named by the URL (`sqlite://…` or `postgres://…`) and applies migrations.
pub async fn connect(url: &str, options: &ConnectOptions) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url, options).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url, options).await?))
    } else {
        Err(StoreError::Config(format!(
            "database URL must start with sqlite:// or postgres://, got « {} »",
            redact_url(url)
        )))
    }
}

/// A URL with its password hidden, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_ts(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
