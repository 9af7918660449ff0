//! The SQL both backends share. SQLite and PostgreSQL accept the same `$n` placeholders,
//! `ON CONFLICT … DO UPDATE` and `RETURNING`, so one text serves both: every area
//! (`reference.rs`, `accounts.rs`, `observatory.rs`, `resources.rs`, `events.rs`, `network/`)
//! is plain Rust, one blanket impl of its trait for every store that implements [`Backing`]
//! (sqlx's `Any` driver is not used). What differs between the engines (connection set-up,
//! pools, migrations, the few words of SQL that are not common) lives in `sqlite.rs` and
//! `postgres.rs`.
//!
//! Generic code calling sqlx directly needs a long where-clause on every item: each engine's
//! argument and column types are concrete impls in sqlx, and Rust passes on to a trait's users
//! only its bounds on `Self` and on its associated types, not other where-clauses. So the
//! bounds live here once, in [`Engine`] (implemented by `sqlx::Sqlite` and `sqlx::Postgres`,
//! one small function each), and the areas use [`query`], [`query_scalar`] and [`query_as`],
//! which read like sqlx's: `bind` any value both engines bind ([`Value`]), read columns with
//! `try_get` ([`Column`]), a domain value per row with [`FromRow`]. The one bound left to
//! write is the executor's (see [`Conn`]).

use crate::{Backend, PoolStats, StoreHandle, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Type};
use sqlx::{Postgres, Sqlite, Transaction};
use std::future::Future;

/// A store's pools: what the areas' SQL runs on.
pub(crate) trait Backing: Send + Sync + 'static {
    type Db: Engine;
    /// The readers.
    fn r(&self) -> &Pool<Self::Db>;
    /// The writer (SQLite's single connection; PostgreSQL's pool).
    fn w(&self) -> &Pool<Self::Db>;
    /// A write transaction (`BEGIN IMMEDIATE` on SQLite).
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
    /// Connections open and idle, all pools together.
    fn pool_figures(&self) -> (u32, u32);
    fn close_pools(&self) -> impl Future<Output = ()> + Send;
}

/// One database engine as the shared SQL sees it: sqlx's `Database`, with what generic code
/// cannot prove by itself given as one small function each (`impl Engine for Sqlite` in
/// `sqlite.rs`, `for Postgres` in `postgres.rs`).
pub(crate) trait Engine: for<'q> Database<Arguments<'q>: IntoArguments<'q, Self>> {
    const BACKEND: Backend;
    /// What follows a `SELECT` to lock the rows it reads until the transaction ends:
    /// ` FOR UPDATE` on PostgreSQL, nothing on SQLite (one writer at a time).
    const FOR_UPDATE: &'static str;
    /// The `n`th (from 1) parameter of a generated list of values: `$n` on PostgreSQL, `?` on
    /// SQLite (which looks `$n` up one by one: quadratic on a long statement).
    fn placeholder(n: usize) -> String;
    fn bind<'q, T: Value<'q>>(query: SqlxQuery<'q, Self>, value: T) -> SqlxQuery<'q, Self>;
    fn get<T: Column, I: ColumnIdx>(row: &Self::Row, index: I) -> Result<T, sqlx::Error>;
    fn rows_affected(done: &Self::QueryResult) -> u64;
}

/// An engine's connection: every item of the shared SQL that runs queries says
/// `for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>`, which makes both a pool and a
/// transaction (`&mut *tx`) something to run on. (That bound cannot be carried by a trait:
/// Rust passes on only bounds on `Self` and on its associated types.)
pub(crate) type Conn<DB> = <DB as Database>::Connection;

pub(crate) type SqlxQuery<'q, DB> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// A value both engines bind.
pub(crate) trait Value<'q>:
    'q + Send + Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres>
{
}

impl<'q, T> Value<'q> for T where
    T: 'q + Send + Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres>
{
}

/// A column type both engines read.
pub(crate) trait Column:
    Send + for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Column for T where
    T: Send
        + for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
{
}

/// A column's name or position, on both engines' rows.
pub(crate) trait ColumnIdx: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}

impl<I> ColumnIdx for I where I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}

/// A row of either engine.
pub(crate) struct Row<DB: Database>(DB::Row);

impl<DB: Engine> Row<DB> {
    pub(crate) fn try_get<T: Column, I: ColumnIdx>(&self, index: I) -> Result<T, sqlx::Error> {
        DB::get(&self.0, index)
    }

    /// An instant kept as UTC seconds (see `crate::ts`).
    pub(crate) fn time(&self, column: &str) -> StoreResult<DateTime<Utc>> {
        crate::read_ts(self.try_get(column)?, column)
    }

    /// An optional instant kept as UTC seconds.
    pub(crate) fn time_opt(&self, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
        self.try_get::<Option<i64>, _>(column)?
            .map(|s| crate::read_ts(s, column))
            .transpose()
    }
}

/// What a statement changed.
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

/// A statement of the shared SQL (see `sqlx::query`).
pub(crate) struct Query<'q, DB: Engine>(SqlxQuery<'q, DB>);

pub(crate) fn query<DB: Engine>(sql: &str) -> Query<'_, DB> {
    Query(sqlx::query(sql))
}

impl<'q, DB: Engine> Query<'q, DB> {
    pub(crate) fn bind<T: Value<'q>>(self, value: T) -> Self {
        Query(DB::bind(self.0, value))
    }

    pub(crate) async fn execute<'c>(
        self,
        on: impl Executor<'c, Database = DB>,
    ) -> Result<Done, sqlx::Error> {
        let done = self.0.execute(on).await?;
        Ok(Done(DB::rows_affected(&done)))
    }

    pub(crate) async fn fetch_one<'c>(
        self,
        on: impl Executor<'c, Database = DB>,
    ) -> Result<Row<DB>, sqlx::Error> {
        self.0.fetch_one(on).await.map(Row)
    }

    pub(crate) async fn fetch_optional<'c>(
        self,
        on: impl Executor<'c, Database = DB>,
    ) -> Result<Option<Row<DB>>, sqlx::Error> {
        Ok(self.0.fetch_optional(on).await?.map(Row))
    }

    pub(crate) async fn fetch_all<'c>(
        self,
        on: impl Executor<'c, Database = DB>,
    ) -> Result<Vec<Row<DB>>, sqlx::Error> {
        let rows = self.0.fetch_all(on).await?;
        Ok(rows.into_iter().map(Row).collect())
    }

    /// The rows one by one, never all held at once.
    pub(crate) fn fetch<'e, 'c: 'e>(
        self,
        on: impl Executor<'c, Database = DB> + 'e,
    ) -> BoxStream<'e, Result<Row<DB>, sqlx::Error>>
    where
        'q: 'e,
    {
        self.0.fetch(on).map_ok(Row).boxed()
    }
}

/// A domain value read from one row, by column name, on either engine.
pub(crate) trait FromRow: Sized + Send {
    fn from_row<DB: Engine>(r: &Row<DB>) -> StoreResult<Self>;
}

/// A statement whose rows each give one `T`: its first column (`query_scalar`) or a domain
/// value (`query_as`).
pub(crate) struct Typed<'q, DB: Engine, T> {
    query: Query<'q, DB>,
    decode: fn(&Row<DB>) -> StoreResult<T>,
}

/// See `sqlx::query_scalar`.
pub(crate) fn query_scalar<DB: Engine, T: Column>(sql: &str) -> Typed<'_, DB, T> {
    Typed {
        query: query(sql),
        decode: |r| Ok(r.try_get(0)?),
    }
}

/// See `sqlx::query_as`.
pub(crate) fn query_as<DB: Engine, T: FromRow>(sql: &str) -> Typed<'_, DB, T> {
    Typed {
        query: query(sql),
        decode: T::from_row,
    }
}

impl<'q, DB: Engine, T> Typed<'q, DB, T> {
    pub(crate) fn bind<V: Value<'q>>(self, value: V) -> Self {
        Typed {
            query: self.query.bind(value),
            decode: self.decode,
        }
    }

    pub(crate) async fn fetch_one<'c>(
        self,
        on: impl Executor<'c, Database = DB>,
    ) -> StoreResult<T> {
        (self.decode)(&self.query.fetch_one(on).await?)
    }

    pub(crate) async fn fetch_optional<'c>(
        self,
        on: impl Executor<'c, Database = DB>,
    ) -> StoreResult<Option<T>> {
        let row = self.query.fetch_optional(on).await?;
        row.as_ref().map(self.decode).transpose()
    }

    pub(crate) async fn fetch_all<'c>(
        self,
        on: impl Executor<'c, Database = DB>,
    ) -> StoreResult<Vec<T>> {
        let rows = self.query.fetch_all(on).await?;
        rows.iter().map(self.decode).collect()
    }
}

/// `(p, p, …), (p, …)`: `rows` groups of `width` parameters, the statement's only ones.
pub(crate) fn values_list<DB: Engine>(rows: usize, width: usize) -> String {
    let groups: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (0..width)
                .map(|c| DB::placeholder(1 + r * width + c))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    groups.join(", ")
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> crate::StoreError {
    crate::StoreError::Corrupt(what.to_string())
}

/// Values per generated insert or `IN (…)` list.
pub(crate) const CHUNK: usize = 500;

#[async_trait]
impl<S: Backing> StoreHandle for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    fn backend(&self) -> Backend {
        S::Db::BACKEND
    }

    fn pool_stats(&self) -> PoolStats {
        let (size, idle) = self.pool_figures();
        PoolStats { size, idle }
    }

    async fn ping(&self) -> StoreResult<()> {
        query("SELECT 1").execute(self.r()).await?;
        Ok(())
    }

    async fn close(&self) {
        self.close_pools().await;
    }
}
