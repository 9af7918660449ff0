//! Events and series: loading by checksum, windows, kinds and series.

use crate::fixtures::event;
use catalyse_core::agenda::{EventKind, EventStatus, Series};
use catalyse_store::both_databases as conformance;
use catalyse_store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// An instant written in a test.
pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

conformance!(events_load_and_list, events);
async fn events(store: Arc<dyn Store>) {
    let now = Utc::now();
    let series = Series {
        slug: "cycle".into(),
        title: "Cycle".into(),
        description: String::new(),
        kind: EventKind::Webinaire,
        rule: "le 3e jeudi".into(),
    };
    let list = vec![
        event(
            "a",
            at("2019-01-17T12:00:00Z"),
            EventKind::Webinaire,
            Some("cycle"),
        ),
        event(
            "b",
            at("2019-08-22T11:00:00Z"),
            EventKind::Webinaire,
            Some("cycle"),
        ),
        event("c", at("2019-10-01T08:00:00Z"), EventKind::Rencontre, None),
    ];
    assert!(store
        .load_events("test", "v1", std::slice::from_ref(&series), &list, now)
        .await
        .unwrap());
    assert!(!store
        .load_events("test", "v1", std::slice::from_ref(&series), &list, now)
        .await
        .unwrap());
    // A new version adds what is missing and keeps what is there.
    let mut more = list.clone();
    more.push(event(
        "d",
        at("2020-01-16T12:00:00Z"),
        EventKind::Webinaire,
        Some("cycle"),
    ));
    assert!(store
        .load_events("test", "v2", &[series], &more, now)
        .await
        .unwrap());
    let all = store.events(None, None, None, None).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c", "d"]
    );
    let b = store.event("b").await.unwrap().unwrap();
    assert_eq!(b.starts_at, at("2019-08-22T11:00:00Z"));
    assert_eq!(b.series.as_deref(), Some("cycle"));
    assert_eq!(b.speakers, vec!["Une intervenante"]);
    assert_eq!(b.capacity, Some(100));
    assert_eq!(store.event_by_id(b.id).await.unwrap().unwrap().slug, "b");
    assert!(store.event_by_id(-1).await.unwrap().is_none());
    let window = store
        .events(
            Some(at("2019-02-01T00:00:00Z")),
            Some(at("2019-12-31T00:00:00Z")),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(window.len(), 2);
    let meetings = store
        .events(None, None, Some(EventKind::Rencontre), None)
        .await
        .unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(
        store
            .events(None, None, None, Some("cycle"))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        store.series("cycle").await.unwrap().unwrap().rule,
        "le 3e jeudi"
    );
    assert!(store.series("absente").await.unwrap().is_none());
    assert!(store.event("absent").await.unwrap().is_none());
}

pub(crate) fn newcomer(i: usize, pending: bool) -> catalyse_store::NewRegistration {
    catalyse_store::NewRegistration {
        user_id: None,
        name: format!("Personne {i}"),
        email: format!("p{i}@example.org"),
        organisation: String::new(),
        territory: String::new(),
        token_hash: format!("{i:064x}"),
        pending,
    }
}

/// Claims the hour-before reminders due at `now` (events starting within the hour).
async fn claim_hour_before(
    store: &Arc<dyn Store>,
    now: DateTime<Utc>,
) -> Vec<catalyse_store::Registration> {
    store
        .claim_reminders(
            catalyse_store::Reminder::HourBefore,
            now,
            chrono::Duration::zero(),
            chrono::Duration::hours(1),
        )
        .await
        .unwrap()
}

conformance!(registrations_respect_capacity_under_load, capacity);
async fn capacity(store: Arc<dyn Store>) {
    use catalyse_store::{RegistrationStatus, Reminder};
    let now = Utc::now();
    let soon = now + chrono::Duration::minutes(30);
    let mut e = event("atelier", soon, EventKind::Atelier, None);
    e.capacity = Some(100);
    store
        .load_events("cap", "v1", &[], &[e], now)
        .await
        .unwrap();
    let id = store.event("atelier").await.unwrap().unwrap().id;
    // 200 people at once for 100 seats.
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.register(id, &newcomer(i, false), Utc::now()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let all = store.registrations(id).await.unwrap();
    let count = |s: RegistrationStatus| all.iter().filter(|r| r.status == s).count();
    assert_eq!(
        count(RegistrationStatus::Confirmed),
        100,
        "exactly the capacity"
    );
    assert_eq!(count(RegistrationStatus::Waiting), 100);
    // The same address twice is refused.
    let again = store.register(id, &newcomer(0, false), now).await;
    assert!(
        matches!(
            again,
            Err(catalyse_store::StoreError::Conflict { field: "email", .. })
        ),
        "{again:?}"
    );
    // A cancellation gives the seat to the first on the waiting list.
    let first = all
        .iter()
        .find(|r| r.status == RegistrationStatus::Confirmed)
        .unwrap();
    let token = format!(
        "{:064x}",
        first
            .email
            .trim_start_matches('p')
            .trim_end_matches("@example.org")
            .parse::<usize>()
            .unwrap()
    );
    let first_waiting = all
        .iter()
        .find(|r| r.status == RegistrationStatus::Waiting)
        .unwrap();
    let (cancelled, promoted) = store.cancel_registration(&token, now).await.unwrap();
    assert_eq!(cancelled.status, RegistrationStatus::Cancelled);
    assert_eq!(promoted.unwrap().id, first_waiting.id);
    let all = store.registrations(id).await.unwrap();
    assert_eq!(
        all.iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .count(),
        100
    );
    // Cancelling twice changes nothing more.
    assert!(store
        .cancel_registration(&token, now)
        .await
        .unwrap()
        .1
        .is_none());
    // A visitor waits for her confirmation, then joins the waiting list (the event is full).
    let v = store.register(id, &newcomer(500, true), now).await.unwrap();
    assert_eq!(v.status, RegistrationStatus::Pending);
    let v = store
        .confirm_registration(&format!("{:064x}", 500), now)
        .await
        .unwrap();
    assert_eq!(v.status, RegistrationStatus::Waiting);
    // Reminders: claimed once, even when asked twice; a released claim comes back.
    let claimed = claim_hour_before(&store, now).await;
    assert_eq!(claimed.len(), 100);
    assert!(claim_hour_before(&store, now).await.is_empty());
    store
        .release_reminder(claimed[0].id, Reminder::HourBefore)
        .await
        .unwrap();
    assert_eq!(claim_hour_before(&store, now).await.len(), 1);
    // The day-before reminder is for events more than an hour away: not this one.
    assert!(store
        .claim_reminders(
            Reminder::DayBefore,
            now,
            chrono::Duration::hours(1),
            chrono::Duration::hours(24)
        )
        .await
        .unwrap()
        .is_empty());
}

conformance!(events_edits_attendance_and_planning, edits);
async fn edits(store: Arc<dyn Store>) {
    use catalyse_store::RegistrationStatus;
    let now = Utc::now();
    let e = event(
        "atelier",
        at("2030-01-17T12:00:00Z"),
        EventKind::Atelier,
        None,
    );
    assert_eq!(
        store
            .add_events(std::slice::from_ref(&e), now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.add_events(&[e], now).await.unwrap(), 0, "slug taken");
    let mut e = store.event("atelier").await.unwrap().unwrap();
    e.title = "Atelier renommé".into();
    e.capacity = Some(2);
    e.status = EventStatus::Cancelled;
    e.replay_url = Some("https://peertube.example.org/w/abc".into());
    e.registration_opens = Some(at("2030-01-01T08:00:00Z"));
    e.registration_closes = Some(at("2030-01-16T22:59:00Z"));
    let saved = store.update_event(&e, now).await.unwrap();
    assert_eq!(saved.title, "Atelier renommé");
    assert_eq!(
        (saved.registration_opens, saved.registration_closes),
        (e.registration_opens, e.registration_closes),
        "the registration window reads back as written"
    );
    assert_eq!(saved.starts_at, at("2030-01-17T12:00:00Z"));
    assert_eq!(saved.status, EventStatus::Cancelled);
    assert_eq!(
        saved.replay_url.as_deref(),
        Some("https://peertube.example.org/w/abc")
    );
    let mut missing = e.clone();
    missing.slug = "absent".into();
    assert!(store.update_event(&missing, now).await.is_err());
    let ids: Vec<i64> = {
        let mut ids = vec![];
        for i in 0..2 {
            let r = store
                .register(saved.id, &newcomer(i, false), now)
                .await
                .unwrap();
            assert_eq!(r.status, RegistrationStatus::Confirmed);
            ids.push(r.id);
        }
        ids
    };
    store.set_attendance(saved.id, &ids[..1]).await.unwrap();
    let regs = store.registrations(saved.id).await.unwrap();
    assert!(regs[0].attended);
    assert!(!regs[1].attended);
}

conformance!(
    registrations_a_member_takes_over_an_unconfirmed_one,
    takeover
);
async fn takeover(store: Arc<dyn Store>) {
    use catalyse_store::{NewUser, RegistrationStatus, StoreError};
    let now = Utc::now();
    let soon = now + chrono::Duration::minutes(30);
    let mut e = event("atelier", soon, EventKind::Atelier, None);
    e.capacity = Some(1);
    store.load_events("t", "v1", &[], &[e], now).await.unwrap();
    let id = store.event("atelier").await.unwrap().unwrap().id;
    let user = store
        .create_user(
            &NewUser {
                email: catalyse_core::Email::parse("p1@example.org").unwrap(),
                display_name: "Personne Une".into(),
                role: catalyse_core::Role::Member,
                password_hash: "$argon2id$fake".into(),
                is_example: false,
                email_verified: true,
            },
            now,
        )
        .await
        .unwrap();
    // Someone registers her address as a visitor, with a name of theirs, and never confirms.
    let visitor = catalyse_store::NewRegistration {
        name: "Usurpatrice".into(),
        organisation: "=HYPERLINK(\"x\")".into(),
        ..newcomer(1, true)
    };
    store.register(id, &visitor, now).await.unwrap();
    // A visitor again: still a conflict (the page answers as for a new one).
    assert!(matches!(
        store.register(id, &newcomer(1, true), now).await,
        Err(StoreError::Conflict { field: "email", .. })
    ));
    // She registers as a member: the seat is hers, as herself, under the same link.
    let mine = catalyse_store::NewRegistration {
        user_id: Some(user.id),
        name: "Personne Une".into(),
        ..newcomer(1, false)
    };
    let r = store.register(id, &mine, now).await.unwrap();
    assert_eq!(r.status, RegistrationStatus::Confirmed);
    assert_eq!(
        (r.user_id, r.name.as_str(), r.organisation.as_str()),
        (Some(user.id), "Personne Une", "")
    );
    let all = store.registrations(id).await.unwrap();
    assert_eq!(all, vec![r.clone()]);
    assert_eq!(
        store
            .registration_by_token(&newcomer(1, false).token_hash)
            .await
            .unwrap(),
        Some(r)
    );
    // A confirmed registration is never taken over.
    assert!(matches!(
        store.register(id, &mine, now).await,
        Err(StoreError::Conflict { field: "email", .. })
    ));
}

conformance!(
    events_an_unreadable_instant_is_corrupt,
    unreadable_instant,
    with_url
);
async fn unreadable_instant(store: Arc<dyn Store>, url: String) {
    use sqlx::Connection;
    let e = event(
        "atelier",
        at("2030-01-17T12:00:00Z"),
        EventKind::Atelier,
        None,
    );
    store.add_events(&[e], Utc::now()).await.unwrap();
    // Seconds that no instant has: what a damaged or hand-edited database could hold.
    let sql = "UPDATE events SET starts_at = 9223372036854775807 WHERE slug = 'atelier'";
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    match store.event("atelier").await {
        Err(catalyse_store::StoreError::Corrupt(m)) => assert!(m.contains("starts_at"), "{m}"),
        other => panic!("read as {other:?}, not Corrupt"),
    }
}
