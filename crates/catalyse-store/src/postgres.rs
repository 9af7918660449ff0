//! PostgreSQL backend, for several instances serving one platform.

use crate::sql::{Backing, Column, ColumnIdx, Engine, SqlxQuery, Value};
use crate::{Backend, ConnectOptions, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgQueryResult, PgRow};
use sqlx::{ConnectOptions as _, Connection, PgPool, Postgres, Row};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str, options: &ConnectOptions) -> StoreResult<Self> {
        let mut opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("PostgreSQL URL: {e}")))?;
        if let Some(schema) = &options.schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Config(format!("invalid schema name {schema}")));
            }
            let mut conn = opts.connect().await?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
            opts = opts.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(10))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    /// Drops a schema made for a test.
    pub async fn drop_schema(url: &str, schema: &str) -> StoreResult<()> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StoreError::Config(format!("invalid schema name {schema}")));
        }
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("PostgreSQL URL: {e}")))?;
        let mut conn = opts.connect().await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(())
    }
}

impl Backing for PostgresStore {
    type Db = Postgres;

    fn r(&self) -> &PgPool {
        &self.pool
    }

    fn w(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction (PostgreSQL's row locks make the writers wait for each other).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    fn pool_figures(&self) -> (u32, u32) {
        (self.pool.size(), self.pool.num_idle() as u32)
    }

    async fn close_pools(&self) {
        self.pool.close().await;
    }
}

impl Engine for Postgres {
    const BACKEND: Backend = Backend::Postgres;
    const FOR_UPDATE: &'static str = " FOR UPDATE";

    fn placeholder(n: usize) -> String {
        format!("${n}")
    }

    fn bind<'q, T: Value<'q>>(query: SqlxQuery<'q, Self>, value: T) -> SqlxQuery<'q, Self> {
        query.bind(value)
    }

    fn get<T: Column, I: ColumnIdx>(row: &PgRow, index: I) -> Result<T, sqlx::Error> {
        row.try_get(index)
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }
}
