//! The SQL both backends share. SQLite and PostgreSQL accept the same `$n` placeholders,
//! `ON CONFLICT … DO UPDATE` and `RETURNING`, so one text serves both; `impl_sql_store!`
//! instantiates it for each backend's concrete pool and row types (sqlx's `Any` driver is not
//! used: see ARCHITECTURE.md), one area macro per file (`accounts.rs`, `reference.rs`,
//! `observatory.rs`, `resources.rs`, `events.rs`). What differs between the engines
//! (connection set-up, migrations, column types) lives in `sqlite.rs` and `postgres.rs`.

macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $row:ty, $backend:expr) => {
        mod shared_sql {
        use super::*;
        use $crate::{
            from_ts, ts, AuditEntry, Backend, FileChange, HarvestQuery, NewUser,
            PoolStats, ResourceChange, SessionRecord, StoreError, StoreResult,
            NewRegistration, Registration, RegistrationStatus, Reminder,
        };
        use catalyse_core::resource::{Resource, ResourceFields, ResourceState, StoredFile};
        use catalyse_core::agenda::{Event, EventKind, Series};
        use async_trait::async_trait;
        use catalyse_core::reference::ReferenceFrame;
        use catalyse_core::territory::Geography;
        use catalyse_core::{
            ActorFamily, Activity, Email, Lever, MetierFamily, Milestone, Page, Role, Territory,
            User,
        };
        use chrono::{DateTime, Utc};
        use sqlx::Row;
        use $crate::prelude::*;

        const USER_COLUMNS: &str =
            "id, email, display_name, role, password_hash, is_example, email_verified_at, created_at";
        const TERRITORY_COLUMNS: &str =
            "level, code, name, region, department, epci, population, postcodes, lat, lon";
        const CHUNK: usize = 500;
        fn corrupt(what: impl std::fmt::Display) -> StoreError {
            StoreError::Corrupt(what.to_string())
        }

        #[async_trait]
        impl StoreHandle for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            fn pool_stats(&self) -> PoolStats {
                let (size, idle) = self.pool_figures();
                PoolStats { size, idle }
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.r()).await?;
                Ok(())
            }

            async fn close(&self) {
                self.close_pools().await;
            }
        }

        impl_reference_store!($store, $db, $row, $backend);
        impl_account_store!($store, $db, $row, $backend);
        impl_resource_store!($store, $db, $row, $backend);
        impl_event_store!($store, $db, $row, $backend);
        }
    };
}

/// A store's pools, for the areas written as plain functions generic over the backend.
pub(crate) trait Backing: Send + Sync + 'static {
    type Db: sqlx::Database;
    /// The readers.
    fn r(&self) -> &sqlx::Pool<Self::Db>;
    /// A write transaction (`BEGIN IMMEDIATE` on SQLite).
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
           + Send;
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> crate::StoreError {
    crate::StoreError::Corrupt(what.to_string())
}
