//! Accounts: users, roles and the audit trail, sessions, password resets, email
//! verification (rate limits: `rate_limits.rs`).

use catalyse_core::{Email, Role};
use catalyse_store::{SessionRecord, Store, StoreError};
use chrono::{Duration, Utc};
use std::sync::Arc;

use crate::network::member;
use crate::user;
use catalyse_store::both_databases as conformance;

conformance!(accounts_roles_and_audit, accounts);
async fn accounts(store: Arc<dyn Store>) {
    let now = Utc::now();
    let admin = store
        .create_user(&user("admin@exemple.fr", Role::Admin), now)
        .await
        .unwrap();
    let member = store
        .create_user(&user("camille@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    assert_eq!(store.count_users().await.unwrap(), 2);
    match store
        .create_user(&user("CAMILLE@exemple.fr", Role::Member), now)
        .await
    {
        Err(StoreError::Conflict { field: "email", .. }) => {}
        other => panic!("expected an email conflict, got {other:?}"),
    }
    assert_eq!(
        store.count_users().await.unwrap(),
        2,
        "a refused write leaves nothing"
    );
    let found = store
        .user_by_email(&Email::parse("Camille@Exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, member.id);

    let promoted = store
        .set_role(member.id, Role::Moderator, Some(admin.id), now)
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Moderator);
    // The last admin cannot be demoted.
    assert!(matches!(
        store
            .set_role(admin.id, Role::Member, Some(admin.id), now)
            .await,
        Err(StoreError::Conflict { field: "role", .. })
    ));
    assert!(matches!(
        store.set_role(9999, Role::Member, None, now).await,
        Err(StoreError::NotFound)
    ));
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].details, "member -> moderator");
    assert_eq!(log[0].actor_id, Some(admin.id));

    let page = store.list_users(1, 1).await.unwrap();
    assert_eq!((page.total, page.items.len()), (2, 1));
    assert_eq!(page.items[0].email.as_str(), "admin@exemple.fr");
}

conformance!(sessions_expire_and_end, sessions);
async fn sessions(store: Arc<dyn Store>) {
    let now = Utc::now();
    let u = store
        .create_user(&user("dominique@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    let s = SessionRecord {
        id_hash: "h1".into(),
        user_id: u.id,
        created_at: now - Duration::hours(3),
        last_seen_at: now - Duration::minutes(10),
    };
    store.create_session(&s).await.unwrap();
    let fresh = |idle_min: i64, abs_h: i64| {
        (
            now - Duration::minutes(idle_min),
            now - Duration::hours(abs_h),
        )
    };
    let (i, a) = fresh(30, 12);
    assert_eq!(store.session("h1", i, a).await.unwrap().unwrap().1.id, u.id);
    let (i, a) = fresh(5, 12);
    assert!(
        store.session("h1", i, a).await.unwrap().is_none(),
        "idle timeout"
    );
    let (i, a) = fresh(30, 2);
    assert!(
        store.session("h1", i, a).await.unwrap().is_none(),
        "absolute timeout"
    );
    store.touch_session("h1", now).await.unwrap();
    let (i, a) = fresh(5, 12);
    assert!(
        store.session("h1", i, a).await.unwrap().is_some(),
        "touched"
    );
    store.delete_session("h1").await.unwrap();
    let (i, a) = fresh(30, 12);
    assert!(
        store.session("h1", i, a).await.unwrap().is_none(),
        "logged out"
    );

    store
        .create_session(&SessionRecord {
            id_hash: "h2".into(),
            ..s.clone()
        })
        .await
        .unwrap();
    store
        .set_password(u.id, "$argon2id$new", now)
        .await
        .unwrap();
    assert!(
        store.session("h2", i, a).await.unwrap().is_none(),
        "new password ends sessions"
    );
    store
        .create_session(&SessionRecord {
            id_hash: "h3".into(),
            ..s
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .purge_sessions(now - Duration::minutes(5), now - Duration::hours(12))
            .await
            .unwrap(),
        1
    );
}

conformance!(password_reset_is_single_use_and_expires, password_reset);
async fn password_reset(store: Arc<dyn Store>) {
    let now = Utc::now();
    let u = store
        .create_user(&user("alex@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    store
        .create_password_reset("tok", u.id, now, now + Duration::hours(1))
        .await
        .unwrap();
    store
        .create_password_reset(
            "old",
            u.id,
            now - Duration::hours(2),
            now - Duration::hours(1),
        )
        .await
        .unwrap();
    store
        .create_password_reset("other", u.id, now, now + Duration::hours(1))
        .await
        .unwrap();
    store
        .create_session(&SessionRecord {
            id_hash: "s".into(),
            user_id: u.id,
            created_at: now,
            last_seen_at: now,
        })
        .await
        .unwrap();
    assert_eq!(
        store.password_reset_user("tok", now).await.unwrap(),
        Some(u.id)
    );
    assert_eq!(
        store.password_reset_user("old", now).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store.reset_password("old", "$new", now).await.unwrap(),
        None
    );
    assert_eq!(
        store.reset_password("tok", "$new", now).await.unwrap(),
        Some(u.id)
    );
    assert_eq!(
        store.reset_password("tok", "$again", now).await.unwrap(),
        None,
        "single use"
    );
    assert_eq!(
        store.reset_password("other", "$again", now).await.unwrap(),
        None,
        "siblings die too"
    );
    let after = store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(after.password_hash, "$new");
    let day = now - Duration::days(1);
    assert!(store.session("s", day, day).await.unwrap().is_none());
}

conformance!(network_email_verification, email_verification);
async fn email_verification(store: Arc<dyn Store>) {
    let now = Utc::now();
    let id = member(&store, "nouvelle@exemple.fr", false).await;
    assert!(!store.user_by_id(id).await.unwrap().unwrap().email_verified);
    store
        .create_email_verification(id, "h1", now, now + Duration::hours(48))
        .await
        .unwrap();
    store
        .create_email_verification(
            id,
            "old",
            now - Duration::hours(50),
            now - Duration::hours(2),
        )
        .await
        .unwrap();
    assert_eq!(store.verify_email("nope", now).await.unwrap(), None);
    assert_eq!(
        store.verify_email("old", now).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(store.verify_email("h1", now).await.unwrap(), Some(id));
    assert_eq!(
        store.verify_email("h1", now).await.unwrap(),
        None,
        "single use"
    );
    assert!(store.user_by_id(id).await.unwrap().unwrap().email_verified);
    // Never-verified accounts are purged; verified ones stay.
    let lost = member(&store, "perdue@exemple.fr", false).await;
    assert_eq!(
        store
            .purge_unverified(now + Duration::days(8))
            .await
            .unwrap(),
        1
    );
    assert!(store.user_by_id(lost).await.unwrap().is_none());
    assert!(store.user_by_id(id).await.unwrap().is_some());
}
