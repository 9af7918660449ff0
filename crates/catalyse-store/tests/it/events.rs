//! Events and series: loading by checksum, windows, kinds and series.

use catalyse_core::agenda::{Event, EventKind, EventStatus, Series};
use catalyse_store::both_databases as conformance;
use catalyse_store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

fn event(slug: &str, start: &str, kind: EventKind, series: Option<&str>) -> Event {
    Event {
        id: 0,
        slug: slug.into(),
        series: series.map(String::from),
        kind,
        title: format!("Titre {slug}"),
        description: String::new(),
        levers: vec!["definir-sa-strategie".into()],
        themes: vec![],
        starts_at: start.into(),
        duration_minutes: 60,
        timezone: "Europe/Paris".into(),
        online_url: None,
        commune: None,
        address: None,
        speakers: vec!["Une intervenante".into()],
        capacity: Some(100),
        status: EventStatus::Scheduled,
        replay_url: None,
        resources: vec![],
        is_example: false,
        updated_at: String::new(),
    }
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
            "2019-01-17T12:00:00Z",
            EventKind::Webinaire,
            Some("cycle"),
        ),
        event(
            "b",
            "2019-08-22T11:00:00Z",
            EventKind::Webinaire,
            Some("cycle"),
        ),
        event("c", "2019-10-01T08:00:00Z", EventKind::Rencontre, None),
    ];
    assert!(store
        .load_events("test", "v1", &[series.clone()], &list, now)
        .await
        .unwrap());
    assert!(!store
        .load_events("test", "v1", &[series.clone()], &list, now)
        .await
        .unwrap());
    // A new version adds what is missing and keeps what is there.
    let mut more = list.clone();
    more.push(event(
        "d",
        "2020-01-16T12:00:00Z",
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
    assert_eq!(b.starts_at, "2019-08-22T11:00:00Z");
    assert_eq!(b.series.as_deref(), Some("cycle"));
    assert_eq!(b.speakers, vec!["Une intervenante"]);
    assert_eq!(b.capacity, Some(100));
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let window = store
        .events(
            Some(t("2019-02-01T00:00:00Z")),
            Some(t("2019-12-31T00:00:00Z")),
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
