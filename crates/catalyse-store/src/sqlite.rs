//! SQLite backend, the embedded default: WAL, foreign keys, a busy timeout, and a single
//! writer connection beside a small pool of readers.

use crate::sql::{Backing, Column, ColumnIdx, Engine, SqlxQuery, Value};
use crate::{Backend, ConnectOptions, StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str, options: &ConnectOptions) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = opts.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        MIGRATOR.run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(4))
            .connect_with(opts.read_only(true))
            .await?;
        Ok(SqliteStore { read, write })
    }
}

impl Backing for SqliteStore {
    type Db = Sqlite;

    fn r(&self) -> &SqlitePool {
        &self.read
    }

    fn w(&self) -> &SqlitePool {
        &self.write
    }

    /// A write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`). A
    /// deferred transaction that reads first and writes later cannot wait on the busy
    /// handler when another process (the command line, a second instance) holds the lock:
    /// it fails at once with `database is locked`. An immediate one waits for the busy
    /// timeout, like a single statement does.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Sqlite>, sqlx::Error> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }

    fn pool_figures(&self) -> (u32, u32) {
        (
            self.read.size() + self.write.size(),
            (self.read.num_idle() + self.write.num_idle()) as u32,
        )
    }

    async fn close_pools(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

impl Engine for Sqlite {
    const BACKEND: Backend = Backend::Sqlite;
    const FOR_UPDATE: &'static str = "";

    fn placeholder(_: usize) -> String {
        "?".into()
    }

    fn bind<'q, T: Value<'q>>(query: SqlxQuery<'q, Self>, value: T) -> SqlxQuery<'q, Self> {
        query.bind(value)
    }

    fn get<T: Column, I: ColumnIdx>(row: &SqliteRow, index: I) -> Result<T, sqlx::Error> {
        row.try_get(index)
    }

    fn rows_affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }
}
