//! Accounts: users and their roles, the audit trail, sessions, password resets, email
//! verification, and the rate-limit counters every instance shares.
//!
//! The trait, and its SQL as plain Rust generic over the backend (`crate::sql::Backing`):
//! one text for SQLite and PostgreSQL.

use crate::sql::{corrupt, query, query_as, query_scalar, Backing, Conn, Engine, FromRow, Row};
use crate::{
    ts, AuditEntry, NewUser, RateBudget, SessionRecord, StoreError, StoreResult, UserSearch,
};
use async_trait::async_trait;
use catalyse_core::{Email, ModerationMail, Page, Role, User};
use chrono::{DateTime, Utc};
use sqlx::{Executor, Transaction};

/// Accounts, sessions, password resets, email verification and rate limits.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Fails with `Conflict { field: "email" }` when the address is taken.
    async fn create_user(&self, user: &NewUser, now: DateTime<Utc>) -> StoreResult<User>;
    /// Takes back an account whose address was never proved (its verification mail could not
    /// be sent): the row and its links go, with no trace. Returns whether it did.
    async fn discard_unverified_user(&self, user_id: i64) -> StoreResult<bool>;
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>>;
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    /// Every account, by address: [`Self::search_users`] with no filter.
    async fn list_users(&self, page: u32, per_page: u32) -> StoreResult<Page<User>>;
    /// The accounts whose name or address contains `q.text` (ignoring case), of `q.role` if
    /// given, by address: page `page` of `per_page`, filtered and paged by the database.
    async fn search_users(
        &self,
        q: &UserSearch,
        page: u32,
        per_page: u32,
    ) -> StoreResult<Page<User>>;
    async fn count_users(&self) -> StoreResult<i64>;
    /// Changes a role and records it in the audit trail; refuses to demote the last admin.
    async fn set_role(
        &self,
        user_id: i64,
        role: Role,
        actor_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<User>;
    /// Sets a new password hash and ends every session of the account.
    async fn set_password(&self, user_id: i64, hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Saves the language the member reads (`fr`, `en`), for the mails sent to her outside a
    /// request of hers.
    async fn set_user_lang(&self, user_id: i64, lang: &str) -> StoreResult<()>;
    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The session and its user if it is neither idle since `idle_after` nor older than
    /// `created_after`.
    async fn session(
        &self,
        id_hash: &str,
        idle_after: DateTime<Utc>,
        created_after: DateTime<Utc>,
    ) -> StoreResult<Option<(SessionRecord, User)>>;
    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    async fn purge_sessions(
        &self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> StoreResult<u64>;
    async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn password_reset_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Consumes the token, sets the password and ends the account's sessions, all at once.
    /// Returns the user id, or `None` when the token is unknown, used or expired.
    async fn reset_password(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Records a verification link (its SHA-256) for a new account.
    async fn create_email_verification(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Uses a verification link once: marks the address verified and returns the account.
    /// `None` when the link is unknown, already used or expired.
    async fn verify_email(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<i64>>;
    /// Deletes accounts whose address was never verified, created before the date.
    async fn purge_unverified(&self, created_before: DateTime<Utc>) -> StoreResult<u64>;
    /// Deletes an account and everything personal with it (profile, sessions, contact log).
    /// Places it created and decisions it made stay, attributed to nobody; her badges'
    /// credentials stay too, revoked (« Compte supprimé ») and without earner. Audited.
    async fn delete_account(&self, user_id: i64, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Whether one more event would fit every budget: `None` when it would, else how long to
    /// wait. Records nothing.
    async fn rate_limit_check(
        &self,
        budgets: &[RateBudget],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<chrono::Duration>>;
    /// Takes one event from every budget if all of them allow it (`None`), in one
    /// transaction; otherwise takes nothing and says how long to wait.
    async fn rate_limit_take(
        &self,
        budgets: &[RateBudget],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<chrono::Duration>>;
    /// Gives back one event taken from every budget (what was taken turned out not to
    /// count, such as a sign-in that succeeded).
    async fn rate_limit_refund(&self, budgets: &[RateBudget]) -> StoreResult<()>;
    /// Forgets the events of one key (a success ends a run of failures).
    async fn rate_limit_clear(&self, key: &str) -> StoreResult<()>;
    /// Removes the keys that hold nothing any more (their time is past); returns how many.
    async fn purge_rate_limits(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

pub(crate) const USER_COLUMNS: &str = "id, email, display_name, role, password_hash, is_example, \
     email_verified_at, created_at, lang, moderation_mail";

impl FromRow for User {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let email: String = r.try_get("email")?;
        let role: String = r.try_get("role")?;
        Ok(User {
            id: r.try_get("id")?,
            email: Email::parse(&email).map_err(|_| corrupt(format!("email {email}")))?,
            display_name: r.try_get("display_name")?,
            role: role.parse().map_err(corrupt)?,
            password_hash: r.try_get("password_hash")?,
            is_example: r.try_get("is_example")?,
            email_verified: r.try_get::<Option<i64>, _>("email_verified_at")?.is_some(),
            created_at: r.time("created_at")?,
            lang: r.try_get("lang")?,
            moderation_mail: ModerationMail::parse(&r.try_get::<String, _>("moderation_mail")?)
                .unwrap_or_default(),
        })
    }
}

impl FromRow for SessionRecord {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(SessionRecord {
            id_hash: r.try_get("id_hash")?,
            user_id: r.try_get("user_id")?,
            created_at: r.time("session_created_at")?,
            last_seen_at: r.time("last_seen_at")?,
        })
    }
}

impl FromRow for AuditEntry {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(AuditEntry {
            at: r.time("at")?,
            actor_id: r.try_get("actor_id")?,
            action: r.try_get("action")?,
            target: r.try_get("target")?,
            details: r.try_get("details")?,
        })
    }
}

fn page_bounds(page: u32, per_page: u32) -> (u32, u32, i64) {
    let per_page = per_page.clamp(1, 1000);
    let page = page.max(1);
    (page, per_page, (page as i64 - 1) * per_page as i64)
}

/// Sets an account's password hash and ends its sessions; false when there is no such account.
async fn new_password<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    user_id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let done = query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(ts(now))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Records a link sent by email (`table`: `password_resets` or `email_verifications`).
async fn insert_link<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    table: &str,
    token_hash: &str,
    user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    query(&format!(
        "INSERT INTO {table} (token_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)"
    ))
    .bind(token_hash)
    .bind(user_id)
    .bind(ts(now))
    .bind(ts(expires_at))
    .execute(on)
    .await?;
    Ok(())
}

/// A rate-limit row's time after one more event (`$2` is now, `$3` the interval).
const RATE_NEXT: &str =
    "(CASE WHEN rate_limits.tat_ms > $2 THEN rate_limits.tat_ms ELSE $2 END) + $3";

/// How long one more event must wait in budget `b`, whose row holds `tat` (GCRA).
fn rate_wait(b: &RateBudget, tat: Option<i64>, now: i64) -> Option<chrono::Duration> {
    let next = tat.unwrap_or(now).max(now) + b.interval_ms();
    let wait = next - b.window_ms() - now;
    (wait > 0).then(|| chrono::Duration::milliseconds(wait))
}

#[async_trait]
impl<S: Backing> AccountStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn create_user(&self, user: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
        let row = query(&format!(
            "INSERT INTO users (email, display_name, role, password_hash, is_example, \
             created_at, updated_at, email_verified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING {USER_COLUMNS}"
        ))
        .bind(user.email.as_str())
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(user.is_example)
        .bind(ts(now))
        .bind(user.email_verified.then(|| ts(now)))
        .fetch_one(self.w())
        .await
        .map_err(|e| StoreError::on_unique(e, "email", "this email already has an account"))?;
        User::from_row(&row)
    }

    async fn discard_unverified_user(&self, user_id: i64) -> StoreResult<bool> {
        let done = query("DELETE FROM users WHERE id = $1 AND email_verified_at IS NULL")
            .bind(user_id)
            .execute(self.w())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.r())
            .await
    }

    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(self.r())
        .await
    }

    async fn list_users(&self, page: u32, per_page: u32) -> StoreResult<Page<User>> {
        self.search_users(&UserSearch::default(), page, per_page)
            .await
    }

    async fn search_users(
        &self,
        q: &UserSearch,
        page: u32,
        per_page: u32,
    ) -> StoreResult<Page<User>> {
        let (page, per_page, offset) = page_bounds(page, per_page);
        // `LIKE` with its wildcards escaped, on lower case (both engines lower ASCII; PostgreSQL
        // every letter, SQLite leaves other letters as typed, as are the addresses).
        let text = q.text.trim().to_lowercase();
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let role = q.role.map(Role::as_str).unwrap_or("");
        let filter = "WHERE ($1 = '' OR LOWER(email) LIKE $2 ESCAPE '\\' \
                      OR LOWER(display_name) LIKE $2 ESCAPE '\\') AND ($3 = '' OR role = $3)";
        let total: i64 = query_scalar(&format!("SELECT COUNT(*) FROM users {filter}"))
            .bind(&text)
            .bind(&pattern)
            .bind(role)
            .fetch_one(self.r())
            .await?;
        let items = query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users {filter} ORDER BY email LIMIT $4 OFFSET $5"
        ))
        .bind(&text)
        .bind(&pattern)
        .bind(role)
        .bind(per_page as i64)
        .bind(offset)
        .fetch_all(self.r())
        .await?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    async fn count_users(&self) -> StoreResult<i64> {
        query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.r())
            .await
    }

    async fn set_role(
        &self,
        user_id: i64,
        role: Role,
        actor_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let before: User = query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.role == Role::Admin && role != Role::Admin {
            let admins: i64 = query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
                .fetch_one(&mut *tx)
                .await?;
            if admins <= 1 {
                return Err(StoreError::Conflict {
                    field: "role",
                    message: "the last administrator cannot lose the role".into(),
                });
            }
        }
        let row = query(&format!(
            "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3 \
             RETURNING {USER_COLUMNS}"
        ))
        .bind(role.as_str())
        .bind(ts(now))
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        query(
            "INSERT INTO audit_log (at, actor_id, action, target, details) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ts(now))
        .bind(actor_id)
        .bind("set_role")
        .bind(format!("user:{user_id}"))
        .bind(format!("{} -> {}", before.role, role))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        User::from_row(&row)
    }

    async fn set_password(&self, user_id: i64, hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if !new_password(&mut tx, user_id, hash, now).await? {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_user_lang(&self, user_id: i64, lang: &str) -> StoreResult<()> {
        query("UPDATE users SET lang = $1 WHERE id = $2 AND lang <> $1")
            .bind(lang)
            .bind(user_id)
            .execute(self.w())
            .await?;
        Ok(())
    }

    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        query_as(
            "SELECT at, actor_id, action, target, details FROM audit_log \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit as i64)
        .fetch_all(self.r())
        .await
    }

    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
        query(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&s.id_hash)
        .bind(s.user_id)
        .bind(ts(s.created_at))
        .bind(ts(s.last_seen_at))
        .execute(self.w())
        .await?;
        Ok(())
    }

    async fn session(
        &self,
        id_hash: &str,
        idle_after: DateTime<Utc>,
        created_after: DateTime<Utc>,
    ) -> StoreResult<Option<(SessionRecord, User)>> {
        let row = query(
            "SELECT s.id_hash, s.user_id, s.created_at AS session_created_at, \
             s.last_seen_at, u.id, u.email, u.display_name, u.role, u.password_hash, \
             u.is_example, u.email_verified_at, u.created_at, u.lang, u.moderation_mail \
             FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.last_seen_at >= $2 AND s.created_at >= $3",
        )
        .bind(id_hash)
        .bind(ts(idle_after))
        .bind(ts(created_after))
        .fetch_optional(self.r())
        .await?;
        match row {
            Some(r) => Ok(Some((SessionRecord::from_row(&r)?, User::from_row(&r)?))),
            None => Ok(None),
        }
    }

    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(ts(now))
            .bind(id_hash)
            .execute(self.w())
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.w())
            .await?;
        Ok(())
    }

    async fn purge_sessions(
        &self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(ts(idle_before))
            .bind(ts(created_before))
            .execute(self.w())
            .await?;
        Ok(done.rows_affected())
    }

    async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        insert_link(
            self.w(),
            "password_resets",
            token_hash,
            user_id,
            now,
            expires_at,
        )
        .await
    }

    async fn password_reset_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(self.r())
        .await
    }

    async fn reset_password(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let user_id: Option<i64> = query_scalar(
            "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        new_password(&mut tx, user_id, new_hash, now).await?;
        // Every other outstanding link of the account dies with this one.
        query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(ts(now))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    async fn create_email_verification(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        insert_link(
            self.w(),
            "email_verifications",
            token_hash,
            user_id,
            now,
            expires_at,
        )
        .await
    }

    async fn verify_email(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let user: Option<i64> = query_scalar(
            "UPDATE email_verifications SET used_at = $1 WHERE token_hash = $2 \
             AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(ts(now))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = user {
            query(
                "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1), \
                 updated_at = $1 WHERE id = $2",
            )
            .bind(ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    async fn purge_unverified(&self, created_before: DateTime<Utc>) -> StoreResult<u64> {
        let done = query("DELETE FROM users WHERE email_verified_at IS NULL AND created_at < $1")
            .bind(ts(created_before))
            .execute(self.w())
            .await?;
        Ok(done.rows_affected())
    }

    async fn delete_account(&self, user_id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        // Her credentials stay (their status lists must still say them revoked), revoked
        // before her row goes and leaves them without earner.
        crate::badges::revoke_for_deleted_account(&mut *tx, user_id, ts(now)).await?;
        let gone = query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if gone {
            query(
                "INSERT INTO audit_log (at, actor_id, action, target, details) \
                 VALUES ($1, NULL, 'delete_account', $2, '')",
            )
            .bind(ts(now))
            .bind(format!("user:{user_id}"))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(gone)
    }

    async fn rate_limit_check(
        &self,
        budgets: &[RateBudget],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<chrono::Duration>> {
        let now = now.timestamp_millis();
        let mut wait = None;
        for b in budgets {
            let tat: Option<i64> = query_scalar("SELECT tat_ms FROM rate_limits WHERE key = $1")
                .bind(&b.key)
                .fetch_optional(self.r())
                .await?;
            wait = wait.max(rate_wait(b, tat, now));
        }
        Ok(wait)
    }

    async fn rate_limit_take(
        &self,
        budgets: &[RateBudget],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<chrono::Duration>> {
        let now = now.timestamp_millis();
        let mut tx = self.begin_write().await?;
        for b in budgets {
            // One statement per budget: the row lock (PostgreSQL) or the write lock
            // (SQLite) makes concurrent requests take their turn.
            let taken: Option<i64> = query_scalar(&format!(
                "INSERT INTO rate_limits (key, tat_ms) VALUES ($1, $2 + $3) \
                 ON CONFLICT (key) DO UPDATE SET tat_ms = {RATE_NEXT} \
                 WHERE {RATE_NEXT} - $2 <= $4 RETURNING tat_ms"
            ))
            .bind(&b.key)
            .bind(now)
            .bind(b.interval_ms())
            .bind(b.window_ms())
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_none() {
                let tat: Option<i64> =
                    query_scalar("SELECT tat_ms FROM rate_limits WHERE key = $1")
                        .bind(&b.key)
                        .fetch_optional(&mut *tx)
                        .await?;
                tx.rollback().await?;
                return Ok(Some(
                    rate_wait(b, tat, now).unwrap_or(chrono::Duration::milliseconds(1)),
                ));
            }
        }
        tx.commit().await?;
        Ok(None)
    }

    async fn rate_limit_refund(&self, budgets: &[RateBudget]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for b in budgets {
            query("UPDATE rate_limits SET tat_ms = tat_ms - $2 WHERE key = $1")
                .bind(&b.key)
                .bind(b.interval_ms())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn rate_limit_clear(&self, key: &str) -> StoreResult<()> {
        query("DELETE FROM rate_limits WHERE key = $1")
            .bind(key)
            .execute(self.w())
            .await?;
        Ok(())
    }

    async fn purge_rate_limits(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = query("DELETE FROM rate_limits WHERE tat_ms <= $1")
            .bind(now.timestamp_millis())
            .execute(self.w())
            .await?;
        Ok(done.rows_affected())
    }
}
