//! Storage of the pratiques innovantes: case studies submitted by members and moderated like
//! places (their versions as JSON, the revision a moderator decides on, the same audit
//! trail), archived rather than deleted, generated examples and the seed's reference cases.
//! The trait, and its SQL as plain Rust generic over the backend (`crate::sql::Backing`).
//!
//! Every write bumps the `cases_version` setting in its transaction, so that another instance
//! notices the change; the image files of a case's versions are listed in `case_files`, so
//! that the file store keeps them (`file_in_use`).

use crate::common::{bump_version, example_slugs, in_batches, read_version};
use crate::network::sql::{
    by_ids, decide, free_slug, json, moderated, pending, to_json, Verdict, CASE_COLUMNS, RESUBMIT,
};
use crate::sql::{
    corrupt, query, query_as, query_scalar, values_list, Backing, Conn, Engine, FromRow, Row,
};
use crate::{read_ts, ts, StoreError, StoreResult};
use async_trait::async_trait;
use catalyse_core::cases::{Case, CaseFields};
use catalyse_core::network::Subject;
use chrono::{DateTime, Utc};
use sqlx::{Executor, Transaction};
use std::collections::{BTreeSet, HashMap};

/// The settings key whose value grows by one at every change of a case: a number, written
/// only by this store (`cases_version` reads it; never set it by hand).
pub const CASES_VERSION_KEY: &str = "cases_version";

/// Rows per generated insert of example cases (9 values each).
const EXAMPLE_CHUNK: usize = 200;

/// A generated example case (« données d'exemple »), published at once.
#[derive(Debug, Clone)]
pub struct ExampleCase {
    pub fields: CaseFields,
    /// The example member who documented it, if any.
    pub created_by: Option<i64>,
}

/// One of the experiences the seed documents, shipped with the platform under a fixed slug.
#[derive(Debug, Clone)]
pub struct ReferenceCase {
    pub slug: String,
    pub fields: CaseFields,
}

/// A case imported from a file by the operator (`catalyse cases import`), in the name of an
/// existing account, published at once.
#[derive(Debug, Clone)]
pub struct ImportedCase {
    pub fields: CaseFields,
    pub created_by: i64,
}

/// What the pratiques innovantes need from storage.
#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Submits a new case (`id` = None, its slug made from the title, unique) or a new
    /// version of one, for review. What others see does not change before a moderator
    /// approves it. `NotFound` for an unknown id.
    async fn submit_case(
        &self,
        id: Option<i64>,
        author: i64,
        fields: &CaseFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Case>;
    async fn case(&self, id: i64) -> StoreResult<Option<Case>>;
    async fn case_by_slug(&self, slug: &str) -> StoreResult<Option<Case>>;
    /// The cases with these ids, in the order asked; an unknown id is left out.
    async fn cases_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Case>>;
    /// Public cases (published and not archived), by id, after `after` (0 for the first
    /// page), at most `limit` (1 to 10,000): all of them are read page by page.
    async fn published_cases(&self, after: i64, limit: u32) -> StoreResult<Vec<Case>>;
    /// Submitted cases waiting for a decision, oldest first (500 at most).
    async fn pending_cases(&self) -> StoreResult<Vec<Case>>;
    /// The cases the member created, in any state, by id.
    async fn cases_of(&self, user_id: i64) -> StoreResult<Vec<Case>>;
    /// Approves (publishes) or rejects the pending revision `revision`. A conflict if the
    /// author submitted another one since, or if nothing is pending. Audited.
    async fn decide_case(
        &self,
        id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Case>;
    /// Withdraws the case from every public view (its versions are kept). Archiving an
    /// archived case changes nothing. `NotFound` for an unknown id.
    async fn archive_case(&self, id: i64, now: DateTime<Utc>) -> StoreResult<Case>;
    /// Gives an archived case back to public view (if it has a published version).
    async fn unarchive_case(&self, id: i64, now: DateTime<Utc>) -> StoreResult<Case>;
    /// Creates example cases, published at once, in batches (one transaction per batch).
    /// Returns how many.
    async fn insert_example_cases(
        &self,
        cases: &[ExampleCase],
        now: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// Creates the reference cases, published at once, or brings their published version
    /// up to date: idempotent by slug. A conflict if a member's case holds one of the slugs.
    /// Returns how many were created or changed.
    async fn insert_reference_cases(
        &self,
        cases: &[ReferenceCase],
        now: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// Creates imported cases, published at once, all in one transaction (all or none);
    /// each slug is made from the title, unique. Returns them in the order given.
    async fn import_cases(
        &self,
        cases: &[ImportedCase],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Case>>;
    /// Changes at every change of a case (the `cases_version` setting).
    async fn cases_version(&self) -> StoreResult<String>;
    /// Cases as harvested (OAI-PMH): every case ever published, archived ones included (as
    /// deleted records), with `from <= updated_at <= until`, strictly after `after` (last
    /// change, id), by (last change, id), at most `limit`; and how many match from/until.
    async fn harvest_cases(&self, q: &CaseHarvest) -> StoreResult<(Vec<Case>, u64)>;
    /// The first change of a case ever published.
    async fn harvest_cases_earliest(&self) -> StoreResult<Option<DateTime<Utc>>>;
}

/// What [`CaseStore::harvest_cases`] selects.
#[derive(Debug, Clone, Default)]
pub struct CaseHarvest {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Strictly after this (last change, id).
    pub after: Option<(DateTime<Utc>, i64)>,
    pub limit: u32,
}

impl FromRow for Case {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Case {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            created_by: r.try_get("created_by")?,
            moderated: moderated(r)?,
            archived_at: r.time_opt("archived_at")?,
            is_example: r.try_get("is_example")?,
            is_reference: r.try_get("is_reference")?,
            created_at: r.time("created_at")?,
            updated_at: r.time("updated_at")?,
        })
    }
}

/// Adds one to `cases_version`, in the writer's transaction.
async fn bump<DB: Engine>(tx: &mut Transaction<'_, DB>) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    bump_version(tx, CASES_VERSION_KEY).await
}

/// Lists again the image files of the case's versions in `case_files`.
async fn sync_files<DB: Engine>(tx: &mut Transaction<'_, DB>, case: &Case) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let files: BTreeSet<&str> = case
        .moderated
        .versions()
        .flat_map(|f| f.image_files())
        .filter(|f| !f.is_empty())
        .collect();
    query("DELETE FROM case_files WHERE case_id = $1")
        .bind(case.id)
        .execute(&mut **tx)
        .await?;
    for f in files {
        query("INSERT INTO case_files (case_id, sha256) VALUES ($1, $2)")
            .bind(case.id)
            .bind(f)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Sets or clears `archived_at`; the case as it now is, unchanged if it already was so.
async fn set_archived<S: Backing>(
    store: &S,
    id: i64,
    archived: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> StoreResult<Case>
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    let mut tx = store.begin_write().await?;
    let state = if archived.is_some() {
        "archived_at IS NULL"
    } else {
        "archived_at IS NOT NULL"
    };
    let changed: Option<Case> = query_as(&format!(
        "UPDATE cases SET archived_at = $1, updated_at = $2 WHERE id = $3 AND {state} \
         RETURNING {CASE_COLUMNS}"
    ))
    .bind(archived.map(ts))
    .bind(ts(now))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let case = match changed {
        Some(c) => {
            bump(&mut tx).await?;
            c
        }
        None => query_as(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?,
    };
    tx.commit().await?;
    Ok(case)
}

/// Inserts one batch of example cases in the transaction; their ids by slug.
async fn insert_examples<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    chunk: &[ExampleCase],
    now: DateTime<Utc>,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let titles: Vec<&str> = chunk.iter().map(|c| c.fields.title.as_str()).collect();
    let slugs = example_slugs(tx, "cases", &titles, "pratique").await?;
    let sql = format!(
        "INSERT INTO cases (slug, created_by, published, published_at, revision, \
         submitted_at, is_example, created_at, updated_at) VALUES {} RETURNING id, slug",
        values_list::<DB>(chunk.len(), 9)
    );
    let mut q = query(&sql);
    for (c, slug) in chunk.iter().zip(&slugs) {
        q = q
            .bind(slug.clone())
            .bind(c.created_by)
            .bind(to_json(&c.fields)?)
            .bind(ts(now))
            .bind(1i64)
            .bind(ts(now))
            .bind(true)
            .bind(ts(now))
            .bind(ts(now));
    }
    let rows = q
        .fetch_all(&mut **tx)
        .await
        .map_err(|e| StoreError::on_unique(e, "slug", "an example case's slug is taken"))?;
    let ids: HashMap<String, i64> = rows
        .iter()
        .map(|r| Ok((r.try_get("slug")?, r.try_get("id")?)))
        .collect::<StoreResult<_>>()?;
    for (c, slug) in chunk.iter().zip(&slugs) {
        let id = *ids.get(slug).ok_or_else(|| corrupt("example case id"))?;
        let files: BTreeSet<&str> = c.fields.image_files().filter(|f| !f.is_empty()).collect();
        for f in files {
            query("INSERT INTO case_files (case_id, sha256) VALUES ($1, $2)")
                .bind(id)
                .bind(f)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl<S: Backing> CaseStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn submit_case(
        &self,
        id: Option<i64>,
        author: i64,
        fields: &CaseFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Case> {
        let mut tx = self.begin_write().await?;
        let draft = to_json(fields)?;
        let case: Case = match id {
            Some(id) => query_as(&format!(
                "UPDATE cases SET {RESUBMIT} WHERE id = $3 RETURNING {CASE_COLUMNS}"
            ))
            .bind(&draft)
            .bind(ts(now))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?,
            None => {
                let slug = free_slug(&mut *tx, "cases", &fields.title, "pratique").await?;
                let row = query(&format!(
                    "INSERT INTO cases (slug, created_by, draft, review, revision, \
                     submitted_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'pending', 1, $4, $4, $4) \
                     RETURNING {CASE_COLUMNS}"
                ))
                .bind(&slug)
                .bind(author)
                .bind(&draft)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    StoreError::on_unique(e, "slug", "another case took this slug meanwhile")
                })?;
                Case::from_row(&row)?
            }
        };
        sync_files(&mut tx, &case).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(case)
    }

    async fn case(&self, id: i64) -> StoreResult<Option<Case>> {
        query_as(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.r())
            .await
    }

    async fn case_by_slug(&self, slug: &str) -> StoreResult<Option<Case>> {
        query_as(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(self.r())
            .await
    }

    async fn cases_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Case>> {
        by_ids(self.r(), Subject::Case, ids, |c: &Case| c.id).await
    }

    async fn published_cases(&self, after: i64, limit: u32) -> StoreResult<Vec<Case>> {
        query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE published IS NOT NULL \
             AND archived_at IS NULL AND id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(self.r())
        .await
    }

    async fn pending_cases(&self) -> StoreResult<Vec<Case>> {
        pending(self.r(), Subject::Case).await
    }

    async fn cases_of(&self, user_id: i64) -> StoreResult<Vec<Case>> {
        query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE created_by = $1 ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(self.r())
        .await
    }

    async fn decide_case(
        &self,
        id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Case> {
        let mut tx = self.begin_write().await?;
        let verdict = Verdict {
            revision,
            approve,
            reason,
            moderator_id,
            now,
        };
        let case: Case = decide(&mut tx, Subject::Case, id, &verdict).await?;
        sync_files(&mut tx, &case).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(case)
    }

    async fn archive_case(&self, id: i64, now: DateTime<Utc>) -> StoreResult<Case> {
        set_archived(self, id, Some(now), now).await
    }

    async fn unarchive_case(&self, id: i64, now: DateTime<Utc>) -> StoreResult<Case> {
        set_archived(self, id, None, now).await
    }

    async fn insert_example_cases(
        &self,
        cases: &[ExampleCase],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        in_batches(
            self,
            cases,
            EXAMPLE_CHUNK,
            CASES_VERSION_KEY,
            |tx, chunk| Box::pin(insert_examples(tx, chunk, now)),
        )
        .await
    }

    async fn insert_reference_cases(
        &self,
        cases: &[ReferenceCase],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let mut written = 0;
        for c in cases {
            let existing = query(&format!(
                "SELECT is_reference, published FROM cases WHERE slug = $1{}",
                <S::Db as Engine>::FOR_UPDATE
            ))
            .bind(&c.slug)
            .fetch_optional(&mut *tx)
            .await?;
            let published = to_json(&c.fields)?;
            let case: Case = match existing {
                None => {
                    query_as(&format!(
                        "INSERT INTO cases (slug, published, published_at, revision, \
                     submitted_at, is_reference, created_at, updated_at) \
                     VALUES ($1, $2, $3, 1, $3, TRUE, $3, $3) RETURNING {CASE_COLUMNS}"
                    ))
                    .bind(&c.slug)
                    .bind(&published)
                    .bind(ts(now))
                    .fetch_one(&mut *tx)
                    .await?
                }
                Some(row) => {
                    if !row.try_get::<bool, _>("is_reference")? {
                        return Err(StoreError::Conflict {
                            field: "slug",
                            message: format!("the slug « {} » belongs to a member's case", c.slug),
                        });
                    }
                    if json::<CaseFields, _>(&row, "published")?.as_ref() == Some(&c.fields) {
                        continue;
                    }
                    query_as(&format!(
                        "UPDATE cases SET published = $1, published_at = $2, \
                         updated_at = $2 WHERE slug = $3 RETURNING {CASE_COLUMNS}"
                    ))
                    .bind(&published)
                    .bind(ts(now))
                    .bind(&c.slug)
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            sync_files(&mut tx, &case).await?;
            written += 1;
        }
        if written > 0 {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn import_cases(
        &self,
        cases: &[ImportedCase],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Case>> {
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(cases.len());
        for c in cases {
            let slug = free_slug(&mut *tx, "cases", &c.fields.title, "pratique").await?;
            let case: Case = query_as(&format!(
                "INSERT INTO cases (slug, created_by, published, published_at, revision, \
                 submitted_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $4, $4, $4) \
                 RETURNING {CASE_COLUMNS}"
            ))
            .bind(&slug)
            .bind(c.created_by)
            .bind(to_json(&c.fields)?)
            .bind(ts(now))
            .fetch_one(&mut *tx)
            .await?;
            sync_files(&mut tx, &case).await?;
            out.push(case);
        }
        if !out.is_empty() {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn cases_version(&self) -> StoreResult<String> {
        read_version(self.r(), CASES_VERSION_KEY).await
    }

    async fn harvest_cases(&self, q: &CaseHarvest) -> StoreResult<(Vec<Case>, u64)> {
        // One text for both engines; absent criteria are neutral bounds.
        let (after_at, after_id) = q
            .after
            .map(|(t, i)| (ts(t), i))
            .unwrap_or((i64::MIN, i64::MIN));
        let from = q.from.map(ts).unwrap_or(i64::MIN);
        let until = q.until.map(ts).unwrap_or(i64::MAX);
        let filter = "published IS NOT NULL AND updated_at >= $1 AND updated_at <= $2";
        let total: i64 = query_scalar(&format!("SELECT COUNT(*) FROM cases WHERE {filter}"))
            .bind(from)
            .bind(until)
            .fetch_one(self.r())
            .await?;
        let items = query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {filter} \
             AND (updated_at > $3 OR (updated_at = $3 AND id > $4)) \
             ORDER BY updated_at, id LIMIT $5"
        ))
        .bind(from)
        .bind(until)
        .bind(after_at)
        .bind(after_id)
        .bind(i64::from(q.limit.min(10_000)))
        .fetch_all(self.r())
        .await?;
        Ok((items, total as u64))
    }

    async fn harvest_cases_earliest(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let t: Option<i64> =
            query_scalar("SELECT MIN(updated_at) FROM cases WHERE published IS NOT NULL")
                .fetch_one(self.r())
                .await?;
        t.map(|s| read_ts(s, "updated_at")).transpose()
    }
}
