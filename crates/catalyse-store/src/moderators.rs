//! What the animators' dashboard and their mails read: how much waits moderation, who wants
//! to be told and how, the daily digest claimed once a day, the latest accounts.
//!
//! The trait, and its SQL as plain Rust generic over the backend (`crate::sql::Backing`).

use crate::accounts::USER_COLUMNS;
use crate::sql::{query, query_as, Backing, Conn, FromRow};
use crate::StoreResult;
use async_trait::async_trait;
use catalyse_core::{ModerationMail, User};
use sqlx::Executor;

/// How much waits for the animators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModerationCounts {
    /// Profiles submitted and not decided yet.
    pub profiles: i64,
    /// Places submitted and not decided yet.
    pub places: i64,
    /// Case studies submitted and not decided yet.
    pub cases: i64,
    /// Needs submitted (and confirmed, for a visitor's) and not decided yet.
    pub needs: i64,
    /// Reports not resolved yet.
    pub reports: i64,
}

impl ModerationCounts {
    pub fn total(&self) -> i64 {
        self.profiles + self.places + self.cases + self.needs + self.reports
    }
}

impl FromRow for ModerationCounts {
    fn from_row<DB: crate::sql::Engine>(r: &crate::sql::Row<DB>) -> StoreResult<Self> {
        Ok(ModerationCounts {
            profiles: r.try_get("profiles")?,
            places: r.try_get("places")?,
            cases: r.try_get("cases")?,
            needs: r.try_get("needs")?,
            reports: r.try_get("reports")?,
        })
    }
}

/// The animators' counts, preferences and digests.
#[async_trait]
pub trait ModeratorStore: Send + Sync {
    /// What waits: one statement over five indexed counts.
    async fn moderation_counts(&self) -> StoreResult<ModerationCounts>;
    /// Saves how a member hears of what waits moderation (read when she is a moderator).
    async fn set_moderation_mail(&self, user_id: i64, mail: ModerationMail) -> StoreResult<()>;
    /// The moderators and administrators with a verified address who chose `mail`, by id.
    async fn moderators_choosing(&self, mail: ModerationMail) -> StoreResult<Vec<User>>;
    /// Claims the daily digest of `day` (« AAAA-MM-JJ ») for this account: true once a day,
    /// false when it was claimed already (by this run, another one, another instance).
    async fn claim_digest(&self, user_id: i64, day: &str) -> StoreResult<bool>;
    /// Gives back a claim whose mail could not be sent, to try again.
    async fn release_digest(&self, user_id: i64, day: &str) -> StoreResult<()>;
    /// The `limit` accounts created last, newest first.
    async fn recent_users(&self, limit: u32) -> StoreResult<Vec<User>>;
}

#[async_trait]
impl<S: Backing> ModeratorStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn moderation_counts(&self) -> StoreResult<ModerationCounts> {
        query_as(
            "SELECT \
             (SELECT COUNT(*) FROM members WHERE review = 'pending') AS profiles, \
             (SELECT COUNT(*) FROM places WHERE review = 'pending') AS places, \
             (SELECT COUNT(*) FROM cases WHERE review = 'pending') AS cases, \
             (SELECT COUNT(*) FROM needs WHERE review = 'pending') AS needs, \
             (SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL) AS reports",
        )
        .fetch_one(self.r())
        .await
    }

    async fn set_moderation_mail(&self, user_id: i64, mail: ModerationMail) -> StoreResult<()> {
        let done = query("UPDATE users SET moderation_mail = $1 WHERE id = $2")
            .bind(mail.as_str())
            .bind(user_id)
            .execute(self.w())
            .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(())
    }

    async fn moderators_choosing(&self, mail: ModerationMail) -> StoreResult<Vec<User>> {
        query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE role IN ('moderator', 'admin') \
             AND moderation_mail = $1 AND email_verified_at IS NOT NULL ORDER BY id"
        ))
        .bind(mail.as_str())
        .fetch_all(self.r())
        .await
    }

    async fn claim_digest(&self, user_id: i64, day: &str) -> StoreResult<bool> {
        let done = query(
            "UPDATE users SET digest_day = $1 \
             WHERE id = $2 AND (digest_day IS NULL OR digest_day <> $1)",
        )
        .bind(day)
        .bind(user_id)
        .execute(self.w())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_digest(&self, user_id: i64, day: &str) -> StoreResult<()> {
        query("UPDATE users SET digest_day = NULL WHERE id = $1 AND digest_day = $2")
            .bind(user_id)
            .bind(day)
            .execute(self.w())
            .await?;
        Ok(())
    }

    async fn recent_users(&self, limit: u32) -> StoreResult<Vec<User>> {
        query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY created_at DESC, id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(self.r())
        .await
    }
}
