//! A database as an older version left it: the migrations before one of them applied, rows
//! written in that schema, then the store opened on it (which applies the rest). For the
//! tests of the migrations that rebuild (SQLite) or alter (PostgreSQL) tables with rows.

use catalyse_store::{testing, ConnectOptions, PostgresStore, Store};
use chrono::Utc;
use sqlx::migrate::Migrator;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Applies the migrations in `$dir` on `$pool` (either engine's), writes `$rows`, closes it.
macro_rules! fill {
    ($dir:expr, $pool:expr, $rows:expr) => {
        Migrator::new($dir.as_path())
            .await
            .unwrap()
            .run(&$pool)
            .await
            .unwrap();
        for sql in $rows {
            sqlx::query(sql).execute(&$pool).await.unwrap();
        }
        $pool.close().await;
    };
}

/// Both halves of a migration's test: the older database holds `$rows` (migrations before
/// `$before` applied), `$check` reads it through the store; on SQLite, the tables rebuilt
/// (decisions and reports) keep their indexes.
macro_rules! older_schema_tests {
    ($name:literal, $before:literal, $rows:expr, $check:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            let old = $crate::migration::sqlite($before, &$rows).await;
            $check(&old.store).await;
            let indexes = old
                .sqlite_indexes(&["moderation_decisions", "reports"])
                .await;
            assert_eq!(indexes, ["moderation_decisions_subject", "reports_open"]);
            old.finish().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres() {
            if let Some(old) = $crate::migration::postgres($name, $before, &$rows).await {
                $check(&old.store).await;
                old.finish().await;
            }
        }
    };
}
pub(crate) use older_schema_tests;

/// A copy of the migrations of `engine` whose names sort before `before` (« 0012 »).
fn migrations_before(engine: &str, before: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(engine);
    let dir = std::env::temp_dir().join(format!(
        "catalyse_migrations_{engine}_{before}_{}_{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < before {
            std::fs::copy(&path, dir.join(&name)).unwrap();
        }
    }
    dir
}

/// A store opened on an older database; `finish` removes it.
pub(crate) struct Older {
    pub(crate) store: Arc<dyn Store>,
    /// The SQLite database's URL, or the PostgreSQL server's.
    pub(crate) url: String,
    dir: Option<PathBuf>,
    schema: Option<String>,
}

impl Older {
    /// The named indexes of these tables, by name (SQLite).
    pub(crate) async fn sqlite_indexes(&self, tables: &[&str]) -> Vec<String> {
        use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        use std::str::FromStr;
        let pool = SqlitePoolOptions::new()
            .connect_with(SqliteConnectOptions::from_str(&self.url).unwrap())
            .await
            .unwrap();
        let marks = vec!["?"; tables.len()].join(", ");
        let sql = format!(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) \
             AND sql IS NOT NULL ORDER BY name"
        );
        let mut q = sqlx::query_scalar(&sql);
        for t in tables {
            q = q.bind(*t);
        }
        let names = q.fetch_all(&pool).await.unwrap();
        pool.close().await;
        names
    }

    pub(crate) async fn finish(self) {
        self.store.close().await;
        if let Some(dir) = self.dir {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        if let Some(schema) = self.schema {
            PostgresStore::drop_schema(&self.url, &schema)
                .await
                .unwrap();
        }
    }
}

/// A SQLite database migrated up to `before` (excluded), holding `rows`, opened by the store.
pub(crate) async fn sqlite(before: &str, rows: &[&str]) -> Older {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use std::str::FromStr;
    let dir = migrations_before("sqlite", before);
    let url = format!("sqlite://{}", dir.join("old.db").display());
    let opts = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap();
    fill!(dir, pool, rows);
    let store = catalyse_store::connect(&url, &ConnectOptions::default())
        .await
        .unwrap();
    Older {
        store,
        url,
        dir: Some(dir),
        schema: None,
    }
}

/// The same on PostgreSQL, in a schema of its own; `None` (said on stderr, or a failure in
/// CI) without a server, like every PostgreSQL half.
pub(crate) async fn postgres(name: &str, before: &str, rows: &[&str]) -> Option<Older> {
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sqlx::ConnectOptions as _;
    use std::str::FromStr;
    let probe = testing::postgres(name).await.unwrap()?;
    probe.finish().await;
    let base = std::env::var(testing::POSTGRES_URL_VAR).unwrap();
    let schema = format!("t_{name}_{}", std::process::id());
    let opts = PgConnectOptions::from_str(&base).unwrap();
    let mut conn = opts.connect().await.unwrap();
    for sql in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(&sql).execute(&mut conn).await.unwrap();
    }
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(opts.options([("search_path", schema.as_str())]))
        .await
        .unwrap();
    let dir = migrations_before("postgres", before);
    fill!(dir, pool, rows);
    std::fs::remove_dir_all(&dir).unwrap();
    let store = catalyse_store::connect(
        &base,
        &ConnectOptions {
            schema: Some(schema.clone()),
            max_connections: Some(2),
        },
    )
    .await
    .unwrap();
    Some(Older {
        store,
        url: base,
        dir: None,
        schema: Some(schema),
    })
}
