//! Rate limits kept in the database: budgets, waits, failures recorded, shared by instances.

use catalyse_store::{both_databases, RateBudget, Store};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

fn budget(key: &str, limit: u32, seconds: i64) -> RateBudget {
    RateBudget {
        key: key.into(),
        limit,
        window: Duration::seconds(seconds),
    }
}

/// `rate_limit_take`: `None` when every budget allowed (one event taken from each), else the
/// wait.
async fn take(
    store: &Arc<dyn Store>,
    budgets: &[RateBudget],
    now: DateTime<Utc>,
) -> Option<Duration> {
    store.rate_limit_take(budgets, now).await.unwrap()
}

/// `rate_limit_check`: `None` when every budget would allow, else the wait (nothing taken).
async fn check(
    store: &Arc<dyn Store>,
    budgets: &[RateBudget],
    now: DateTime<Utc>,
) -> Option<Duration> {
    store.rate_limit_check(budgets, now).await.unwrap()
}

both_databases!(rate_limits_take_and_wait, take_and_wait, with_url);
async fn take_and_wait(store: Arc<dyn Store>, url: String) {
    let now = Utc::now();
    let ip = budget("ip:a", 3, 60);
    let acct = budget("acct:a", 2, 60);
    // Both budgets must allow; a refusal takes nothing from either.
    let both = [ip.clone(), acct.clone()];
    assert_eq!(take(&store, &both, now).await, None);
    assert_eq!(take(&store, &both, now).await, None);
    let wait = take(&store, &both, now)
        .await
        .expect("the account's budget is spent");
    assert!(
        wait > Duration::seconds(25) && wait <= Duration::seconds(30),
        "{wait}"
    );
    // The IP's budget lost nothing to the refusal: one event is left.
    let ip = std::slice::from_ref(&ip);
    assert_eq!(take(&store, ip, now).await, None);
    assert!(take(&store, ip, now).await.is_some());
    // Later, the budget has room again (one event every window / limit).
    let later = now + Duration::seconds(31);
    let acct = std::slice::from_ref(&acct);
    assert_eq!(check(&store, acct, later).await, None);

    // Another instance on the same database sees the same budgets.
    let other = catalyse_store::connect(&url, &catalyse_store::ConnectOptions::default())
        .await
        .expect("second store");
    assert!(check(&other, acct, now).await.is_some());
    other.close().await;

    // What was taken can be given back: the budget has room again at once.
    let f = budget("fail:a", 2, 60);
    let one = std::slice::from_ref(&f);
    assert_eq!(take(&store, one, now).await, None);
    assert_eq!(take(&store, one, now).await, None);
    assert!(take(&store, one, now).await.is_some());
    store.rate_limit_refund(one).await.unwrap();
    assert_eq!(check(&store, one, now).await, None);
    assert_eq!(take(&store, one, now).await, None);
    assert!(check(&store, one, now).await.is_some());
    // Many takes at once never take more than the budget.
    let many = budget("many:a", 5, 60);
    let tries: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let many = many.clone();
            tokio::spawn(async move { store.rate_limit_take(&[many], now).await.unwrap() })
        })
        .collect();
    let mut allowed = 0;
    for t in tries {
        if t.await.unwrap().is_none() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
    // A key can be forgotten; other keys keep their events.
    store.rate_limit_clear("fail:a").await.unwrap();
    assert_eq!(check(&store, one, now).await, None);
    assert!(check(&store, acct, now).await.is_some());

    // Housekeeping removes what has expired, and only that.
    assert_eq!(store.purge_rate_limits(now).await.unwrap(), 0);
    assert_eq!(
        store
            .purge_rate_limits(now + Duration::seconds(61))
            .await
            .unwrap(),
        3
    );
    assert_eq!(check(&store, acct, now).await, None);
}
