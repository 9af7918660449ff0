//! Storage of the réseau des pionniers: email verification of new accounts, member profiles
//! and places with their moderation, reports, and the log of contact messages. The trait here,
//! its SQL in `sql.rs`, plain Rust generic over the backend like the other areas.

pub(crate) mod sql;

use async_trait::async_trait;
use catalyse_core::network::{
    Decision, Place, PlaceFields, Profile, ProfileFields, Report, Subject, Visibility,
};
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// A generated example member, created already verified, approved and consenting.
#[derive(Debug, Clone)]
pub struct ExampleMember {
    pub email: String,
    pub fields: ProfileFields,
    pub visibility: Visibility,
}

/// What the network needs from storage.
#[async_trait]
pub trait NetworkStore: Send + Sync {
    /// Submits a version of the member's profile for review, creating the profile (and its
    /// slug) the first time. Visibility and consent apply at once.
    async fn submit_profile(
        &self,
        user_id: i64,
        fields: &ProfileFields,
        visibility: Visibility,
        consent_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<Profile>;
    /// Changes who may see the profile, at once.
    async fn set_visibility(
        &self,
        user_id: i64,
        visibility: Visibility,
        consent_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<Profile>;
    async fn profile(&self, user_id: i64) -> StoreResult<Option<Profile>>;
    async fn profile_by_slug(&self, slug: &str) -> StoreResult<Option<Profile>>;
    async fn profiles_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Profile>>;
    /// Profiles with a published version, by user id, after `after` (0 for the first page),
    /// at most `limit`: the whole network is read page by page, never held at once.
    async fn published_profiles(&self, after: i64, limit: u32) -> StoreResult<Vec<Profile>>;
    /// Submitted profiles waiting for a decision, oldest first.
    async fn pending_profiles(&self) -> StoreResult<Vec<Profile>>;
    /// Approves (publishes) or rejects the pending revision `revision`. A conflict if the
    /// member submitted another one since, or if nothing is pending. Audited.
    async fn decide_profile(
        &self,
        user_id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Profile>;
    /// Creates example accounts with published profiles, in batches. Returns how many.
    async fn insert_example_members(
        &self,
        members: &[ExampleMember],
        now: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// Submits a new place (`id` = None) or a new version of one, for review.
    async fn submit_place(
        &self,
        id: Option<i64>,
        author: i64,
        fields: &PlaceFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Place>;
    async fn place(&self, id: i64) -> StoreResult<Option<Place>>;
    async fn place_by_slug(&self, slug: &str) -> StoreResult<Option<Place>>;
    /// Every place with a published version.
    async fn published_places(&self) -> StoreResult<Vec<Place>>;
    async fn pending_places(&self) -> StoreResult<Vec<Place>>;
    /// Places created by the member or run by her. Reads every place: for the rare
    /// complete answer (a data export); a page shows the places the network snapshot lists,
    /// read with [`NetworkStore::places_by_ids`].
    async fn places_of(&self, user_id: i64) -> StoreResult<Vec<Place>>;
    /// The places with these ids, in the order asked; an unknown id is left out.
    async fn places_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Place>>;
    async fn decide_place(
        &self,
        id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Place>;
    async fn insert_example_places(
        &self,
        places: &[PlaceFields],
        now: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// The moderation audit trail, newest first, for one subject or all.
    async fn decisions(
        &self,
        subject: Option<(Subject, i64)>,
        limit: u32,
    ) -> StoreResult<Vec<Decision>>;
    async fn create_report(
        &self,
        reporter_id: Option<i64>,
        subject: Subject,
        subject_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report>;
    /// Reports not yet resolved, oldest first.
    async fn open_reports(&self) -> StoreResult<Vec<Report>>;
    async fn resolve_report(
        &self,
        id: i64,
        moderator_id: i64,
        resolution: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report>;
    /// Logs a contact message unless the sender already sent `max` since `since`; returns
    /// whether it was logged (and so may be sent). Atomic.
    async fn record_contact(
        &self,
        sender_id: i64,
        recipient_id: i64,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        max: i64,
    ) -> StoreResult<bool>;
    /// How many contact messages the member sent, for her data export.
    async fn contacts_sent(&self, sender_id: i64) -> StoreResult<i64>;
}
