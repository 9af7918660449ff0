//! Writing a dump: every table as JSON lines, from one consistent snapshot.

use super::catalog::{
    applied_migrations, postgres_catalog, postgres_connection, postgres_sequences, quote,
    sqlite_catalog, sqlite_connection, sqlite_has_table, Kind, Table,
};
use super::format::{backend_name, backend_of, ColumnDump, DatabaseDump, TableDump};
use crate::sql::{Conn, Engine};
use crate::{Backend, StoreError, StoreResult};
use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions as _, Connection, Executor, Postgres, Row, Sqlite};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

pub(super) fn float_value(x: f64) -> Value {
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

/// Writes every table's rows into `dir`, each value read as its column's kind says.
async fn write_tables<DB: Engine>(
    conn: &mut Conn<DB>,
    tables: &[Table],
    dir: &Path,
    value: fn(&DB::Row, usize, Kind) -> StoreResult<Value>,
) -> StoreResult<Vec<TableDump>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let mut out = vec![];
    for t in tables {
        let mut w = LineWriter::create(dir.join(format!("{}.jsonl", t.name)))?;
        let sql = select_all(t);
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        let mut n = 0u64;
        while let Some(row) = rows.try_next().await? {
            let values = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| value(&row, i, *kind))
                .collect::<StoreResult<Vec<Value>>>()?;
            w.line(&values)?;
            n += 1;
        }
        drop(rows);
        w.finish()?;
        out.push(table_dump(t, n));
    }
    Ok(out)
}

async fn dump_sqlite(conn: &mut SqliteConnection, dir: &Path) -> StoreResult<DatabaseDump> {
    let migrations = applied_migrations(&mut *conn).await?;
    let tables = sqlite_catalog(conn).await?;
    let out = write_tables::<Sqlite>(conn, &tables, dir, sqlite_value).await?;
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
    let migrations = applied_migrations(&mut *conn).await?;
    let tables = postgres_catalog(conn).await?;
    let out = write_tables::<Postgres>(conn, &tables, dir, postgres_value).await?;
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
