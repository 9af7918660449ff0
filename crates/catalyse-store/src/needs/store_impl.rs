//! The needs' store: `NeedStore` over the SQL of `sql` and the bulk loads of `loads`.

use super::loads::{insert_draft, insert_examples, insert_imports, register_with_draft};
use super::sql::*;
use super::{
    ExampleNeed, ImportedNeed, NeedContact, NeedContactKind, NeedDraft, NeedStore, OpenNeedCount,
    OpenNeedTally, NEEDS_VERSION_KEY,
};
use crate::common::{in_batches, read_version};
use crate::network::sql::{
    by_ids, decide, free_slug, pending, to_json, Verdict, NEED_COLUMNS, RESUBMIT,
};
use crate::sql::{query, query_as, query_scalar, Backing, Conn, Engine};
use crate::{ts, NewRegistration, Registration, StoreError, StoreResult};
use async_trait::async_trait;
use catalyse_core::needs::{Need, NeedFields, NeedOrigin, NeedStatus};
use catalyse_core::network::Subject;
use chrono::{DateTime, Utc};
use sqlx::Executor;

#[async_trait]
impl<S: Backing> NeedStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn submit_need(
        &self,
        id: Option<i64>,
        author: i64,
        fields: &NeedFields,
        origin: NeedOrigin,
        now: DateTime<Utc>,
    ) -> StoreResult<Need> {
        let mut tx = self.begin_write().await?;
        let draft = to_json(fields)?;
        let id: i64 = match id {
            Some(id) => query_scalar(&format!(
                "UPDATE needs SET {RESUBMIT} WHERE id = $3 AND author_id = $4 RETURNING id"
            ))
            .bind(&draft)
            .bind(ts(now))
            .bind(id)
            .bind(author)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?,
            None => {
                let slug = free_slug(&mut *tx, "needs", &fields.title, "besoin").await?;
                query(
                    "INSERT INTO needs (slug, author_id, confirmed_at, draft, review, \
                     revision, submitted_at, origin, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'pending', 1, $3, $5, $3, $3) RETURNING id",
                )
                .bind(&slug)
                .bind(author)
                .bind(ts(now))
                .bind(&draft)
                .bind(origin.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::on_unique(e, "slug", "another need took this slug"))?
                .try_get("id")?
            }
        };
        bump(&mut tx).await?;
        let need = need_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(need)
    }

    async fn revise_visitor_need(
        &self,
        id: i64,
        fields: &NeedFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Need> {
        let mut tx = self.begin_write().await?;
        let id: i64 = query_scalar(&format!(
            "UPDATE needs SET {RESUBMIT} WHERE id = $3 AND author_id IS NULL \
             AND confirmed_at IS NOT NULL RETURNING id"
        ))
        .bind(to_json(fields)?)
        .bind(ts(now))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        bump(&mut tx).await?;
        let need = need_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(need)
    }

    async fn submit_visitor_need(
        &self,
        fields: &NeedFields,
        origin: NeedOrigin,
        email: &str,
        token_hash: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Need> {
        let mut tx = self.begin_write().await?;
        let slug = free_slug(&mut *tx, "needs", &fields.title, "besoin").await?;
        let need: Need = query_as(&format!(
            "INSERT INTO needs (slug, author_email, confirm_token_hash, confirm_expires_at, \
             draft, revision, origin, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7) RETURNING {NEED_COLUMNS}"
        ))
        .bind(&slug)
        .bind(email)
        .bind(token_hash)
        .bind(ts(expires))
        .bind(to_json(fields)?)
        .bind(origin.as_str())
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(need)
    }

    async fn confirm_need(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Need>> {
        let mut tx = self.begin_write().await?;
        let row = query(&format!(
            "SELECT id, confirmed_at, confirm_expires_at FROM needs \
             WHERE confirm_token_hash = $1{}",
            <S::Db as Engine>::FOR_UPDATE
        ))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        if row.time_opt("confirmed_at")?.is_none() {
            let expires = row.time_opt("confirm_expires_at")?;
            if expires.is_none_or(|t| t <= now) {
                return Ok(None);
            }
            query(
                "UPDATE needs SET confirmed_at = $1, review = 'pending', submitted_at = $1, \
                 updated_at = $1 WHERE id = $2",
            )
            .bind(ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            bump(&mut tx).await?;
        }
        let need = need_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(need))
    }

    async fn purge_unconfirmed_needs(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let gone =
            query("DELETE FROM needs WHERE confirmed_at IS NULL AND confirm_expires_at <= $1")
                .bind(ts(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if gone > 0 {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(gone)
    }

    async fn need(&self, id: i64) -> StoreResult<Option<Need>> {
        let found = query_as(&format!("SELECT {NEED_COLUMNS} FROM needs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.r())
            .await?;
        Ok(with_trails(self.r(), found.into_iter().collect())
            .await?
            .pop())
    }

    async fn need_by_slug(&self, slug: &str) -> StoreResult<Option<Need>> {
        let found = query_as(&format!("SELECT {NEED_COLUMNS} FROM needs WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(self.r())
            .await?;
        Ok(with_trails(self.r(), found.into_iter().collect())
            .await?
            .pop())
    }

    async fn needs_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Need>> {
        let needs = by_ids(self.r(), Subject::Need, ids, |n: &Need| n.id).await?;
        with_trails(self.r(), needs).await
    }

    async fn published_needs(&self, after: i64, limit: u32) -> StoreResult<Vec<Need>> {
        let needs = query_as(&format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE published IS NOT NULL AND id > $1 \
             ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(self.r())
        .await?;
        with_trails(self.r(), needs).await
    }

    async fn pending_needs(&self) -> StoreResult<Vec<Need>> {
        let needs = pending(self.r(), Subject::Need).await?;
        with_trails(self.r(), needs).await
    }

    async fn needs_of(&self, user_id: i64) -> StoreResult<Vec<Need>> {
        let needs = query_as(&format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE author_id = $1 ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(self.r())
        .await?;
        with_trails(self.r(), needs).await
    }

    async fn decide_need(
        &self,
        id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Need> {
        let mut tx = self.begin_write().await?;
        let verdict = Verdict {
            revision,
            approve,
            reason,
            moderator_id,
            now,
        };
        let need: Need = decide(&mut tx, Subject::Need, id, &verdict).await?;
        let (level, code, fragility) = indexed(need.moderated.published.as_ref());
        query(
            "UPDATE needs SET territory_level = $1, territory_code = $2, fragility = $3 \
             WHERE id = $4",
        )
        .bind(level)
        .bind(code)
        .bind(fragility)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        bump(&mut tx).await?;
        let need = need_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(need)
    }

    async fn set_need_status(
        &self,
        id: i64,
        to: NeedStatus,
        note: &str,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Need> {
        let mut tx = self.begin_write().await?;
        let (from, _) = status_in(&mut tx, id).await?;
        if !from.may_become(to) {
            return Err(StoreError::Conflict {
                field: "status",
                message: format!(
                    "a need « {} » cannot become « {} »",
                    from.label_fr(),
                    to.label_fr()
                ),
            });
        }
        step(&mut tx, id, (from, to), note, actor, now).await?;
        bump(&mut tx).await?;
        let need = need_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(need)
    }

    async fn record_need_contact(
        &self,
        need_id: i64,
        from: i64,
        to: Option<i64>,
        kind: NeedContactKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Need> {
        let mut tx = self.begin_write().await?;
        let (status, public) = status_in(&mut tx, need_id).await?;
        if !public || !status.is_open() {
            return Err(StoreError::Conflict {
                field: "status",
                message: "this need is not public or no longer open".into(),
            });
        }
        query(
            "INSERT INTO need_contacts (need_id, from_user, to_user, kind, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(need_id)
        .bind(from)
        .bind(to)
        .bind(kind.as_str())
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        let moved = (status, NeedStatus::EnRelation);
        step(&mut tx, need_id, moved, kind.note(), Some(from), now).await?;
        bump(&mut tx).await?;
        let need = need_in(&mut tx, need_id).await?;
        tx.commit().await?;
        Ok(need)
    }

    async fn need_contacts(&self, need_id: i64) -> StoreResult<Vec<NeedContact>> {
        query_as(&format!(
            "SELECT {CONTACT_COLUMNS} FROM need_contacts WHERE need_id = $1 ORDER BY at, id"
        ))
        .bind(need_id)
        .fetch_all(self.r())
        .await
    }

    async fn need_contacts_since(&self, from: i64, since: DateTime<Utc>) -> StoreResult<i64> {
        query_scalar("SELECT COUNT(*) FROM need_contacts WHERE from_user = $1 AND at >= $2")
            .bind(from)
            .bind(ts(since))
            .fetch_one(self.r())
            .await
    }

    async fn insert_example_needs(
        &self,
        needs: &[ExampleNeed],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        in_batches(
            self,
            needs,
            EXAMPLE_CHUNK,
            NEEDS_VERSION_KEY,
            |tx, chunk| Box::pin(insert_examples(tx, chunk, now)),
        )
        .await
    }

    async fn import_needs(
        &self,
        needs: &[ImportedNeed],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Need>> {
        let mut tx = self.begin_write().await?;
        let out = insert_imports(&mut tx, needs, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn open_need_counts(&self) -> StoreResult<Vec<OpenNeedCount>> {
        query_as(
            "SELECT territory_level, territory_code, fragility, COUNT(*) AS n FROM needs \
             WHERE published IS NOT NULL AND status IN ('ouvert', 'en-relation') \
             GROUP BY territory_level, territory_code, fragility \
             ORDER BY territory_level, territory_code, fragility",
        )
        .fetch_all(self.r())
        .await
    }

    async fn open_needs_by_territory(&self) -> StoreResult<Vec<OpenNeedTally>> {
        // `COUNT` and a `SUM` of integers are 64-bit on both engines (`CAST` keeps the sum
        // an integer on PostgreSQL, where it would otherwise be a numeric).
        query_as(
            "SELECT territory_level, territory_code, COUNT(*) AS n, \
             CAST(SUM(CASE WHEN is_example THEN 1 ELSE 0 END) AS BIGINT) AS examples \
             FROM needs WHERE published IS NOT NULL AND status IN ('ouvert', 'en-relation') \
             GROUP BY territory_level, territory_code ORDER BY territory_level, territory_code",
        )
        .fetch_all(self.r())
        .await
    }

    async fn uncontacted_needs(&self, limit: u32) -> StoreResult<(Vec<Need>, i64)> {
        let total = query_scalar(&format!("SELECT COUNT(*) FROM needs WHERE {UNCONTACTED}"))
            .fetch_one(self.r())
            .await?;
        let needs = query_as(&format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE {UNCONTACTED} \
             ORDER BY published_at, id LIMIT $1"
        ))
        .bind(i64::from(limit.clamp(1, 500)))
        .fetch_all(self.r())
        .await?;
        Ok((with_trails(self.r(), needs).await?, total))
    }

    async fn add_need_draft(
        &self,
        user_id: Option<i64>,
        email: &str,
        event_id: Option<i64>,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<NeedDraft> {
        insert_draft(self.w(), (user_id, email), event_id, text, now).await
    }

    async fn register_with_need_draft(
        &self,
        event_id: i64,
        r: &NewRegistration,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Registration, NeedDraft)> {
        let mut tx = self.begin_write().await?;
        let done = register_with_draft(&mut tx, event_id, r, text, now).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn need_draft(&self, id: i64) -> StoreResult<Option<NeedDraft>> {
        query_as(&format!(
            "SELECT {DRAFT_COLUMNS} FROM need_drafts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.r())
        .await
    }

    async fn need_drafts_of(
        &self,
        user_id: Option<i64>,
        email: &str,
    ) -> StoreResult<Vec<NeedDraft>> {
        query_as(&format!(
            "SELECT {DRAFT_COLUMNS} FROM need_drafts \
             WHERE user_id = $1 OR LOWER(email) = LOWER($2) ORDER BY created_at, id"
        ))
        .bind(user_id)
        .bind(email)
        .fetch_all(self.r())
        .await
    }

    async fn use_need_draft(&self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = query("UPDATE need_drafts SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(ts(now))
            .bind(id)
            .execute(self.w())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_suggestible(&self, user_id: i64, suggestible: bool) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = query("UPDATE members SET suggestible = $1 WHERE user_id = $2")
            .bind(suggestible)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unsuggestible_users(&self) -> StoreResult<Vec<i64>> {
        query_scalar("SELECT user_id FROM members WHERE NOT suggestible ORDER BY user_id")
            .fetch_all(self.r())
            .await
    }

    async fn needs_version(&self) -> StoreResult<String> {
        read_version(self.r(), NEEDS_VERSION_KEY).await
    }
}
