//! Storage of the kit de formation: the modules and their ordered units (loaded from the
//! shipped file, then edited by animators), what each member completed, and her private
//! reflections. The trait here, its SQL in `sql.rs`, plain Rust generic over the backend.
//!
//! **The loading rule.** The shipped file is loaded under its checksum (nothing is read
//! again while it does not change). A module of the file that the database lacks is created;
//! one no animator edited is brought back to the file; one an animator edited
//! (`edited_at` set) keeps her edits — only its position follows the file. A module gone
//! from the file is removed if no animator edited it (with the progress recorded on it),
//! and kept, as the animators' own, if one did. [`FormationStore::reset_formation_module`]
//! brings an edited module back to the file.
//!
//! **Privacy.** A reflection is read by one method only, [`FormationStore::formation_reflection`],
//! which takes the member's own id: nothing else (pages for others, animators' views,
//! exports, the API) reads the table. Deleting an account deletes her progress and
//! reflections.
//!
//! Progress follows units by key: a unit reordered or reworded keeps what members did of it;
//! a module's progress counts its current units only.

mod sql;

use async_trait::async_trait;
use catalyse_core::formation::{Module, QuizResult};
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// The name the shipped file's checksum is recorded under (`reference_state`).
pub const FORMATION_STATE: &str = "formation";

/// A module as stored, with what its units link.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredModule {
    pub id: i64,
    pub module: Module,
    pub position: i64,
    /// It comes from the shipped file.
    pub shipped: bool,
    /// When an animator last edited it (the loader leaves it alone since).
    pub edited_at: Option<DateTime<Utc>>,
    pub edited_by: Option<i64>,
    /// Grows by one at every write: an edit must name the one it started from.
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
    /// What each unit links, in the units' order: `None` for a reflection or a quiz, and
    /// for a resource or an event that does not exist (any more).
    pub targets: Vec<Option<UnitTarget>>,
}

/// The resource or event a unit links, as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTarget {
    pub title: String,
    /// A published resource, or an event that was not cancelled.
    pub available: bool,
    /// An event's replay, when it has one.
    pub replay_url: Option<String>,
    /// When the event started (events only).
    pub starts_at: Option<DateTime<Utc>>,
}

/// A unit a member completed: when first, and her last answers to a quiz.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitDone {
    pub unit_key: String,
    pub completed_at: DateTime<Utc>,
    pub quiz: Option<QuizResult>,
}

/// Where a member stands in one module: units done of its current units, and, when all are
/// done, the day the last one was.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleProgress {
    pub slug: String,
    pub title: String,
    pub done: i64,
    pub total: i64,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A member's reflection on one unit (hers only).
#[derive(Debug, Clone, PartialEq)]
pub struct Reflection {
    pub text: String,
    pub updated_at: DateTime<Utc>,
}

/// What loading the shipped file did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormationLoad {
    pub created: usize,
    /// Brought back to the file (no animator had edited them).
    pub updated: usize,
    /// Edited by an animator: left as they are.
    pub kept: Vec<String>,
    pub removed: usize,
}

/// What the kit de formation needs from storage.
#[async_trait]
pub trait FormationStore: Send + Sync {
    /// Loads the shipped modules unless the same file (`checksum`) was loaded last, by the
    /// rule of the module documentation, in one transaction; `None` when skipped.
    async fn load_formation(
        &self,
        modules: &[Module],
        checksum: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<FormationLoad>>;
    /// Every module with its units, in order.
    async fn formation_modules(&self) -> StoreResult<Vec<StoredModule>>;
    /// (slug, title) of every module, in the kit's order: what a list of links needs,
    /// without the units.
    async fn formation_module_titles(&self) -> StoreResult<Vec<(String, String)>>;
    async fn formation_module(&self, slug: &str) -> StoreResult<Option<StoredModule>>;
    /// An animator's edit of the module `slug` (its slug stays; `module.slug` is ignored):
    /// title, summary, note, whether it is example content, and its units, replaced whole.
    /// Marks it edited, so the loader leaves it alone. `Conflict` on `revision` when the
    /// module changed since `revision`, `NotFound` for an unknown slug.
    async fn edit_formation_module(
        &self,
        slug: &str,
        revision: i64,
        module: &Module,
        editor: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredModule>;
    /// Brings the module `slug` back to `shipped` (the file's version) and clears its
    /// edited mark; same `Conflict` and `NotFound` as an edit. Both are written in the
    /// audit trail (`formation.edit`, `formation.reset`) with the animator's id.
    async fn reset_formation_module(
        &self,
        slug: &str,
        revision: i64,
        shipped: &Module,
        editor: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredModule>;
    /// Records that the member completed the unit (idempotent: the first time is kept); a
    /// quiz's answers and score replace the last ones. `NotFound` for an unknown module or
    /// unit.
    async fn complete_formation_unit(
        &self,
        user_id: i64,
        module: &str,
        unit: &str,
        quiz: Option<&QuizResult>,
        now: DateTime<Utc>,
    ) -> StoreResult<UnitDone>;
    /// Keeps the member's reflection on the unit (replacing hers) and records the unit as
    /// completed, in one transaction. `NotFound` for an unknown module or unit.
    async fn save_formation_reflection(
        &self,
        user_id: i64,
        module: &str,
        unit: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<UnitDone>;
    /// The member's own reflection on the unit — the only read of reflections there is.
    async fn formation_reflection(
        &self,
        user_id: i64,
        module: &str,
        unit: &str,
    ) -> StoreResult<Option<Reflection>>;
    /// The units of the module the member completed (current or not).
    async fn formation_units_done(&self, user_id: i64, module: &str) -> StoreResult<Vec<UnitDone>>;
    /// The member's progress in every module, in the modules' order.
    async fn formation_progress(&self, user_id: i64) -> StoreResult<Vec<ModuleProgress>>;
    /// The modules the member completed (every current unit done), with the day of the
    /// last one, in the modules' order.
    async fn completed_formation_modules(&self, user_id: i64) -> StoreResult<Vec<ModuleProgress>>;
}
