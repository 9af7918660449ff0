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

mod catalog;
mod dump;
mod format;
mod restore;
#[cfg(test)]
mod tests;

pub use dump::dump;
pub use format::{
    backend_name, backend_of, check_compatible, known_migrations, ColumnDump, DatabaseDump,
    TableDump,
};
pub use restore::{content, load};

use sqlx::migrate::Migrator;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// sqlx's bookkeeping: recreated by the migrations, never dumped.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";
