//! What a dump is, as its manifest records it, and whether this binary can load it.

use super::catalog::check_identifier;
use super::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use crate::{Backend, StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
