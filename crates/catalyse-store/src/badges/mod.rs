//! Storage of Open Badges 3.0: the achievements (loaded from the shipped file, then managed
//! by animators), the credentials issued for them, and the status slots that let a
//! credential be revoked. The trait here, its SQL in `sql.rs` (achievements) and
//! `credentials.rs`, plain Rust generic over the backend.
//!
//! **The loading rule.** The shipped file is loaded under its checksum (nothing is read
//! again while it does not change). An achievement of the file that the database lacks is
//! created; one no animator edited is brought back to the file (and out of the archive); one
//! an animator edited or archived (`edited_at` set) keeps what she did — only its position
//! follows the file. An achievement gone from the file is kept, as the animators' own, if
//! one edited it; otherwise it is archived if credentials were issued for it (a credential
//! never loses its achievement), and removed if none were.
//!
//! **Credentials.** A credential is the signed VC-JWT as issued (never rewritten) with what
//! the pages need beside it. A person holds at most one live (not revoked) credential per
//! achievement; after a revocation another may be issued by hand, never by a rule (see
//! [`BadgesStore::has_credential`]). Each credential has its own slot of a Bitstring Status
//! List ([`BadgesStore::allocate_status_slot`]), whose bit is set once it is revoked.
//! Deleting an account revokes her live credentials (« Compte supprimé ») in the same
//! transaction; the credentials stay, without their earner.

mod credentials;
mod sql;

pub(crate) use credentials::revoke_for_deleted_account;

use async_trait::async_trait;
use catalyse_core::badges::AchievementFields;
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// The name the shipped file's checksum is recorded under (`reference_state`).
pub const BADGES_STATE: &str = "badges";

/// Entries of one status list: slot `n` (from 0) is index `n % STATUS_LIST_SIZE` of list
/// `n / STATUS_LIST_SIZE + 1` (131 072 bits, 16 KiB, the size the Bitstring Status List
/// recommends at least).
pub const STATUS_LIST_SIZE: i64 = 131_072;

/// The reason recorded on the credentials revoked when their earner deletes her account.
pub const ACCOUNT_DELETED_REASON: &str = "Compte supprimé";

/// An achievement as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAchievement {
    pub id: i64,
    pub slug: String,
    pub fields: AchievementFields,
    /// It comes from the shipped file.
    pub shipped: bool,
    /// When an animator last edited (or archived) it: the loader leaves it alone since.
    pub edited_at: Option<DateTime<Utc>>,
    pub edited_by: Option<i64>,
    /// No longer awarded nor listed; its credentials stay valid.
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A credential as stored, with its achievement's slug and name.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// A UUID, given by the issuer.
    pub id: String,
    pub achievement_id: i64,
    pub achievement_slug: String,
    pub achievement_name: String,
    /// `None` once the earner deleted her account.
    pub user_id: Option<i64>,
    /// The signed VC-JWT, as issued.
    pub jwt: String,
    pub status_list: i64,
    pub status_index: i64,
    pub issued_at: DateTime<Utc>,
    /// The animator who awarded it; `None` when a rule did.
    pub issued_by: Option<i64>,
    /// The animator's reason for a manual award.
    pub reason: Option<String>,
    /// Shown on her public pages (her choice).
    pub public: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<i64>,
    pub revoked_reason: Option<String>,
}

impl Credential {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// A credential to record, as signed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCredential {
    pub id: String,
    pub achievement_id: i64,
    pub user_id: i64,
    pub jwt: String,
    /// From [`BadgesStore::allocate_status_slot`].
    pub status_list: i64,
    pub status_index: i64,
    pub issued_by: Option<i64>,
    pub reason: Option<String>,
}

/// What Open Badges need from storage.
#[async_trait]
pub trait BadgesStore: Send + Sync {
    /// Loads the shipped achievements (`(slug, fields)`, in the file's order) unless the same
    /// file (`checksum`) was loaded last, by the rule of the module documentation, in one
    /// transaction. Returns how many achievements it created, brought back to the file,
    /// archived or removed (0 when skipped).
    async fn load_shipped_achievements(
        &self,
        defs: &[(String, AchievementFields)],
        checksum: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// The achievements (the archived ones too, or not): the shipped ones in the file's
    /// order, then the others by name.
    async fn achievements(&self, include_archived: bool) -> StoreResult<Vec<StoredAchievement>>;
    async fn achievement(&self, slug: &str) -> StoreResult<Option<StoredAchievement>>;
    async fn achievement_by_id(&self, id: i64) -> StoreResult<Option<StoredAchievement>>;
    /// An animator's new achievement. `Conflict { field: "slug" }` when the slug is taken.
    async fn create_achievement(
        &self,
        slug: &str,
        fields: &AchievementFields,
        by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredAchievement>;
    /// An animator's edit (its slug stays), marked edited so that the loader leaves it alone.
    /// `NotFound` for an unknown id.
    async fn update_achievement(
        &self,
        id: i64,
        fields: &AchievementFields,
        by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredAchievement>;
    /// Archives an achievement (or brings it back); an animator's decision, which the loader
    /// keeps like an edit. `NotFound` for an unknown id.
    async fn set_achievement_archived(
        &self,
        id: i64,
        archived: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The next free slot of the status lists, `(list, index)`: lists from 1, indexes from 0
    /// to [`STATUS_LIST_SIZE`] − 1. Never the same twice, however many ask at once.
    async fn allocate_status_slot(&self) -> StoreResult<(i64, i64)>;
    /// Records an issued credential (and the issuing in the audit trail). `Conflict { field:
    /// "achievement" }` when the person already holds a live credential of the achievement
    /// (issuing is then already done), `Conflict` on `status_index` or `id` when those are
    /// taken; `NotFound` for an unknown achievement.
    async fn insert_credential(
        &self,
        c: &NewCredential,
        now: DateTime<Utc>,
    ) -> StoreResult<Credential>;
    /// Whether the person was ever issued the achievement, revoked credentials included (a
    /// rule never issues again what was revoked).
    async fn has_credential(&self, user_id: i64, achievement_id: i64) -> StoreResult<bool>;
    async fn credential(&self, id: &str) -> StoreResult<Option<Credential>>;
    /// The person's credentials, newest first (revoked ones too).
    async fn credentials_of(&self, user_id: i64) -> StoreResult<Vec<Credential>>;
    /// The credentials of one achievement, newest first (revoked ones too).
    async fn credentials_of_achievement(&self, achievement_id: i64)
        -> StoreResult<Vec<Credential>>;
    /// The last `limit` credentials issued, newest first (for the animators).
    async fn recent_credentials(&self, limit: u32) -> StoreResult<Vec<Credential>>;
    /// Makes the person's own credential public or not; false when it is not hers (or
    /// unknown).
    async fn set_credential_public(
        &self,
        id: &str,
        user_id: i64,
        public: bool,
    ) -> StoreResult<bool>;
    /// Revokes a credential with a reason (in the audit trail too); false when it is unknown
    /// or already revoked.
    async fn revoke_credential(
        &self,
        id: &str,
        by: Option<i64>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The indexes of the revoked credentials of one status list, in order.
    async fn revoked_indexes(&self, list: i64) -> StoreResult<Vec<i64>>;
    /// The status lists in use: every list a slot was allocated from, in order.
    async fn status_lists(&self) -> StoreResult<Vec<i64>>;
    /// The levers (slugs, deduplicated, in order) of the webinars the person attended
    /// (a registration of hers marked attended) or whose replay she watched (a replay unit of
    /// the kit de formation she completed), cancelled webinars aside.
    async fn lever_webinars_of(&self, user_id: i64) -> StoreResult<Vec<String>>;
    /// How many people hold each achievement (live credentials), by achievement id; an
    /// achievement nobody holds is absent.
    async fn achievement_holders(&self) -> StoreResult<std::collections::HashMap<i64, i64>>;
}
