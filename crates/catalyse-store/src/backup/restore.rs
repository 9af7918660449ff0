//! Loading a dump: what a target already holds, then the whole database replaced in one
//! transaction.

use super::catalog::{
    check_identifier, postgres_catalog, postgres_connection, postgres_sequence, postgres_sequences,
    postgres_tables, quote, sqlite_catalog, sqlite_connection, sqlite_has_table, sqlite_path,
    sqlite_tables, Kind, Table,
};
use super::format::{backend_of, check_compatible, DatabaseDump, TableDump};
use super::{MIGRATIONS_TABLE, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use crate::sql::{query, query_scalar, values_list, Conn, Engine, Query};
use crate::{Backend, StoreError, StoreResult};
use serde_json::Value;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Executor, Postgres, Sqlite};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

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

/// The tables holding something a first start would not have written, with their row counts
/// (empty for a new database, or one that does not exist yet).
pub async fn content(url: &str) -> StoreResult<Vec<(String, i64)>> {
    match backend_of(url)? {
        Backend::Sqlite => {
            let path = sqlite_path(url)?;
            if !path.exists() {
                return Ok(vec![]);
            }
            let mut conn = sqlite_connection(url, false).await?;
            let tables = sqlite_tables(&mut conn).await?;
            let found = count_content::<Sqlite>(&mut conn, tables).await?;
            conn.close().await?;
            Ok(found)
        }
        Backend::Postgres => {
            let mut conn = postgres_connection(url).await?;
            let tables = postgres_tables(&mut conn).await?;
            let found = count_content::<Postgres>(&mut conn, tables).await?;
            conn.close().await?;
            Ok(found)
        }
    }
}

/// Those of `tables` that hold content, with their counts.
async fn count_content<DB: Engine>(
    conn: &mut Conn<DB>,
    tables: Vec<String>,
) -> StoreResult<Vec<(String, i64)>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let mut found = vec![];
    for table in tables {
        if let Some(sql) = content_sql(&table) {
            let n: i64 = query_scalar(&sql).fetch_one(&mut *conn).await?;
            if n > 0 {
                found.push((table, n));
            }
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
    } else if table == "formation_modules" || table == "achievements" {
        // Loaded from the shipped files at every start: what animators created or edited
        // (an archived achievement counts as edited) is content.
        Some(format!(
            "SELECT COUNT(*) FROM {table} WHERE shipped = FALSE OR edited_at IS NOT NULL"
        ))
    } else if table == "formation_units" {
        Some(
            "SELECT COUNT(*) FROM formation_units u JOIN formation_modules m \
             ON m.id = u.module_id WHERE m.shipped = FALSE OR m.edited_at IS NOT NULL"
                .into(),
        )
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

/// One value ready to bind, typed as the target column wants it (nulls included, which
/// PostgreSQL types too).
pub(super) enum Cell {
    Int(Option<i64>),
    Int32(Option<i32>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Date(Option<chrono::NaiveDate>),
}

pub(super) fn cell(v: &Value, kind: Kind, table: &str, column: &str) -> StoreResult<Cell> {
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

impl Cell {
    fn bind<'q, DB: Engine>(self, q: Query<'q, DB>) -> Query<'q, DB> {
        match self {
            Cell::Int(x) => q.bind(x),
            Cell::Int32(x) => q.bind(x),
            Cell::Float(x) => q.bind(x),
            Cell::Bool(x) => q.bind(x),
            Cell::Text(x) => q.bind(x),
            Cell::Date(x) => q.bind(x),
        }
    }
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

    /// `INSERT … VALUES (…), (…)` for `rows` rows (placeholders as the engine wants them:
    /// see `Engine::placeholder`).
    fn insert_sql<DB: Engine>(&self, rows: usize) -> String {
        let columns: Vec<String> = self.names.iter().map(|c| quote(c)).collect();
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            quote(&self.table),
            columns.join(", "),
            values_list::<DB>(rows, self.names.len())
        )
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

/// Inserts the rows of a dumped table, one statement per batch.
async fn insert_rows<DB: Engine>(
    conn: &mut Conn<DB>,
    target: &Table,
    dumped: &TableDump,
    dir: &Path,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let mut batches = Batches::open(target, dumped, dir)?;
    while let Some(cells) = batches.next_batch()? {
        let sql = batches.insert_sql::<DB>(cells.len() / batches.width().max(1));
        let mut q = query(&sql);
        for c in cells {
            q = c.bind(q);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
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

/// The highest id to start the sequence of `t.column` after: the largest of the dump's
/// record, the largest id present, and what the replaced database had already given — an id
/// seen before the restore (by a harvester, in a link) is never given to something else.
/// `cast` makes `MAX` a 64-bit integer where it is not one already.
async fn last_id<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    dump: &DatabaseDump,
    previous: &BTreeMap<String, i64>,
    t: &Table,
    column: &str,
    cast: &str,
) -> StoreResult<i64> {
    let max_id: Option<i64> = query_scalar(&format!(
        "SELECT MAX({}){cast} FROM {}",
        quote(column),
        quote(&t.name)
    ))
    .fetch_one(on)
    .await?;
    let recorded = |m: &BTreeMap<String, i64>| m.get(&t.name).copied().unwrap_or(0);
    Ok(recorded(&dump.sequences)
        .max(recorded(previous))
        .max(max_id.unwrap_or(0)))
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
        insert_rows::<Sqlite>(conn, t, dumped, dir).await?;
        if let Some(column) = &t.serial {
            let last = last_id(&mut *conn, dump, previous, t, column, "").await?;
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
            insert_rows::<Postgres>(conn, t, dumped, dir).await?;
        }
        if let Some(column) = &t.serial {
            let last = last_id(&mut *conn, dump, previous, t, column, "::bigint").await?;
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
