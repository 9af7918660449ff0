//! What a database holds, read from its own catalogue: tables, columns and their kinds,
//! foreign keys, generated ids, applied migrations; and the connections backups use.

use super::MIGRATIONS_TABLE;
use crate::sql::{query_scalar, Engine};
use crate::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection, Executor, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
    pub(super) fn neutral(self) -> &'static str {
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
pub(super) struct Table {
    pub(super) name: String,
    pub(super) columns: Vec<(String, Kind)>,
    /// Tables its foreign keys refer to.
    pub(super) parents: BTreeSet<String>,
    /// Its generated id column, if any.
    pub(super) serial: Option<String>,
}

pub(super) fn check_identifier(name: &str) -> StoreResult<()> {
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

pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Parents before children (then by name), so that rows can be inserted in that order.
pub(super) fn in_dependency_order(mut tables: Vec<Table>) -> Vec<Table> {
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

pub(super) fn sqlite_kind(table: &str, column: &str, declared: &str) -> StoreResult<Kind> {
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

pub(super) fn postgres_kind(table: &str, column: &str, data_type: &str) -> StoreResult<Kind> {
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

pub(super) async fn sqlite_tables(conn: &mut SqliteConnection) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(conn)
    .await?)
}

pub(super) async fn sqlite_has_table(conn: &mut SqliteConnection, name: &str) -> StoreResult<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(name)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

pub(super) async fn sqlite_catalog(conn: &mut SqliteConnection) -> StoreResult<Vec<Table>> {
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
        let parents = "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)";
        tables.push(with_parents(&mut *conn, name, columns, serial, parents).await?);
    }
    Ok(in_dependency_order(tables))
}

pub(super) async fn postgres_tables(conn: &mut PgConnection) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(conn)
    .await?)
}

pub(super) async fn postgres_catalog(conn: &mut PgConnection) -> StoreResult<Vec<Table>> {
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
        let parents = "SELECT DISTINCT p.relname::text FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_class p ON p.oid = k.confrelid \
             WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = $1";
        tables.push(with_parents(&mut *conn, name, columns, serial, parents).await?);
    }
    Ok(in_dependency_order(tables))
}

/// A table, with the tables its foreign keys refer to as `parents` (on `$1`, its name) lists
/// them.
async fn with_parents<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
    name: String,
    columns: Vec<(String, Kind)>,
    serial: Option<String>,
    parents: &str,
) -> StoreResult<Table> {
    let parents: Vec<String> = query_scalar(parents).bind(&name).fetch_all(on).await?;
    Ok(Table {
        name,
        columns,
        parents: parents.into_iter().collect(),
        serial,
    })
}

/// The migrations applied to a database, in order.
pub(super) async fn applied_migrations<'c, DB: Engine>(
    on: impl Executor<'c, Database = DB>,
) -> StoreResult<Vec<i64>> {
    query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(on)
        .await
}

/// The last id each serial column of the current schema gave, by table.
pub(super) async fn postgres_sequences(
    conn: &mut PgConnection,
) -> StoreResult<BTreeMap<String, i64>> {
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

/// The (quoted, qualified) name of the sequence behind a serial column.
pub(super) async fn postgres_sequence(
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

pub(super) fn sqlite_path(url: &str) -> StoreResult<PathBuf> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("SQLite URL: {e}")))?;
    Ok(opts.get_filename().to_path_buf())
}

pub(super) async fn sqlite_connection(url: &str, create: bool) -> StoreResult<SqliteConnection> {
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

pub(super) async fn postgres_connection(url: &str) -> StoreResult<PgConnection> {
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("PostgreSQL URL: {e}")))?
        .log_slow_statements(log::LevelFilter::Off, Duration::ZERO);
    Ok(PgConnection::connect_with(&opts).await?)
}
