//! The database's part of `catalyse backup` and `catalyse restore`: a portable logical dump.
//!
//! Every table (but sqlx's own `_sqlx_migrations`) is written as JSON lines, one array of
//! values per row, in the order of its columns, from one consistent snapshot: on SQLite a
//! `VACUUM INTO` copy taken while the server runs, on PostgreSQL one `REPEATABLE READ, READ
//! ONLY` transaction. Values are neutral (integers, reals, booleans, text, dates as
//! `YYYY-MM-DD`), so a dump made on one engine loads into the other.
//!
//! Loading replaces the whole database in one transaction: every table is dropped, the schema
//! is recreated by this binary's migrations up to the dump's version, the rows are inserted
//! (parents before children), the sequences are set past the highest id ever given, and the
//! transaction commits — or nothing changed. The migrations the dump predates then run as at
//! any start, so an older backup restores into a newer platform.

use crate::{Backend, StoreError, StoreResult};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions as _, Connection, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// sqlx's bookkeeping: recreated by the migrations, never dumped.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Tables a first start fills by itself (reference data, the kit, the 2019 events, secrets,
/// the population dataset derived from the geography): rows there do not make a database
/// « not empty ». What people add there is found by `content_sql`'s finer counts.
const STARTUP_TABLES: &[&str] = &[
    "reference_state",
    "levers",
    "metier_families",
    "activities",
    "actor_families",
    "milestones",
    "territories",
    "settings",
    "resources",
    "resource_history",
    "event_series",
    "events",
    "datasets",
    "indicators",
    "indicator_values",
];

/// Rows rewritten per statement when loading (well under both engines' parameter limits).
const PARAMETERS_PER_STATEMENT: usize = 8_000;

/// What a dump holds, as recorded in the backup's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseDump {
    /// `sqlite` or `postgres`: where it was made (it loads into either).
    pub backend: String,
    /// The last migration applied to the dumped database.
    pub schema_version: i64,
    /// Every migration applied, in order.
    pub migrations: Vec<i64>,
    pub tables: Vec<TableDump>,
    /// For each table with a generated id, the highest id ever given (deleted rows included),
    /// so that a restored platform never gives an id twice.
    pub sequences: BTreeMap<String, i64>,
}

/// One table of a dump: its file is `{name}.jsonl` in the dump's folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<ColumnDump>,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDump {
    pub name: String,
    /// `integer`, `real`, `boolean`, `text` or `date`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl TableDump {
    /// The file holding the table's rows, in a dump's folder.
    pub fn file_name(&self) -> String {
        format!("{}.jsonl", self.name)
    }
}

/// The backend a database URL names.
pub fn backend_of(url: &str) -> StoreResult<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::Config(format!(
            "database URL must start with sqlite:// or postgres://, got « {} »",
            crate::redact_url(url)
        )))
    }
}

pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The migrations this binary carries for a backend, in order.
pub fn known_migrations(backend: Backend) -> Vec<i64> {
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .collect()
}

/// Why a dump cannot load into this binary's schema, if it cannot: it comes from a newer
/// platform (a migration this binary does not know).
pub fn check_compatible(dump: &DatabaseDump, target: Backend) -> Result<(), String> {
    let known = known_migrations(target);
    if let Some(unknown) = dump.migrations.iter().find(|v| !known.contains(v)) {
        return Err(format!(
            "the backup was made by a newer Catalyse: its database has migration {unknown}, \
             which this version (migrations up to {}) does not know; restore it with that \
             version or a later one",
            known.last().copied().unwrap_or(0)
        ));
    }
    let expected: Vec<i64> = known
        .iter()
        .copied()
        .filter(|v| *v <= dump.schema_version)
        .collect();
    if expected != dump.migrations {
        return Err(format!(
            "the backup's migrations {:?} are not a prefix of this version's {known:?}",
            dump.migrations
        ));
    }
    for t in &dump.tables {
        check_identifier(&t.name).map_err(|e| e.to_string())?;
        for c in &t.columns {
            check_identifier(&c.name).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Writes every table of the database at `url` into `dir` (which must exist), from one
/// consistent snapshot taken while the platform may be running.
pub async fn dump(url: &str, dir: &Path) -> StoreResult<DatabaseDump> {
    match backend_of(url)? {
        Backend::Sqlite => {
            // `VACUUM INTO` copies the database as one read transaction sees it, without
            // stopping the writers; the copy is then read at leisure.
            let copy = dir.join(".snapshot.db");
            let _ = std::fs::remove_file(&copy);
            let mut live = sqlite_connection(url, false).await?;
            sqlx::query("VACUUM INTO $1")
                .bind(copy.display().to_string())
                .execute(&mut live)
                .await?;
            live.close().await?;
            let result = async {
                let mut conn = SqliteConnection::connect_with(
                    &SqliteConnectOptions::new()
                        .filename(&copy)
                        .read_only(true)
                        .foreign_keys(false)
                        .log_slow_statements(log::LevelFilter::Off, Duration::ZERO),
                )
                .await?;
                let dump = dump_sqlite(&mut conn, dir).await;
                conn.close().await?;
                dump
            }
            .await;
            let _ = std::fs::remove_file(&copy);
            result
        }
        Backend::Postgres => {
            let mut conn = postgres_connection(url).await?;
            let mut tx = conn
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
            let dump = dump_postgres(&mut tx, dir).await?;
            tx.commit().await?;
            conn.close().await?;
            Ok(dump)
        }
    }
}

/// The tables holding something a first start would not have written, with their row counts
/// (empty for a new database, or one that does not exist yet).
pub async fn content(url: &str) -> StoreResult<Vec<(String, i64)>> {
    let mut found = vec![];
    match backend_of(url)? {
        Backend::Sqlite => {
            let path = sqlite_path(url)?;
            if !path.exists() {
                return Ok(found);
            }
            let mut conn = sqlite_connection(url, false).await?;
            for table in sqlite_tables(&mut conn).await? {
                if let Some(sql) = content_sql(&table) {
                    let n: i64 = sqlx::query_scalar(&sql).fetch_one(&mut conn).await?;
                    if n > 0 {
                        found.push((table, n));
                    }
                }
            }
            conn.close().await?;
        }
        Backend::Postgres => {
            let mut conn = postgres_connection(url).await?;
            for table in postgres_tables(&mut conn).await? {
                if let Some(sql) = content_sql(&table) {
                    let n: i64 = sqlx::query_scalar(&sql).fetch_one(&mut conn).await?;
                    if n > 0 {
                        found.push((table, n));
                    }
                }
            }
            conn.close().await?;
        }
    }
    Ok(found)
}

/// How to count a table's rows that a first start would not have written, if it can hold any.
fn content_sql(table: &str) -> Option<String> {
    if table == MIGRATIONS_TABLE || check_identifier(table).is_err() {
        None
    } else if table == "resource_history" {
        // The kit's documents are recorded as imports by nobody from the source « kit »;
        // anything else is someone's (an import from the command line has no actor either).
        Some(
            "SELECT COUNT(*) FROM resource_history \
             WHERE actor_id IS NOT NULL OR action <> 'import' \
             OR changes <> '{\"source\":[null,\"kit\"]}'"
                .into(),
        )
    } else if table == "datasets" {
        // Imported datasets, beside the population derived at every start (their
        // indicators and values come with them).
        Some("SELECT COUNT(*) FROM datasets WHERE slug <> 'population'".into())
    } else if STARTUP_TABLES.contains(&table) {
        None
    } else {
        Some(format!("SELECT COUNT(*) FROM {}", quote(table)))
    }
}

/// Replaces the whole content of the database at `url` by the dump in `dir`, in one
/// transaction (nothing changes if any row is refused), then applies the migrations the dump
/// predates.
pub async fn load(url: &str, dump: &DatabaseDump, dir: &Path) -> StoreResult<()> {
    let backend = backend_of(url)?;
    check_compatible(dump, backend).map_err(StoreError::Config)?;
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlite_connection(url, true).await?;
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&mut conn)
                .await?;
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            let previous: BTreeMap<String, i64> =
                if sqlite_has_table(&mut tx, "sqlite_sequence").await? {
                    sqlx::query_as("SELECT name, seq FROM sqlite_sequence")
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .collect()
                } else {
                    BTreeMap::new()
                };
            for table in sqlite_tables(&mut tx).await? {
                sqlx::query(&format!("DROP TABLE {}", quote(&table)))
                    .execute(&mut *tx)
                    .await?;
            }
            if sqlite_has_table(&mut tx, "sqlite_sequence").await? {
                sqlx::query("DELETE FROM sqlite_sequence")
                    .execute(&mut *tx)
                    .await?;
            }
            apply_migrations(&mut *tx, &SQLITE_MIGRATIONS, dump.schema_version).await?;
            let tables = sqlite_catalog(&mut tx).await?;
            load_sqlite(&mut tx, &tables, dump, &previous, dir).await?;
            let broken: Vec<(String,)> =
                sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                    .fetch_all(&mut *tx)
                    .await?;
            if let Some((table,)) = broken.first() {
                return Err(StoreError::Corrupt(format!(
                    "the backup's table {table} refers to rows it does not hold"
                )));
            }
            tx.commit().await?;
            conn.close().await?;
        }
        Backend::Postgres => {
            let mut conn = postgres_connection(url).await?;
            let mut tx = conn.begin().await?;
            let previous = postgres_sequences(&mut tx).await?;
            for table in postgres_tables(&mut tx).await? {
                sqlx::query(&format!("DROP TABLE IF EXISTS {} CASCADE", quote(&table)))
                    .execute(&mut *tx)
                    .await?;
            }
            apply_migrations(&mut *tx, &POSTGRES_MIGRATIONS, dump.schema_version).await?;
            let tables = postgres_catalog(&mut tx).await?;
            load_postgres(&mut tx, &tables, dump, &previous, dir).await?;
            tx.commit().await?;
            conn.close().await?;
        }
    }
    // The migrations added since the backup was made, as at any start.
    crate::connect(url, &crate::ConnectOptions::default())
        .await?
        .close()
        .await;
    Ok(())
}

/// Applies, inside the caller's transaction, the migrations up to `version`.
async fn apply_migrations<C>(conn: &mut C, migrator: &Migrator, version: i64) -> StoreResult<()>
where
    C: Migrate + ?Sized,
{
    conn.ensure_migrations_table().await?;
    for m in migrator.iter() {
        if !m.migration_type.is_down_migration() && m.version <= version {
            conn.apply(m).await?;
        }
    }
    Ok(())
}

// — Catalogue —

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    /// PostgreSQL `integer`: read and written as 32 bits.
    Int32,
    Float,
    Bool,
    Text,
    /// PostgreSQL `date` (SQLite keeps dates as text).
    Date,
}

impl Kind {
    fn neutral(self) -> &'static str {
        match self {
            Kind::Int | Kind::Int32 => "integer",
            Kind::Float => "real",
            Kind::Bool => "boolean",
            Kind::Text => "text",
            Kind::Date => "date",
        }
    }
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<(String, Kind)>,
    /// Tables its foreign keys refer to.
    parents: BTreeSet<String>,
    /// Its generated id column, if any.
    serial: Option<String>,
}

fn check_identifier(name: &str) -> StoreResult<()> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "unexpected table or column name « {name} »"
        )))
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Parents before children (then by name), so that rows can be inserted in that order.
fn in_dependency_order(mut tables: Vec<Table>) -> Vec<Table> {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
        let ready = tables.iter().position(|t| {
            t.parents
                .iter()
                .all(|p| p == &t.name || placed.contains(p) || !names.contains(p))
        });
        // A cycle (none today) is loaded in name order and left to the engine to judge.
        let t = tables.remove(ready.unwrap_or(0));
        placed.insert(t.name.clone());
        out.push(t);
    }
    out
}

fn sqlite_kind(table: &str, column: &str, declared: &str) -> StoreResult<Kind> {
    let d = declared.to_ascii_uppercase();
    Ok(if d.contains("BOOL") {
        Kind::Bool
    } else if d.contains("INT") {
        Kind::Int
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") || d == "DATE" {
        Kind::Text
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        Kind::Float
    } else {
        return Err(StoreError::Corrupt(format!(
            "column {table}.{column} has a type backups do not handle yet: {declared}"
        )));
    })
}

fn postgres_kind(table: &str, column: &str, data_type: &str) -> StoreResult<Kind> {
    Ok(match data_type {
        "bigint" => Kind::Int,
        "integer" => Kind::Int32,
        "double precision" => Kind::Float,
        "boolean" => Kind::Bool,
        "text" | "character varying" => Kind::Text,
        "date" => Kind::Date,
        other => {
            return Err(StoreError::Corrupt(format!(
                "column {table}.{column} has a type backups do not handle yet: {other}"
            )))
        }
    })
}

async fn sqlite_tables(conn: &mut SqliteConnection) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(conn)
    .await?)
}

async fn sqlite_has_table(conn: &mut SqliteConnection, name: &str) -> StoreResult<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(name)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

async fn sqlite_catalog(conn: &mut SqliteConnection) -> StoreResult<Vec<Table>> {
    let mut tables = vec![];
    for name in sqlite_tables(conn).await? {
        if name == MIGRATIONS_TABLE {
            continue;
        }
        check_identifier(&name)?;
        let mut columns = vec![];
        let mut serial = None;
        let rows = sqlx::query("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
        let autoincrement: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1 \
             AND upper(sql) LIKE '%AUTOINCREMENT%'",
        )
        .bind(&name)
        .fetch_one(&mut *conn)
        .await?;
        for r in rows {
            let column: String = r.try_get("name")?;
            let declared: String = r.try_get("type")?;
            let pk: i64 = r.try_get("pk")?;
            check_identifier(&column)?;
            let kind = sqlite_kind(&name, &column, &declared)?;
            if pk == 1 && kind == Kind::Int && autoincrement > 0 {
                serial = Some(column.clone());
            }
            columns.push((column, kind));
        }
        let parents = sqlx::query_scalar::<_, String>(
            "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        tables.push(Table {
            name,
            columns,
            parents,
            serial,
        });
    }
    Ok(in_dependency_order(tables))
}

async fn postgres_tables(conn: &mut PgConnection) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(conn)
    .await?)
}

async fn postgres_catalog(conn: &mut PgConnection) -> StoreResult<Vec<Table>> {
    let mut tables = vec![];
    for name in postgres_tables(conn).await? {
        if name == MIGRATIONS_TABLE {
            continue;
        }
        check_identifier(&name)?;
        let rows = sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS type, \
             coalesce(column_default::text, '') LIKE 'nextval(%' AS serial \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let mut columns = vec![];
        let mut serial = None;
        for r in rows {
            let column: String = r.try_get("name")?;
            let data_type: String = r.try_get("type")?;
            check_identifier(&column)?;
            if r.try_get::<bool, _>("serial")? {
                serial = Some(column.clone());
            }
            columns.push((column.clone(), postgres_kind(&name, &column, &data_type)?));
        }
        let parents = sqlx::query_scalar::<_, String>(
            "SELECT DISTINCT p.relname::text FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_class p ON p.oid = k.confrelid \
             WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = $1",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        tables.push(Table {
            name,
            columns,
            parents,
            serial,
        });
    }
    Ok(in_dependency_order(tables))
}

async fn sqlite_migrations(conn: &mut SqliteConnection) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(APPLIED_MIGRATIONS)
        .fetch_all(conn)
        .await?)
}

async fn postgres_migrations(conn: &mut PgConnection) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(APPLIED_MIGRATIONS)
        .fetch_all(conn)
        .await?)
}

const APPLIED_MIGRATIONS: &str =
    "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";

// — Connections —

fn sqlite_path(url: &str) -> StoreResult<PathBuf> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("SQLite URL: {e}")))?;
    Ok(opts.get_filename().to_path_buf())
}

async fn sqlite_connection(url: &str, create: bool) -> StoreResult<SqliteConnection> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("SQLite URL: {e}")))?
        .create_if_missing(create)
        .foreign_keys(false)
        .busy_timeout(Duration::from_secs(30))
        // Reading a whole table is slow by nature: not worth a warning.
        .log_slow_statements(log::LevelFilter::Off, Duration::ZERO);
    if create {
        if let Some(parent) = opts.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
    }
    Ok(SqliteConnection::connect_with(&opts).await?)
}

async fn postgres_connection(url: &str) -> StoreResult<PgConnection> {
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("PostgreSQL URL: {e}")))?
        .log_slow_statements(log::LevelFilter::Off, Duration::ZERO);
    Ok(PgConnection::connect_with(&opts).await?)
}

// — Dumping —

fn float_value(x: f64) -> Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else if x.is_nan() {
        Value::String("NaN".into())
    } else if x > 0.0 {
        Value::String("Infinity".into())
    } else {
        Value::String("-Infinity".into())
    }
}

fn sqlite_value(row: &SqliteRow, i: usize, kind: Kind) -> StoreResult<Value> {
    // SQLite's storage classes are loose: each value is read as its column declares it.
    Ok(match kind {
        Kind::Int | Kind::Int32 => row.try_get_unchecked::<Option<i64>, _>(i)?.into(),
        Kind::Float => match row.try_get_unchecked::<Option<f64>, _>(i)? {
            Some(x) => float_value(x),
            None => Value::Null,
        },
        Kind::Bool => row.try_get_unchecked::<Option<bool>, _>(i)?.into(),
        Kind::Text | Kind::Date => row.try_get_unchecked::<Option<String>, _>(i)?.into(),
    })
}

fn postgres_value(row: &PgRow, i: usize, kind: Kind) -> StoreResult<Value> {
    Ok(match kind {
        Kind::Int => row.try_get::<Option<i64>, _>(i)?.into(),
        Kind::Int32 => row.try_get::<Option<i32>, _>(i)?.into(),
        Kind::Float => match row.try_get::<Option<f64>, _>(i)? {
            Some(x) => float_value(x),
            None => Value::Null,
        },
        Kind::Bool => row.try_get::<Option<bool>, _>(i)?.into(),
        Kind::Text => row.try_get::<Option<String>, _>(i)?.into(),
        Kind::Date => row
            .try_get::<Option<chrono::NaiveDate>, _>(i)?
            .map(|d| d.format("%Y-%m-%d").to_string())
            .into(),
    })
}

fn io_error(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Config(format!("cannot write {}: {e}", path.display()))
}

fn select_all(t: &Table) -> String {
    let columns: Vec<String> = t.columns.iter().map(|(c, _)| quote(c)).collect();
    format!("SELECT {} FROM {}", columns.join(", "), quote(&t.name))
}

fn table_dump(t: &Table, rows: u64) -> TableDump {
    TableDump {
        name: t.name.clone(),
        columns: t
            .columns
            .iter()
            .map(|(name, kind)| ColumnDump {
                name: name.clone(),
                kind: kind.neutral().to_string(),
            })
            .collect(),
        rows,
    }
}

struct LineWriter {
    path: PathBuf,
    out: BufWriter<std::fs::File>,
}

impl LineWriter {
    fn create(path: PathBuf) -> StoreResult<LineWriter> {
        let file = std::fs::File::create(&path).map_err(|e| io_error(&path, e))?;
        Ok(LineWriter {
            out: BufWriter::new(file),
            path,
        })
    }

    fn line(&mut self, values: &[Value]) -> StoreResult<()> {
        serde_json::to_writer(&mut self.out, values)
            .map_err(|e| StoreError::Config(format!("{}: {e}", self.path.display())))?;
        self.out
            .write_all(b"\n")
            .map_err(|e| io_error(&self.path, e))
    }

    fn finish(mut self) -> StoreResult<()> {
        self.out.flush().map_err(|e| io_error(&self.path, e))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|e| io_error(&self.path, e))
    }
}

async fn dump_sqlite(conn: &mut SqliteConnection, dir: &Path) -> StoreResult<DatabaseDump> {
    let migrations = sqlite_migrations(conn).await?;
    let tables = sqlite_catalog(conn).await?;
    let mut out = vec![];
    for t in &tables {
        let mut w = LineWriter::create(dir.join(format!("{}.jsonl", t.name)))?;
        let sql = select_all(t);
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        let mut n = 0u64;
        while let Some(row) = rows.try_next().await? {
            let values = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| sqlite_value(&row, i, *kind))
                .collect::<StoreResult<Vec<Value>>>()?;
            w.line(&values)?;
            n += 1;
        }
        drop(rows);
        w.finish()?;
        out.push(table_dump(t, n));
    }
    let mut sequences = BTreeMap::new();
    if sqlite_has_table(conn, "sqlite_sequence").await? {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, seq FROM sqlite_sequence")
            .fetch_all(&mut *conn)
            .await?;
        for (name, seq) in rows {
            if tables.iter().any(|t| t.name == name && t.serial.is_some()) {
                sequences.insert(name, seq);
            }
        }
    }
    Ok(DatabaseDump {
        backend: backend_name(Backend::Sqlite).into(),
        schema_version: migrations.last().copied().unwrap_or(0),
        migrations,
        tables: out,
        sequences,
    })
}

async fn dump_postgres(conn: &mut PgConnection, dir: &Path) -> StoreResult<DatabaseDump> {
    let migrations = postgres_migrations(conn).await?;
    let tables = postgres_catalog(conn).await?;
    let mut out = vec![];
    for t in &tables {
        let mut w = LineWriter::create(dir.join(format!("{}.jsonl", t.name)))?;
        let sql = select_all(t);
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        let mut n = 0u64;
        while let Some(row) = rows.try_next().await? {
            let values = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| postgres_value(&row, i, *kind))
                .collect::<StoreResult<Vec<Value>>>()?;
            w.line(&values)?;
            n += 1;
        }
        drop(rows);
        w.finish()?;
        out.push(table_dump(t, n));
    }
    let mut sequences = postgres_sequences(conn).await?;
    sequences.retain(|_, used| *used > 0);
    Ok(DatabaseDump {
        backend: backend_name(Backend::Postgres).into(),
        schema_version: migrations.last().copied().unwrap_or(0),
        migrations,
        tables: out,
        sequences,
    })
}

/// The (quoted, qualified) name of the sequence behind a serial column.
async fn postgres_sequence(
    conn: &mut PgConnection,
    table: &str,
    column: &str,
) -> StoreResult<String> {
    let seq: Option<String> = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, $2)")
        .bind(quote(table))
        .bind(column)
        .fetch_one(&mut *conn)
        .await?;
    seq.ok_or_else(|| StoreError::Corrupt(format!("no sequence behind {table}.{column}")))
}

// — Loading —

/// One value ready to bind, typed as the target column wants it (nulls included, which
/// PostgreSQL types too).
enum Cell {
    Int(Option<i64>),
    Int32(Option<i32>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Date(Option<chrono::NaiveDate>),
}

fn cell(v: &Value, kind: Kind, table: &str, column: &str) -> StoreResult<Cell> {
    let bad = || {
        StoreError::Corrupt(format!(
            "the backup's value {v} does not fit column {table}.{column} ({})",
            kind.neutral()
        ))
    };
    if v.is_null() {
        return Ok(match kind {
            Kind::Int => Cell::Int(None),
            Kind::Int32 => Cell::Int32(None),
            Kind::Float => Cell::Float(None),
            Kind::Bool => Cell::Bool(None),
            Kind::Text => Cell::Text(None),
            Kind::Date => Cell::Date(None),
        });
    }
    Ok(match kind {
        Kind::Int => Cell::Int(Some(match v {
            Value::Bool(b) => i64::from(*b),
            _ => v.as_i64().ok_or_else(bad)?,
        })),
        Kind::Int32 => Cell::Int32(Some(
            i32::try_from(v.as_i64().ok_or_else(bad)?).map_err(|_| bad())?,
        )),
        Kind::Float => Cell::Float(Some(match v {
            Value::String(s) if s == "NaN" => f64::NAN,
            Value::String(s) if s == "Infinity" => f64::INFINITY,
            Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
            _ => v.as_f64().ok_or_else(bad)?,
        })),
        Kind::Bool => Cell::Bool(Some(match v {
            Value::Bool(b) => *b,
            _ => match v.as_i64() {
                Some(0) => false,
                Some(1) => true,
                _ => return Err(bad()),
            },
        })),
        Kind::Text => Cell::Text(Some(v.as_str().ok_or_else(bad)?.to_string())),
        Kind::Date => Cell::Date(Some(
            chrono::NaiveDate::parse_from_str(v.as_str().ok_or_else(bad)?, "%Y-%m-%d")
                .map_err(|_| bad())?,
        )),
    })
}

macro_rules! bind_cell {
    ($q:expr, $c:expr) => {
        match $c {
            Cell::Int(x) => $q.bind(x),
            Cell::Int32(x) => $q.bind(x),
            Cell::Float(x) => $q.bind(x),
            Cell::Bool(x) => $q.bind(x),
            Cell::Text(x) => $q.bind(x),
            Cell::Date(x) => $q.bind(x),
        }
    };
}

/// Reads a dumped table's rows in batches, each already matched to the target's columns.
struct Batches {
    path: PathBuf,
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    /// For each dumped column, its place and kind in the target table.
    targets: Vec<(usize, Kind)>,
    table: String,
    names: Vec<String>,
    per_batch: usize,
    seen: u64,
    expected: u64,
}

impl Batches {
    fn open(target: &Table, dumped: &TableDump, dir: &Path) -> StoreResult<Batches> {
        let mut targets = vec![];
        let mut names = vec![];
        for c in &dumped.columns {
            let Some(i) = target.columns.iter().position(|(n, _)| n == &c.name) else {
                return Err(StoreError::Corrupt(format!(
                    "the backup has a column {}.{} that this database does not",
                    dumped.name, c.name
                )));
            };
            targets.push((i, target.columns[i].1));
            names.push(c.name.clone());
        }
        let path = dir.join(dumped.file_name());
        let file = std::fs::File::open(&path)
            .map_err(|e| StoreError::Corrupt(format!("cannot read {}: {e}", path.display())))?;
        Ok(Batches {
            lines: std::io::BufReader::new(file).lines(),
            path,
            per_batch: (PARAMETERS_PER_STATEMENT / names.len().max(1)).max(1),
            targets,
            table: dumped.name.clone(),
            names,
            seen: 0,
            expected: dumped.rows,
        })
    }

    /// `INSERT … VALUES (…), (…)` for `rows` rows, with `$n` placeholders, or anonymous `?`
    /// ones (SQLite looks named ones up one by one: quadratic on a long statement).
    fn insert_sql(&self, rows: usize, anonymous: bool) -> String {
        let columns: Vec<String> = self.names.iter().map(|c| quote(c)).collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            quote(&self.table),
            columns.join(", ")
        );
        let width = self.names.len();
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                if anonymous {
                    sql.push('?');
                } else {
                    sql.push_str(&format!("${}", r * width + c + 1));
                }
            }
            sql.push(')');
        }
        sql
    }

    /// The next rows (at most one statement's worth), or `None` at the end.
    fn next_batch(&mut self) -> StoreResult<Option<Vec<Cell>>> {
        let mut cells = vec![];
        let mut rows = 0;
        while rows < self.per_batch {
            let Some(line) = self.lines.next() else { break };
            let line = line.map_err(|e| {
                StoreError::Corrupt(format!("cannot read {}: {e}", self.path.display()))
            })?;
            self.seen += 1;
            let values: Vec<Value> = serde_json::from_str(&line).map_err(|e| {
                StoreError::Corrupt(format!("{} line {}: {e}", self.table, self.seen))
            })?;
            if values.len() != self.targets.len() {
                return Err(StoreError::Corrupt(format!(
                    "{} line {}: {} values for {} columns",
                    self.table,
                    self.seen,
                    values.len(),
                    self.targets.len()
                )));
            }
            for (v, ((_, kind), name)) in values.iter().zip(self.targets.iter().zip(&self.names)) {
                cells.push(cell(v, *kind, &self.table, name)?);
            }
            rows += 1;
        }
        if rows == 0 {
            if self.seen != self.expected {
                return Err(StoreError::Corrupt(format!(
                    "{}: {} rows where the manifest says {}",
                    self.table, self.seen, self.expected
                )));
            }
            return Ok(None);
        }
        Ok(Some(cells))
    }

    fn width(&self) -> usize {
        self.names.len()
    }
}

fn dumped_table<'a>(dump: &'a DatabaseDump, target: &Table) -> Option<&'a TableDump> {
    dump.tables.iter().find(|t| t.name == target.name)
}

fn check_tables_known(dump: &DatabaseDump, tables: &[Table]) -> StoreResult<()> {
    for t in &dump.tables {
        if !tables.iter().any(|x| x.name == t.name) {
            return Err(StoreError::Corrupt(format!(
                "the backup has a table {} that this database does not",
                t.name
            )));
        }
    }
    Ok(())
}

/// The highest id to start the sequence after: the largest of the dump's record, the largest
/// id present, and what the replaced database had already given — an id seen before the
/// restore (by a harvester, in a link) is never given to something else.
fn last_id(
    dump: &DatabaseDump,
    previous: &BTreeMap<String, i64>,
    table: &str,
    max_id: Option<i64>,
) -> i64 {
    let recorded = |m: &BTreeMap<String, i64>| m.get(table).copied().unwrap_or(0);
    recorded(&dump.sequences)
        .max(recorded(previous))
        .max(max_id.unwrap_or(0))
}

/// The last id each serial column of the current schema gave, by table.
async fn postgres_sequences(conn: &mut PgConnection) -> StoreResult<BTreeMap<String, i64>> {
    let serials: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, \
         pg_get_serial_sequence(quote_ident(table_name), column_name)::text \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = BTreeMap::new();
    for (table, seq) in serials {
        let Some(seq) = seq else { continue };
        let (last, called): (i64, bool) =
            sqlx::query_as(&format!("SELECT last_value, is_called FROM {seq}"))
                .fetch_one(&mut *conn)
                .await?;
        out.insert(table, if called { last } else { last - 1 });
    }
    Ok(out)
}

async fn load_sqlite(
    conn: &mut SqliteConnection,
    tables: &[Table],
    dump: &DatabaseDump,
    previous: &BTreeMap<String, i64>,
    dir: &Path,
) -> StoreResult<()> {
    check_tables_known(dump, tables)?;
    for t in tables {
        let Some(dumped) = dumped_table(dump, t) else {
            continue;
        };
        let mut batches = Batches::open(t, dumped, dir)?;
        while let Some(cells) = batches.next_batch()? {
            let sql = batches.insert_sql(cells.len() / batches.width().max(1), true);
            let mut q = sqlx::query(&sql);
            for c in cells {
                q = bind_cell!(q, c);
            }
            q.execute(&mut *conn).await?;
        }
        if let Some(column) = &t.serial {
            let max: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT MAX({}) FROM {}",
                quote(column),
                quote(&t.name)
            ))
            .fetch_one(&mut *conn)
            .await?;
            let last = last_id(dump, previous, &t.name, max);
            if last > 0 {
                sqlx::query("DELETE FROM sqlite_sequence WHERE name = $1")
                    .bind(&t.name)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)")
                    .bind(&t.name)
                    .bind(last)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn load_postgres(
    conn: &mut PgConnection,
    tables: &[Table],
    dump: &DatabaseDump,
    previous: &BTreeMap<String, i64>,
    dir: &Path,
) -> StoreResult<()> {
    check_tables_known(dump, tables)?;
    for t in tables {
        if let Some(dumped) = dumped_table(dump, t) {
            let mut batches = Batches::open(t, dumped, dir)?;
            while let Some(cells) = batches.next_batch()? {
                let sql = batches.insert_sql(cells.len() / batches.width().max(1), false);
                let mut q = sqlx::query(&sql);
                for c in cells {
                    q = bind_cell!(q, c);
                }
                q.execute(&mut *conn).await?;
            }
        }
        if let Some(column) = &t.serial {
            let max: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT MAX({})::bigint FROM {}",
                quote(column),
                quote(&t.name)
            ))
            .fetch_one(&mut *conn)
            .await?;
            let last = last_id(dump, previous, &t.name, max);
            let seq = postgres_sequence(conn, &t.name, column).await?;
            sqlx::query("SELECT setval($1::regclass, $2, $3)")
                .bind(&seq)
                .bind(last.max(1))
                .bind(last > 0)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, parents: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![],
            parents: parents.iter().map(|p| p.to_string()).collect(),
            serial: None,
        }
    }

    #[test]
    fn parents_come_first() {
        let order: Vec<String> = in_dependency_order(vec![
            table("registrations", &["events", "users"]),
            table("audit_log", &["users"]),
            table("users", &[]),
            table("events", &["event_series"]),
            table("event_series", &[]),
        ])
        .into_iter()
        .map(|t| t.name)
        .collect();
        assert_eq!(
            order,
            [
                "event_series",
                "events",
                "users",
                "audit_log",
                "registrations"
            ]
        );
    }

    #[test]
    fn values_round_trip_through_json() {
        for x in [1.5, -0.1, f64::INFINITY, f64::NEG_INFINITY] {
            let v = float_value(x);
            let Cell::Float(Some(back)) = cell(&v, Kind::Float, "t", "c").unwrap() else {
                panic!("not a float");
            };
            assert_eq!(back, x);
        }
        let Cell::Float(Some(nan)) = cell(&float_value(f64::NAN), Kind::Float, "t", "c").unwrap()
        else {
            panic!("not a float");
        };
        assert!(nan.is_nan());
        // SQLite's booleans are integers; PostgreSQL's are booleans: both load either way.
        assert!(matches!(
            cell(&serde_json::json!(1), Kind::Bool, "t", "c").unwrap(),
            Cell::Bool(Some(true))
        ));
        assert!(matches!(
            cell(&serde_json::json!(true), Kind::Int, "t", "c").unwrap(),
            Cell::Int(Some(1))
        ));
        assert!(cell(&serde_json::json!("x"), Kind::Int, "t", "c").is_err());
        assert!(cell(&serde_json::json!(1i64 << 40), Kind::Int32, "t", "c").is_err());
        assert!(matches!(
            cell(&serde_json::json!("2019-03-21"), Kind::Date, "t", "c").unwrap(),
            Cell::Date(Some(_))
        ));
    }

    #[test]
    fn newer_backups_are_refused() {
        let known = known_migrations(Backend::Sqlite);
        let mut dump = DatabaseDump {
            backend: "sqlite".into(),
            schema_version: *known.last().unwrap(),
            migrations: known.clone(),
            tables: vec![],
            sequences: BTreeMap::new(),
        };
        assert!(check_compatible(&dump, Backend::Postgres).is_ok());
        dump.migrations.push(99_999);
        dump.schema_version = 99_999;
        let e = check_compatible(&dump, Backend::Sqlite).unwrap_err();
        assert!(e.contains("newer Catalyse"), "{e}");
        // An older one loads (the newer migrations run after it).
        dump.migrations = known[..1].to_vec();
        dump.schema_version = known[0];
        assert!(check_compatible(&dump, Backend::Sqlite).is_ok());
    }
}
