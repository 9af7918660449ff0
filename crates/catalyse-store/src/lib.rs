//! Storage of Catalyse: the domain-level `Store` trait, its error type, and its two backends
//! (SQLite, the embedded default, and PostgreSQL), chosen once at start from the database URL.

mod accounts;
pub mod backup;
mod badges;
mod cases;
mod common;
mod diagnostics;
mod error;
mod events;
mod formation;
mod moderators;
mod needs;
pub mod network;
mod observatory;
mod parcours;
mod postgres;
mod reference;
mod resources;
mod sql;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use catalyse_core::resource::{Nature, StoredFile};
use catalyse_core::{Email, Role};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub use accounts::AccountStore;
pub use badges::{
    BadgesStore, Credential, NewCredential, StoredAchievement, ACCOUNT_DELETED_REASON,
    BADGES_STATE, STATUS_LIST_SIZE,
};
pub use cases::{
    CaseHarvest, CaseStore, ExampleCase, ImportedCase, ReferenceCase, CASES_VERSION_KEY,
};
pub use diagnostics::{
    ContributionTally, DiagnosticsStore, NewContribution, SavedDiagnostic, SavedFields,
};
pub use error::{StoreError, StoreResult};
pub use events::EventStore;
pub use formation::{
    FormationLoad, FormationStore, ModuleProgress, Reflection, StoredModule, UnitDone, UnitTarget,
    FORMATION_STATE,
};
pub use moderators::{ModerationCounts, ModeratorStore};
pub use needs::{
    ExampleNeed, ImportedNeed, NeedContact, NeedContactKind, NeedDraft, NeedStore, OpenNeedCount,
    OpenNeedTally, NEEDS_VERSION_KEY,
};
pub use network::{ExampleMember, NetworkStore};
pub use observatory::ObservatoryStore;
pub use parcours::{CohortPost, NewSubmission, ParcoursStore};
pub use postgres::PostgresStore;
pub use reference::ReferenceStore;
pub use resources::ResourceStore;
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

/// Which accounts the administrators' list shows: name or address containing `text` (all
/// when empty), of one role or any.
#[derive(Debug, Clone, Default)]
pub struct UserSearch {
    pub text: String,
    pub role: Option<Role>,
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

/// The database itself: which engine, its pools, whether it answers.
#[async_trait]
pub trait StoreHandle: Send + Sync {
    fn backend(&self) -> Backend;
    fn pool_stats(&self) -> PoolStats;
    async fn ping(&self) -> StoreResult<()>;
    async fn close(&self);
}

/// Everything the platform stores, in the words of the domain: one trait object
/// (`Arc<dyn Store>`) with every area's trait. Bring the methods into scope with
/// `use catalyse_store::prelude::*;`.
pub trait Store:
    StoreHandle
    + ReferenceStore
    + AccountStore
    + ObservatoryStore
    + ResourceStore
    + EventStore
    + NetworkStore
    + CaseStore
    + NeedStore
    + ParcoursStore
    + ModeratorStore
    + FormationStore
    + BadgesStore
    + DiagnosticsStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: StoreHandle
        + ReferenceStore
        + AccountStore
        + ObservatoryStore
        + ResourceStore
        + EventStore
        + NetworkStore
        + CaseStore
        + NeedStore
        + ParcoursStore
        + ModeratorStore
        + FormationStore
        + BadgesStore
        + DiagnosticsStore
        + Send
        + Sync
        + 'static
{
}

/// Every store trait, for `use catalyse_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AccountStore, BadgesStore, CaseStore, DiagnosticsStore, EventStore, FormationStore,
        ModeratorStore, NeedStore, NetworkStore, ObservatoryStore, ParcoursStore, ReferenceStore,
        ResourceStore, Store, StoreHandle,
    };
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

/// An instant read back from its UTC seconds: one out of chrono's range is `Corrupt`, never a
/// default. Rows are read through `Row::time` and `Row::time_opt`.
pub(crate) fn read_ts(s: i64, column: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp(s, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("{column}: {s} s is not an instant")))
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
