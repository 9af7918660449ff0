//! The animators' side of accounts: the searched and paged list of accounts, what waits
//! moderation, how each moderator hears of it, the daily digest claimed once a day.

use crate::fixtures::profile_fields;
use crate::user;
use catalyse_core::network::{Subject, Visibility};
use catalyse_core::{ModerationMail, Role};
use catalyse_store::both_databases as conformance;
use catalyse_store::{ModerationCounts, Store, UserSearch};
use chrono::{Duration, Utc};
use std::sync::Arc;

conformance!(accounts_are_searched_and_paged_by_the_database, search);
async fn search(store: Arc<dyn Store>) {
    let now = Utc::now();
    for i in 0..7 {
        let mut u = user(&format!("membre{i}@exemple.fr"), Role::Member);
        u.display_name = format!("Camille {i}");
        store.create_user(&u, now).await.unwrap();
    }
    let mut odd = user("a_b%c@exemple.fr", Role::Moderator);
    odd.display_name = "Dominique Lefèvre".into();
    store.create_user(&odd, now).await.unwrap();
    store
        .create_user(&user("admin@autre.org", Role::Admin), now)
        .await
        .unwrap();

    let all = store
        .search_users(&UserSearch::default(), 1, 50)
        .await
        .unwrap();
    assert_eq!(all.total, 9);
    // Contains, ignoring case, in the name or the address; paged 3 a page, by address.
    let q = UserSearch {
        text: "CAMILLE".into(),
        role: None,
    };
    let p1 = store.search_users(&q, 1, 3).await.unwrap();
    assert_eq!((p1.total, p1.items.len(), p1.pages()), (7, 3, 3));
    assert_eq!(p1.items[0].email.as_str(), "membre0@exemple.fr");
    let p3 = store.search_users(&q, 3, 3).await.unwrap();
    assert_eq!(p3.items.len(), 1);
    assert_eq!(p3.items[0].email.as_str(), "membre6@exemple.fr");
    let by_mail = UserSearch {
        text: "autre.org".into(),
        role: None,
    };
    let found = store.search_users(&by_mail, 1, 50).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].role, Role::Admin);
    // LIKE's wildcards are taken as typed: « _ » and « % » match themselves only.
    for (text, n) in [("a_b%", 1), ("_", 1), ("%", 1), ("membre_", 0)] {
        let q = UserSearch {
            text: text.into(),
            role: None,
        };
        assert_eq!(
            store.search_users(&q, 1, 50).await.unwrap().total,
            n,
            "{text}"
        );
    }
    // The role filter, alone and with text.
    let mods = UserSearch {
        text: String::new(),
        role: Some(Role::Moderator),
    };
    let m = store.search_users(&mods, 1, 50).await.unwrap();
    assert_eq!(m.total, 1);
    assert_eq!(m.items[0].display_name, "Dominique Lefèvre");
    let none = UserSearch {
        text: "camille".into(),
        role: Some(Role::Admin),
    };
    assert_eq!(store.search_users(&none, 1, 50).await.unwrap().total, 0);
    // The latest accounts first.
    let recent = store.recent_users(2).await.unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[0].email.as_str(), "admin@autre.org");
}

conformance!(moderators_counts_preferences_and_digests, moderators);
async fn moderators(store: Arc<dyn Store>) {
    let now = Utc::now();
    assert_eq!(
        store.moderation_counts().await.unwrap(),
        ModerationCounts::default()
    );
    let member = store
        .create_user(&user("camille@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    let moderator = store
        .create_user(&user("anim@exemple.fr", Role::Moderator), now)
        .await
        .unwrap();
    let admin = store
        .create_user(&user("admin@exemple.fr", Role::Admin), now)
        .await
        .unwrap();
    store
        .submit_profile(
            member.id,
            &profile_fields("Camille"),
            Visibility::Public,
            Some(now),
            now,
        )
        .await
        .unwrap();
    store
        .create_report(
            Some(member.id),
            Subject::Member,
            admin.id,
            "Propos déplacés",
            now,
        )
        .await
        .unwrap();
    let c = store.moderation_counts().await.unwrap();
    assert_eq!((c.profiles, c.places, c.reports, c.total()), (1, 0, 1, 2));

    // Daily by default; only moderators and administrators are chosen.
    assert_eq!(moderator.moderation_mail, ModerationMail::Daily);
    let daily = store
        .moderators_choosing(ModerationMail::Daily)
        .await
        .unwrap();
    let ids: Vec<i64> = daily.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![moderator.id, admin.id]);
    store
        .set_moderation_mail(moderator.id, ModerationMail::Immediate)
        .await
        .unwrap();
    store
        .set_moderation_mail(admin.id, ModerationMail::Never)
        .await
        .unwrap();
    let back = store.user_by_id(moderator.id).await.unwrap().unwrap();
    assert_eq!(back.moderation_mail, ModerationMail::Immediate);
    let now_immediate = store
        .moderators_choosing(ModerationMail::Immediate)
        .await
        .unwrap();
    assert_eq!(now_immediate.len(), 1);
    assert!(store
        .moderators_choosing(ModerationMail::Daily)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .set_moderation_mail(9999, ModerationMail::Never)
        .await
        .is_err());

    // A digest is claimed once a day; a released claim can be taken again.
    let today = now.format("%Y-%m-%d").to_string();
    let tomorrow = (now + Duration::days(1)).format("%Y-%m-%d").to_string();
    assert!(store.claim_digest(admin.id, &today).await.unwrap());
    assert!(!store.claim_digest(admin.id, &today).await.unwrap());
    store.release_digest(admin.id, &today).await.unwrap();
    assert!(store.claim_digest(admin.id, &today).await.unwrap());
    assert!(store.claim_digest(admin.id, &tomorrow).await.unwrap());
    assert!(!store.claim_digest(admin.id, &tomorrow).await.unwrap());
}
