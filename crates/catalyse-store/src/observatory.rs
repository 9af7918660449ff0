//! The observatory: imported datasets, their indicators and values.
//!
//! The trait, and its SQL as plain Rust generic over the backend (`crate::sql::Backing`):
//! one text for SQLite and PostgreSQL.

use crate::sql::{
    corrupt, query, query_as, query_scalar, values_list, Backing, Conn, Engine, FromRow, Row, CHUNK,
};
use crate::{ts, NewDataset, StoreResult};
use async_trait::async_trait;
use catalyse_core::dataset::{Dataset, DatasetImport, Indicator, IndicatorValue, TerritoryValue};
use catalyse_core::TerritoryLevel;
use chrono::{DateTime, Utc};
use sqlx::Executor;

/// Datasets of the observatory.
#[async_trait]
pub trait ObservatoryStore: Send + Sync {
    /// Creates or replaces the dataset `dataset.slug` with its indicators and values, in one
    /// transaction: readers see the old version or the new one, never a mix.
    async fn replace_dataset(
        &self,
        dataset: &NewDataset,
        import: &DatasetImport,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn dataset_checksum(&self, slug: &str) -> StoreResult<Option<String>>;
    async fn datasets(&self) -> StoreResult<Vec<Dataset>>;
    async fn dataset(&self, slug: &str) -> StoreResult<Option<(Dataset, Vec<Indicator>)>>;
    /// The values of one indicator, at one level or all, best rank first.
    async fn indicator_values(
        &self,
        dataset: &str,
        indicator: &str,
        level: Option<TerritoryLevel>,
    ) -> StoreResult<Vec<IndicatorValue>>;
    /// For every indicator of every dataset, the territory levels it has values for:
    /// (dataset slug, indicator, level).
    async fn indicator_levels(&self) -> StoreResult<Vec<(String, Indicator, TerritoryLevel)>>;
    /// Every value known for one territory, with what it measures.
    async fn territory_values(
        &self,
        level: TerritoryLevel,
        code: &str,
    ) -> StoreResult<Vec<TerritoryValue>>;
}

const DATASET_COLUMNS: &str =
    "d.slug, d.title, d.description, d.source, d.licence, d.is_example, d.updated_at";

impl FromRow for Dataset {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Dataset {
            slug: r.try_get("slug")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            source: r.try_get("source")?,
            licence: r.try_get("licence")?,
            is_example: r.try_get("is_example")?,
            updated_at: r.time("updated_at")?,
        })
    }
}

impl FromRow for IndicatorValue {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        let level: String = r.try_get("territory_level")?;
        Ok(IndicatorValue {
            territory_level: level.parse().map_err(corrupt)?,
            territory_code: r.try_get("territory_code")?,
            group: r.try_get("grp")?,
            year: r.try_get("year")?,
            value: r.try_get("value")?,
            rank: r.try_get("rank")?,
            peers: r.try_get("peers")?,
        })
    }
}

impl FromRow for Indicator {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self> {
        Ok(Indicator {
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            unit: r.try_get("unit")?,
        })
    }
}

#[async_trait]
impl<S: Backing> ObservatoryStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn replace_dataset(
        &self,
        dataset: &NewDataset,
        import: &DatasetImport,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        query("DELETE FROM datasets WHERE slug = $1")
            .bind(&dataset.slug)
            .execute(&mut *tx)
            .await?;
        let id: i64 = query_scalar(
            "INSERT INTO datasets (slug, title, description, source, licence, is_example, \
             checksum, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&dataset.slug)
        .bind(&dataset.title)
        .bind(&dataset.description)
        .bind(&import.source)
        .bind(&import.licence)
        .bind(dataset.is_example)
        .bind(&dataset.checksum)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let mut ids = std::collections::HashMap::new();
        for i in &import.indicators {
            let iid: i64 = query_scalar(
                "INSERT INTO indicators (dataset_id, slug, name, unit) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(id)
            .bind(&i.slug)
            .bind(&i.name)
            .bind(&i.unit)
            .fetch_one(&mut *tx)
            .await?;
            ids.insert(i.slug.as_str(), iid);
        }
        for chunk in import.values.chunks(CHUNK) {
            // One statement per chunk (sqlx's `QueryBuilder` cannot be used generically: its
            // `build` borrows itself for as long as its arguments live).
            let sql = format!(
                "INSERT INTO indicator_values (indicator_id, territory_level, \
                 territory_code, grp, year, value, rank, peers) VALUES {}",
                values_list::<S::Db>(chunk.len(), 8)
            );
            let mut q = query(&sql);
            for (slug, v) in chunk {
                let Some(iid) = ids.get(slug.as_str()).copied() else {
                    return Err(corrupt(format!("value of an undeclared indicator {slug}")));
                };
                q = q
                    .bind(iid)
                    .bind(v.territory_level.as_str())
                    .bind(v.territory_code.clone())
                    .bind(v.group.clone())
                    .bind(v.year)
                    .bind(v.value)
                    .bind(v.rank)
                    .bind(v.peers);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn dataset_checksum(&self, slug: &str) -> StoreResult<Option<String>> {
        query_scalar("SELECT checksum FROM datasets WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.r())
            .await
    }

    async fn datasets(&self) -> StoreResult<Vec<Dataset>> {
        query_as(&format!(
            "SELECT {DATASET_COLUMNS} FROM datasets d ORDER BY d.is_example, d.title"
        ))
        .fetch_all(self.r())
        .await
    }

    async fn dataset(&self, slug: &str) -> StoreResult<Option<(Dataset, Vec<Indicator>)>> {
        let Some(row) = query(&format!(
            "SELECT d.id, {DATASET_COLUMNS} FROM datasets d WHERE d.slug = $1"
        ))
        .bind(slug)
        .fetch_optional(self.r())
        .await?
        else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let indicators =
            query_as("SELECT slug, name, unit FROM indicators WHERE dataset_id = $1 ORDER BY name")
                .bind(id)
                .fetch_all(self.r())
                .await?;
        Ok(Some((Dataset::from_row(&row)?, indicators)))
    }

    async fn indicator_values(
        &self,
        dataset: &str,
        indicator: &str,
        level: Option<TerritoryLevel>,
    ) -> StoreResult<Vec<IndicatorValue>> {
        // Two texts rather than `$3 IS NULL OR …`, which keeps SQLite off its index.
        let at_level = if level.is_some() {
            "AND v.territory_level = $3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT v.territory_level, v.territory_code, v.grp, v.year, v.value, v.rank, \
             v.peers FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id \
             JOIN datasets d ON d.id = i.dataset_id WHERE d.slug = $1 AND i.slug = $2 \
             {at_level} ORDER BY v.year DESC, v.grp, v.territory_level, v.rank, \
             v.territory_code"
        );
        let mut q = query_as(&sql).bind(dataset).bind(indicator);
        if let Some(level) = level {
            q = q.bind(level.as_str());
        }
        q.fetch_all(self.r()).await
    }

    async fn indicator_levels(&self) -> StoreResult<Vec<(String, Indicator, TerritoryLevel)>> {
        let rows = query(
            "SELECT DISTINCT d.slug AS dataset, d.title, i.slug, i.name, i.unit, \
             v.territory_level FROM indicator_values v \
             JOIN indicators i ON i.id = v.indicator_id \
             JOIN datasets d ON d.id = i.dataset_id \
             ORDER BY d.title, i.name, v.territory_level",
        )
        .fetch_all(self.r())
        .await?;
        rows.iter()
            .map(|r| {
                let level: String = r.try_get("territory_level")?;
                Ok((
                    r.try_get("dataset")?,
                    Indicator::from_row(r)?,
                    level.parse().map_err(corrupt)?,
                ))
            })
            .collect()
    }

    async fn territory_values(
        &self,
        level: TerritoryLevel,
        code: &str,
    ) -> StoreResult<Vec<TerritoryValue>> {
        let rows = query(&format!(
            "SELECT {DATASET_COLUMNS}, i.slug AS indicator_slug, i.name AS indicator_name, \
             i.unit, v.territory_level, v.territory_code, v.grp, v.year, v.value, v.rank, \
             v.peers FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id \
             JOIN datasets d ON d.id = i.dataset_id \
             WHERE v.territory_level = $1 AND v.territory_code = $2 \
             ORDER BY d.is_example, d.title, i.name, v.grp, v.year DESC"
        ))
        .bind(level.as_str())
        .bind(code)
        .fetch_all(self.r())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TerritoryValue {
                    dataset: Dataset::from_row(r)?,
                    indicator: Indicator {
                        slug: r.try_get("indicator_slug")?,
                        name: r.try_get("indicator_name")?,
                        unit: r.try_get("unit")?,
                    },
                    value: IndicatorValue::from_row(r)?,
                })
            })
            .collect()
    }
}
