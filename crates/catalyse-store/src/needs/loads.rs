//! The needs written in bulk or beside another write: generated examples with their trails,
//! imports, and the draft need a webinar registration leaves. Their SQL, one text for both
//! engines, called by the `NeedStore` methods of `sql.rs`.

use super::sql::{bump, indexed, need_in, step, DRAFT_COLUMNS};
use super::{ExampleNeed, ImportedNeed, NeedDraft};
use crate::common::example_slugs;
use crate::events::register_in;
use crate::network::sql::{free_slug, to_json, NEED_COLUMNS};
use crate::sql::{query, query_as, values_list, Conn, Engine, FromRow, Row};
use crate::{ts, NewRegistration, Registration, StoreError, StoreResult};
use catalyse_core::needs::{Need, NeedOrigin, NeedStatus};
use chrono::{DateTime, Utc};
use sqlx::{Executor, Transaction};
use std::collections::HashMap;

/// Inserts a need published at once (an example or an import): 16 values.
const INSERT_PUBLISHED: &str = "INSERT INTO needs (slug, author_id, author_email, published, \
    published_at, revision, submitted_at, confirmed_at, status, origin, is_example, \
    territory_level, territory_code, fragility, created_at, updated_at) VALUES ";
const WIDTH: usize = 16;

/// The trail's note of an imported need that is not « ouvert ».
const IMPORTED_STATUS: &str = "Statut repris de l'import";

/// A need's id and slug.
struct Slugged(i64, String);

impl FromRow for Slugged {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Slugged(r.try_get("id")?, r.try_get("slug")?))
    }
}

/// Inserts one batch of example needs in the transaction, then the steps of their trails.
pub(super) async fn insert_examples<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    chunk: &[ExampleNeed],
    now: DateTime<Utc>,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let titles: Vec<&str> = chunk.iter().map(|n| n.fields.title.as_str()).collect();
    let slugs = example_slugs(tx, "needs", &titles, "besoin").await?;
    let sql = format!(
        "{INSERT_PUBLISHED}{}",
        values_list::<DB>(chunk.len(), WIDTH)
    );
    let mut q = query(&sql);
    for (n, slug) in chunk.iter().zip(&slugs) {
        let (level, code, fragility) = indexed(Some(&n.fields));
        let at = ts(n.at);
        q = q
            .bind(slug.clone())
            .bind(n.author_id)
            .bind(None::<String>)
            .bind(to_json(&n.fields)?)
            .bind(at)
            .bind(1i64)
            .bind(at)
            .bind(at)
            .bind(n.status.as_str())
            .bind(NeedOrigin::Exemple.as_str())
            .bind(true)
            .bind(level)
            .bind(code)
            .bind(fragility)
            .bind(at)
            .bind(ts(now));
    }
    q.execute(&mut **tx)
        .await
        .map_err(|e| StoreError::on_unique(e, "slug", "an example need's slug is taken"))?;
    // The trails, by the ids the slugs got.
    let with_trail: Vec<(&ExampleNeed, &String)> = chunk
        .iter()
        .zip(&slugs)
        .filter(|(n, _)| !n.trail.is_empty())
        .collect();
    if with_trail.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (1..=with_trail.len()).map(DB::placeholder).collect();
    let sql = format!(
        "SELECT id, slug FROM needs WHERE slug IN ({})",
        marks.join(", ")
    );
    let mut q = query_as::<DB, Slugged>(&sql);
    for (_, slug) in &with_trail {
        q = q.bind((*slug).clone());
    }
    let ids: HashMap<String, i64> = q
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|Slugged(id, slug)| (slug, id))
        .collect();
    let steps: Vec<(i64, &catalyse_core::needs::NeedEvent)> = with_trail
        .iter()
        .flat_map(|(n, slug)| {
            let id = ids.get(*slug).copied().unwrap_or_default();
            n.trail.iter().map(move |e| (id, e))
        })
        .collect();
    let sql = format!(
        "INSERT INTO need_events (need_id, at, status, note) VALUES {}",
        values_list::<DB>(steps.len(), 4)
    );
    let mut q = query(&sql);
    for (id, e) in steps {
        q = q
            .bind(id)
            .bind(ts(e.at))
            .bind(e.status.as_str())
            .bind(e.note.clone());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Inserts the imported needs in the transaction, in order.
pub(super) async fn insert_imports<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    needs: &[ImportedNeed],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Need>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let mut out = Vec::with_capacity(needs.len());
    let sql = format!(
        "{INSERT_PUBLISHED}{} RETURNING {NEED_COLUMNS}",
        values_list::<DB>(1, WIDTH)
    );
    for n in needs {
        let slug = free_slug(&mut **tx, "needs", &n.fields.title, "besoin").await?;
        let (level, code, fragility) = indexed(Some(&n.fields));
        let mut need: Need = query_as(&sql)
            .bind(&slug)
            .bind(n.author_id)
            .bind(n.author_email.as_deref())
            .bind(to_json(&n.fields)?)
            .bind(ts(now))
            .bind(1i64)
            .bind(ts(now))
            .bind(ts(now))
            .bind(NeedStatus::Ouvert.as_str())
            .bind(NeedOrigin::Import.as_str())
            .bind(false)
            .bind(level)
            .bind(code)
            .bind(fragility)
            .bind(ts(now))
            .bind(ts(now))
            .fetch_one(&mut **tx)
            .await?;
        if n.status != NeedStatus::Ouvert {
            let moved = (NeedStatus::Ouvert, n.status);
            step(tx, need.id, moved, IMPORTED_STATUS, None, now).await?;
            need = need_in(tx, need.id).await?;
        }
        out.push(need);
    }
    if !out.is_empty() {
        bump(tx).await?;
    }
    Ok(out)
}

/// Keeps a draft need in the transaction.
pub(super) async fn insert_draft<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    (user_id, email): (Option<i64>, &str),
    event_id: Option<i64>,
    text: &str,
    now: DateTime<Utc>,
) -> StoreResult<NeedDraft> {
    query_as(&format!(
        "INSERT INTO need_drafts (user_id, email, event_id, text, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {DRAFT_COLUMNS}"
    ))
    .bind(user_id)
    .bind(email)
    .bind(event_id)
    .bind(text)
    .bind(ts(now))
    .fetch_one(on)
    .await
}

/// A registration and its draft need, in the transaction.
pub(super) async fn register_with_draft<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    event_id: i64,
    r: &NewRegistration,
    text: &str,
    now: DateTime<Utc>,
) -> StoreResult<(Registration, NeedDraft)>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let reg = register_in(tx, event_id, r, now).await?;
    let owner = (reg.user_id, reg.email.as_str());
    let draft = insert_draft(&mut **tx, owner, Some(event_id), text, now).await?;
    Ok((reg, draft))
}
