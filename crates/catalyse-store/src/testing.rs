//! Fresh stores for tests: a new SQLite file each time, and a new PostgreSQL schema when
//! `CATALYSE_TEST_POSTGRES_URL` is set. Used by this crate's conformance suite and by the web
//! tests, so that every storage behaviour runs on both databases. Behind the `testing` feature.
//!
//! When `CI=true`, the PostgreSQL half is never skipped: without a URL, or with one that
//! cannot be reached, it fails.

use crate::{connect, ConnectOptions, PostgresStore, Store, StoreError, StoreResult};
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variable that turns the PostgreSQL half of the tests on.
pub const POSTGRES_URL_VAR: &str = "CATALYSE_TEST_POSTGRES_URL";

/// A store made for one test; dropping it removes its file or schema.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema { url: String, schema: String },
}

fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh SQLite database in the temporary directory.
pub async fn sqlite() -> StoreResult<TestStore> {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name("catalyse_test")));
    let url = format!("sqlite://{}", path.display());
    let store = connect(&url, &ConnectOptions::default()).await?;
    Ok(TestStore {
        store,
        url,
        cleanup: Cleanup::File(path),
    })
}

/// Whether the tests run in continuous integration (`CI=true`), where nothing may skip.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// A fresh PostgreSQL schema, or `None` (with a clear message) when no test URL is set. In CI
/// (`CI=true`), a missing URL is an error instead.
pub async fn postgres(test: &str) -> StoreResult<Option<TestStore>> {
    let Ok(base) = std::env::var(POSTGRES_URL_VAR) else {
        if in_ci() {
            return Err(StoreError::Config(format!(
                "CI=true: the PostgreSQL half of {test} must run, set {POSTGRES_URL_VAR}"
            )));
        }
        // Written straight to stderr, past the test harness's capture, so that it shows.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIP PostgreSQL half of {test}: {POSTGRES_URL_VAR} is not set"
        );
        return Ok(None);
    };
    let schema = unique_name("t");
    let store = connect(
        &base,
        &ConnectOptions {
            schema: Some(schema.clone()),
            max_connections: Some(5),
        },
    )
    .await
    .map_err(|e| {
        StoreError::Config(format!(
            "PostgreSQL half of {test}: cannot open {}: {e}",
            crate::redact_url(&base)
        ))
    })?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(Some(TestStore {
        store,
        url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
        cleanup: Cleanup::Schema { url: base, schema },
    }))
}

impl TestStore {
    /// Runs one test body on this store, then removes the store.
    pub async fn run<F, Fut>(self, body: F)
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        self.run_with_url(|store, _| body(store)).await;
    }

    /// Same, for a body that also needs the database URL (to run the binary on it).
    pub async fn run_with_url<F, Fut>(self, body: F)
    where
        F: FnOnce(Arc<dyn Store>, String) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        body(self.store.clone(), self.url.clone()).await;
        self.finish().await;
    }

    /// Closes the pools and removes the database.
    pub async fn finish(self) {
        self.store.close().await;
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { url, schema } => {
                let _ = PostgresStore::drop_schema(url, schema).await;
            }
        }
    }
}

/// Declares one test twice, `NAME::sqlite` and `NAME::postgres`, running `BODY(store)` on a
/// fresh store of each kind; the PostgreSQL half says it skipped when no URL is set, and
/// fails instead when `CI=true`.
#[macro_export]
macro_rules! both_databases {
    ($name:ident, $body:ident) => {
        $crate::both_databases!($name, $body, run);
    };
    ($name:ident, $body:ident, with_url) => {
        $crate::both_databases!($name, $body, run_with_url);
    };
    ($name:ident, $body:ident, $run:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::testing::sqlite().await.expect("sqlite store");
                t.$run(super::$body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(t) = $crate::testing::postgres(stringify!($name))
                    .await
                    .expect("postgres store")
                {
                    t.$run(super::$body).await;
                }
            }
        }
    };
}
