//! Webinars and events: the seed's 2019 cycle, pages, iCalendar feeds, the rule preview.

use crate::TestApp;
use catalyse_core::agenda::{Event, EventKind};
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
    assert!(
        e.body.contains("<time datetime=\"2019-08-22T11:00:00Z\">"),
        "the start as a machine-readable instant"
    );
    assert_eq!(
        app.get("/evenements/absent").await.status,
        StatusCode::NOT_FOUND
    );
    let lever = app.get("/leviers/apprendre-a-faire-alliance").await;
    assert!(
        lever.body.contains("/evenements/webinaire-2019-08-22"),
        "lever pages link their webinars"
    );
    assert!(app
        .get("/programme")
        .await
        .body
        .contains("href=\"/webinaires\""));
    let feed = app.get("/evenements/flux.atom").await;
    assert!(feed
        .header("content-type")
        .starts_with("application/atom+xml"));
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
    let reversed = app
        .get("/api/v1/series/webinaires-mensuels/occurrences?from=2019-12-31&to=2019-01-01")
        .await;
    assert!(
        reversed.body.contains("\"occurrences\":[]"),
        "{}",
        reversed.body
    );
    for bad in ["from=2019-13-01&to=2019-12-31", "from=2019-01-01"] {
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
    // Instants as the API has always written them: RFC 3339, UTC, to the second, `Z`.
    assert_eq!(events[0]["starts_at"], "2019-08-22T11:00:00Z");
    assert!(events[0]["registration_closes"].is_null());
    let updated = events[0]["updated_at"].as_str().unwrap();
    assert!(
        updated.len() == 20
            && updated.ends_with('Z')
            && updated.parse::<chrono::DateTime<chrono::Utc>>().is_ok(),
        "{updated}"
    );
    assert_eq!(
        app.get("/api/v1/events?kind=fete").await.status,
        StatusCode::BAD_REQUEST
    );
    app.stop().await;
}

/// An online workshop of 90 minutes at `starts_at`, with no lever, speaker or seat limit.
pub(crate) fn workshop(slug: &str, starts_at: chrono::DateTime<chrono::Utc>) -> Event {
    Event {
        title: "Atelier de test".into(),
        levers: vec![],
        duration_minutes: 90,
        online_url: Some("https://visio.example.org/atelier".into()),
        speakers: vec![],
        capacity: None,
        ..crate::fixtures::event(slug, starts_at, EventKind::Atelier, None)
    }
}

/// An event 30 minutes from now with `capacity` seats.
pub(crate) async fn soon(store: &Arc<dyn Store>, slug: &str, capacity: i32) {
    let now = chrono::Utc::now();
    let e = Event {
        capacity: Some(capacity),
        ..workshop(slug, now + chrono::Duration::minutes(30))
    };
    store.load_events(slug, "v1", &[], &[e], now).await.unwrap();
}

/// The registration page (`/inscriptions/…`) linked in the first mail to `email`.
fn registration_link(app: &TestApp, email: &str) -> String {
    let mail = app
        .outbox()
        .into_iter()
        .find(|m| m.contains(email))
        .unwrap();
    let unfolded = mail.replace("=\r\n", "").replace("=\n", "");
    let link = unfolded
        .split("/inscriptions/")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| c.is_whitespace()).next())
        .unwrap()
        .to_string();
    format!("/inscriptions/{link}")
}

both_databases!(registration_waiting_list_and_reminders, registration);
async fn registration(store: Arc<dyn Store>) {
    use catalyse_core::Role;
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-test", 1).await;
    // A member takes the only seat in one click and gets the event as an .ics file.
    app.sign_in_as("membre@example.org", Role::Member).await;
    let page = app.get("/evenements/atelier-test").await;
    assert!(
        page.body.contains("M&#39;inscrire en un clic")
            || page.body.contains("M'inscrire en un clic")
    );
    let r = app
        .post_with_csrf(
            &page.field("csrf"),
            "/evenements/atelier-test/inscription",
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Votre inscription est confirmée"));
    let mails = app.outbox();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Subject: Inscription"));
    assert!(mails[0].contains("Votre place est r=C3=A9serv=C3=A9e"));
    assert!(mails[0].contains("text/calendar"), "the .ics is attached");
    // Twice: no error, no second registration; she is shown that she is registered.
    let again = member_registers(&app, "atelier-test").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(app.outbox().len(), 1);

    // A visitor: fields checked, then a pending registration confirmed by the link.
    app.forget_cookies();
    let form = "/evenements/atelier-test/inscription";
    let bad = app
        .post_form(form, form, &[("name", ""), ("email", "pas-une-adresse")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Indiquez votre nom"));
    assert!(bad.body.contains("adresse électronique valide"));
    assert!(bad.body.contains("Cochez la case"));
    let ok = app
        .post_form(
            form,
            form,
            &[
                ("name", "Camille Visiteuse"),
                ("email", "camille@example.org"),
                ("consent", "oui"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("un courriel vient de vous être envoyé"));
    let path = registration_link(&app, "camille@example.org");
    let status = app.get(&path).await;
    assert!(
        status.body.contains("attend votre confirmation"),
        "{}",
        status.body
    );
    let r = app
        .post_with_csrf(&status.field("csrf"), &format!("{path}/confirmer"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(&path).await.body.contains("liste d&#39;attente")
            || app.get(&path).await.body.contains("liste d'attente")
    );

    // The member cancels: the visitor gets the seat, and an email saying so.
    app.sign_in_as("autre@example.org", Role::Member).await;
    let member_path = registration_link(&app, "membre@example.org");
    let csrf = app.get(&member_path).await.field("csrf");
    let r = app
        .post_with_csrf(&csrf, &format!("{member_path}/annuler"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app
        .get(&path)
        .await
        .body
        .contains("Votre place est réservée"));
    assert!(app
        .outbox()
        .iter()
        .any(|m| m.contains("camille@example.org") && m.contains("Subject: Une place s")));

    // Reminders: sent once, and not again after a restart.
    let mut config = catalyse_web::Config {
        data_dir: app.data_dir.clone(),
        demo: false,
        ..catalyse_web::Config::default()
    };
    config.bind = "127.0.0.1:0".into();
    let state = catalyse_web::boot::state(store.clone(), config.clone())
        .await
        .unwrap();
    let sent = catalyse_web::events::service::send_due_reminders(&state)
        .await
        .unwrap();
    assert_eq!(sent, 1, "the hour-before reminder to the one seat");
    assert_eq!(
        catalyse_web::events::service::send_due_reminders(&state)
            .await
            .unwrap(),
        0
    );
    drop(state);
    let restarted = catalyse_web::boot::state(store.clone(), config)
        .await
        .unwrap();
    assert_eq!(
        catalyse_web::events::service::send_due_reminders(&restarted)
            .await
            .unwrap(),
        0
    );
    assert!(app.outbox().iter().any(|m| m.contains("Subject: Rappel")));
    app.stop().await;
}

both_databases!(animators_manage_events, animators);
async fn animators(store: Arc<dyn Store>) {
    use catalyse_core::Role;
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-anim", 10).await;
    app.sign_in_as("membre@example.org", Role::Member).await;
    member_registers(&app, "atelier-anim").await;
    assert_eq!(
        app.get("/admin/evenements/atelier-anim/participants.csv")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.sign_in_as("anim@example.org", Role::Moderator).await;
    let page = app.get("/admin/evenements/atelier-anim").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("membre@example.org"));
    // Edits are checked, then saved.
    let edit = "/admin/evenements/atelier-anim";
    let bad = app
        .post_form(
            edit,
            edit,
            &[
                ("title", ""),
                ("capacity", "beaucoup"),
                ("replay_url", "peertube"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Donnez un titre"));
    assert!(bad.body.contains("nombre entier"));
    let ok = app
        .post_form(
            edit,
            edit,
            &[
                ("title", "Atelier renommé"),
                ("capacity", "20"),
                ("replay_url", "https://peertube.example.org/w/x"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(says(
        &app.get(ok.header("location")).await,
        "L'événement a été enregistré."
    ));
    let e = store.event("atelier-anim").await.unwrap().unwrap();
    assert_eq!(
        (e.title.as_str(), e.capacity),
        ("Atelier renommé", Some(20))
    );
    // Attendance and the participant list.
    let reg = store.registrations(e.id).await.unwrap()[0].clone();
    let key = format!("present_{}", reg.id);
    let r = app
        .post_form(edit, &format!("{edit}/presences"), &[(key.as_str(), "oui")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let csv = app.get(&format!("{edit}/participants.csv")).await;
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.body.contains("membre@example.org"));
    assert!(csv.body.contains(",confirmed,"));
    assert!(csv.body.trim_end().ends_with(",oui"));
    // Cancelling tells everyone registered.
    let r = app.post_form(edit, &format!("{edit}/annuler"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app
        .outbox()
        .iter()
        .map(|m| m.replace("=\r\n", "").replace("=\n", ""))
        .any(|m| m.contains("To: membre@example.org") && m.contains("est annul=C3=A9")));
    assert!(app
        .get("/evenements/atelier-anim")
        .await
        .body
        .contains("annulé"));
    // Planning next year's cycle from the rule: 12 sessions, once.
    let plan = "/admin/evenements/series/webinaires-mensuels/planifier?annee=2031";
    let page = app.get(plan).await;
    assert!(page.body.contains("jeudi 16 janvier 2031"), "{}", page.body);
    let plan_2031 = || {
        app.post_form(
            plan,
            "/admin/evenements/series/webinaires-mensuels/planifier",
            &[("annee", "2031")],
        )
    };
    let r = plan_2031().await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.header("location").ends_with("ajoutees=12"),
        "{}",
        r.header("location")
    );
    let r = plan_2031().await;
    assert!(r.header("location").ends_with("ajoutees=0"));
    app.stop().await;
}

both_databases!(registration_api_for_members, registration_api);
async fn registration_api(store: Arc<dyn Store>) {
    use catalyse_core::Role;
    use reqwest::Method;
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-api", 5).await;
    let path = "/api/v1/events/atelier-api/registrations";
    assert_eq!(
        app.request(Method::POST, path, None, &[]).await.status,
        StatusCode::FORBIDDEN,
        "not signed in"
    );
    app.sign_in_as("membre@example.org", Role::Member).await;
    assert_eq!(
        app.request(Method::POST, path, None, &[]).await.status,
        StatusCode::FORBIDDEN,
        "no CSRF header"
    );
    let token = app.cookie("__Host-csrf").unwrap();
    let header = [("x-csrf-token", token.as_str())];
    let r = app.request(Method::POST, path, None, &header).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["status"], "confirmed");
    assert_eq!(
        app.request(Method::POST, path, None, &header).await.status,
        StatusCode::CONFLICT
    );
    let r = app.request(Method::DELETE, path, None, &header).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"cancelled\""));
    assert_eq!(
        app.request(
            Method::POST,
            "/api/v1/events/absent/registrations",
            None,
            &header
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

both_databases!(animators_create_one_off_events, create_event);
async fn create_event(store: Arc<dyn Store>) {
    use catalyse_core::Role;
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("anim@example.org", Role::Moderator).await;
    let form = "/admin/evenements/nouveau";
    let bad = app
        .post_form(
            form,
            form,
            &[
                ("kind", "fete"),
                ("title", ""),
                ("date", "18/03/2031"),
                ("time", "13h"),
                ("duration", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Choisissez un type",
        "Donnez un titre",
        "AAAA-MM-JJ",
        "nombre de minutes",
    ] {
        assert!(bad.body.contains(msg), "{msg}");
    }
    let meeting = [
        ("kind", "rencontre"),
        ("title", "Rencontre annuelle des pionniers"),
        ("date", "2031-06-12"),
        ("time", "09:30"),
        ("duration", "480"),
    ];
    let details = [
        ("capacity", "300"),
        ("closes", "2031-06-01"),
        ("address", "Paris"),
    ];
    let ok = app
        .post_form(form, form, &[&meeting[..], &details].concat())
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let e = store
        .event("rencontre-annuelle-des-pionniers-2031-06-12")
        .await
        .unwrap()
        .unwrap();
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    assert_eq!(
        e.starts_at,
        at("2031-06-12T07:30:00Z"),
        "09:30 in Paris in summer"
    );
    assert_eq!(e.registration_closes, Some(at("2031-06-01T21:59:00Z")));
    let page = app
        .get("/evenements/rencontre-annuelle-des-pionniers-2031-06-12")
        .await;
    assert!(page
        .body
        .contains("jeudi 12 juin 2031, 9 h 30 – 17 h 30 (heure de Paris)"));
    let again = app.post_form(form, form, &meeting).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    app.stop().await;
}

/// Registers a visitor through the form.
async fn visitor_registers(app: &TestApp, slug: &str, fields: &[(&str, &str)]) -> crate::Answer {
    app.forget_cookies();
    let form = format!("/evenements/{slug}/inscription");
    let mut all = vec![("consent", "oui")];
    all.extend_from_slice(fields);
    app.post_form(&form, &form, &all).await
}

/// Registers the signed-in member in one click.
pub(crate) async fn member_registers(app: &TestApp, slug: &str) -> crate::Answer {
    let csrf = app.get(&format!("/evenements/{slug}")).await.field("csrf");
    app.request(
        reqwest::Method::POST,
        &format!("/evenements/{slug}/inscription"),
        Some(&[("csrf", csrf.as_str())]),
        &[],
    )
    .await
}

both_databases!(
    registration_never_tells_who_is_registered,
    registration_private
);
async fn registration_private(store: Arc<dyn Store>) {
    use crate::moderation::{mails, sign_in};
    use catalyse_core::Role;
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-prive", 10).await;
    let e = store.event("atelier-prive").await.unwrap().unwrap();
    app.user("membre@example.org", crate::TEST_PASSWORD, Role::Member)
        .await;
    sign_in(&app, "membre@example.org").await;
    assert_eq!(
        member_registers(&app, "atelier-prive").await.status,
        StatusCode::OK
    );

    // A new address, then the member's: the same answer, word for word.
    let camille = [
        ("name", "Camille Visiteuse"),
        ("email", "camille@example.org"),
    ];
    let fresh = visitor_registers(&app, "atelier-prive", &camille).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    let mails_before = app.outbox().len();
    let probe = visitor_registers(
        &app,
        "atelier-prive",
        &[("name", "Curieuse"), ("email", "membre@example.org")],
    )
    .await;
    assert_eq!(probe.status, fresh.status);
    let outcome = |body: &str| {
        body.split("role=\"status\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(outcome(&probe.body), outcome(&fresh.body));
    assert!(outcome(&fresh.body).contains("un courriel vient de vous être envoyé"));
    assert!(!probe.body.contains("déjà inscrite"), "{}", probe.body);
    // Nothing changed in her registration; she is told, the visitor's name never used.
    let regs = store.registrations(e.id).await.unwrap();
    assert_eq!(regs.len(), 2);
    let hers = regs
        .iter()
        .find(|r| r.email == "membre@example.org")
        .unwrap();
    assert_eq!(hers.name, "Test membre@example.org");
    assert_eq!(hers.status, catalyse_store::RegistrationStatus::Confirmed);
    let sent = mails(&app);
    assert_eq!(sent.len(), mails_before + 1);
    let (to, subject, body) = sent
        .iter()
        .find(|(to, s, _)| to.contains("membre@example.org") && s.contains("Votre inscription"))
        .expect("mail to the registered member");
    assert!(to.contains("membre@example.org"));
    assert!(subject.contains("Atelier de test"));
    assert!(body.contains("déjà inscrite") && body.contains("/inscriptions/"));
    assert!(!body.contains("Curieuse"));

    // An unconfirmed address asked again: the same answer, the confirmation link again.
    let again = visitor_registers(&app, "atelier-prive", &camille).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(outcome(&again.body), outcome(&fresh.body));
    assert_eq!(
        mails(&app)
            .iter()
            .filter(|(to, s, _)| to.contains("camille@example.org") && s.contains("Confirmez"))
            .count(),
        2
    );
    app.stop().await;
}

both_databases!(
    a_member_takes_over_an_unconfirmed_registration,
    registration_takeover
);
async fn registration_takeover(store: Arc<dyn Store>) {
    use crate::moderation::sign_in;
    use catalyse_core::Role;
    use catalyse_store::RegistrationStatus;
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-repris", 10).await;
    let e = store.event("atelier-repris").await.unwrap().unwrap();
    // Someone registers Alice's address, and never confirms (it is not theirs).
    let r = visitor_registers(
        &app,
        "atelier-repris",
        &[
            ("name", "Usurpatrice"),
            ("email", "Alice@Example.org"),
            ("organisation", "Pas la sienne"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let alice = app
        .user("alice@example.org", crate::TEST_PASSWORD, Role::Member)
        .await;
    sign_in(&app, "alice@example.org").await;
    let r = member_registers(&app, "atelier-repris").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Votre inscription est confirmée"),
        "{}",
        r.body
    );
    let regs = store.registrations(e.id).await.unwrap();
    assert_eq!(regs.len(), 1, "{regs:?}");
    let reg = &regs[0];
    assert_eq!(reg.user_id, Some(alice.id));
    assert_eq!(reg.status, RegistrationStatus::Confirmed);
    assert_eq!(reg.name, alice.display_name);
    assert_eq!(reg.organisation, "");
    // A confirmed registration is not taken over: it is hers already.
    assert_eq!(
        member_registers(&app, "atelier-repris").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(store.registrations(e.id).await.unwrap(), regs);
    app.stop().await;
}

both_databases!(
    visitor_fields_refuse_control_and_bidi_characters,
    registration_characters
);
async fn registration_characters(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-texte", 10).await;
    let e = store.event("atelier-texte").await.unwrap().unwrap();
    for (fields, message) in [
        (
            [
                ("name", "Camille\u{202E}etsiliv"),
                ("organisation", ""),
                ("territory", ""),
            ],
            "Le nom contient un caractère invisible",
        ),
        (
            [
                ("name", "Camille\r\nBcc: x@example.org"),
                ("organisation", ""),
                ("territory", ""),
            ],
            "Le nom contient un caractère invisible",
        ),
        (
            [
                ("name", "Camille"),
                ("organisation", "Asso\u{0}"),
                ("territory", ""),
            ],
            "L&#39;organisation contient un caractère invisible",
        ),
        (
            [
                ("name", "Camille"),
                ("organisation", "Asso"),
                ("territory", "Lyon\u{2066}x\u{2069}"),
            ],
            "Le territoire contient un caractère invisible",
        ),
        (
            [
                ("name", "Camille"),
                ("organisation", "Asso\u{1b}[31m"),
                ("territory", ""),
            ],
            "L&#39;organisation contient un caractère invisible",
        ),
    ] {
        let mut all = vec![("email", "camille@example.org")];
        all.extend_from_slice(&fields);
        let r = visitor_registers(&app, "atelier-texte", &all).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(message), "{fields:?}: {}", r.body);
    }
    assert!(store.registrations(e.id).await.unwrap().is_empty());
    assert!(app.outbox().is_empty(), "no mail written");
    app.stop().await;
}

both_databases!(csv_exports_never_run_formulas, csv_formulas);
async fn csv_formulas(store: Arc<dyn Store>) {
    use crate::moderation::{member_with_profile, profile_fields, sign_in};
    use catalyse_core::network::Visibility;
    use catalyse_core::Role;
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-csv", 10).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"Cliquez\")";
    let r = visitor_registers(
        &app,
        "atelier-csv",
        &[
            ("name", formula),
            ("email", "visiteur@example.org"),
            ("organisation", "@SUM(1+1)"),
            ("territory", "-2+3"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.user(
        "animatrice@example.org",
        crate::TEST_PASSWORD,
        Role::Moderator,
    )
    .await;
    sign_in(&app, "animatrice@example.org").await;
    let csv = app
        .get("/admin/evenements/atelier-csv/participants.csv")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(&rows[0][0], format!("'{formula}").as_str());
    assert_eq!(&rows[0][2], "'@SUM(1+1)");
    assert_eq!(&rows[0][3], "'-2+3");
    assert_eq!(&rows[0][1], "visiteur@example.org");

    // The directory's open data: what members typed, too.
    let user = member_with_profile(&app, "plus@example.org", "Plus Pionnière", false).await;
    let mut fields = profile_fields("Plus Pionnière");
    fields.organisation = "+33 1 23 45 67 89".into();
    fields.bio = "=1+1".into();
    let now = chrono::Utc::now();
    let p = store
        .submit_profile(user.id, &fields, Visibility::Public, Some(now), now)
        .await
        .unwrap();
    store
        .decide_profile(user.id, p.moderated.revision, true, "", None, now)
        .await
        .unwrap();
    app.forget_cookies();
    let csv = app.get("/reseau/membres.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[col("nom")] == "Plus Pionnière")
        .expect("the member's line");
    assert_eq!(&row[col("organisation")], "'+33 1 23 45 67 89");
    assert_eq!(&row[col("presentation")], "'=1+1");
    app.stop().await;
}

/// Signs in as a new member and returns her account and her session cookie, to switch
/// between members on one client.
async fn member(app: &TestApp, email: &str) -> (catalyse_core::User, String) {
    app.sign_in_as(email, catalyse_core::Role::Member).await;
    let user = app
        .store
        .user_by_email(&catalyse_core::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap();
    (user, app.cookie("__Host-session").unwrap())
}

/// Whether the page holds this text (apostrophes as askama escapes them, or not).
fn says(page: &crate::Answer, text: &str) -> bool {
    page.body.contains(text) || page.body.contains(&text.replace('\'', "&#39;"))
}

both_databases!(
    members_see_their_registrations_and_cancel_them,
    my_registrations
);
async fn my_registrations(store: Arc<dyn Store>) {
    use catalyse_store::RegistrationStatus;
    let app = TestApp::start(store.clone()).await;
    soon(&store, "atelier-places", 2).await;
    soon(&store, "atelier-autre", 5).await;
    let page = "/evenements/atelier-places";
    // Seats left and the way the connection link comes, for everyone.
    let anonymous = app.get(page).await;
    assert!(says(&anonymous, "2 places restantes"), "{}", anonymous.body);
    assert!(says(
        &anonymous,
        "Le lien de connexion est envoyé par courriel aux personnes qui ont une place"
    ));
    assert!(says(&app.get(page).await, "2 places restantes"), "kept");

    // Alice registers: the page says so, offers to cancel, not to register again.
    let (alice, alice_session) = member(&app, "alice@example.org").await;
    let r = member_registers(&app, "atelier-places").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = app.get(page).await;
    assert!(says(
        &mine,
        "Vous êtes inscrit·e : votre place est réservée."
    ));
    assert!(mine
        .body
        .contains("action=\"/evenements/atelier-places/inscription/annuler\""));
    assert!(!says(&mine, "M'inscrire en un clic"), "{}", mine.body);
    assert!(says(&mine, "1 place restante"));
    // A second click is no error: she is shown where she stands.
    let again = member_registers(&app, "atelier-places").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let back = again.header("location").to_string();
    assert_eq!(
        back,
        "/evenements/atelier-places?inscription=deja#inscription"
    );
    let shown = app.get(&back).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(says(&shown, "Vous êtes déjà inscrit·e à cet événement"));
    assert!(says(&shown, "votre place est réservée"));
    assert_eq!(
        store
            .registrations(store.event("atelier-places").await.unwrap().unwrap().id)
            .await
            .unwrap()
            .len(),
        1,
        "nothing written twice"
    );

    // Bob takes the last seat (and registers elsewhere too), Claire waits.
    let (_, bob_session) = member(&app, "bob@example.org").await;
    member_registers(&app, "atelier-places").await;
    member_registers(&app, "atelier-autre").await;
    let (_, claire_session) = member(&app, "claire@example.org").await;
    member_registers(&app, "atelier-places").await;
    let claire = app.get(page).await;
    assert!(says(
        &claire,
        "Vous êtes sur la liste d'attente, position 1."
    ));
    assert!(says(&claire, "Complet — liste d'attente ouverte"));

    // Two members on the same page each see their own state; a visitor sees none.
    app.set_cookie_value("__Host-session", &alice_session);
    let a = app.get(page).await;
    assert!(says(&a, "votre place est réservée") && !says(&a, "position 1"));
    app.set_cookie_value("__Host-session", &claire_session);
    let c = app.get(page).await;
    assert!(says(&c, "position 1") && !says(&c, "votre place est réservée"));
    app.forget_cookies();
    let v = app.get(page).await;
    assert!(
        !says(&v, "votre place est réservée") && !says(&v, "position 1"),
        "{}",
        v.body
    );
    assert!(v
        .body
        .contains("href=\"/evenements/atelier-places/inscription\""));
    assert!(says(&v, "Complet — liste d'attente ouverte"));

    // « Mes inscriptions »: hers (to come, then past), not Bob's.
    let past = Event {
        title: "Atelier passé".into(),
        ..workshop(
            "atelier-passe",
            chrono::Utc::now() - chrono::Duration::days(3),
        )
    };
    store
        .load_events("atelier-passe", "v1", &[], &[past], chrono::Utc::now())
        .await
        .unwrap();
    let past_id = store.event("atelier-passe").await.unwrap().unwrap().id;
    store
        .register(
            past_id,
            &catalyse_web::events::service::member_registration(&alice),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    app.set_cookie_value("__Host-session", &alice_session);
    let list = app.get("/mon-profil/inscriptions").await;
    assert_eq!(list.status, StatusCode::OK);
    let body = &list.body;
    let at = |s: &str| body.find(s).unwrap_or_else(|| panic!("{s} in {body}"));
    assert!(at("href=\"/evenements/atelier-places\"") < at("<h2>Passés</h2>"));
    assert!(at("<h2>Passés</h2>") < at("href=\"/evenements/atelier-passe\""));
    assert!(body.contains("inscrit·e"));
    assert!(body.contains("href=\"/evenements/atelier-places/calendrier.ics\""));
    assert!(body.contains("action=\"/evenements/atelier-places/inscription/annuler\""));
    assert!(!body.contains("action=\"/evenements/atelier-passe/inscription/annuler\""));
    assert!(!body.contains("atelier-autre"), "not Bob's registration");
    assert!(app
        .get("/mon-profil")
        .await
        .body
        .contains("href=\"/mon-profil/inscriptions\""));
    // Someone with none is led to the agenda; a visitor is asked to sign in.
    member(&app, "dora@example.org").await;
    let empty = app.get("/mon-profil/inscriptions").await;
    assert!(empty.body.contains("Aucune inscription à venir"));
    assert!(empty.body.contains("href=\"/evenements\""));
    assert!(!empty.body.contains("atelier-places"));
    app.forget_cookies();
    let r = app.get("/mon-profil/inscriptions").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion"));

    // Alice cancels from the page: told so, and Claire gets the seat.
    app.set_cookie_value("__Host-session", &alice_session);
    let csrf = app.get(page).await.field("csrf");
    let cancel = "/evenements/atelier-places/inscription/annuler";
    let r = app.post_with_csrf(&csrf, cancel, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let back = r.header("location").to_string();
    assert_eq!(
        back,
        "/evenements/atelier-places?inscription=annulee#inscription"
    );
    let shown = app.get(&back).await;
    assert!(says(&shown, "Votre inscription est annulée"));
    assert!(
        says(&shown, "M'inscrire en un clic"),
        "she may register again"
    );
    let e = store.event("atelier-places").await.unwrap().unwrap();
    let status_of = |regs: &[catalyse_store::Registration], email: &str| {
        regs.iter().find(|r| r.email == email).unwrap().status
    };
    let regs = store.registrations(e.id).await.unwrap();
    assert_eq!(
        status_of(&regs, "alice@example.org"),
        RegistrationStatus::Cancelled
    );
    assert_eq!(
        status_of(&regs, "claire@example.org"),
        RegistrationStatus::Confirmed
    );
    assert!(app
        .outbox()
        .iter()
        .any(|m| m.contains("claire@example.org") && m.contains("Subject: Une place s")));
    // Asked again: nothing changes, no error.
    let r = app.post_with_csrf(&csrf, cancel, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        "/evenements/atelier-places#inscription"
    );
    assert_eq!(store.registrations(e.id).await.unwrap(), regs);

    // Bob cancels from his list: back to it, and a seat is free for everyone to see.
    app.set_cookie_value("__Host-session", &bob_session);
    let list = app.get("/mon-profil/inscriptions").await;
    let r = app
        .post_with_csrf(&list.field("csrf"), cancel, &[("depuis", "liste")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        "/mon-profil/inscriptions?etat=annulee"
    );
    let list = app.get(r.header("location")).await;
    assert!(says(&list, "Votre inscription est annulée"));
    assert!(!list.body.contains("href=\"/evenements/atelier-places\""));
    assert!(list.body.contains("href=\"/evenements/atelier-autre\""));
    app.forget_cookies();
    assert!(says(&app.get(page).await, "1 place restante"));
    app.stop().await;
}

both_databases!(event_lists_stay_short, lists_stay_short);
/// However many events, the agenda pages its upcoming events and the webinars page shows the
/// nearest sessions, with a way to the rest.
async fn lists_stay_short(store: Arc<dyn Store>) {
    let levers = store.levers().await.unwrap();
    let events = catalyse_web::ops::demo::example_events(
        400,
        &levers,
        &[("42218".into(), "Saint-Étienne".into())],
        chrono::Utc::now().date_naive(),
    );
    store.add_events(&events, chrono::Utc::now()).await.unwrap();
    let app = TestApp::start(store).await;
    let agenda = app.get("/evenements").await;
    assert_eq!(agenda.status, StatusCode::OK);
    assert!(agenda
        .body
        .contains("href=\"/evenements?page=2\" rel=\"next\""));
    let second = app.get("/evenements?type=webinaire&page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        second
            .body
            .contains("href=\"/evenements?type=webinaire&amp;page=1\" rel=\"prev\"")
            || second
                .body
                .contains("href=\"/evenements?type=webinaire&#38;page=1\" rel=\"prev\"")
    );
    let webinars = app.get("/webinaires").await;
    assert!(webinars.body.contains("autres séances à venir"));
    assert!(
        webinars.body.len() < 120_000,
        "{} bytes",
        webinars.body.len()
    );
    app.stop().await;
}

both_databases!(events_read_in_english_too, english_events);
/// In English, event dates and kinds are English.
async fn english_events(store: Arc<dyn Store>) {
    let at: chrono::DateTime<chrono::Utc> = "2031-01-16T12:00:00Z".parse().unwrap();
    let e = Event::scheduled(
        "webinaire-anglais".into(),
        EventKind::Webinaire,
        "Qualifier son innovation".into(),
        at,
        60,
        chrono::Utc::now(),
    );
    store.add_events(&[e], chrono::Utc::now()).await.unwrap();
    let app = TestApp::start(store).await;
    let fr = app.get("/evenements/webinaire-anglais").await;
    assert!(fr
        .body
        .contains("jeudi 16 janvier 2031, 13 h 00 – 14 h 00 (heure de Paris)"));
    assert!(fr.body.contains(">Webinaire"));
    app.get("/langue/en?retour=/").await;
    let en = app.get("/evenements/webinaire-anglais").await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(
        en.body
            .contains("Thursday 16 January 2031, 13:00 – 14:00 (Paris time)"),
        "{}",
        en.body
    );
    assert!(en.body.contains(">Webinar"));
    let list = app.get("/evenements").await;
    assert!(list.body.contains("Webinar, <time"));
    // Her confirmation mail writes the date in English too.
    app.sign_in_as("reader@example.org", catalyse_core::Role::Member)
        .await;
    app.get("/langue/en?retour=/").await;
    let r = member_registers(&app, "webinaire-anglais").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, _, body) = crate::moderation::mails(&app)
        .into_iter()
        .rev()
        .find(|(to, _, _)| to.contains("reader@example.org"))
        .expect("a confirmation mail");
    assert!(
        body.contains("Thursday 16 January 2031, 13:00 – 14:00 (Paris time)"),
        "{body}"
    );
    app.stop().await;
}
