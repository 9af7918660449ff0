//! Reference data: the frame (levers, métier, actor families, milestones), the geography,
//! and the platform's settings.
//!
//! The trait, and its SQL as plain Rust generic over the backend (`crate::sql::Backing`):
//! one text for SQLite and PostgreSQL.

use crate::sql::{
    corrupt, query, query_as, query_scalar, values_list, Backing, Conn, Engine, FromRow, Row, CHUNK,
};
use crate::{ts, StoreResult};
use async_trait::async_trait;
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::territory::Geography;
use catalyse_core::{Activity, ActorFamily, Lever, MetierFamily, Milestone, Territory};
use chrono::Utc;
use sqlx::Executor;

/// The reference frame, the geography and the settings.
#[async_trait]
pub trait ReferenceStore: Send + Sync {
    /// The checksum of the loaded version of `name` (`frame` or `geography`), if any.
    async fn reference_checksum(&self, name: &str) -> StoreResult<Option<String>>;
    /// Loads the frame unless the same version is already there; returns whether it changed
    /// anything. Rows are upserted by slug and rows gone from the files are removed.
    async fn load_reference(&self, frame: &ReferenceFrame) -> StoreResult<bool>;
    /// Same contract as `load_reference`, for the territorial geography.
    async fn load_geography(&self, geo: &Geography) -> StoreResult<bool>;
    async fn levers(&self) -> StoreResult<Vec<Lever>>;
    async fn lever(&self, slug: &str) -> StoreResult<Option<Lever>>;
    async fn metier(&self) -> StoreResult<Vec<MetierFamily>>;
    async fn actor_families(&self) -> StoreResult<Vec<ActorFamily>>;
    async fn milestones(&self) -> StoreResult<Vec<Milestone>>;
    /// Every territory, for the in-memory index (`catalyse_core::TerritoryIndex`).
    async fn territories(&self) -> StoreResult<Vec<Territory>>;
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
}

const TERRITORY_COLUMNS: &str =
    "level, code, name, region, department, epci, population, postcodes, lat, lon";

impl FromRow for Territory {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let level: String = r.try_get("level")?;
        let postcodes: String = r.try_get("postcodes")?;
        Ok(Territory {
            level: level.parse().map_err(corrupt)?,
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            region: r.try_get("region")?,
            department: r.try_get("department")?,
            epci: r.try_get("epci")?,
            population: r.try_get("population")?,
            postcodes: postcodes.split_whitespace().map(String::from).collect(),
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
        })
    }
}

impl FromRow for Lever {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let questions: String = r.try_get("questions")?;
        Ok(Lever {
            slug: r.try_get("slug")?,
            position: r.try_get("position")?,
            name: r.try_get("name")?,
            questions: serde_json::from_str(&questions).map_err(corrupt)?,
        })
    }
}

impl FromRow for ActorFamily {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(ActorFamily {
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            position: r.try_get("position")?,
        })
    }
}

impl FromRow for Milestone {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Milestone {
            date: r.try_get("date")?,
            label: r.try_get("label")?,
            description: r.try_get("description")?,
            pillar: r.try_get("pillar")?,
            date_precision: r.try_get("date_precision")?,
        })
    }
}

async fn upsert_named<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    table: &str,
    slug: &str,
    position: i32,
    name: &str,
    sum: &str,
) -> StoreResult<()> {
    query(&format!(
        "INSERT INTO {table} (slug, position, name, checksum) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (slug) DO UPDATE SET position = excluded.position, \
         name = excluded.name, checksum = excluded.checksum"
    ))
    .bind(slug)
    .bind(position)
    .bind(name)
    .bind(sum)
    .execute(on)
    .await?;
    Ok(())
}

/// The checksum of what was loaded under `name` (the frame, the geography, the kit, a cycle
/// of events), read in the transaction that may load it again.
pub(crate) async fn loaded_checksum<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    name: &str,
) -> StoreResult<Option<String>> {
    query_scalar("SELECT checksum FROM reference_state WHERE name = $1")
        .bind(name)
        .fetch_optional(on)
        .await
}

/// Records the checksum of what was loaded under `name`.
pub(crate) async fn set_state<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    name: &str,
    sum: &str,
    now: i64,
) -> StoreResult<()> {
    query(
        "INSERT INTO reference_state (name, checksum, loaded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, \
         loaded_at = excluded.loaded_at",
    )
    .bind(name)
    .bind(sum)
    .bind(now)
    .execute(on)
    .await?;
    Ok(())
}

#[async_trait]
impl<S: Backing> ReferenceStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn reference_checksum(&self, name: &str) -> StoreResult<Option<String>> {
        query_scalar("SELECT checksum FROM reference_state WHERE name = $1")
            .bind(name)
            .fetch_optional(self.r())
            .await
    }

    async fn load_reference(&self, frame: &ReferenceFrame) -> StoreResult<bool> {
        let now = ts(Utc::now());
        let sum = &frame.checksum;
        let mut tx = self.begin_write().await?;
        let current = loaded_checksum(&mut *tx, "frame").await?;
        if current.as_deref() == Some(sum.as_str()) {
            return Ok(false);
        }
        for l in &frame.levers {
            let questions = serde_json::to_string(&l.questions).map_err(corrupt)?;
            query(
                "INSERT INTO levers (slug, position, name, questions, checksum) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO UPDATE SET \
                 position = excluded.position, name = excluded.name, \
                 questions = excluded.questions, checksum = excluded.checksum",
            )
            .bind(&l.slug)
            .bind(l.position)
            .bind(&l.name)
            .bind(questions)
            .bind(sum)
            .execute(&mut *tx)
            .await?;
        }
        for f in &frame.metier {
            upsert_named(
                &mut *tx,
                "metier_families",
                &f.slug,
                f.position,
                &f.name,
                sum,
            )
            .await?;
            for a in &f.activities {
                query(
                    "INSERT INTO activities (slug, family_slug, position, name, checksum) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO UPDATE SET \
                     family_slug = excluded.family_slug, position = excluded.position, \
                     name = excluded.name, checksum = excluded.checksum",
                )
                .bind(&a.slug)
                .bind(&f.slug)
                .bind(a.position)
                .bind(&a.name)
                .bind(sum)
                .execute(&mut *tx)
                .await?;
            }
        }
        for f in &frame.actor_families {
            upsert_named(
                &mut *tx,
                "actor_families",
                &f.slug,
                f.position,
                &f.name,
                sum,
            )
            .await?;
        }
        for table in ["levers", "activities", "metier_families", "actor_families"] {
            query(&format!("DELETE FROM {table} WHERE checksum <> $1"))
                .bind(sum)
                .execute(&mut *tx)
                .await?;
        }
        query("DELETE FROM milestones").execute(&mut *tx).await?;
        for m in &frame.milestones {
            query(
                "INSERT INTO milestones (date, label, description, pillar, date_precision) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(m.date)
            .bind(&m.label)
            .bind(&m.description)
            .bind(&m.pillar)
            .bind(&m.date_precision)
            .execute(&mut *tx)
            .await?;
        }
        set_state(&mut *tx, "frame", sum, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn load_geography(&self, geo: &Geography) -> StoreResult<bool> {
        let now = ts(Utc::now());
        let sum = &geo.checksum;
        let mut tx = self.begin_write().await?;
        let current = loaded_checksum(&mut *tx, "geography").await?;
        if current.as_deref() == Some(sum.as_str()) {
            return Ok(false);
        }
        for chunk in geo.territories.chunks(CHUNK) {
            // One statement per chunk (sqlx's `QueryBuilder` cannot be used generically).
            let sql = format!(
                "INSERT INTO territories (level, code, name, region, department, epci, \
                 population, postcodes, lat, lon, checksum) VALUES {} \
                 ON CONFLICT (level, code) DO UPDATE SET name = excluded.name, \
                 region = excluded.region, \
                 department = excluded.department, epci = excluded.epci, \
                 population = excluded.population, postcodes = excluded.postcodes, \
                 lat = excluded.lat, lon = excluded.lon, checksum = excluded.checksum",
                values_list::<S::Db>(chunk.len(), 11)
            );
            let mut q = query(&sql);
            for t in chunk {
                q = q
                    .bind(t.level.as_str())
                    .bind(t.code.clone())
                    .bind(t.name.clone())
                    .bind(t.region.clone())
                    .bind(t.department.clone())
                    .bind(t.epci.clone())
                    .bind(t.population)
                    .bind(t.postcodes.join(" "))
                    .bind(t.lat)
                    .bind(t.lon)
                    .bind(sum.clone());
            }
            q.execute(&mut *tx).await?;
        }
        query("DELETE FROM territories WHERE checksum <> $1")
            .bind(sum)
            .execute(&mut *tx)
            .await?;
        set_state(&mut *tx, "geography", sum, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn levers(&self) -> StoreResult<Vec<Lever>> {
        query_as("SELECT slug, position, name, questions FROM levers ORDER BY position")
            .fetch_all(self.r())
            .await
    }

    async fn lever(&self, slug: &str) -> StoreResult<Option<Lever>> {
        query_as("SELECT slug, position, name, questions FROM levers WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.r())
            .await
    }

    async fn metier(&self) -> StoreResult<Vec<MetierFamily>> {
        let families = query("SELECT slug, position, name FROM metier_families ORDER BY position")
            .fetch_all(self.r())
            .await?;
        let activities = query(
            "SELECT slug, family_slug, position, name FROM activities \
             ORDER BY family_slug, position",
        )
        .fetch_all(self.r())
        .await?;
        let mut out = Vec::with_capacity(families.len());
        for f in &families {
            let slug: String = f.try_get("slug")?;
            let mut acts = Vec::new();
            for a in &activities {
                let fam: String = a.try_get("family_slug")?;
                if fam == slug {
                    acts.push(Activity {
                        slug: a.try_get("slug")?,
                        name: a.try_get("name")?,
                        position: a.try_get("position")?,
                    });
                }
            }
            out.push(MetierFamily {
                slug,
                name: f.try_get("name")?,
                position: f.try_get("position")?,
                activities: acts,
            });
        }
        Ok(out)
    }

    async fn actor_families(&self) -> StoreResult<Vec<ActorFamily>> {
        query_as("SELECT slug, position, name FROM actor_families ORDER BY position")
            .fetch_all(self.r())
            .await
    }

    async fn milestones(&self) -> StoreResult<Vec<Milestone>> {
        query_as(
            "SELECT date, label, description, pillar, date_precision FROM milestones \
             ORDER BY date, id",
        )
        .fetch_all(self.r())
        .await
    }

    async fn territories(&self) -> StoreResult<Vec<Territory>> {
        use futures_util::TryStreamExt;
        // Streamed row by row: the whole geography is never held twice in memory.
        let sql = format!("SELECT {TERRITORY_COLUMNS} FROM territories ORDER BY level, code");
        let mut rows = query(&sql).fetch(self.r());
        let mut out = Vec::with_capacity(40_000);
        while let Some(row) = rows.try_next().await? {
            out.push(Territory::from_row(&row)?);
        }
        out.shrink_to_fit();
        Ok(out)
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.r())
            .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.w())
        .await?;
        Ok(())
    }
}
