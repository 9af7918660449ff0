//! The network's SQL, one text for both engines (see `crate::sql`).

use crate::network::{ExampleMember, NetworkStore};
use crate::sql::{corrupt, query, query_as, query_scalar, Backing, Conn, Engine, FromRow, Row};
use crate::{ts, StoreError, StoreResult};
use async_trait::async_trait;
use catalyse_core::network::{
    Decision, Moderated, Place, PlaceFields, Profile, ProfileFields, Report, Subject, Visibility,
};
use catalyse_core::text::slugify;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use sqlx::{Executor, Pool, Transaction};

/// The columns of a profile's or a place's versions, read by [`moderated`].
macro_rules! moderated_columns {
    () => {
        "published, published_at, draft, review, review_reason, revision, submitted_at"
    };
}
const PROFILE_COLUMNS: &str = concat!(
    "user_id, slug, visibility, consent_at, ",
    moderated_columns!(),
    ", is_example, created_at, updated_at"
);
const PLACE_COLUMNS: &str = concat!(
    "id, slug, created_by, ",
    moderated_columns!(),
    ", is_example, created_at, updated_at"
);
/// The columns of a case (`crate::cases`), whose versions are moderated like a place's.
pub(crate) const CASE_COLUMNS: &str = concat!(
    "id, slug, created_by, ",
    moderated_columns!(),
    ", archived_at, is_example, is_reference, created_at, updated_at"
);
/// The columns of a need (`crate::needs`), whose versions are moderated like a case's.
pub(crate) const NEED_COLUMNS: &str = concat!(
    "id, slug, author_id, author_email, confirmed_at, ",
    moderated_columns!(),
    ", status, origin, is_example, created_at, updated_at"
);
/// What a new version submitted sets, in `members` as in `places`: `$1` the draft (JSON),
/// `$2` the time.
pub(crate) const RESUBMIT: &str = "draft = $1, review = 'pending', review_reason = '', \
    revision = revision + 1, submitted_at = $2, updated_at = $2";
const REPORT_COLUMNS: &str = "id, at, reporter_id, subject, subject_id, reason, \
    resolved_at, resolved_by, resolution";
/// Values per generated statement.
const CHUNK: usize = 400;

pub(crate) fn json<T: DeserializeOwned, DB: Engine>(
    r: &Row<DB>,
    col: &str,
) -> StoreResult<Option<T>> {
    match r.try_get::<Option<String>, _>(col)? {
        Some(text) => serde_json::from_str(&text).map(Some).map_err(corrupt),
        None => Ok(None),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(corrupt)
}

fn time<DB: Engine>(r: &Row<DB>, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
    r.time_opt(col)
}

/// The versions of a profile or a place, from the columns `moderated_columns!` names.
pub(crate) fn moderated<F: DeserializeOwned, DB: Engine>(r: &Row<DB>) -> StoreResult<Moderated<F>> {
    let review: Option<String> = r.try_get("review")?;
    Ok(Moderated {
        published: json(r, "published")?,
        published_at: time(r, "published_at")?,
        draft: json(r, "draft")?,
        review: review.map(|s| s.parse()).transpose().map_err(corrupt)?,
        review_reason: r.try_get("review_reason")?,
        revision: r.try_get("revision")?,
        submitted_at: time(r, "submitted_at")?,
    })
}

/// Where the versions of a subject are kept: its table, its key column, and the columns
/// its `FromRow` reads.
fn table(subject: Subject) -> (&'static str, &'static str, &'static str) {
    match subject {
        Subject::Member => ("members", "user_id", PROFILE_COLUMNS),
        Subject::Place => ("places", "id", PLACE_COLUMNS),
        Subject::Case => ("cases", "id", CASE_COLUMNS),
        Subject::Need => ("needs", "id", NEED_COLUMNS),
    }
}

impl FromRow for Profile {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let visibility: String = r.try_get("visibility")?;
        Ok(Profile {
            user_id: r.try_get("user_id")?,
            slug: r.try_get("slug")?,
            visibility: visibility.parse().map_err(corrupt)?,
            consent_at: time(r, "consent_at")?,
            moderated: moderated(r)?,
            is_example: r.try_get("is_example")?,
            created_at: r.time("created_at")?,
            updated_at: r.time("updated_at")?,
        })
    }
}

impl FromRow for Place {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Place {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            created_by: r.try_get("created_by")?,
            moderated: moderated(r)?,
            is_example: r.try_get("is_example")?,
            created_at: r.time("created_at")?,
            updated_at: r.time("updated_at")?,
        })
    }
}

fn subject<DB: Engine>(r: &Row<DB>) -> StoreResult<Subject> {
    let s: String = r.try_get("subject")?;
    s.parse().map_err(corrupt)
}

impl FromRow for Report {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Report {
            id: r.try_get("id")?,
            at: r.time("at")?,
            reporter_id: r.try_get("reporter_id")?,
            subject: subject(r)?,
            subject_id: r.try_get("subject_id")?,
            reason: r.try_get("reason")?,
            resolved_at: time(r, "resolved_at")?,
            resolved_by: r.try_get("resolved_by")?,
            resolution: r.try_get("resolution")?,
        })
    }
}

impl FromRow for Decision {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Decision {
            id: r.try_get("id")?,
            at: r.time("at")?,
            moderator_id: r.try_get("moderator_id")?,
            subject: subject(r)?,
            subject_id: r.try_get("subject_id")?,
            revision: r.try_get("revision")?,
            approved: r.try_get("approved")?,
            reason: r.try_get("reason")?,
        })
    }
}

/// The words a table's slugs may not be: the fixed pages beside its rows' pages
/// (`/besoins/nouveau`, `/pratiques/nouvelle`, `/reseau/chiffres`…), which would hide them.
fn reserved(table: &str) -> &'static [&'static str] {
    match table {
        "needs" => &["nouveau", "confirmer"],
        "cases" => &["nouvelle"],
        "places" => &["nouveau"],
        "members" => &["chiffres"],
        _ => &[],
    }
}

/// A slug from `name` not yet taken in `table` nor reserved there: `name`, then `name-2`,
/// `name-3`… (`fallback` when `name` gives none).
pub(crate) async fn free_slug<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    table: &str,
    name: &str,
    fallback: &str,
) -> StoreResult<String> {
    let mut base = slugify(name);
    base.truncate(60);
    let base = base.trim_matches('-').to_string();
    let base = if base.is_empty() {
        fallback.to_string()
    } else {
        base
    };
    let taken: Vec<String> = query_scalar(&format!(
        "SELECT slug FROM {table} WHERE slug = $1 OR slug LIKE $2"
    ))
    .bind(&base)
    .bind(format!("{base}-%"))
    .fetch_all(on)
    .await?;
    if !taken.contains(&base) && !reserved(table).contains(&base.as_str()) {
        return Ok(base);
    }
    let n = (2..)
        .find(|n| !taken.contains(&format!("{base}-{n}")))
        .unwrap_or(2);
    Ok(format!("{base}-{n}"))
}

/// Submitted versions of profiles, places, cases or needs waiting for a decision, oldest first.
pub(crate) async fn pending<'c, DB: Engine, T: FromRow>(
    on: impl Executor<'c, Database = DB>,
    subject: Subject,
) -> StoreResult<Vec<T>> {
    let (table, key, columns) = table(subject);
    query_as(&format!(
        "SELECT {columns} FROM {table} WHERE review = 'pending' \
         ORDER BY submitted_at, {key} LIMIT 500"
    ))
    .fetch_all(on)
    .await
}

/// A moderator's decision on one revision.
pub(crate) struct Verdict<'a> {
    pub(crate) revision: i64,
    pub(crate) approve: bool,
    pub(crate) reason: &'a str,
    pub(crate) moderator_id: Option<i64>,
    pub(crate) now: DateTime<Utc>,
}

/// The profiles, places, cases or needs with these keys (`key` reads it back), in the order
/// asked; any number of them, `CHUNK` a statement.
pub(crate) async fn by_ids<DB: Engine, T: FromRow>(
    pool: &Pool<DB>,
    subject: Subject,
    ids: &[i64],
    key: fn(&T) -> i64,
) -> StoreResult<Vec<T>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let (table, key_column, columns) = table(subject);
    let mut out: Vec<T> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE {key_column} IN ({})",
            marks.join(", ")
        );
        let mut q = query_as(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(pool).await?);
    }
    let rank: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    out.sort_by_key(|t| rank.get(&key(t)).copied().unwrap_or(usize::MAX));
    Ok(out)
}

/// Approves (publishes) or rejects the pending revision of a profile, a place, a case or a need,
/// writes the decision in the audit trail, and returns the subject as it now is; the caller
/// commits.
pub(crate) async fn decide<DB: Engine, T: FromRow>(
    tx: &mut Transaction<'_, DB>,
    subject: Subject,
    id: i64,
    v: &Verdict<'_>,
) -> StoreResult<T>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let (table, key, columns) = table(subject);
    // A profile's photo columns follow its versions (see `file_in_use`).
    let photos = match subject {
        Subject::Member => "published_photo = draft_photo, draft_photo = NULL, ",
        Subject::Place | Subject::Case | Subject::Need => "",
    };
    let sql = if v.approve {
        format!(
            "UPDATE {table} SET published = draft, published_at = $1, draft = NULL, \
             {photos}review = NULL, review_reason = '', updated_at = $1 \
             WHERE {key} = $2 AND revision = $3 AND review = 'pending'"
        )
    } else {
        format!(
            "UPDATE {table} SET review = 'rejected', review_reason = $4, \
             updated_at = $1 \
             WHERE {key} = $2 AND revision = $3 AND review = 'pending'"
        )
    };
    let mut q = query(&sql).bind(ts(v.now)).bind(id).bind(v.revision);
    if !v.approve {
        q = q.bind(v.reason);
    }
    if q.execute(&mut **tx).await?.rows_affected() == 0 {
        return Err(StoreError::Conflict {
            field: "revision",
            message: "this version is no longer waiting for a decision".into(),
        });
    }
    query(
        "INSERT INTO moderation_decisions (at, moderator_id, subject, subject_id, \
         revision, approved, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ts(v.now))
    .bind(v.moderator_id)
    .bind(subject.as_str())
    .bind(id)
    .bind(v.revision)
    .bind(v.approve)
    .bind(v.reason)
    .execute(&mut **tx)
    .await?;
    let row = query(&format!("SELECT {columns} FROM {table} WHERE {key} = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    T::from_row(&row)
}

#[async_trait]
impl<S: Backing> NetworkStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn submit_profile(
        &self,
        user_id: i64,
        fields: &ProfileFields,
        visibility: Visibility,
        consent_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<Profile> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = query_scalar("SELECT user_id FROM members WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let draft = to_json(fields)?;
        let row = if exists.is_some() {
            query(&format!(
                "UPDATE members SET {RESUBMIT}, visibility = $3, consent_at = $4, \
                 draft_photo = $6 WHERE user_id = $5 RETURNING {PROFILE_COLUMNS}"
            ))
            .bind(&draft)
            .bind(ts(now))
            .bind(visibility.as_str())
            .bind(consent_at.map(ts))
            .bind(user_id)
            .bind(&fields.photo)
            .fetch_one(&mut *tx)
            .await?
        } else {
            let slug = free_slug(&mut *tx, "members", &fields.display_name, "membre").await?;
            query(&format!(
                "INSERT INTO members (user_id, slug, visibility, consent_at, draft, \
                 review, revision, submitted_at, created_at, updated_at, \
                 draft_photo) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 1, $6, $6, $6, $7) \
                 RETURNING {PROFILE_COLUMNS}"
            ))
            .bind(user_id)
            .bind(&slug)
            .bind(visibility.as_str())
            .bind(consent_at.map(ts))
            .bind(&draft)
            .bind(ts(now))
            .bind(&fields.photo)
            .fetch_one(&mut *tx)
            .await?
        };
        tx.commit().await?;
        Profile::from_row(&row)
    }

    async fn set_visibility(
        &self,
        user_id: i64,
        visibility: Visibility,
        consent_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<Profile> {
        query_as(&format!(
            "UPDATE members SET visibility = $1, consent_at = $2, updated_at = $3 \
             WHERE user_id = $4 RETURNING {PROFILE_COLUMNS}"
        ))
        .bind(visibility.as_str())
        .bind(consent_at.map(ts))
        .bind(ts(now))
        .bind(user_id)
        .fetch_optional(self.w())
        .await?
        .ok_or(StoreError::NotFound)
    }

    async fn profile(&self, user_id: i64) -> StoreResult<Option<Profile>> {
        query_as(&format!(
            "SELECT {PROFILE_COLUMNS} FROM members WHERE user_id = $1"
        ))
        .bind(user_id)
        .fetch_optional(self.r())
        .await
    }

    async fn profile_by_slug(&self, slug: &str) -> StoreResult<Option<Profile>> {
        query_as(&format!(
            "SELECT {PROFILE_COLUMNS} FROM members WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(self.r())
        .await
    }

    async fn profiles_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Profile>> {
        by_ids(self.r(), Subject::Member, ids, |p: &Profile| p.user_id).await
    }

    async fn published_profiles(&self, after: i64, limit: u32) -> StoreResult<Vec<Profile>> {
        query_as(&format!(
            "SELECT {PROFILE_COLUMNS} FROM members WHERE published IS NOT NULL \
             AND user_id > $1 ORDER BY user_id LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(self.r())
        .await
    }

    async fn pending_profiles(&self) -> StoreResult<Vec<Profile>> {
        pending(self.r(), Subject::Member).await
    }

    async fn decide_profile(
        &self,
        user_id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Profile> {
        let mut tx = self.begin_write().await?;
        let verdict = Verdict {
            revision,
            approve,
            reason,
            moderator_id,
            now,
        };
        let decided = decide(&mut tx, Subject::Member, user_id, &verdict).await?;
        tx.commit().await?;
        Ok(decided)
    }

    async fn insert_example_members(
        &self,
        members: &[ExampleMember],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let now = ts(now);
        let mut done = 0;
        // Two statements per batch, one transaction per batch: a large network
        // goes in without holding one enormous transaction.
        for chunk in members.chunks(CHUNK / 2) {
            let mut tx = self.begin_write().await?;
            let marks: Vec<String> = (0..chunk.len())
                .map(|i| {
                    format!(
                        "(${}, ${}, 'member', '!', TRUE, $1, $1, $1)",
                        2 * i + 2,
                        2 * i + 3
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO users (email, display_name, role, password_hash, \
                 is_example, created_at, updated_at, email_verified_at) VALUES {} \
                 RETURNING id, email",
                marks.join(", ")
            );
            let mut q = query(&sql).bind(now);
            for m in chunk {
                q = q.bind(&m.email).bind(&m.fields.display_name);
            }
            let rows = q.fetch_all(&mut *tx).await.map_err(|e| {
                StoreError::on_unique(e, "email", "an example account already exists")
            })?;
            let ids: std::collections::HashMap<String, i64> = rows
                .iter()
                .map(|r| Ok((r.try_get("email")?, r.try_get("id")?)))
                .collect::<StoreResult<_>>()?;
            let marks: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = 4 * i + 2;
                    format!(
                        "(${b}, ${}, ${}, $1, ${}, $1, 1, $1, TRUE, $1, $1)",
                        b + 1,
                        b + 2,
                        b + 3
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO members (user_id, slug, visibility, consent_at, published, \
                 published_at, revision, submitted_at, is_example, created_at, \
                 updated_at) VALUES {}",
                marks.join(", ")
            );
            let mut q = query(&sql).bind(now);
            for m in chunk {
                let id = *ids.get(&m.email).ok_or_else(|| corrupt("example id"))?;
                let mut slug = slugify(&m.fields.display_name);
                slug.truncate(50);
                q = q
                    .bind(id)
                    .bind(format!("{}-{id}", slug.trim_matches('-')))
                    .bind(m.visibility.as_str())
                    .bind(to_json(&m.fields)?);
            }
            q.execute(&mut *tx).await?;
            tx.commit().await?;
            done += chunk.len();
        }
        Ok(done)
    }

    async fn submit_place(
        &self,
        id: Option<i64>,
        author: i64,
        fields: &PlaceFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Place> {
        let mut tx = self.begin_write().await?;
        let draft = to_json(fields)?;
        let row = match id {
            Some(id) => query(&format!(
                "UPDATE places SET {RESUBMIT} WHERE id = $3 RETURNING {PLACE_COLUMNS}"
            ))
            .bind(&draft)
            .bind(ts(now))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?,
            None => {
                let slug = free_slug(&mut *tx, "places", &fields.name, "lieu").await?;
                query(&format!(
                    "INSERT INTO places (slug, created_by, draft, review, revision, \
                     submitted_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'pending', 1, $4, $4, $4) \
                     RETURNING {PLACE_COLUMNS}"
                ))
                .bind(&slug)
                .bind(author)
                .bind(&draft)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?
            }
        };
        tx.commit().await?;
        Place::from_row(&row)
    }

    async fn place(&self, id: i64) -> StoreResult<Option<Place>> {
        query_as(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.r())
            .await
    }

    async fn place_by_slug(&self, slug: &str) -> StoreResult<Option<Place>> {
        query_as(&format!(
            "SELECT {PLACE_COLUMNS} FROM places WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(self.r())
        .await
    }

    async fn published_places(&self) -> StoreResult<Vec<Place>> {
        query_as(&format!(
            "SELECT {PLACE_COLUMNS} FROM places WHERE published IS NOT NULL ORDER BY id"
        ))
        .fetch_all(self.r())
        .await
    }

    async fn pending_places(&self) -> StoreResult<Vec<Place>> {
        pending(self.r(), Subject::Place).await
    }

    async fn places_of(&self, user_id: i64) -> StoreResult<Vec<Place>> {
        // Managers live in the JSON versions: few places, filtered here.
        let places: Vec<Place> =
            query_as(&format!("SELECT {PLACE_COLUMNS} FROM places ORDER BY id"))
                .fetch_all(self.r())
                .await?;
        Ok(places
            .into_iter()
            .filter(|p| {
                p.created_by == Some(user_id)
                    || p.moderated
                        .versions()
                        .any(|f| f.managers.contains(&user_id))
            })
            .collect())
    }

    async fn places_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Place>> {
        by_ids(self.r(), Subject::Place, ids, |p: &Place| p.id).await
    }

    async fn decide_place(
        &self,
        id: i64,
        revision: i64,
        approve: bool,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Place> {
        let mut tx = self.begin_write().await?;
        let verdict = Verdict {
            revision,
            approve,
            reason,
            moderator_id,
            now,
        };
        let decided = decide(&mut tx, Subject::Place, id, &verdict).await?;
        tx.commit().await?;
        Ok(decided)
    }

    async fn insert_example_places(
        &self,
        places: &[PlaceFields],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let start: i64 = query_scalar("SELECT COALESCE(MAX(id), 0) FROM places")
            .fetch_one(&mut *tx)
            .await?;
        for (i, p) in places.iter().enumerate() {
            let mut slug = slugify(&p.name);
            slug.truncate(50);
            query(
                "INSERT INTO places (slug, published, published_at, revision, \
                 submitted_at, is_example, created_at, updated_at) \
                 VALUES ($1, $2, $3, 1, $3, TRUE, $3, $3)",
            )
            .bind(format!(
                "{}-{}",
                slug.trim_matches('-'),
                start + i as i64 + 1
            ))
            .bind(to_json(p)?)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(places.len())
    }

    async fn decisions(
        &self,
        subject: Option<(Subject, i64)>,
        limit: u32,
    ) -> StoreResult<Vec<Decision>> {
        let cols = "id, at, moderator_id, subject, subject_id, revision, approved, reason";
        let rows = match subject {
            Some((s, id)) => {
                query(&format!(
                    "SELECT {cols} FROM moderation_decisions WHERE subject = $1 \
                     AND subject_id = $2 ORDER BY id DESC LIMIT $3"
                ))
                .bind(s.as_str())
                .bind(id)
                .bind(limit as i64)
                .fetch_all(self.r())
                .await?
            }
            None => {
                query(&format!(
                    "SELECT {cols} FROM moderation_decisions ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit as i64)
                .fetch_all(self.r())
                .await?
            }
        };
        rows.iter().map(Decision::from_row).collect()
    }

    async fn create_report(
        &self,
        reporter_id: Option<i64>,
        subject: Subject,
        subject_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        query_as(&format!(
            "INSERT INTO reports (at, reporter_id, subject, subject_id, reason) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {REPORT_COLUMNS}"
        ))
        .bind(ts(now))
        .bind(reporter_id)
        .bind(subject.as_str())
        .bind(subject_id)
        .bind(reason)
        .fetch_one(self.w())
        .await
    }

    async fn open_reports(&self) -> StoreResult<Vec<Report>> {
        query_as(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE resolved_at IS NULL \
             ORDER BY at, id LIMIT 500"
        ))
        .fetch_all(self.r())
        .await
    }

    async fn resolve_report(
        &self,
        id: i64,
        moderator_id: i64,
        resolution: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        query_as(&format!(
            "UPDATE reports SET resolved_at = $1, resolved_by = $2, resolution = $3 \
             WHERE id = $4 AND resolved_at IS NULL RETURNING {REPORT_COLUMNS}"
        ))
        .bind(ts(now))
        .bind(moderator_id)
        .bind(resolution)
        .bind(id)
        .fetch_optional(self.w())
        .await?
        .ok_or(StoreError::NotFound)
    }

    async fn record_contact(
        &self,
        sender_id: i64,
        recipient_id: i64,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        max: i64,
    ) -> StoreResult<bool> {
        // One statement: on SQLite (one writer) it is exact; on PostgreSQL two
        // requests of one sender in the same instant may both pass, which is
        // enough for a limit against abuse.
        let done = query(
            "INSERT INTO contact_messages (at, sender_id, recipient_id) \
             SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM contact_messages \
             WHERE sender_id = $2 AND at >= $4) < $5",
        )
        .bind(ts(now))
        .bind(sender_id)
        .bind(recipient_id)
        .bind(ts(since))
        .bind(max)
        .execute(self.w())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn contacts_sent(&self, sender_id: i64) -> StoreResult<i64> {
        query_scalar("SELECT COUNT(*) FROM contact_messages WHERE sender_id = $1")
            .bind(sender_id)
            .fetch_one(self.r())
            .await
    }
}
