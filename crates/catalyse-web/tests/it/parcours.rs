//! Parcours: the public page and the members' view, progress that moves with attendance,
//! deliverables and modules, cohorts kept apart, deliverables refused without a trace, the
//! calendar and the API.

use crate::fixtures::event;
use crate::resources::stored_files;
use crate::TestApp;
use catalyse_core::agenda::EventKind;
use catalyse_core::network::TerritoryRef;
use catalyse_core::parcours::{CohortFields, CohortRole, DeliverableFields};
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, Store};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

struct Cohort {
    id: i64,
    team: i64,
    deliverable: i64,
    past: i64,
    next: i64,
}

fn commune(code: &str) -> TerritoryRef {
    TerritoryRef {
        level: TerritoryLevel::Commune,
        code: code.into(),
    }
}

/// A cohort `slug` with a team in Saint-Étienne, a session held yesterday and one next week,
/// a deliverable, and `people` enrolled in the team.
async fn cohort(store: &dyn Store, slug: &str, people: &[i64]) -> Cohort {
    let now = Utc::now();
    let c = store
        .create_cohort(
            &CohortFields {
                slug: slug.into(),
                title: format!("Cohorte {slug}"),
                summary: "Neuf mois entre pairs.".into(),
                description: "## Déroulé\n\nDes temps **collectifs**.".into(),
                starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                ends_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
                // A shipped module of the kit, and one the kit does not have (left out).
                modules: vec!["metier-catalyseur".into(), "inconnu".into()],
            },
            false,
            now,
        )
        .await
        .unwrap();
    let team = store
        .add_team(c.id, "Équipe stéphanoise", &commune("42218"))
        .await
        .unwrap();
    for p in people {
        store
            .enrol(c.id, *p, CohortRole::Participant, Some(team.id), now)
            .await
            .unwrap();
    }
    let past = event(
        &format!("{slug}-1"),
        now - Duration::days(1),
        EventKind::TempsCollectif,
        None,
    );
    let next = event(
        &format!("{slug}-2"),
        now + Duration::days(7),
        EventKind::CoDeveloppement,
        None,
    );
    let past = store.add_session(c.id, &past, 1, now).await.unwrap();
    let next = store.add_session(c.id, &next, 2, now).await.unwrap();
    let d = store
        .add_deliverable(
            c.id,
            &DeliverableFields {
                title: "Portrait de territoire".into(),
                description: "Deux pages.".into(),
                step: 1,
                due_on: None,
            },
        )
        .await
        .unwrap();
    Cohort {
        id: c.id,
        team: team.id,
        deliverable: d.id,
        past: past.event.id,
        next: next.event.id,
    }
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

both_databases!(
    parcours_progress_moves_and_cohorts_stay_apart,
    progress_and_privacy
);
async fn progress_and_privacy(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let other = app
        .user("zoe@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let c = cohort(store.as_ref(), "printemps", &[ana.id]).await;
    let o = cohort(store.as_ref(), "automne", &[other.id]).await;

    // A visitor sees the public page: what it is, the territories, the calendar; not the
    // people nor the deliverables.
    let page = app.get("/parcours/printemps").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Saint-Étienne"));
    assert!(page.body.contains("printemps-2"));
    assert!(page.body.contains("<strong>collectifs</strong>"));
    assert!(!page.body.contains("Test ana@exemple.fr"));
    assert!(!page.body.contains("Portrait de territoire"));
    assert!(app
        .get("/parcours")
        .await
        .body
        .contains("Cohorte printemps"));
    assert_eq!(app.get("/mon-parcours").await.status, StatusCode::SEE_OTHER);

    // Ana: nothing done yet.
    app.login("ana@exemple.fr", crate::TEST_PASSWORD).await;
    let mine = app.get("/mon-parcours").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("value=\"0\""), "{}", mine.body);
    assert!(
        mine.body.contains("/evenements/printemps-2"),
        "the next session is to do"
    );
    assert!(
        !mine.body.contains("/evenements/printemps-1"),
        "a missed one is not"
    );
    let page = app.get("/parcours/printemps").await;
    assert!(
        page.body.contains("Test ana@exemple.fr"),
        "the members' view"
    );
    assert!(page.body.contains("Portrait de territoire"));

    // Attendance (as the events' page or the animators' table mark it) and a hand-in.
    store
        .set_member_attendance(c.past, ana.id, true, Utc::now())
        .await
        .unwrap();
    let r = app
        .post_multipart(
            "/parcours/printemps",
            &format!("/parcours/printemps/livrables/{}", c.deliverable),
            &[],
            Some(("file", "portrait.pdf", pdf())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = app.get("/mon-parcours").await;
    // 2 of 4: one session of two, the deliverable, not the module yet.
    assert!(mine.body.contains("value=\"50\""), "{}", mine.body);
    assert!(mine.body.contains("/formation/metier-catalyseur"));
    assert!(!mine.body.contains("/formation/inconnu"));
    // The kit's module, every unit done.
    let module = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    for u in &module.module.units {
        store
            .complete_formation_unit(ana.id, "metier-catalyseur", &u.key, None, Utc::now())
            .await
            .unwrap();
    }
    let mine = app.get("/mon-parcours").await;
    assert!(mine.body.contains("value=\"75\""), "{}", mine.body);
    assert!(!mine.body.contains("/formation/metier-catalyseur\""));
    let subs = store.submissions(c.id).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].team_id, c.team);
    let file = format!("/parcours/printemps/remises/{}", subs[0].id);
    let got = app.get(&file).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.header("cache-control").contains("private"));

    // Zoe, of another cohort, sees only the public part of this one, and not its files.
    app.forget_cookies();
    app.login("zoe@exemple.fr", crate::TEST_PASSWORD).await;
    let page = app.get("/parcours/printemps").await;
    assert!(!page.body.contains("Portrait de territoire"));
    assert!(!page.body.contains("Test ana@exemple.fr"));
    assert_eq!(app.get(&file).await.status, StatusCode::NOT_FOUND);
    let r = app
        .post_multipart(
            "/parcours/automne",
            &format!("/parcours/printemps/livrables/{}", c.deliverable),
            &[("link", "https://exemple.fr/x")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nor may she hand in her own cohort's deliverable under another cohort's address.
    let r = app
        .post_multipart(
            "/parcours/automne",
            &format!("/parcours/automne/livrables/{}", c.deliverable),
            &[("link", "https://exemple.fr/x")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(store.submissions(o.id).await.unwrap().is_empty());
    // The file of her own cohort's submission is not reachable through this cohort either.
    let mine = app.get("/mon-parcours").await;
    assert!(mine.body.contains("Cohorte automne"));
    assert!(!mine.body.contains("Cohorte printemps"));
    let _ = o.next;
    app.stop().await;
}

both_databases!(parcours_bad_deliverables_leave_nothing, bad_deliverables);
async fn bad_deliverables(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store.clone(), |c| c.upload_max_mb = 1).await;
    let ana = app
        .user("ana@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let c = cohort(store.as_ref(), "printemps", &[ana.id]).await;
    app.login("ana@exemple.fr", crate::TEST_PASSWORD).await;
    let page = "/parcours/printemps";
    let action = format!("/parcours/printemps/livrables/{}", c.deliverable);
    struct Case<'a> {
        fields: &'a [(&'a str, &'a str)],
        file: Option<(&'a str, &'a str, Vec<u8>)>,
        message: &'a str,
    }
    let case = |fields, file, message| Case {
        fields,
        file,
        message,
    };
    let cases = vec![
        case(
            &[],
            Some(("file", "x.exe", b"MZ\x90\x00 un programme".to_vec())),
            "type accepté",
        ),
        case(&[], Some(("file", "vide.pdf", vec![])), "est vide"),
        case(&[], None, "Choisissez un fichier ou indiquez un lien"),
        case(
            &[("link", "javascript:alert(1)")],
            None,
            "adresse web complète",
        ),
        case(
            &[("link", "https://exemple.fr")],
            Some(("file", "p.pdf", pdf())),
            "pas les deux",
        ),
    ];
    for Case {
        fields,
        file,
        message,
    } in cases
    {
        let r = app.post_multipart(page, &action, fields, file).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    let mut big = pdf();
    big.resize(1_500_000, b'x');
    let r = app
        .post_multipart(page, &action, &[], Some(("file", "gros.pdf", big)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("1 Mo"), "{}", r.body);
    // Cut off in the middle of the file.
    let csrf = app.get(page).await.field("csrf");
    let body = format!(
        "--XyZ\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --XyZ\r\ncontent-disposition: form-data; name=\"file\"; filename=\"c.pdf\"\r\n\
         content-type: application/pdf\r\n\r\n%PDF-1.4 le début seulement"
    );
    let cookies = format!(
        "__Host-session={}; __Host-csrf={}",
        app.cookie("__Host-session").unwrap(),
        app.cookie("__Host-csrf").unwrap()
    );
    let r = reqwest::Client::new()
        .post(format!("{}{action}", app.base))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .header("cookie", cookies)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("pas arrivé en entier"));
    assert!(store.submissions(c.id).await.unwrap().is_empty());
    assert_eq!(stored_files(&app), 0);
    // A link is fine.
    let r = app
        .post_multipart(
            page,
            &action,
            &[("link", "https://exemple.fr/portrait")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(store.submissions(c.id).await.unwrap().len(), 1);
    app.stop().await;
}

both_databases!(parcours_calendar_and_api, calendar_and_api);
async fn calendar_and_api(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    cohort(store.as_ref(), "printemps", &[ana.id]).await;
    let ics = app.get("/parcours/printemps/calendrier.ics").await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(ics.header("content-type").starts_with("text/calendar"));
    assert_eq!(ics.body.matches("BEGIN:VEVENT").count(), 2);
    let list: serde_json::Value =
        serde_json::from_str(&app.get("/api/v1/cohorts").await.body).unwrap();
    assert_eq!(list[0]["slug"], "printemps");
    assert_eq!(list[0]["teams"], 1);
    let one: serde_json::Value =
        serde_json::from_str(&app.get("/api/v1/cohorts/printemps").await.body).unwrap();
    assert_eq!(one["territories"][0]["territory_name"], "Saint-Étienne");
    assert_eq!(one["sessions"][1]["kind"], "co-developpement");
    assert_eq!(one["sessions"][0]["step"], 1);
    // The public part only: no person's name or address anywhere.
    let text = one.to_string();
    assert!(!text.contains("ana@exemple.fr") && !text.contains("Test ana"));
    assert_eq!(
        app.get("/api/v1/cohorts/inconnue").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/parcours/inconnue").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}
