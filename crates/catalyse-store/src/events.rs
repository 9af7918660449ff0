//! Events: series and events, registrations with the waiting list, reminders.
//!
//! The trait, and its SQL as plain Rust generic over the backend (`crate::sql::Backing`):
//! one text for SQLite and PostgreSQL.

use crate::reference::{loaded_checksum, set_state};
use crate::sql::{corrupt, query, query_as, query_scalar, Backing, Conn, Engine, FromRow, Row};
use crate::{
    ts, NewRegistration, Registration, RegistrationStatus, Reminder, StoreError, StoreResult,
};
use async_trait::async_trait;
use catalyse_core::agenda::{Event, EventKind, Series};
use chrono::{DateTime, Utc};
use sqlx::{Executor, Transaction};

/// Events, series, registrations and reminders.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Loads series and their events under a checksum `name` (e.g. the shipped 2019 cycle):
    /// series are updated by slug, events added when their slug is missing. Nothing when the
    /// checksum is unchanged.
    async fn load_events(
        &self,
        name: &str,
        checksum: &str,
        series: &[Series],
        events: &[Event],
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Events starting in [from, to), by start; optionally of one kind or one series.
    async fn events(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        kind: Option<EventKind>,
        series: Option<&str>,
    ) -> StoreResult<Vec<Event>>;
    async fn event(&self, slug: &str) -> StoreResult<Option<Event>>;
    async fn event_by_id(&self, id: i64) -> StoreResult<Option<Event>>;
    /// Saves what animators edit: title, description, levers, online link, address,
    /// speakers, capacity, status and replay link.
    async fn update_event(&self, e: &Event, now: DateTime<Utc>) -> StoreResult<Event>;
    /// Adds the events whose slug is not taken yet; returns how many were added.
    async fn add_events(&self, events: &[Event], now: DateTime<Utc>) -> StoreResult<usize>;
    /// Marks who attended among an event's registrations (the others did not).
    async fn set_attendance(&self, event_id: i64, present: &[i64]) -> StoreResult<()>;
    async fn series(&self, slug: &str) -> StoreResult<Option<Series>>;
    /// Registers to an event: a seat if one is left (or `pending` for a visitor who must
    /// confirm), else the waiting list. The event is locked meanwhile, so that simultaneous
    /// registrations never exceed the capacity. An address already registered (and not
    /// cancelled) is a `Conflict` on `email`, except that a member (`user_id`, not
    /// `pending`) takes over an unconfirmed registration of her address, in one transaction.
    async fn register(
        &self,
        event_id: i64,
        r: &NewRegistration,
        now: DateTime<Utc>,
    ) -> StoreResult<Registration>;
    /// A visitor's confirmation: a seat if one is left, else the waiting list.
    async fn confirm_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Registration>;
    /// Cancels; a freed seat goes to the first on the waiting list, who is returned.
    async fn cancel_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Registration, Option<Registration>)>;
    async fn registration_by_token(&self, token_hash: &str) -> StoreResult<Option<Registration>>;
    /// Registrations of an event in order of arrival.
    async fn registrations(&self, event_id: i64) -> StoreResult<Vec<Registration>>;
    /// Seats taken (confirmed registrations) and people on the waiting list of an event.
    async fn registration_counts(&self, event_id: i64) -> StoreResult<(i64, i64)>;
    /// A member's registrations that hold a seat or a place on a waiting list — made under
    /// her account, or with her address (`email`, any case) and confirmed from its mailbox —,
    /// each with its place on the waiting list (1 for the first; 0 for a seat); all events,
    /// or only `event_id`. In order of arrival.
    async fn member_registrations(
        &self,
        user_id: i64,
        email: &str,
        event_id: Option<i64>,
    ) -> StoreResult<Vec<(Registration, i64)>>;
    /// Confirmed registrations whose scheduled event starts in (now + from, now + to] and that
    /// have not had this reminder: claimed (marked sent) in the same statement, so that no two
    /// runs or instances send it twice.
    async fn claim_reminders(
        &self,
        which: Reminder,
        now: DateTime<Utc>,
        from: chrono::Duration,
        to: chrono::Duration,
    ) -> StoreResult<Vec<Registration>>;
    /// Gives back a claim whose mail could not be sent, to try again.
    async fn release_reminder(&self, id: i64, which: Reminder) -> StoreResult<()>;
}

/// Every column of an event, with its series' slug: follow with a `WHERE`.
const SELECT_EVENTS: &str =
    "SELECT e.id, e.slug, s.slug AS series_slug, e.kind, e.title, e.description, e.levers, \
     e.themes, e.starts_at, e.duration_minutes, e.timezone, e.online_url, e.commune, \
     e.address, e.speakers, e.capacity, e.status, e.replay_url, e.resources, \
     e.is_example, e.updated_at, e.registration_opens_at, e.registration_closes_at \
     FROM events e LEFT JOIN event_series s ON s.id = e.series_id";

impl FromRow for Event {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let list = |col: &str| -> StoreResult<Vec<String>> {
            let text: String = r.try_get(col)?;
            serde_json::from_str(&text).map_err(corrupt)
        };
        let kind: String = r.try_get("kind")?;
        let status: String = r.try_get("status")?;
        Ok(Event {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            series: r.try_get("series_slug")?,
            kind: kind.parse().map_err(corrupt)?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            levers: list("levers")?,
            themes: list("themes")?,
            starts_at: r.time("starts_at")?,
            duration_minutes: r.try_get("duration_minutes")?,
            timezone: r.try_get("timezone")?,
            online_url: r.try_get("online_url")?,
            commune: r.try_get("commune")?,
            address: r.try_get("address")?,
            speakers: list("speakers")?,
            capacity: r.try_get("capacity")?,
            registration_opens: r.time_opt("registration_opens_at")?,
            registration_closes: r.time_opt("registration_closes_at")?,
            status: status.parse().map_err(corrupt)?,
            replay_url: r.try_get("replay_url")?,
            resources: list("resources")?,
            is_example: r.try_get("is_example")?,
            updated_at: r.time("updated_at")?,
        })
    }
}

const REGISTRATION_COLUMNS: &str =
    "id, event_id, user_id, name, email, organisation, territory, status, created_at, \
     attended";

impl FromRow for Registration {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let status: String = r.try_get("status")?;
        Ok(Registration {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            user_id: r.try_get("user_id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            organisation: r.try_get("organisation")?,
            territory: r.try_get("territory")?,
            status: RegistrationStatus::parse(&status)
                .ok_or_else(|| corrupt(format!("registration status {status}")))?,
            created_at: r.time("created_at")?,
            attended: r.try_get("attended")?,
        })
    }
}

/// Locks the event for the rest of the transaction (PostgreSQL; SQLite has one writer)
/// and tells whether a seat is left.
async fn seat_left<DB: Engine>(tx: &mut Transaction<'_, DB>, event_id: i64) -> StoreResult<bool>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let lock = DB::FOR_UPDATE;
    let capacity: Option<i32> =
        query_scalar(&format!("SELECT capacity FROM events WHERE id = $1{lock}"))
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
    let Some(capacity) = capacity else {
        return Ok(true);
    };
    let taken: i64 = query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'",
    )
    .bind(event_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(taken < capacity as i64)
}

/// Registers to an event in the transaction (see [`EventStore::register`]).
pub(crate) async fn register_in<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    event_id: i64,
    r: &NewRegistration,
    now: DateTime<Utc>,
) -> StoreResult<Registration>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let now = ts(now);
    let seat = seat_left(tx, event_id).await?;
    let status = if r.pending {
        RegistrationStatus::Pending
    } else if seat {
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waiting
    };
    // A cancelled registration of the same address is replaced by this one. So is
    // an unconfirmed one when the address's owner registers as a member (signed
    // in, her account proves the address): she takes it over, as herself, and
    // whatever a visitor typed with her address goes.
    let replaced = if r.user_id.is_some() && !r.pending {
        "('cancelled', 'pending')"
    } else {
        "('cancelled')"
    };
    query(&format!(
        "DELETE FROM registrations WHERE event_id = $1 AND email = $2 \
         AND status IN {replaced}"
    ))
    .bind(event_id)
    .bind(&r.email)
    .execute(&mut **tx)
    .await?;
    let row = query(&format!(
        "INSERT INTO registrations (event_id, user_id, name, email, organisation, \
         territory, status, token_hash, consent_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9) \
         RETURNING {REGISTRATION_COLUMNS}"
    ))
    .bind(event_id)
    .bind(r.user_id)
    .bind(&r.name)
    .bind(&r.email)
    .bind(&r.organisation)
    .bind(&r.territory)
    .bind(status.as_str())
    .bind(&r.token_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::on_unique(e, "email", "this address is already registered"))?;
    Registration::from_row(&row)
}

/// The registration a link's token names, on a pool or in a transaction.
async fn find_registration<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    token_hash: &str,
) -> StoreResult<Option<Registration>> {
    query_as(&format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(on)
    .await
}

async fn registration_in<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    token_hash: &str,
) -> StoreResult<Registration> {
    find_registration(on, token_hash)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn set_registration_status<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    id: i64,
    status: RegistrationStatus,
    now: i64,
) -> StoreResult<()> {
    query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(on)
        .await?;
    Ok(())
}

fn reminder_column(which: Reminder) -> &'static str {
    match which {
        Reminder::DayBefore => "reminded_day_before",
        Reminder::HourBefore => "reminded_hour_before",
    }
}

/// Inserts an event unless its slug is taken; whether it did.
pub(crate) async fn insert_event<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    e: &Event,
    now: i64,
) -> StoreResult<bool> {
    let json = |v: &Vec<String>| serde_json::to_string(v).map_err(corrupt);
    let done = query(
        "INSERT INTO events (slug, series_id, kind, title, description, levers, \
         themes, starts_at, duration_minutes, timezone, online_url, commune, \
         address, speakers, capacity, status, replay_url, resources, is_example, \
         created_at, updated_at, registration_opens_at, registration_closes_at) \
         VALUES ($1, (SELECT id FROM event_series WHERE slug = $2), $3, $4, $5, $6, \
         $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, \
         $22) ON CONFLICT (slug) DO NOTHING",
    )
    .bind(&e.slug)
    .bind(&e.series)
    .bind(e.kind.as_str())
    .bind(&e.title)
    .bind(&e.description)
    .bind(json(&e.levers)?)
    .bind(json(&e.themes)?)
    .bind(ts(e.starts_at))
    .bind(e.duration_minutes)
    .bind(&e.timezone)
    .bind(&e.online_url)
    .bind(&e.commune)
    .bind(&e.address)
    .bind(json(&e.speakers)?)
    .bind(e.capacity)
    .bind(e.status.as_str())
    .bind(&e.replay_url)
    .bind(json(&e.resources)?)
    .bind(e.is_example)
    .bind(now)
    .bind(e.registration_opens.map(ts))
    .bind(e.registration_closes.map(ts))
    .execute(on)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl<S: Backing> EventStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn load_events(
        &self,
        name: &str,
        checksum: &str,
        series: &[Series],
        events: &[Event],
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let now = ts(now);
        let mut tx = self.begin_write().await?;
        if loaded_checksum(&mut *tx, name).await?.as_deref() == Some(checksum) {
            return Ok(false);
        }
        for s in series {
            query(
                "INSERT INTO event_series (slug, title, description, kind, rule) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO UPDATE SET \
                 title = excluded.title, description = excluded.description, \
                 kind = excluded.kind, rule = excluded.rule",
            )
            .bind(&s.slug)
            .bind(&s.title)
            .bind(&s.description)
            .bind(s.kind.as_str())
            .bind(&s.rule)
            .execute(&mut *tx)
            .await?;
        }
        for e in events {
            insert_event(&mut *tx, e, now).await?;
        }
        set_state(&mut *tx, name, checksum, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn events(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        kind: Option<EventKind>,
        series: Option<&str>,
    ) -> StoreResult<Vec<Event>> {
        query_as(&format!(
            "{SELECT_EVENTS} WHERE e.starts_at >= $1 AND e.starts_at < $2 \
             AND ($3 = '' OR e.kind = $3) AND ($4 = '' OR s.slug = $4) \
             ORDER BY e.starts_at, e.id"
        ))
        .bind(from.map(ts).unwrap_or(i64::MIN))
        .bind(to.map(ts).unwrap_or(i64::MAX))
        .bind(kind.map(|k| k.as_str()).unwrap_or(""))
        .bind(series.unwrap_or(""))
        .fetch_all(self.r())
        .await
    }

    async fn event(&self, slug: &str) -> StoreResult<Option<Event>> {
        query_as(&format!("{SELECT_EVENTS} WHERE e.slug = $1"))
            .bind(slug)
            .fetch_optional(self.r())
            .await
    }

    async fn event_by_id(&self, id: i64) -> StoreResult<Option<Event>> {
        query_as(&format!("{SELECT_EVENTS} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(self.r())
            .await
    }

    async fn update_event(&self, e: &Event, now: DateTime<Utc>) -> StoreResult<Event> {
        let json = |v: &Vec<String>| serde_json::to_string(v).map_err(corrupt);
        let done = query(
            "UPDATE events SET title = $1, description = $2, levers = $3, \
             online_url = $4, address = $5, speakers = $6, capacity = $7, status = $8, \
             replay_url = $9, updated_at = $10, registration_opens_at = $12, \
             registration_closes_at = $13 WHERE slug = $11",
        )
        .bind(&e.title)
        .bind(&e.description)
        .bind(json(&e.levers)?)
        .bind(&e.online_url)
        .bind(&e.address)
        .bind(json(&e.speakers)?)
        .bind(e.capacity)
        .bind(e.status.as_str())
        .bind(&e.replay_url)
        .bind(ts(now))
        .bind(&e.slug)
        .bind(e.registration_opens.map(ts))
        .bind(e.registration_closes.map(ts))
        .execute(self.w())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.event(&e.slug).await?.ok_or(StoreError::NotFound)
    }

    async fn add_events(&self, events: &[Event], now: DateTime<Utc>) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for e in events {
            if insert_event(&mut *tx, e, ts(now)).await? {
                added += 1;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn set_attendance(&self, event_id: i64, present: &[i64]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        query("UPDATE registrations SET attended = FALSE WHERE event_id = $1")
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        for id in present {
            query("UPDATE registrations SET attended = TRUE WHERE event_id = $1 AND id = $2")
                .bind(event_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn series(&self, slug: &str) -> StoreResult<Option<Series>> {
        let Some(r) =
            query("SELECT slug, title, description, kind, rule FROM event_series WHERE slug = $1")
                .bind(slug)
                .fetch_optional(self.r())
                .await?
        else {
            return Ok(None);
        };
        let kind: String = r.try_get("kind")?;
        Ok(Some(Series {
            slug: r.try_get("slug")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            kind: kind.parse().map_err(corrupt)?,
            rule: r.try_get("rule")?,
        }))
    }

    async fn register(
        &self,
        event_id: i64,
        r: &NewRegistration,
        now: DateTime<Utc>,
    ) -> StoreResult<Registration> {
        let mut tx = self.begin_write().await?;
        let reg = register_in(&mut tx, event_id, r, now).await?;
        tx.commit().await?;
        Ok(reg)
    }

    async fn confirm_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Registration> {
        let now = ts(now);
        let mut tx = self.begin_write().await?;
        let reg = registration_in(&mut *tx, token_hash).await?;
        if reg.status != RegistrationStatus::Pending {
            return Ok(reg);
        }
        let status = if seat_left(&mut tx, reg.event_id).await? {
            RegistrationStatus::Confirmed
        } else {
            RegistrationStatus::Waiting
        };
        set_registration_status(&mut *tx, reg.id, status, now).await?;
        let reg = registration_in(&mut *tx, token_hash).await?;
        tx.commit().await?;
        Ok(reg)
    }

    async fn cancel_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Registration, Option<Registration>)> {
        let now = ts(now);
        let mut tx = self.begin_write().await?;
        let reg = registration_in(&mut *tx, token_hash).await?;
        if reg.status == RegistrationStatus::Cancelled {
            return Ok((reg, None));
        }
        // Lock the event first, as a registration does.
        seat_left(&mut tx, reg.event_id).await?;
        set_registration_status(&mut *tx, reg.id, RegistrationStatus::Cancelled, now).await?;
        let mut promoted = None;
        if reg.status == RegistrationStatus::Confirmed && seat_left(&mut tx, reg.event_id).await? {
            let next = query(&format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations \
                 WHERE event_id = $1 AND status = 'waiting' ORDER BY id LIMIT 1"
            ))
            .bind(reg.event_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = next {
                let mut next = Registration::from_row(&row)?;
                set_registration_status(&mut *tx, next.id, RegistrationStatus::Confirmed, now)
                    .await?;
                next.status = RegistrationStatus::Confirmed;
                promoted = Some(next);
            }
        }
        let reg = registration_in(&mut *tx, token_hash).await?;
        tx.commit().await?;
        Ok((reg, promoted))
    }

    async fn registration_by_token(&self, token_hash: &str) -> StoreResult<Option<Registration>> {
        find_registration(self.r(), token_hash).await
    }

    async fn registrations(&self, event_id: i64) -> StoreResult<Vec<Registration>> {
        query_as(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_id = $1 \
             ORDER BY id"
        ))
        .bind(event_id)
        .fetch_all(self.r())
        .await
    }

    async fn registration_counts(&self, event_id: i64) -> StoreResult<(i64, i64)> {
        let count = |status: &'static str| {
            query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = $2",
            )
            .bind(event_id)
            .bind(status)
            .fetch_one(self.r())
        };
        Ok((count("confirmed").await?, count("waiting").await?))
    }

    async fn member_registrations(
        &self,
        user_id: i64,
        email: &str,
        event_id: Option<i64>,
    ) -> StoreResult<Vec<(Registration, i64)>> {
        let one_event = if event_id.is_some() {
            " AND r.event_id = $3"
        } else {
            ""
        };
        let columns = REGISTRATION_COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, CASE WHEN r.status = 'waiting' THEN \
             (SELECT COUNT(*) FROM registrations w WHERE w.event_id = r.event_id \
              AND w.status = 'waiting' AND w.id <= r.id) ELSE 0 END AS position \
             FROM registrations r \
             WHERE r.status IN ('confirmed', 'waiting') \
             AND (r.user_id = $1 OR LOWER(r.email) = LOWER($2)){one_event} ORDER BY r.id"
        );
        let mut q = query(&sql).bind(user_id).bind(email);
        if let Some(id) = event_id {
            q = q.bind(id);
        }
        q.fetch_all(self.r())
            .await?
            .iter()
            .map(|row| Ok((Registration::from_row(row)?, row.try_get("position")?)))
            .collect()
    }

    async fn claim_reminders(
        &self,
        which: Reminder,
        now: DateTime<Utc>,
        from: chrono::Duration,
        to: chrono::Duration,
    ) -> StoreResult<Vec<Registration>> {
        let col = reminder_column(which);
        query_as(&format!(
            "UPDATE registrations SET {col} = TRUE \
             WHERE status = 'confirmed' AND {col} = FALSE AND event_id IN \
             (SELECT id FROM events WHERE status = 'scheduled' \
              AND starts_at > $1 AND starts_at <= $2) \
             RETURNING {REGISTRATION_COLUMNS}"
        ))
        .bind(ts(now + from))
        .bind(ts(now + to))
        .fetch_all(self.w())
        .await
    }

    async fn release_reminder(&self, id: i64, which: Reminder) -> StoreResult<()> {
        let col = reminder_column(which);
        query(&format!(
            "UPDATE registrations SET {col} = FALSE WHERE id = $1"
        ))
        .bind(id)
        .execute(self.w())
        .await?;
        Ok(())
    }
}
