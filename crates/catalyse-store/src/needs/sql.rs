//! The needs' SQL, one text for both engines (see `crate::sql`).

use super::{NeedContact, NeedDraft, OpenNeedCount, OpenNeedTally, NEEDS_VERSION_KEY};
use crate::common::bump_version;
use crate::network::sql::{moderated, NEED_COLUMNS};
use crate::sql::{corrupt, query, query_as, Conn, Engine, FromRow, Row, CHUNK};
use crate::{ts, StoreError, StoreResult};
use catalyse_core::needs::{Need, NeedEvent, NeedFields, NeedStatus};
use catalyse_core::network::TerritoryRef;
use chrono::{DateTime, Utc};
use sqlx::{Executor, Pool, Transaction};
use std::collections::HashMap;

/// Rows per generated insert of example needs (16 values each).
pub(super) const EXAMPLE_CHUNK: usize = 200;
pub(super) const CONTACT_COLUMNS: &str = "id, need_id, from_user, to_user, kind, at";
pub(super) const DRAFT_COLUMNS: &str = "id, user_id, email, event_id, text, created_at, used_at";
pub(super) const STEP_COLUMNS: &str = "need_id, at, status, note";
/// The public « ouvert » needs with no offer or request recorded (`NeedStore::uncontacted_needs`).
pub(super) const UNCONTACTED: &str = "published IS NOT NULL AND status = 'ouvert' \
    AND NOT EXISTS (SELECT 1 FROM need_contacts c WHERE c.need_id = needs.id)";

pub(super) fn parsed<T: std::str::FromStr<Err = String>, DB: Engine>(
    r: &Row<DB>,
    col: &str,
) -> StoreResult<T> {
    r.try_get::<String, _>(col)?.parse().map_err(corrupt)
}

impl FromRow for Need {
    /// The need without its trail (see [`with_trails`] and [`need_in`]).
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Need {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            author_id: r.try_get("author_id")?,
            author_email: r.try_get("author_email")?,
            confirmed_at: r.time_opt("confirmed_at")?,
            moderated: moderated(r)?,
            status: parsed(r, "status")?,
            trail: vec![],
            origin: parsed(r, "origin")?,
            is_example: r.try_get("is_example")?,
            created_at: r.time("created_at")?,
            updated_at: r.time("updated_at")?,
        })
    }
}

/// One step of a trail, with the need it belongs to.
struct Step(i64, NeedEvent);

impl FromRow for Step {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Step(
            r.try_get("need_id")?,
            NeedEvent {
                at: r.time("at")?,
                status: parsed(r, "status")?,
                note: r.try_get("note")?,
            },
        ))
    }
}

impl FromRow for NeedContact {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(NeedContact {
            id: r.try_get("id")?,
            need_id: r.try_get("need_id")?,
            from_user: r.try_get("from_user")?,
            to_user: r.try_get("to_user")?,
            kind: parsed(r, "kind")?,
            at: r.time("at")?,
        })
    }
}

impl FromRow for NeedDraft {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(NeedDraft {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            email: r.try_get("email")?,
            event_id: r.try_get("event_id")?,
            text: r.try_get("text")?,
            created_at: r.time("created_at")?,
            used_at: r.time_opt("used_at")?,
        })
    }
}

impl FromRow for OpenNeedCount {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(OpenNeedCount {
            territory: TerritoryRef {
                level: parsed(r, "territory_level")?,
                code: r.try_get("territory_code")?,
            },
            fragility: r.try_get("fragility")?,
            count: r.try_get("n")?,
        })
    }
}

impl FromRow for OpenNeedTally {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(OpenNeedTally {
            territory: TerritoryRef {
                level: parsed(r, "territory_level")?,
                code: r.try_get("territory_code")?,
            },
            count: r.try_get("n")?,
            examples: r.try_get("examples")?,
        })
    }
}

/// Adds one to `needs_version`, in the writer's transaction.
pub(super) async fn bump<DB: Engine>(tx: &mut Transaction<'_, DB>) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    bump_version(tx, NEEDS_VERSION_KEY).await
}

/// The needs with their trails, read `CHUNK` needs a statement.
pub(super) async fn with_trails<DB: Engine>(
    pool: &Pool<DB>,
    mut needs: Vec<Need>,
) -> StoreResult<Vec<Need>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let mut trails: HashMap<i64, Vec<NeedEvent>> = HashMap::new();
    for chunk in needs.chunks(CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(DB::placeholder).collect();
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM need_events WHERE need_id IN ({}) ORDER BY at, id",
            marks.join(", ")
        );
        let mut q = query_as::<DB, Step>(&sql);
        for n in chunk {
            q = q.bind(n.id);
        }
        for Step(id, e) in q.fetch_all(pool).await? {
            trails.entry(id).or_default().push(e);
        }
    }
    for n in &mut needs {
        n.trail = trails.remove(&n.id).unwrap_or_default();
    }
    Ok(needs)
}

/// The need with its trail, as the transaction sees it.
pub(super) async fn need_in<DB: Engine>(tx: &mut Transaction<'_, DB>, id: i64) -> StoreResult<Need>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let mut need: Need = query_as(&format!("SELECT {NEED_COLUMNS} FROM needs WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let steps: Vec<Step> = query_as(&format!(
        "SELECT {STEP_COLUMNS} FROM need_events WHERE need_id = $1 ORDER BY at, id"
    ))
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    need.trail = steps.into_iter().map(|Step(_, e)| e).collect();
    Ok(need)
}

/// The need's status, locked until the transaction ends, and whether it is public.
pub(super) async fn status_in<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    id: i64,
) -> StoreResult<(NeedStatus, bool)>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let row = query(&format!(
        "SELECT status, published_at FROM needs WHERE id = $1{}",
        DB::FOR_UPDATE
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((
        parsed(&row, "status")?,
        row.time_opt("published_at")?.is_some(),
    ))
}

/// Moves the need to `to` (when it changes) and writes the step in its trail.
pub(super) async fn step<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    id: i64,
    (from, to): (NeedStatus, NeedStatus),
    note: &str,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    if from != to {
        query("UPDATE needs SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(to.as_str())
            .bind(ts(now))
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    query(
        "INSERT INTO need_events (need_id, at, status, note, actor_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(ts(now))
    .bind(to.as_str())
    .bind(note)
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The columns kept of a published version, to select without reading its JSON.
pub(super) fn indexed(
    f: Option<&NeedFields>,
) -> (Option<&'static str>, Option<String>, Option<String>) {
    (
        f.map(|f| f.territory.level.as_str()),
        f.map(|f| f.territory.code.clone()),
        f.map(|f| f.fragility.clone()),
    )
}
