//! What the moderated areas with generated data (cases, needs) share: a version counter kept
//! in `settings` and bumped by every write, and the slugs of generated rows.

use crate::network::sql::free_slug;
use crate::sql::{query, query_scalar, Backing, Conn, Engine};
use crate::StoreResult;
use catalyse_core::text::slugify;
use futures_util::future::BoxFuture;
use sqlx::{Executor, Pool, Transaction};
use std::collections::BTreeSet;

/// Adds one to the counter `key`, in the writer's transaction: one statement, atomic on both
/// engines (PostgreSQL's upsert locks the row until the transaction ends), so two writers
/// never give the same number.
pub(crate) async fn bump_version<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    key: &str,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    query(
        "INSERT INTO settings (key, value) VALUES ($1, '1') ON CONFLICT (key) \
         DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
    )
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The counter `key` ("0" before the first write).
pub(crate) async fn read_version<DB: Engine>(pool: &Pool<DB>, key: &str) -> StoreResult<String>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let v: Option<String> = query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(v.unwrap_or_else(|| "0".into()))
}

/// Writes `items` in batches of `size`, one transaction each (`write` inserts a batch), the
/// counter `key` bumped in each: a large set goes in without one enormous transaction.
/// Returns how many.
pub(crate) async fn in_batches<S, T, F>(
    store: &S,
    items: &[T],
    size: usize,
    key: &str,
    write: F,
) -> StoreResult<usize>
where
    S: Backing,
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
    T: Sync,
    F: for<'t> Fn(&'t mut Transaction<'static, S::Db>, &'t [T]) -> BoxFuture<'t, StoreResult<()>>
        + Sync,
{
    let mut done = 0;
    for chunk in items.chunks(size) {
        let mut tx = store.begin_write().await?;
        write(&mut tx, chunk).await?;
        bump_version(&mut tx, key).await?;
        tx.commit().await?;
        done += chunk.len();
    }
    Ok(done)
}

/// The slug of a generated row: its title's, with a number (`{fallback}-{n}` when the title
/// gives none).
fn example_slug(title: &str, n: i64, fallback: &str) -> String {
    let mut base = slugify(title);
    base.truncate(50);
    let base = base.trim_matches('-');
    if base.is_empty() {
        format!("{fallback}-{n}")
    } else {
        format!("{base}-{n}")
    }
}

/// The slugs of a batch of generated rows of `table` (ids from the largest one): each title's
/// with a number; one a member's row holds already takes the next free one.
pub(crate) async fn example_slugs<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    table: &str,
    titles: &[&str],
    fallback: &str,
) -> StoreResult<Vec<String>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let start: i64 = query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(&mut **tx)
        .await?;
    let mut slugs: Vec<String> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| example_slug(t, start + i as i64 + 1, fallback))
        .collect();
    let marks: Vec<String> = (1..=slugs.len()).map(DB::placeholder).collect();
    let sql = format!(
        "SELECT slug FROM {table} WHERE slug IN ({})",
        marks.join(", ")
    );
    let mut q = query_scalar::<DB, String>(&sql);
    for s in &slugs {
        q = q.bind(s.clone());
    }
    let taken: BTreeSet<String> = q.fetch_all(&mut **tx).await?.into_iter().collect();
    for s in slugs.iter_mut().filter(|s| taken.contains(*s)) {
        *s = free_slug(&mut **tx, table, s, fallback).await?;
    }
    Ok(slugs)
}
