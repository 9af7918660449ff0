//! Open Badges' store: `BadgesStore` over SQL both engines take.

use super::credentials::{self, credential_row, slot, CREDENTIALS, NEWEST_FIRST};
use super::{
    BadgesStore, Credential, NewCredential, StoredAchievement, BADGES_STATE, STATUS_LIST_SIZE,
};
use crate::reference::{loaded_checksum, set_state};
use crate::sql::{corrupt, query, query_scalar, Backing, Conn, Engine, Row};
use crate::{ts, StoreError, StoreResult};
use async_trait::async_trait;
use catalyse_core::badges::AchievementFields;
use catalyse_core::text::fold;
use chrono::{DateTime, Utc};
use sqlx::{Executor, Transaction};
use std::collections::{BTreeSet, HashMap};

const ACHIEVEMENT_COLUMNS: &str = "id, slug, fields, position, shipped, edited_at, edited_by, \
                                   archived, created_at, updated_at";

/// An achievement's row, with its place in the file (`None` for the animators' own).
fn achievement_row<DB: Engine>(r: &Row<DB>) -> StoreResult<(StoredAchievement, Option<i64>)> {
    let fields: String = r.try_get("fields")?;
    Ok((
        StoredAchievement {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            fields: serde_json::from_str(&fields).map_err(corrupt)?,
            shipped: r.try_get("shipped")?,
            edited_at: r.time_opt("edited_at")?,
            edited_by: r.try_get("edited_by")?,
            archived: r.try_get("archived")?,
            created_at: r.time("created_at")?,
            updated_at: r.time("updated_at")?,
        },
        r.try_get("position")?,
    ))
}

fn fields_json(fields: &AchievementFields) -> StoreResult<String> {
    serde_json::to_string(fields).map_err(corrupt)
}

/// One value to look rows up by.
#[derive(Clone, Copy)]
enum Key<'a> {
    Text(&'a str),
    Int(i64),
}

/// Runs `sql` with `key` as its one parameter.
async fn rows_by<DB: Engine>(
    pool: &sqlx::Pool<DB>,
    sql: &str,
    key: Key<'_>,
) -> StoreResult<Vec<Row<DB>>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let q = query(sql);
    let q = match key {
        Key::Text(s) => q.bind(s),
        Key::Int(n) => q.bind(n),
    };
    Ok(q.fetch_all(pool).await?)
}

/// The achievement of `column = key`.
async fn read_achievement<DB: Engine>(
    pool: &sqlx::Pool<DB>,
    column: &str,
    key: Key<'_>,
) -> StoreResult<Option<StoredAchievement>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let sql = format!("SELECT {ACHIEVEMENT_COLUMNS} FROM achievements WHERE {column} = $1");
    let rows = rows_by(pool, &sql, key).await?;
    rows.first()
        .map(|r| achievement_row(r).map(|(a, _)| a))
        .transpose()
}

/// A change of the badges in the audit trail.
async fn audit<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    actor: Option<i64>,
    action: &str,
    target: String,
    details: &str,
    now: i64,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    query(
        "INSERT INTO audit_log (at, actor_id, action, target, details) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the loader knows of an achievement already stored.
struct Present {
    id: i64,
    fields: String,
    shipped: bool,
    edited: bool,
    archived: bool,
    position: Option<i64>,
    credentials: i64,
}

/// Stored achievements by slug, with how many credentials each has.
async fn present<DB: Engine>(tx: &mut Transaction<'_, DB>) -> StoreResult<HashMap<String, Present>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let rows = query(
        "SELECT a.id, a.slug, a.fields, a.shipped, a.edited_at, a.archived, a.position, \
         (SELECT COUNT(*) FROM credentials c WHERE c.achievement_id = a.id) AS n \
         FROM achievements a",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out = HashMap::new();
    for r in &rows {
        out.insert(
            r.try_get("slug")?,
            Present {
                id: r.try_get("id")?,
                fields: r.try_get("fields")?,
                shipped: r.try_get("shipped")?,
                edited: r.time_opt("edited_at")?.is_some(),
                archived: r.try_get("archived")?,
                position: r.try_get("position")?,
                credentials: r.try_get("n")?,
            },
        );
    }
    Ok(out)
}

/// Sets every row's place and shipped mark (nothing else) where they moved.
async fn place<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    id: i64,
    position: Option<i64>,
    shipped: bool,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    query("UPDATE achievements SET position = $1, shipped = $2 WHERE id = $3")
        .bind(position)
        .bind(shipped)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The credentials `sql` (on [`CREDENTIALS`]) selects with `key`.
async fn read_credentials<DB: Engine>(
    pool: &sqlx::Pool<DB>,
    sql: &str,
    key: Key<'_>,
) -> StoreResult<Vec<Credential>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    rows_by(pool, sql, key)
        .await?
        .iter()
        .map(credential_row)
        .collect()
}

#[async_trait]
impl<S: Backing> BadgesStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn load_shipped_achievements(
        &self,
        defs: &[(String, AchievementFields)],
        checksum: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let now = ts(now);
        let mut tx = self.begin_write().await?;
        if loaded_checksum(&mut *tx, BADGES_STATE).await?.as_deref() == Some(checksum) {
            return Ok(0);
        }
        let mut there = present(&mut tx).await?;
        let mut written = 0;
        for (i, (slug, fields)) in defs.iter().enumerate() {
            let position = Some(i as i64 + 1);
            let json = fields_json(fields)?;
            match there.remove(slug) {
                None => {
                    query(
                        "INSERT INTO achievements (slug, fields, position, shipped, created_at, \
                         updated_at) VALUES ($1, $2, $3, TRUE, $4, $4)",
                    )
                    .bind(slug)
                    .bind(json)
                    .bind(position)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        StoreError::on_unique(e, "slug", "the file names this slug twice")
                    })?;
                    written += 1;
                }
                Some(p) if !p.edited => {
                    let same: Option<AchievementFields> = serde_json::from_str(&p.fields).ok();
                    if same.as_ref() != Some(fields) || p.archived {
                        query(
                            "UPDATE achievements SET fields = $1, archived = FALSE, \
                             updated_at = $2 WHERE id = $3",
                        )
                        .bind(json)
                        .bind(now)
                        .bind(p.id)
                        .execute(&mut *tx)
                        .await?;
                        written += 1;
                    }
                    if !p.shipped || p.position != position {
                        place(&mut tx, p.id, position, true).await?;
                    }
                }
                Some(p) => {
                    if !p.shipped || p.position != position {
                        place(&mut tx, p.id, position, true).await?;
                    }
                }
            }
        }
        for p in there.into_values().filter(|p| p.shipped) {
            if p.edited {
                // The animators' own from now on.
                place(&mut tx, p.id, None, false).await?;
            } else if p.credentials > 0 {
                query(
                    "UPDATE achievements SET position = NULL, shipped = FALSE, archived = TRUE, \
                     updated_at = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(p.id)
                .execute(&mut *tx)
                .await?;
                written += 1;
            } else {
                query("DELETE FROM achievements WHERE id = $1")
                    .bind(p.id)
                    .execute(&mut *tx)
                    .await?;
                written += 1;
            }
        }
        set_state(&mut *tx, BADGES_STATE, checksum, now).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn achievements(&self, include_archived: bool) -> StoreResult<Vec<StoredAchievement>> {
        let filter = if include_archived {
            ""
        } else {
            " WHERE archived = FALSE"
        };
        let rows = query(&format!(
            "SELECT {ACHIEVEMENT_COLUMNS} FROM achievements{filter}"
        ))
        .fetch_all(self.r())
        .await?;
        let mut all: Vec<(StoredAchievement, Option<i64>)> =
            rows.iter().map(achievement_row).collect::<Result<_, _>>()?;
        all.sort_by_cached_key(|(a, position)| {
            (
                position.is_none(),
                *position,
                fold(&a.fields.name),
                a.fields.name.clone(),
                a.id,
            )
        });
        Ok(all.into_iter().map(|(a, _)| a).collect())
    }

    async fn achievement(&self, slug: &str) -> StoreResult<Option<StoredAchievement>> {
        read_achievement(self.r(), "slug", Key::Text(slug)).await
    }

    async fn achievement_by_id(&self, id: i64) -> StoreResult<Option<StoredAchievement>> {
        read_achievement(self.r(), "id", Key::Int(id)).await
    }

    async fn create_achievement(
        &self,
        slug: &str,
        fields: &AchievementFields,
        by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredAchievement> {
        let at = ts(now);
        let mut tx = self.begin_write().await?;
        let id: i64 = query_scalar(
            "INSERT INTO achievements (slug, fields, shipped, edited_at, edited_by, created_at, \
             updated_at) VALUES ($1, $2, FALSE, $3, $4, $3, $3) RETURNING id",
        )
        .bind(slug)
        .bind(fields_json(fields)?)
        .bind(at)
        .bind(by)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match e {
            StoreError::Database(e) => {
                StoreError::on_unique(e, "slug", "an achievement already has this slug")
            }
            other => other,
        })?;
        audit(
            &mut tx,
            Some(by),
            "badges.create",
            format!("achievement:{slug}"),
            "",
            at,
        )
        .await?;
        tx.commit().await?;
        read_achievement(self.w(), "id", Key::Int(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn update_achievement(
        &self,
        id: i64,
        fields: &AchievementFields,
        by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredAchievement> {
        let at = ts(now);
        let mut tx = self.begin_write().await?;
        let slug: Option<String> = query_scalar(
            "UPDATE achievements SET fields = $1, edited_at = $2, edited_by = $3, \
             updated_at = $2 WHERE id = $4 RETURNING slug",
        )
        .bind(fields_json(fields)?)
        .bind(at)
        .bind(by)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let slug = slug.ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            Some(by),
            "badges.edit",
            format!("achievement:{slug}"),
            "",
            at,
        )
        .await?;
        tx.commit().await?;
        read_achievement(self.w(), "id", Key::Int(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn set_achievement_archived(
        &self,
        id: i64,
        archived: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let at = ts(now);
        let mut tx = self.begin_write().await?;
        let slug: Option<String> = query_scalar(
            "UPDATE achievements SET archived = $1, edited_at = $2, updated_at = $2 \
             WHERE id = $3 RETURNING slug",
        )
        .bind(archived)
        .bind(at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let slug = slug.ok_or(StoreError::NotFound)?;
        let action = if archived {
            "badges.archive"
        } else {
            "badges.unarchive"
        };
        audit(&mut tx, None, action, format!("achievement:{slug}"), "", at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn allocate_status_slot(&self) -> StoreResult<(i64, i64)> {
        // One statement: PostgreSQL's row lock and SQLite's single writer make concurrent
        // callers take their turn, each with the count its own increment gave.
        let allocated: i64 = query_scalar(
            "INSERT INTO badge_status_slots (id, allocated) VALUES (1, 1) \
             ON CONFLICT (id) DO UPDATE SET allocated = badge_status_slots.allocated + 1 \
             RETURNING allocated",
        )
        .fetch_one(self.w())
        .await?;
        Ok(slot(allocated - 1))
    }

    async fn insert_credential(
        &self,
        c: &NewCredential,
        now: DateTime<Utc>,
    ) -> StoreResult<Credential> {
        let at = ts(now);
        let mut tx = self.begin_write().await?;
        credentials::insert(&mut tx, c, at).await?;
        let details = c.reason.as_deref().unwrap_or("");
        let target = format!("credential:{}", c.id);
        audit(&mut tx, c.issued_by, "badges.issue", target, details, at).await?;
        tx.commit().await?;
        let sql = format!("{CREDENTIALS} WHERE c.id = $1");
        read_credentials(self.w(), &sql, Key::Text(&c.id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    async fn has_credential(&self, user_id: i64, achievement_id: i64) -> StoreResult<bool> {
        let n: i64 = query_scalar(
            "SELECT COUNT(*) FROM credentials WHERE user_id = $1 AND achievement_id = $2",
        )
        .bind(user_id)
        .bind(achievement_id)
        .fetch_one(self.r())
        .await?;
        Ok(n > 0)
    }

    async fn credential(&self, id: &str) -> StoreResult<Option<Credential>> {
        let sql = format!("{CREDENTIALS} WHERE c.id = $1");
        Ok(read_credentials(self.r(), &sql, Key::Text(id)).await?.pop())
    }

    async fn credentials_of(&self, user_id: i64) -> StoreResult<Vec<Credential>> {
        let sql = format!("{CREDENTIALS} WHERE c.user_id = $1 {NEWEST_FIRST}");
        read_credentials(self.r(), &sql, Key::Int(user_id)).await
    }

    async fn credentials_of_achievement(
        &self,
        achievement_id: i64,
    ) -> StoreResult<Vec<Credential>> {
        let sql = format!("{CREDENTIALS} WHERE c.achievement_id = $1 {NEWEST_FIRST}");
        read_credentials(self.r(), &sql, Key::Int(achievement_id)).await
    }

    async fn recent_credentials(&self, limit: u32) -> StoreResult<Vec<Credential>> {
        let sql = format!("{CREDENTIALS} {NEWEST_FIRST} LIMIT $1");
        read_credentials(self.r(), &sql, Key::Int(i64::from(limit))).await
    }

    async fn set_credential_public(
        &self,
        id: &str,
        user_id: i64,
        public: bool,
    ) -> StoreResult<bool> {
        Ok(
            query("UPDATE credentials SET public = $1 WHERE id = $2 AND user_id = $3")
                .bind(public)
                .bind(id)
                .bind(user_id)
                .execute(self.w())
                .await?
                .rows_affected()
                > 0,
        )
    }

    async fn revoke_credential(
        &self,
        id: &str,
        by: Option<i64>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let at = ts(now);
        let mut tx = self.begin_write().await?;
        let done = credentials::revoke(&mut *tx, id, by, reason, at).await?;
        if done {
            let target = format!("credential:{id}");
            audit(&mut tx, by, "badges.revoke", target, reason, at).await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    async fn revoked_indexes(&self, list: i64) -> StoreResult<Vec<i64>> {
        query_scalar(
            "SELECT status_index FROM credentials WHERE status_list = $1 \
             AND revoked_at IS NOT NULL ORDER BY status_index",
        )
        .bind(list)
        .fetch_all(self.r())
        .await
    }

    async fn status_lists(&self) -> StoreResult<Vec<i64>> {
        let allocated: Option<i64> =
            query_scalar("SELECT allocated FROM badge_status_slots WHERE id = 1")
                .fetch_optional(self.r())
                .await?;
        let mut lists: BTreeSet<i64> =
            query_scalar::<_, i64>("SELECT DISTINCT status_list FROM credentials")
                .fetch_all(self.r())
                .await?
                .into_iter()
                .collect();
        if let Some(n) = allocated.filter(|n| *n > 0) {
            lists.extend(1..=(n - 1) / STATUS_LIST_SIZE + 1);
        }
        Ok(lists.into_iter().collect())
    }

    async fn lever_webinars_of(&self, user_id: i64) -> StoreResult<Vec<String>> {
        let rows: Vec<String> = query_scalar(
            "SELECT e.levers FROM events e WHERE e.kind = 'webinaire' \
             AND e.status <> 'cancelled' AND (\
             EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id \
             AND r.user_id = $1 AND r.attended = TRUE) \
             OR EXISTS (SELECT 1 FROM formation_units u JOIN formation_progress p \
             ON p.module_id = u.module_id AND p.unit_key = u.unit_key \
             WHERE u.kind = 'replay' AND u.target = e.slug AND p.user_id = $1))",
        )
        .bind(user_id)
        .fetch_all(self.r())
        .await?;
        let mut levers = BTreeSet::new();
        for json in rows {
            let these: Vec<String> = serde_json::from_str(&json).map_err(corrupt)?;
            levers.extend(these);
        }
        Ok(levers.into_iter().collect())
    }

    async fn achievement_holders(&self) -> StoreResult<HashMap<i64, i64>> {
        let rows = query(
            "SELECT achievement_id, COUNT(*) AS n FROM credentials WHERE revoked_at IS NULL \
             AND user_id IS NOT NULL GROUP BY achievement_id",
        )
        .fetch_all(self.r())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("achievement_id")?, r.try_get("n")?)))
            .collect()
    }
}
