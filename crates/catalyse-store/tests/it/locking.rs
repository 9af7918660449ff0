//! Writes wait for a lock held elsewhere instead of failing: another process (the command
//! line beside the server, a second instance) holds the database's write lock for 3 s while
//! registrations arrive, and every one of them succeeds once the lock is released.

use crate::events::newcomer;
use crate::fixtures::event;
use catalyse_core::agenda::EventKind;
use catalyse_store::both_databases as conformance;
use catalyse_store::{RegistrationStatus, Store};
use chrono::Utc;
use sqlx::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};

const HOLD: Duration = Duration::from_secs(3);

conformance!(writes_wait_for_a_lock_held_elsewhere, held_lock, with_url);
async fn held_lock(store: Arc<dyn Store>, url: String) {
    let now = Utc::now();
    let soon = now + chrono::Duration::days(3);
    let mut e = event("verrou", soon, EventKind::Atelier, None);
    e.capacity = Some(10);
    store
        .load_events("lock", "v1", &[], &[e], now)
        .await
        .unwrap();
    let id = store.event("verrou").await.unwrap().unwrap().id;

    // Another connection, as another process would have, takes the write lock and keeps it.
    let (locked_tx, locked_rx) = tokio::sync::oneshot::channel::<()>();
    let holder = tokio::spawn(async move {
        if url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query("UPDATE settings SET value = value WHERE key = 'none'")
                .execute(&mut conn)
                .await
                .unwrap();
            locked_tx.send(()).unwrap();
            tokio::time::sleep(HOLD).await;
            sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            sqlx::query("LOCK TABLE registrations IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .unwrap();
            locked_tx.send(()).unwrap();
            tokio::time::sleep(HOLD).await;
            tx.commit().await.unwrap();
        }
    });
    locked_rx.await.unwrap();
    let started = Instant::now();

    // Twelve people register while the lock is held: ten seats, two on the waiting list.
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.register(id, &newcomer(i, false), Utc::now()).await })
        })
        .collect();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.is_ok(), "a registration failed instead of waiting: {r:?}");
    }
    assert!(
        started.elapsed() >= HOLD - Duration::from_millis(500),
        "the registrations did wait for the lock ({:?})",
        started.elapsed()
    );
    holder.await.unwrap();
    let all = store.registrations(id).await.unwrap();
    let count = |s: RegistrationStatus| all.iter().filter(|r| r.status == s).count();
    assert_eq!(count(RegistrationStatus::Confirmed), 10);
    assert_eq!(count(RegistrationStatus::Waiting), 2);
}
