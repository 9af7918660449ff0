//! Storage of the besoins des territoires: needs expressed by members (confirmed at once) or
//! by visitors (who confirm their address by a link first), moderated like cases (their
//! versions as JSON, the revision a moderator decides on, the same audit trail), followed by
//! a dated trail of statuses; the offers of help and requests to be put in touch; generated
//! examples and imports; the draft needs of webinar registrations; a member's opt-out of
//! suggestions. The trait here, its SQL in `sql.rs`, plain Rust generic over the backend.
//!
//! A visitor's need waits outside moderation until she confirms (`review` stays empty, so
//! the queue and its counts never see it). Every write of a need, its trail or its contacts,
//! and every change of a member's opt-out, bumps the `needs_version` setting in its
//! transaction (draft needs, private to their author, do not).
//!
//! When an account is deleted, her needs stay with no author (`author_id` NULL), like cases;
//! a visitor's need is not tied to an account; the offers and requests she sent are deleted
//! with her (they only served her limits and her correspondents), those addressed to her
//! lose her id; the trail keeps its steps without their actor; her draft needs go.

mod loads;
pub(crate) mod sql;
mod store_impl;

use async_trait::async_trait;
use catalyse_core::needs::{Need, NeedEvent, NeedFields, NeedOrigin, NeedStatus};
use catalyse_core::network::TerritoryRef;
use chrono::{DateTime, Utc};

use crate::{NewRegistration, Registration, StoreResult};

/// The settings key whose value grows by one at every change of a need (see the module).
pub const NEEDS_VERSION_KEY: &str = "needs_version";

/// A generated example need (« données d'exemple »), published at once.
#[derive(Debug, Clone)]
pub struct ExampleNeed {
    pub fields: NeedFields,
    pub status: NeedStatus,
    /// When it was expressed: created and published then, so that examples spread in time.
    pub at: DateTime<Utc>,
    /// The (example) member who expressed it, if any.
    pub author_id: Option<i64>,
    /// The steps after its publication, oldest first (the last one's status is `status`).
    pub trail: Vec<NeedEvent>,
}

/// A need imported from a file by the operator (`catalyse needs import`), published at once.
#[derive(Debug, Clone)]
pub struct ImportedNeed {
    pub fields: NeedFields,
    pub status: NeedStatus,
    /// The member in whose name, if any: an unknown account fails the whole import.
    pub author_id: Option<i64>,
    /// Without an account: the address relayed messages go to (never shown), as a
    /// confirmed visitor's.
    pub author_email: Option<String>,
}

/// What a member asks about a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedContactKind {
    /// « Je peux aider »: a member offers her help to the need's author.
    Offer,
    /// « Demander une mise en relation »: the need's author asks to be put in touch.
    Request,
}

impl NeedContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NeedContactKind::Offer => "offer",
            NeedContactKind::Request => "request",
        }
    }

    /// The step of the need's trail it writes.
    fn note(self) -> &'static str {
        match self {
            NeedContactKind::Offer => "Proposition d'aide reçue",
            NeedContactKind::Request => "Mise en relation demandée",
        }
    }
}

impl std::str::FromStr for NeedContactKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "offer" => Ok(NeedContactKind::Offer),
            "request" => Ok(NeedContactKind::Request),
            other => Err(format!("unknown contact kind « {other} »")),
        }
    }
}

/// One offer of help or request to be put in touch (never the message).
#[derive(Debug, Clone, PartialEq)]
pub struct NeedContact {
    pub id: i64,
    pub need_id: i64,
    pub from_user: i64,
    /// The member written to, if one was chosen; `None` once her account is deleted.
    pub to_user: Option<i64>,
    pub kind: NeedContactKind,
    pub at: DateTime<Utc>,
}

/// The answer to a webinar registration's « Quel est votre besoin ? », for its author to
/// complete into a need.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedDraft {
    pub id: i64,
    pub user_id: Option<i64>,
    pub email: String,
    pub event_id: Option<i64>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// When it became a need.
    pub used_at: Option<DateTime<Utc>>,
}

/// How many open needs are public, by territory and fragility of their published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNeedCount {
    pub territory: TerritoryRef,
    pub fragility: String,
    pub count: i64,
}

/// How many open needs are public for one territory (the one they were expressed for), and
/// how many of those are examples (« données d'exemple »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNeedTally {
    pub territory: TerritoryRef,
    pub count: i64,
    pub examples: i64,
}

/// What the besoins des territoires need from storage.
#[async_trait]
pub trait NeedStore: Send + Sync {
    /// A member submits a new need (`id` = None, its slug made from the title, unique,
    /// confirmed at once, `origin` kept) or a new version of hers (`origin` ignored), for
    /// review. What others see does not change before a moderator approves it. `NotFound`
    /// for an unknown id or a need that is not hers.
    async fn submit_need(
        &self,
        id: Option<i64>,
        author: i64,
        fields: &NeedFields,
        origin: NeedOrigin,
        now: DateTime<Utc>,
    ) -> StoreResult<Need>;
    /// A visitor submits a need: kept with her address and the SHA-256 (hex) of the secret
    /// of her confirmation link, valid until `expires`; moderation sees it only once
    /// confirmed ([`NeedStore::confirm_need`]).
    async fn submit_visitor_need(
        &self,
        fields: &NeedFields,
        origin: NeedOrigin,
        email: &str,
        token_hash: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Need>;
    /// Confirms the visitor's need whose link has this secret (SHA-256, hex): from then on
    /// it waits for a moderator. `None` for an unknown secret or one expired before use; a
    /// need already confirmed is returned as it is (the link may be followed twice).
    async fn confirm_need(&self, token_hash: &str, now: DateTime<Utc>)
        -> StoreResult<Option<Need>>;
    /// A moderator's new version of a visitor's confirmed need (it has no account to edit it
    /// from), for review as any version. `NotFound` for an unknown id, a member's need, or a
    /// visitor's need not confirmed yet.
    async fn revise_visitor_need(
        &self,
        id: i64,
        fields: &NeedFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Need>;
    /// Deletes the visitors' needs whose link expired before `now` unconfirmed; how many.
    async fn purge_unconfirmed_needs(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    async fn need(&self, id: i64) -> StoreResult<Option<Need>>;
    async fn need_by_slug(&self, slug: &str) -> StoreResult<Option<Need>>;
    /// The needs with these ids, in the order asked; an unknown id is left out.
    async fn needs_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Need>>;
    /// Needs with a published version (any status), by id, after `after` (0 for the first
    /// page), at most `limit` (1 to 10,000): all of them are read page by page.
    async fn published_needs(&self, after: i64, limit: u32) -> StoreResult<Vec<Need>>;
    /// Submitted (and confirmed) needs waiting for a decision, oldest first (500 at most).
    async fn pending_needs(&self) -> StoreResult<Vec<Need>>;
    /// The needs the member expressed, in any state, by id.
    async fn needs_of(&self, user_id: i64) -> StoreResult<Vec<Need>>;
    /// Approves (publishes) or rejects the pending revision `revision`. A conflict if the
    /// author submitted another one since, or if nothing is pending. Audited.
    async fn decide_need(
        &self,
        id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Need>;
    /// Moves the need to `to` and writes the step (`note`, by `actor`) in its trail, in one
    /// transaction. A move [`NeedStatus::may_become`] forbids is a `Conflict` on `status`
    /// and writes nothing; `NotFound` for an unknown id.
    async fn set_need_status(
        &self,
        id: i64,
        to: NeedStatus,
        note: &str,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Need>;
    /// Records an offer of help or a request to be put in touch from `from` (to `to`, if a
    /// member was chosen), moves an « ouvert » need to « en relation » and writes the step
    /// in its trail, in one transaction; the need as it now is. A `Conflict` on `status` if
    /// the need is not public or no longer open; `NotFound` for an unknown id.
    async fn record_need_contact(
        &self,
        need_id: i64,
        from: i64,
        to: Option<i64>,
        kind: NeedContactKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Need>;
    /// The offers and requests about a need, oldest first.
    async fn need_contacts(&self, need_id: i64) -> StoreResult<Vec<NeedContact>>;
    /// How many offers and requests the member sent since `since` (for her limits).
    async fn need_contacts_since(&self, from: i64, since: DateTime<Utc>) -> StoreResult<i64>;
    /// Creates example needs, published at once (origin « exemple »), in batches (one
    /// transaction per batch). Returns how many.
    async fn insert_example_needs(
        &self,
        needs: &[ExampleNeed],
        now: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// Creates imported needs, published at once (origin « import »), all in one
    /// transaction (all or none); each slug made from the title, unique; a status other than
    /// « ouvert » gets one step in the trail. Returns them in the order given.
    async fn import_needs(
        &self,
        needs: &[ImportedNeed],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Need>>;
    /// The public open needs (« ouvert », « en relation »), counted by territory and
    /// fragility of their published version.
    async fn open_need_counts(&self) -> StoreResult<Vec<OpenNeedCount>>;
    /// The public open needs counted by the territory they were expressed for, with how
    /// many of them are examples (the observatory's « besoins exprimés »).
    async fn open_needs_by_territory(&self) -> StoreResult<Vec<OpenNeedTally>>;
    /// The public « ouvert » needs no one ever offered help on nor asked to be put in touch
    /// about (no offer or request recorded; a need reopened after one is not among them):
    /// the longest waiting first (published longest ago, then by id), at most `limit` (1 to
    /// 500), and how many there are in all.
    async fn uncontacted_needs(&self, limit: u32) -> StoreResult<(Vec<Need>, i64)>;
    /// Keeps the answer to a webinar registration's « Quel est votre besoin ? ».
    async fn add_need_draft(
        &self,
        user_id: Option<i64>,
        email: &str,
        event_id: Option<i64>,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<NeedDraft>;
    /// Registers to an event as [`crate::EventStore::register`] does and keeps the
    /// registrant's answer to « Quel est votre besoin ? » as a draft need (hers: her account
    /// if `r.user_id`, else the registration's address), in one transaction: both or neither.
    async fn register_with_need_draft(
        &self,
        event_id: i64,
        r: &NewRegistration,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Registration, NeedDraft)>;
    /// One draft need, used or not.
    async fn need_draft(&self, id: i64) -> StoreResult<Option<NeedDraft>>;
    /// The draft needs of this member (`user_id`) or of this address (any case), used or
    /// not, oldest first.
    async fn need_drafts_of(
        &self,
        user_id: Option<i64>,
        email: &str,
    ) -> StoreResult<Vec<NeedDraft>>;
    /// Marks the draft as having become a need: true the first time, false when it was
    /// already used or does not exist.
    async fn use_need_draft(&self, id: i64, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Whether the member may be suggested to the authors of needs (yes by default).
    /// `NotFound` without a profile.
    async fn set_suggestible(&self, user_id: i64, suggestible: bool) -> StoreResult<()>;
    /// The members who refused to be suggested, by id (one indexed read, few rows).
    async fn unsuggestible_users(&self) -> StoreResult<Vec<i64>>;
    /// Changes at every change of a need (the `needs_version` setting).
    async fn needs_version(&self) -> StoreResult<String>;
}
