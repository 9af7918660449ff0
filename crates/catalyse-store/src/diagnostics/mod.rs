//! Storage of autodiagnostics: only what a respondent consented to. While she answers,
//! nothing is kept (her answers travel in her private link); a contribution to the
//! observatory is anonymous (a questionnaire, a département, the levers « à renforcer », the
//! month, and a hash of the response's random id so that it counts once); a result a member
//! saves is hers, read by her id only, and goes with her account. The trait here, its SQL in
//! `sql.rs`, plain Rust generic over the backend.

mod sql;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// An anonymous contribution to the observatory's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContribution {
    pub questionnaire: String,
    /// The SHA-256 of the response's random id (`Draft::hash`): never the id itself.
    pub response_hash: String,
    /// INSEE code of the département.
    pub department: String,
    /// Slugs of the levers « à renforcer ».
    pub weak_levers: Vec<String>,
    pub is_example: bool,
}

/// Contributions of one questionnaire and département with the same weak levers.
#[derive(Debug, Clone, PartialEq)]
pub struct ContributionTally {
    pub questionnaire: String,
    pub department: String,
    pub weak_levers: Vec<String>,
    pub count: i64,
    pub examples: i64,
}

/// A diagnostic as a member saves it.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedFields {
    /// The saved diagnostic it updates (hers), if it continues one.
    pub id: Option<i64>,
    pub questionnaire: String,
    /// The SHA-256 of the response's random id.
    pub response_hash: String,
    /// The answers as JSON, by question id.
    pub answers: serde_json::Map<String, serde_json::Value>,
    pub department: Option<String>,
    pub finished: bool,
}

/// A diagnostic a member saved.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedDiagnostic {
    pub id: i64,
    pub user_id: i64,
    pub questionnaire: String,
    pub answers: serde_json::Map<String, serde_json::Value>,
    pub department: Option<String>,
    pub finished: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What autodiagnostics need from storage.
#[async_trait]
pub trait DiagnosticsStore: Send + Sync {
    /// Counts results in the statistics, in one transaction; a response already counted is
    /// left as it is. Returns how many were new.
    async fn contribute_diagnostics(
        &self,
        contributions: &[NewContribution],
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Every contribution, grouped by questionnaire, département and weak levers.
    async fn diagnostic_tallies(&self) -> StoreResult<Vec<ContributionTally>>;
    /// Changes whenever a contribution is added or removed: the observatory recomputes its
    /// datasets when it does.
    async fn diagnostics_version(&self) -> StoreResult<String>;
    /// Keeps a member's diagnostic (the same response saved again, or `fields.id`, replaces
    /// its answers); returns its id. `NotFound` when `fields.id` is not one of hers.
    async fn save_diagnostic(
        &self,
        user_id: i64,
        fields: &SavedFields,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Her saved diagnostics, the latest first.
    async fn saved_diagnostics(&self, user_id: i64) -> StoreResult<Vec<SavedDiagnostic>>;
    /// One of hers; `None` for another's or an unknown id.
    async fn saved_diagnostic(&self, user_id: i64, id: i64)
        -> StoreResult<Option<SavedDiagnostic>>;
    /// Removes one of hers; `false` for another's or an unknown id.
    async fn delete_saved_diagnostic(&self, user_id: i64, id: i64) -> StoreResult<bool>;
}
