//! The credentials' SQL: reading them with their achievement, recording one, revoking, and
//! what account deletion does to them.

use super::{Credential, NewCredential, ACCOUNT_DELETED_REASON, STATUS_LIST_SIZE};
use crate::sql::{corrupt, query, query_scalar, Conn, Engine, Row};
use crate::{StoreError, StoreResult};
use serde::Deserialize;
use sqlx::{Executor, Transaction};

/// A credential with its achievement's slug and fields (for its name).
pub(super) const CREDENTIALS: &str = "SELECT c.id, c.achievement_id, a.slug AS a_slug, \
     a.fields AS a_fields, c.user_id, c.jwt, c.status_list, c.status_index, c.issued_at, \
     c.issued_by, c.reason, c.public, c.revoked_at, c.revoked_by, c.revoked_reason \
     FROM credentials c JOIN achievements a ON a.id = c.achievement_id";

/// Newest first; the id breaks ties, so that the order is the same on both engines.
pub(super) const NEWEST_FIRST: &str = "ORDER BY c.issued_at DESC, c.id DESC";

/// The one field of an achievement's JSON a credential shows.
#[derive(Deserialize)]
struct Named {
    name: String,
}

pub(super) fn credential_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Credential> {
    let fields: String = r.try_get("a_fields")?;
    let named: Named = serde_json::from_str(&fields).map_err(corrupt)?;
    Ok(Credential {
        id: r.try_get("id")?,
        achievement_id: r.try_get("achievement_id")?,
        achievement_slug: r.try_get("a_slug")?,
        achievement_name: named.name,
        user_id: r.try_get("user_id")?,
        jwt: r.try_get("jwt")?,
        status_list: r.try_get("status_list")?,
        status_index: r.try_get("status_index")?,
        issued_at: r.time("issued_at")?,
        issued_by: r.try_get("issued_by")?,
        reason: r.try_get("reason")?,
        public: r.try_get("public")?,
        revoked_at: r.time_opt("revoked_at")?,
        revoked_by: r.try_get("revoked_by")?,
        revoked_reason: r.try_get("revoked_reason")?,
    })
}

/// The conflict a unique violation on `credentials` means (its constraint's name on
/// PostgreSQL, its columns in SQLite's message); other errors pass through.
fn credential_conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let what = format!("{} {}", db.constraint().unwrap_or(""), db.message());
            let (field, message) =
                if what.contains("credentials_live") || what.contains("credentials.user_id") {
                    (
                        "achievement",
                        "she already holds a live credential of this achievement",
                    )
                } else if what.contains("status_") {
                    ("status_index", "this status slot is taken")
                } else {
                    ("id", "a credential already has this id")
                };
            return StoreError::Conflict {
                field,
                message: message.into(),
            };
        }
    }
    StoreError::Database(e)
}

/// Records the credential in the caller's transaction (see `BadgesStore::insert_credential`).
pub(super) async fn insert<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    c: &NewCredential,
    now: i64,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    if !(1..).contains(&c.status_list) || !(0..STATUS_LIST_SIZE).contains(&c.status_index) {
        return Err(StoreError::Conflict {
            field: "status_index",
            message: format!(
                "no such status slot: list {}, index {}",
                c.status_list, c.status_index
            ),
        });
    }
    let known: Option<i64> = query_scalar("SELECT id FROM achievements WHERE id = $1")
        .bind(c.achievement_id)
        .fetch_optional(&mut **tx)
        .await?;
    if known.is_none() {
        return Err(StoreError::NotFound);
    }
    // Checked first for a clear answer; the unique index settles a race (PostgreSQL).
    let live: Option<String> = query_scalar(
        "SELECT id FROM credentials WHERE user_id = $1 AND achievement_id = $2 \
         AND revoked_at IS NULL",
    )
    .bind(c.user_id)
    .bind(c.achievement_id)
    .fetch_optional(&mut **tx)
    .await?;
    if live.is_some() {
        return Err(StoreError::Conflict {
            field: "achievement",
            message: "she already holds a live credential of this achievement".into(),
        });
    }
    query(
        "INSERT INTO credentials (id, achievement_id, user_id, jwt, status_list, status_index, \
         issued_at, issued_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&c.id)
    .bind(c.achievement_id)
    .bind(c.user_id)
    .bind(&c.jwt)
    .bind(c.status_list)
    .bind(c.status_index)
    .bind(now)
    .bind(c.issued_by)
    .bind(c.reason.as_deref())
    .execute(&mut **tx)
    .await
    .map_err(credential_conflict)?;
    Ok(())
}

/// Revokes the credential if it is live; whether it was.
pub(super) async fn revoke<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    id: &str,
    by: Option<i64>,
    reason: &str,
    now: i64,
) -> StoreResult<bool> {
    Ok(query(
        "UPDATE credentials SET revoked_at = $1, revoked_by = $2, revoked_reason = $3 \
         WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(id)
    .execute(on)
    .await?
    .rows_affected()
        > 0)
}

/// Revokes the person's live credentials because she deleted her account, in the caller's
/// transaction (before her row goes, which leaves them without `user_id`); how many.
pub(crate) async fn revoke_for_deleted_account<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    user_id: i64,
    now: i64,
) -> StoreResult<u64> {
    Ok(query(
        "UPDATE credentials SET revoked_at = $1, revoked_by = NULL, revoked_reason = $2 \
         WHERE user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(ACCOUNT_DELETED_REASON)
    .bind(user_id)
    .execute(on)
    .await?
    .rows_affected())
}

/// The slot the counter gives next, counted from 0, as `(list, index)`.
pub(super) fn slot(n: i64) -> (i64, i64) {
    (n / STATUS_LIST_SIZE + 1, n % STATUS_LIST_SIZE)
}

#[cfg(test)]
mod tests {
    use super::slot;

    #[test]
    fn slots_fill_one_list_then_the_next() {
        assert_eq!(slot(0), (1, 0));
        assert_eq!(slot(131_071), (1, 131_071));
        assert_eq!(slot(131_072), (2, 0));
        assert_eq!(slot(3 * 131_072 + 5), (4, 5));
    }
}
