//! Webinars and events: the seed's 2019 cycle, pages, iCalendar feeds, the rule preview.

use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

/// The seed's 12 dates of 2019 (« tous les 3èmes jeudis du mois à 13 heures »).
const SEED_2019: [&str; 12] = [
    "2019-01-17T13:00:00+01:00",
    "2019-02-21T13:00:00+01:00",
    "2019-03-21T13:00:00+01:00",
    "2019-04-18T13:00:00+02:00",
    "2019-05-16T13:00:00+02:00",
    "2019-06-20T13:00:00+02:00",
    "2019-07-18T13:00:00+02:00",
    "2019-08-22T13:00:00+02:00",
    "2019-09-19T13:00:00+02:00",
    "2019-10-17T13:00:00+02:00",
    "2019-11-21T13:00:00+01:00",
    "2019-12-19T13:00:00+01:00",
];

both_databases!(the_2019_cycle_pages_and_calendars, cycle);
async fn cycle(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let all = store
        .events(None, None, None, Some("webinaires-mensuels"))
        .await
        .unwrap();
    assert_eq!(all.len(), 12);
    let w = app.get("/webinaires").await;
    assert_eq!(w.status, StatusCode::OK);
    assert!(
        w.body
            .contains("Favoriser l&#39;engagement de l&#39;entreprise")
            || w.body.contains("Favoriser l'engagement de l'entreprise")
    );
    assert!(
        w.body
            .contains("jeudi 22 août 2019, 13 h 00 – 14 h 00 (heure de Paris)"),
        "the seed's August shift"
    );
    assert!(w.body.contains("3e jeudi"), "the rule in words");
    let e = app.get("/evenements/webinaire-2019-08-22").await;
    assert_eq!(e.status, StatusCode::OK);
    assert!(e.body.contains("\"@type\":\"Event\""));
    assert!(e
        .body
        .contains("\"startDate\":\"2019-08-22T13:00:00+02:00\""));
    assert_eq!(
        app.get("/evenements/absent").await.status,
        StatusCode::NOT_FOUND
    );
    let list = app.get("/evenements?type=webinaire").await;
    assert!(list.body.contains("/evenements/webinaire-2019-01-17"));

    for path in [
        "/evenements/calendrier.ics",
        "/evenements/series/webinaires-mensuels/calendrier.ics",
        "/evenements/webinaire-2019-08-22/calendrier.ics",
    ] {
        let ics = app.get(path).await;
        assert_eq!(ics.status, StatusCode::OK, "{path}");
        assert!(
            ics.header("content-type").starts_with("text/calendar"),
            "{path}"
        );
        assert!(
            ics.body.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris"),
            "{path}"
        );
        assert!(
            ics.body
                .contains("DTSTART;TZID=Europe/Paris:20190822T130000"),
            "{path}"
        );
        assert!(ics.body.lines().all(|l| l.len() <= 76), "folded");
    }
    assert_eq!(
        app.get("/evenements/series/absente/calendrier.ics")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

both_databases!(series_rule_preview, preview);
async fn preview(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let r = app
        .get("/api/v1/series/webinaires-mensuels/occurrences?from=2019-01-01&to=2019-12-31")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let got: Vec<&str> = v["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(got, SEED_2019);
    for bad in [
        "from=2019-13-01&to=2019-12-31",
        "from=2019-12-31&to=2019-01-01",
        "from=2019-01-01",
    ] {
        let r = app
            .get(&format!(
                "/api/v1/series/webinaires-mensuels/occurrences?{bad}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        app.get("/api/v1/series/absente/occurrences?from=2019-01-01&to=2019-02-01")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let events: serde_json::Value = serde_json::from_str(
        &app.get("/api/v1/events?from=2019-08-01&to=2019-08-31&kind=webinaire")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert_eq!(events[0]["slug"], "webinaire-2019-08-22");
    assert_eq!(
        app.get("/api/v1/events?kind=fete").await.status,
        StatusCode::BAD_REQUEST
    );
    app.stop().await;
}
