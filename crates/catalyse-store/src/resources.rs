//! The resource centre: resources, their files and history, imports, the kit, harvesting.
//!
//! The trait, and its SQL as plain Rust generic over the backend (`crate::sql::Backing`):
//! one text for SQLite and PostgreSQL.

use crate::reference::{loaded_checksum, set_state};
use crate::sql::{
    corrupt, query, query_as, query_scalar, values_list, Backing, Conn, Engine, FromRow, Query,
    Row, CHUNK,
};
use crate::{read_ts, ts, FileChange, HarvestQuery, ResourceChange, StoreError, StoreResult};
use async_trait::async_trait;
use catalyse_core::resource::{Resource, ResourceFields, ResourceState, StoredFile};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sqlx::{Executor, Transaction};

/// The resource centre.
#[async_trait]
pub trait ResourceStore: Send + Sync {
    /// Creates a resource; a slug in use is a `Conflict` on `slug`.
    async fn create_resource(
        &self,
        fields: &ResourceFields,
        state: ResourceState,
        file: Option<&StoredFile>,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource>;
    /// Edits a resource and records what changed (nothing recorded when nothing did).
    async fn update_resource(
        &self,
        id: i64,
        fields: &ResourceFields,
        file: &FileChange,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource>;
    async fn set_resource_state(
        &self,
        id: i64,
        state: ResourceState,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource>;
    async fn resource(&self, id: i64) -> StoreResult<Option<Resource>>;
    async fn resource_by_slug(&self, slug: &str) -> StoreResult<Option<Resource>>;
    /// The resources with these ids, in the order given (unknown ids are skipped).
    async fn resources_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Resource>>;
    /// Every resource in one state (or all), by id.
    async fn resources(&self, state: Option<ResourceState>) -> StoreResult<Vec<Resource>>;
    async fn resource_history(&self, id: i64) -> StoreResult<Vec<ResourceChange>>;
    /// Creates or replaces (by slug) many resources in one transaction: all or nothing.
    /// Returns (created, updated).
    async fn import_resources(
        &self,
        items: &[(ResourceFields, ResourceState)],
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<(usize, usize)>;
    /// Adds the kit's documents that are not there yet (by slug), published, when the kit's
    /// checksum changed, and gives a link to those that have none; what animators edited
    /// stays as they left it.
    async fn load_kit(
        &self,
        kit: &[ResourceFields],
        checksum: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Published and archived resources changed in a window, with the total count.
    async fn harvest(&self, q: &HarvestQuery) -> StoreResult<(Vec<Resource>, u64)>;
    /// The first change of a resource ever published.
    async fn harvest_earliest(&self) -> StoreResult<Option<DateTime<Utc>>>;
    /// Whether any resource, any member's profile (its published version or the one under
    /// review) or any version of a case refers to this file.
    async fn file_in_use(&self, sha256: &str) -> StoreResult<bool>;
    /// A value that changes whenever any resource is created, edited, imported or changes
    /// state (here or in another process): instances compare it to know when their search
    /// index is behind.
    async fn resources_version(&self) -> StoreResult<String>;
}

const RESOURCE_COLUMNS: &str =
    "id, slug, title, summary, body, nature, subgroup, levers, themes, authors, year, \
     format, language, licence, url, file_sha256, file_name, file_content_type, \
     file_size, state, is_example, created_at, updated_at, published_at";

impl FromRow for Resource {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let nature: String = r.try_get("nature")?;
        let state: String = r.try_get("state")?;
        let list = |col: &str| -> StoreResult<Vec<String>> {
            let text: String = r.try_get(col)?;
            serde_json::from_str(&text).map_err(corrupt)
        };
        let file = match r.try_get::<Option<String>, _>("file_sha256")? {
            Some(sha256) => Some(StoredFile {
                sha256,
                name: r
                    .try_get::<Option<String>, _>("file_name")?
                    .unwrap_or_default(),
                content_type: r
                    .try_get::<Option<String>, _>("file_content_type")?
                    .unwrap_or_default(),
                size: r
                    .try_get::<Option<i64>, _>("file_size")?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        Ok(Resource {
            id: r.try_get("id")?,
            fields: ResourceFields {
                slug: r.try_get("slug")?,
                title: r.try_get("title")?,
                summary: r.try_get("summary")?,
                body: r.try_get("body")?,
                nature: nature.parse().map_err(corrupt)?,
                subgroup: r.try_get("subgroup")?,
                levers: list("levers")?,
                themes: list("themes")?,
                authors: list("authors")?,
                year: r.try_get("year")?,
                format: r.try_get("format")?,
                language: r.try_get("language")?,
                licence: r.try_get("licence")?,
                url: r.try_get("url")?,
                is_example: r.try_get("is_example")?,
            },
            state: state.parse().map_err(corrupt)?,
            file,
            created_at: r.time("created_at")?,
            updated_at: r.time("updated_at")?,
            published_at: r.time_opt("published_at")?,
        })
    }
}

impl FromRow for ResourceChange {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let changes: String = r.try_get("changes")?;
        Ok(ResourceChange {
            at: r.time("at")?,
            actor_id: r.try_get("actor_id")?,
            action: r.try_get("action")?,
            changes: serde_json::from_str(&changes).map_err(corrupt)?,
        })
    }
}

fn fields_json(f: &ResourceFields) -> Map<String, Value> {
    match serde_json::to_value(f) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, a) in after {
        let b = before.get(k).cloned().unwrap_or(Value::Null);
        if &b != a {
            out.insert(k.clone(), json!([b, a]));
        }
    }
    out
}

/// What creating a resource changes: every field, and its state.
fn created_changes(fields: &ResourceFields, state: ResourceState) -> Map<String, Value> {
    let mut changes = diff(&Map::new(), &fields_json(fields));
    changes.insert("state".into(), json!([null, state.as_str()]));
    changes
}

/// Binds the fields every write of a resource sets, slug to url (14 values).
fn bind_fields<'q, DB: Engine>(
    q: Query<'q, DB>,
    f: &'q ResourceFields,
) -> StoreResult<Query<'q, DB>> {
    let json = |v: &Vec<String>| serde_json::to_string(v).map_err(corrupt);
    Ok(q.bind(&f.slug)
        .bind(&f.title)
        .bind(&f.summary)
        .bind(&f.body)
        .bind(f.nature.as_str())
        .bind(&f.subgroup)
        .bind(json(&f.levers)?)
        .bind(json(&f.themes)?)
        .bind(json(&f.authors)?)
        .bind(f.year)
        .bind(&f.format)
        .bind(&f.language)
        .bind(&f.licence)
        .bind(&f.url))
}

/// Binds a resource's file columns (4 values, all null without a file).
fn bind_file<'q, DB: Engine>(q: Query<'q, DB>, file: Option<&StoredFile>) -> Query<'q, DB> {
    q.bind(file.map(|x| x.sha256.clone()))
        .bind(file.map(|x| x.name.clone()))
        .bind(file.map(|x| x.content_type.clone()))
        .bind(file.map(|x| x.size))
}

async fn record_change<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    id: i64,
    actor: Option<i64>,
    action: &str,
    changes: &Map<String, Value>,
    now: i64,
) -> StoreResult<()> {
    query(
        "INSERT INTO resource_history (resource_id, at, actor_id, action, changes) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(now)
    .bind(actor)
    .bind(action)
    .bind(Value::Object(changes.clone()).to_string())
    .execute(on)
    .await?;
    Ok(())
}

/// Records a change of one resource, commits, and returns the resource as it now is.
async fn commit_change<DB: Engine>(
    mut tx: Transaction<'_, DB>,
    id: i64,
    actor: Option<i64>,
    action: &str,
    changes: &Map<String, Value>,
    now: i64,
) -> StoreResult<Resource>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    record_change(&mut *tx, id, actor, action, changes, now).await?;
    let r = resource_in(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(r)
}

async fn insert_resource<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    f: &ResourceFields,
    state: ResourceState,
    file: Option<&StoredFile>,
    now: i64,
) -> StoreResult<i64> {
    let published = (state != ResourceState::Draft).then_some(now);
    let q = query(
        "INSERT INTO resources (slug, title, summary, body, nature, subgroup, levers, \
         themes, authors, year, format, language, licence, url, file_sha256, file_name, \
         file_content_type, file_size, state, is_example, created_at, updated_at, \
         published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17, $18, $19, $20, $21, $21, $22) RETURNING id",
    );
    let row = bind_file(bind_fields(q, f)?, file)
        .bind(state.as_str())
        .bind(f.is_example)
        .bind(now)
        .bind(published)
        .fetch_one(on)
        .await
        .map_err(|e| StoreError::on_unique(e, "slug", "this slug is already in use"))?;
    Ok(row.try_get(0)?)
}

async fn write_fields<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    id: i64,
    f: &ResourceFields,
    now: i64,
) -> StoreResult<()> {
    let q = query(
        "UPDATE resources SET slug = $1, title = $2, summary = $3, body = $4, \
         nature = $5, subgroup = $6, levers = $7, themes = $8, authors = $9, \
         year = $10, format = $11, language = $12, licence = $13, url = $14, \
         is_example = $15, updated_at = $16 WHERE id = $17",
    );
    bind_fields(q, f)?
        .bind(f.is_example)
        .bind(now)
        .bind(id)
        .execute(on)
        .await
        .map_err(|e| StoreError::on_unique(e, "slug", "this slug is already in use"))?;
    Ok(())
}

/// The id of the resource with this slug, if any.
async fn id_by_slug<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    slug: &str,
) -> StoreResult<Option<i64>> {
    query_scalar("SELECT id FROM resources WHERE slug = $1")
        .bind(slug)
        .fetch_optional(on)
        .await
}

async fn resource_in<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    id: i64,
) -> StoreResult<Resource> {
    query_as(&format!(
        "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(on)
    .await?
    .ok_or(StoreError::NotFound)
}

#[async_trait]
impl<S: Backing> ResourceStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn create_resource(
        &self,
        fields: &ResourceFields,
        state: ResourceState,
        file: Option<&StoredFile>,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource> {
        let mut tx = self.begin_write().await?;
        let id = insert_resource(&mut *tx, fields, state, file, ts(now)).await?;
        let changes = created_changes(fields, state);
        commit_change(tx, id, actor, "create", &changes, ts(now)).await
    }

    async fn update_resource(
        &self,
        id: i64,
        fields: &ResourceFields,
        file: &FileChange,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource> {
        let mut tx = self.begin_write().await?;
        let before = resource_in(&mut *tx, id).await?;
        let mut changes = diff(&fields_json(&before.fields), &fields_json(fields));
        let new_file = match file {
            FileChange::Keep => before.file.clone(),
            FileChange::Replace(f) => Some(f.clone()),
            FileChange::Remove => None,
        };
        if new_file != before.file {
            let name =
                |f: &Option<StoredFile>| f.as_ref().map(|f| json!(f.name)).unwrap_or(Value::Null);
            changes.insert("file".into(), json!([name(&before.file), name(&new_file)]));
            let q = query(
                "UPDATE resources SET file_sha256 = $1, file_name = $2, \
                 file_content_type = $3, file_size = $4 WHERE id = $5",
            );
            bind_file(q, new_file.as_ref())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if changes.is_empty() {
            return Ok(before);
        }
        write_fields(&mut *tx, id, fields, ts(now)).await?;
        commit_change(tx, id, actor, "edit", &changes, ts(now)).await
    }

    async fn set_resource_state(
        &self,
        id: i64,
        state: ResourceState,
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Resource> {
        let mut tx = self.begin_write().await?;
        let before = resource_in(&mut *tx, id).await?;
        if before.state == state {
            return Ok(before);
        }
        query(
            "UPDATE resources SET state = $1, updated_at = $2, \
             published_at = COALESCE(published_at, $3) WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(ts(now))
        .bind((state == ResourceState::Published).then_some(ts(now)))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let mut changes = Map::new();
        changes.insert(
            "state".into(),
            json!([before.state.as_str(), state.as_str()]),
        );
        let action = match state {
            ResourceState::Published => "publish",
            ResourceState::Archived => "archive",
            ResourceState::Draft => "draft",
        };
        commit_change(tx, id, actor, action, &changes, ts(now)).await
    }

    async fn resource(&self, id: i64) -> StoreResult<Option<Resource>> {
        query_as(&format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.r())
        .await
    }

    async fn resource_by_slug(&self, slug: &str) -> StoreResult<Option<Resource>> {
        query_as(&format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(self.r())
        .await
    }

    async fn resources_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Resource>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut found = std::collections::HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id IN {}",
                values_list::<S::Db>(1, chunk.len())
            );
            let mut q = query_as::<_, Resource>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.r()).await? {
                found.insert(r.id, r);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    async fn resources(&self, state: Option<ResourceState>) -> StoreResult<Vec<Resource>> {
        match state {
            Some(s) => {
                query_as(&format!(
                    "SELECT {RESOURCE_COLUMNS} FROM resources WHERE state = $1 ORDER BY id"
                ))
                .bind(s.as_str())
                .fetch_all(self.r())
                .await
            }
            None => {
                query_as(&format!(
                    "SELECT {RESOURCE_COLUMNS} FROM resources ORDER BY id"
                ))
                .fetch_all(self.r())
                .await
            }
        }
    }

    async fn resource_history(&self, id: i64) -> StoreResult<Vec<ResourceChange>> {
        query_as(
            "SELECT at, actor_id, action, changes FROM resource_history \
             WHERE resource_id = $1 ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(self.r())
        .await
    }

    async fn import_resources(
        &self,
        items: &[(ResourceFields, ResourceState)],
        actor: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<(usize, usize)> {
        let now = ts(now);
        let (mut created, mut updated) = (0, 0);
        let mut tx = self.begin_write().await?;
        for (fields, state) in items {
            match id_by_slug(&mut *tx, &fields.slug).await? {
                None => {
                    let id = insert_resource(&mut *tx, fields, *state, None, now).await?;
                    let changes = created_changes(fields, *state);
                    record_change(&mut *tx, id, actor, "import", &changes, now).await?;
                    created += 1;
                }
                Some(id) => {
                    let before = resource_in(&mut *tx, id).await?;
                    let mut changes = diff(&fields_json(&before.fields), &fields_json(fields));
                    if before.state != *state {
                        changes.insert(
                            "state".into(),
                            json!([before.state.as_str(), state.as_str()]),
                        );
                    }
                    if changes.is_empty() {
                        continue;
                    }
                    write_fields(&mut *tx, id, fields, now).await?;
                    query(
                        "UPDATE resources SET state = $1, \
                         published_at = COALESCE(published_at, $2) WHERE id = $3",
                    )
                    .bind(state.as_str())
                    .bind((*state != ResourceState::Draft).then_some(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    record_change(&mut *tx, id, actor, "import", &changes, now).await?;
                    updated += 1;
                }
            }
        }
        tx.commit().await?;
        Ok((created, updated))
    }

    async fn load_kit(
        &self,
        kit: &[ResourceFields],
        checksum: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let now = ts(now);
        let mut tx = self.begin_write().await?;
        if loaded_checksum(&mut *tx, "kit").await?.as_deref() == Some(checksum) {
            return Ok(false);
        }
        for fields in kit {
            match id_by_slug(&mut *tx, &fields.slug).await? {
                None => {
                    let id = insert_resource(&mut *tx, fields, ResourceState::Published, None, now)
                        .await?;
                    let mut changes = Map::new();
                    changes.insert("source".into(), json!([null, "kit"]));
                    record_change(&mut *tx, id, None, "import", &changes, now).await?;
                }
                // A link the kit now gives, where the document has none (never one an
                // animator wrote).
                Some(id) => {
                    let Some(url) = &fields.url else { continue };
                    let done = query(
                        "UPDATE resources SET url = $1, updated_at = $2 \
                         WHERE id = $3 AND url IS NULL",
                    )
                    .bind(url)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() > 0 {
                        let mut changes = Map::new();
                        changes.insert("url".into(), json!([null, url]));
                        record_change(&mut *tx, id, None, "import", &changes, now).await?;
                    }
                }
            }
        }
        set_state(&mut *tx, "kit", checksum, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn harvest(&self, q: &HarvestQuery) -> StoreResult<(Vec<Resource>, u64)> {
        // One text for both engines; absent criteria are neutral bounds.
        let (after_at, after_id) = q
            .after
            .map(|(t, i)| (ts(t), i))
            .unwrap_or((i64::MIN, i64::MIN));
        let from = q.from.map(ts).unwrap_or(i64::MIN);
        let until = q.until.map(ts).unwrap_or(i64::MAX);
        let nature = q.nature.map(|n| n.as_str().to_string()).unwrap_or_default();
        let lever = q
            .lever
            .as_ref()
            .map(|l| format!("%\"{}\"%", l.replace(['%', '_', '\\'], "")))
            .unwrap_or_else(|| "%".into());
        let filter = "state IN ('published', 'archived') AND published_at IS NOT NULL \
             AND updated_at >= $1 AND updated_at <= $2 \
             AND ($3 = '' OR nature = $3) AND levers LIKE $4";
        let total: i64 = query_scalar(&format!("SELECT COUNT(*) FROM resources WHERE {filter}"))
            .bind(from)
            .bind(until)
            .bind(&nature)
            .bind(&lever)
            .fetch_one(self.r())
            .await?;
        let items = query_as(&format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE {filter} \
             AND (updated_at > $5 OR (updated_at = $5 AND id > $6)) \
             ORDER BY updated_at, id LIMIT $7"
        ))
        .bind(from)
        .bind(until)
        .bind(&nature)
        .bind(&lever)
        .bind(after_at)
        .bind(after_id)
        .bind(q.limit as i64)
        .fetch_all(self.r())
        .await?;
        Ok((items, total as u64))
    }

    async fn harvest_earliest(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let t: Option<i64> = query_scalar(
            "SELECT MIN(updated_at) FROM resources \
             WHERE state IN ('published', 'archived') AND published_at IS NOT NULL",
        )
        .fetch_one(self.r())
        .await?;
        t.map(|s| read_ts(s, "updated_at")).transpose()
    }

    async fn file_in_use(&self, sha256: &str) -> StoreResult<bool> {
        // A document of the resource centre, a profile's photo (published or under
        // review), an image of a case's versions or a deliverable of a parcours: all live in
        // the same file store, by the hash of their content.
        let n: i64 = query_scalar(
            "SELECT (SELECT COUNT(*) FROM resources WHERE file_sha256 = $1) \
             + (SELECT COUNT(*) FROM members WHERE published_photo = $1) \
             + (SELECT COUNT(*) FROM members WHERE draft_photo = $1) \
             + (SELECT COUNT(*) FROM case_files WHERE sha256 = $1) \
             + (SELECT COUNT(*) FROM cohort_submissions WHERE file_sha256 = $1)",
        )
        .bind(sha256)
        .fetch_one(self.r())
        .await?;
        Ok(n > 0)
    }

    async fn resources_version(&self) -> StoreResult<String> {
        // Every write records a history line in its transaction. The count as well as
        // the largest id: PostgreSQL may commit a smaller id after a larger one.
        let r = query("SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM resource_history")
            .fetch_one(self.r())
            .await?;
        let n: i64 = r.try_get("n")?;
        let last: i64 = r.try_get("last")?;
        Ok(format!("{n}-{last}"))
    }
}
