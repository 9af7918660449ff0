//! The animators' side of the parcours: a cohort opened, its teams, people, sessions and
//! deliverables added through the forms (refused ones writing nothing), attendance marked
//! through the grid moving a participant's progress, a hand-in recorded, the CSV export, and
//! who may do it: platform animators, and a cohort's own animator for her cohort only.

use crate::TestApp;
use catalyse_core::network::{PlaceFields, PlaceKind, TerritoryRef};
use catalyse_core::parcours::{CohortFields, CohortRole, HandIn};
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, Store};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

const PAGE: &str = "/admin/parcours/printemps-2027";

/// A day in Paris time, `days` from today, as the forms write it.
fn day(days: i64) -> String {
    (Utc::now() + Duration::days(days))
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
        .to_string()
}

/// `/mon-parcours`'s progress bar value for the signed-in participant.
async fn percent(app: &TestApp) -> String {
    let mine = app.get("/mon-parcours").await;
    assert_eq!(mine.status, StatusCode::OK);
    let at = mine
        .body
        .find("max=\"100\" value=\"")
        .expect("a progress bar")
        + 17;
    mine.body[at..].split('"').next().unwrap().to_string()
}

both_databases!(
    parcours_admin_cohort_built_through_forms,
    built_through_forms
);
async fn built_through_forms(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let list = app.get("/admin/parcours").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Ouvrir une cohorte"));
    assert!(list.body.contains("href=\"/admin/parcours\""), "in the nav");

    // Refused: every problem said on its field, nothing written.
    let r = app
        .post_form(
            "/admin/parcours",
            "/admin/parcours",
            &[
                ("cohort-slug", "Printemps 2027"),
                ("cohort-title", ""),
                ("cohort-starts", "2027-13-01"),
                ("cohort-ends", "2027-11-30"),
                ("cohort-modules", "les-7-leviers, Pas Un Module"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for m in [
        "L&#39;adresse courte : de 3 à 80",
        "Le titre",
        "La date de début s&#39;écrit AAAA-MM-JJ",
        "« Pas » n&#39;est pas l&#39;adresse courte d&#39;un module",
    ] {
        assert!(r.body.contains(m), "{m}: {}", r.body);
    }
    assert!(
        r.body.contains("href=\"#cohort-slug\""),
        "the summary links"
    );
    assert!(
        r.body.contains("value=\"Printemps 2027\""),
        "what was typed"
    );
    assert!(store.cohorts().await.unwrap().is_empty());
    let r = app
        .post_form(
            "/admin/parcours",
            "/admin/parcours",
            &[
                ("cohort-slug", "printemps-2027"),
                ("cohort-title", "Cohorte du printemps"),
                ("cohort-starts", "2027-11-30"),
                ("cohort-ends", "2027-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("La date de fin doit suivre"));
    assert!(store.cohorts().await.unwrap().is_empty());

    // Opened.
    let fields = [
        ("cohort-slug", "printemps-2027"),
        ("cohort-title", "Cohorte du printemps"),
        ("cohort-summary", "Neuf mois entre pairs."),
        ("cohort-description", "Des temps **collectifs**."),
        ("cohort-starts", "2027-03-01"),
        ("cohort-ends", "2027-11-30"),
        ("cohort-modules", ""),
    ];
    let r = app
        .post_form("/admin/parcours", "/admin/parcours", &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), format!("{PAGE}?etat=ouverte"));
    let c = store.cohort("printemps-2027").await.unwrap().unwrap();
    assert_eq!(
        c.fields,
        CohortFields {
            slug: "printemps-2027".into(),
            title: "Cohorte du printemps".into(),
            summary: "Neuf mois entre pairs.".into(),
            description: "Des temps **collectifs**.".into(),
            starts_on: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2027, 11, 30).unwrap(),
            modules: vec![],
        }
    );
    assert!(!c.is_example);
    let page = app.get(&format!("{PAGE}?etat=ouverte")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("La cohorte est ouverte"));
    // Its address taken: said on the field, nothing more written.
    let r = app
        .post_form("/admin/parcours", "/admin/parcours", &fields)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("déjà celle d&#39;une autre cohorte"));
    assert_eq!(store.cohorts().await.unwrap().len(), 1);

    // A team, named after its territory when no name is given.
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/equipes"),
            &[("team-name", ""), ("territory", "Saint-Étienne")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let teams = store.teams(c.id).await.unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0].name, "Équipe de Saint-Étienne");
    assert_eq!(
        teams[0].territory,
        TerritoryRef {
            level: TerritoryLevel::Commune,
            code: "42218".into()
        }
    );
    let team = teams[0].id;
    for (territory, status, message) in [
        (
            "Atlantide",
            StatusCode::UNPROCESSABLE_ENTITY,
            "Aucun territoire ne correspond",
        ),
        ("42218", StatusCode::CONFLICT, "déjà son équipe"),
    ] {
        let r = app
            .post_form(
                PAGE,
                &format!("{PAGE}/equipes"),
                &[("team-name", "Bis"), ("territory", territory)],
            )
            .await;
        assert_eq!(r.status, status);
        assert!(r.body.contains(message), "{message}");
    }
    assert_eq!(store.teams(c.id).await.unwrap().len(), 1);

    // People: an account by its address, in a team.
    for (fields, message) in [
        (
            [
                ("member-email", "personne@exemple.fr"),
                ("member-role", "participant"),
                ("member-team", &team.to_string() as &str),
            ],
            "Aucun compte n&#39;a cette adresse",
        ),
        (
            [
                ("member-email", "ana@exemple.fr"),
                ("member-role", "participant"),
                ("member-team", ""),
            ],
            "Choisissez l&#39;équipe",
        ),
        (
            [
                ("member-email", "pas une adresse"),
                ("member-role", "chef"),
                ("member-team", ""),
            ],
            "Choisissez un rôle",
        ),
    ] {
        let r = app
            .post_form(PAGE, &format!("{PAGE}/membres"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert!(store.enrolments(c.id).await.unwrap().is_empty());
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/membres"),
            &[
                ("member-email", "ANA@exemple.fr"),
                ("member-role", "participant"),
                ("member-team", &team.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = store.enrolment(c.id, ana.id).await.unwrap().unwrap();
    assert_eq!((e.role, e.team_id), (CohortRole::Participant, Some(team)));

    // Sessions: a kind that is not a session's and no place are refused, with nothing made.
    let yesterday = day(-1);
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/seances"),
            &[
                ("kind", "webinaire"),
                ("title", "Lancement"),
                ("session-step", "0"),
                ("date", &yesterday),
                ("time", "10:00"),
                ("duration", "120"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for m in [
        "Choisissez un type",
        "L&#39;étape est un nombre",
        "Indiquez où a lieu la séance",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    assert!(store.sessions(c.id).await.unwrap().is_empty());
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/seances"),
            &[
                ("kind", "temps-collectif"),
                ("title", "Lancement"),
                ("session-step", "1"),
                ("date", &yesterday),
                ("time", "10:00"),
                ("duration", "120"),
                ("commune", "Saint-Étienne"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/seances"),
            &[
                ("kind", "co-developpement"),
                ("title", "Co-développement"),
                ("session-step", "2"),
                ("date", &day(30)),
                ("time", "14:00"),
                ("duration", "180"),
                ("online_url", "https://visio.exemple.fr/parcours"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sessions = store.sessions(c.id).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let past = &sessions[0].event;
    assert_eq!(past.commune.as_deref(), Some("42218"));
    assert_eq!(past.timezone, "Europe/Paris");
    assert_eq!(
        past.starts_at
            .with_timezone(&chrono_tz::Europe::Paris)
            .format("%H:%M")
            .to_string(),
        "10:00"
    );
    assert_eq!(sessions[1].step, 2);
    // The same title on the same day is another event's address.
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/seances"),
            &[
                ("kind", "temps-collectif"),
                ("title", "Lancement"),
                ("session-step", "1"),
                ("date", &yesterday),
                ("time", "10:00"),
                ("duration", "120"),
                ("online_url", "https://visio.exemple.fr/x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(store.sessions(c.id).await.unwrap().len(), 2);

    // A deliverable.
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/livrables"),
            &[
                ("deliverable-title", ""),
                ("deliverable-step", "99"),
                ("deliverable-due", "demain"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for m in [
        "Le titre du livrable",
        "L&#39;étape est un nombre",
        "La date s&#39;écrit",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    assert!(store.deliverables(c.id).await.unwrap().is_empty());
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/livrables"),
            &[
                ("deliverable-title", "Portrait de territoire"),
                ("deliverable-description", "Deux pages."),
                ("deliverable-step", "2"),
                ("deliverable-due", "2027-04-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let deliverable = store.deliverables(c.id).await.unwrap()[0].id;

    // Ana has done nothing yet.
    app.forget_cookies();
    app.login("ana@exemple.fr", crate::TEST_PASSWORD).await;
    assert_eq!(percent(&app).await, "0");
    app.forget_cookies();
    app.login("anim@exemple.fr", crate::TEST_PASSWORD).await;

    // The table: a checkbox for the session held, labelled with her name and the session's.
    let page = app.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    let cell = format!("p_{}_{}", past.id, ana.id);
    assert!(page.body.contains(&format!("id=\"{cell}\"")));
    assert!(page
        .body
        .contains(&format!("for=\"{cell}\" class=\"visually-hidden\">Test ana@exemple.fr présente ou présent à « Lancement »")));
    assert!(
        !page
            .body
            .contains(&format!("p_{}_{}", sessions[1].event.id, ana.id)),
        "a session to come is not marked"
    );
    assert!(page.body.contains("class=\"table-scroll\""));
    assert!(page.body.contains("<caption"));
    let (seances, personnes) = (page.field("seances"), page.field("personnes"));
    assert_eq!(seances, past.id.to_string());
    assert_eq!(personnes, ana.id.to_string());

    // A grid that names someone no longer in the cohort writes nothing.
    let stale = format!("{personnes},999999");
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/presences"),
            &[("seances", &seances), ("personnes", &stale), (&cell, "oui")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("rien n&#39;a été enregistré"));
    assert!(store.cohort_attendance(c.id).await.unwrap().is_empty());
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/presences"),
            &[
                ("seances", &seances),
                ("personnes", &personnes),
                (&cell, "oui"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        store.cohort_attendance(c.id).await.unwrap(),
        [(past.id, ana.id)]
    );

    // A hand-in recorded off the platform.
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/remises"),
            &[
                ("record-deliverable", &deliverable.to_string()),
                ("record-team", &team.to_string()),
                ("record-note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Écrivez une note"));
    assert!(store.submissions(c.id).await.unwrap().is_empty());
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/remises"),
            &[
                ("record-deliverable", &deliverable.to_string()),
                ("record-team", &team.to_string()),
                ("record-note", "Remis sur papier en séance."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let subs = store.submissions(c.id).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].kind, HandIn::Constate);
    assert_eq!(subs[0].note, "Remis sur papier en séance.");
    let page = app.get(&format!("{PAGE}?etat=remise")).await;
    assert!(page.body.contains("La remise est constatée"));
    assert!(page.body.contains("constaté"));
    assert!(page.body.contains(" checked>"), "her presence ticked");

    // The CSV: the same table, UTF-8 with its byte order mark.
    let raw = reqwest::Client::new()
        .get(format!("{}{PAGE}/export.csv", app.base))
        .header(
            "cookie",
            format!(
                "__Host-session={}",
                app.cookie("__Host-session").expect("signed in")
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    assert!(raw.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(raw.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("private"));
    let bytes = raw.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("équipe,territoire,nom,séance 1 : Lancement ("),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("séance 2 : Co-développement"));
    assert!(lines[0]
        .ends_with("livrable : Portrait de territoire,modules terminés (sur 0),progression (%)"));
    // Both sessions counted, one attended; the deliverable handed in: 2 of 3.
    assert_eq!(
        lines[1],
        "Équipe de Saint-Étienne,Saint-Étienne,Test ana@exemple.fr,oui,non,oui,0,66"
    );

    // Her progress moved.
    app.forget_cookies();
    app.login("ana@exemple.fr", crate::TEST_PASSWORD).await;
    assert_eq!(percent(&app).await, "66");
    // Unticked through the grid: it moves back.
    app.forget_cookies();
    app.login("anim@exemple.fr", crate::TEST_PASSWORD).await;
    let r = app
        .post_form(
            PAGE,
            &format!("{PAGE}/presences"),
            &[("seances", &seances), ("personnes", &personnes)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.cohort_attendance(c.id).await.unwrap().is_empty());
    app.forget_cookies();
    app.login("ana@exemple.fr", crate::TEST_PASSWORD).await;
    assert_eq!(percent(&app).await, "33");

    // Edited (its address too), then Ana taken out.
    app.forget_cookies();
    app.login("anim@exemple.fr", crate::TEST_PASSWORD).await;
    let mut edited = fields;
    edited[0] = ("cohort-slug", "printemps-2027-bis");
    edited[1] = ("cohort-title", "Cohorte du printemps, bis");
    let r = app.post_form(PAGE, PAGE, &edited).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        "/admin/parcours/printemps-2027-bis?etat=cohorte"
    );
    let page = "/admin/parcours/printemps-2027-bis";
    assert_eq!(
        store
            .cohort("printemps-2027-bis")
            .await
            .unwrap()
            .unwrap()
            .id,
        c.id
    );
    let r = app
        .post_form(
            page,
            &format!("{page}/membres/retirer"),
            &[("remove-user", "999999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("n&#39;est pas (ou plus) inscrite"));
    let r = app
        .post_form(
            page,
            &format!("{page}/membres/retirer"),
            &[("remove-user", &ana.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.enrolment(c.id, ana.id).await.unwrap().is_none());
    app.stop().await;
}

/// A cohort made in the store, with a team and `participant` in it.
async fn cohort(store: &dyn Store, slug: &str, participant: i64) -> i64 {
    let now = Utc::now();
    let c = store
        .create_cohort(
            &CohortFields {
                slug: slug.into(),
                title: format!("Cohorte {slug}"),
                summary: String::new(),
                description: String::new(),
                starts_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                ends_on: NaiveDate::from_ymd_opt(2027, 12, 1).unwrap(),
                modules: vec![],
            },
            false,
            now,
        )
        .await
        .unwrap();
    let team = store
        .add_team(
            c.id,
            "Équipe",
            &TerritoryRef {
                level: TerritoryLevel::Commune,
                code: "42218".into(),
            },
        )
        .await
        .unwrap();
    store
        .enrol(
            c.id,
            participant,
            CohortRole::Participant,
            Some(team.id),
            now,
        )
        .await
        .unwrap();
    c.id
}

/// Every animators' route of cohort `slug`: GET pages, then POST forms.
fn routes(slug: &str) -> (Vec<String>, Vec<String>) {
    let base = format!("/admin/parcours/{slug}");
    let gets = vec![base.clone(), format!("{base}/export.csv")];
    let posts = [
        "",
        "/equipes",
        "/membres",
        "/membres/retirer",
        "/seances",
        "/livrables",
        "/presences",
        "/remises",
    ]
    .iter()
    .map(|p| format!("{base}{p}"))
    .collect();
    (gets, posts)
}

both_databases!(parcours_admin_only_for_animators, only_for_animators);
async fn only_for_animators(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let lea = app
        .user("lea@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    app.user("zoe@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let a = cohort(store.as_ref(), "cohorte-a", ana.id).await;
    let b = cohort(store.as_ref(), "cohorte-b", ana.id).await;
    store
        .enrol(a, lea.id, CohortRole::Animateur, None, Utc::now())
        .await
        .unwrap();

    // A visitor is asked to sign in.
    let r = app.get("/admin/parcours/cohorte-a").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion"));

    // A plain member and a participant: 403 everywhere, and nothing written.
    for who in ["zoe@exemple.fr", "ana@exemple.fr"] {
        app.forget_cookies();
        app.login(who, crate::TEST_PASSWORD).await;
        assert_eq!(
            app.get("/admin/parcours").await.status,
            StatusCode::FORBIDDEN
        );
        let csrf = app.get("/mon-parcours").await.field("csrf");
        assert!(!csrf.is_empty());
        let r = app
            .post_with_csrf(
                &csrf,
                "/admin/parcours",
                &[("cohort-slug", "intruse"), ("cohort-title", "Intruse")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        for slug in ["cohorte-a", "cohorte-b"] {
            let (gets, posts) = routes(slug);
            for g in gets {
                assert_eq!(app.get(&g).await.status, StatusCode::FORBIDDEN, "{who} {g}");
            }
            for p in posts {
                let r = app
                    .post_with_csrf(
                        &csrf,
                        &p,
                        &[
                            ("team-name", "Intruse"),
                            ("territory", "01001"),
                            ("remove-user", &ana.id.to_string()),
                        ],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {p}");
            }
        }
    }
    assert_eq!(store.cohorts().await.unwrap().len(), 2);
    assert_eq!(store.teams(a).await.unwrap().len(), 1);
    assert!(store.enrolment(a, ana.id).await.unwrap().is_some());

    // Léa animates cohort A: its table and its forms are hers, not B's, nor opening one.
    app.forget_cookies();
    app.login("lea@exemple.fr", crate::TEST_PASSWORD).await;
    let list = app.get("/admin/parcours").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("/admin/parcours/cohorte-a"));
    assert!(!list.body.contains("/admin/parcours/cohorte-b"));
    assert!(!list.body.contains("Ouvrir une cohorte"));
    assert!(!list.body.contains("/admin/moderation"), "no admin nav");
    let page = app.get("/admin/parcours/cohorte-a").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Test ana@exemple.fr"));
    let csv = app.get("/admin/parcours/cohorte-a/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Test ana@exemple.fr"));
    let r = app
        .post_form(
            "/admin/parcours/cohorte-a",
            "/admin/parcours/cohorte-a/equipes",
            &[("team-name", "Équipe de l'Ain"), ("territory", "01001")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(store.teams(a).await.unwrap().len(), 2);
    let (gets, posts) = routes("cohorte-b");
    for g in gets {
        assert_eq!(app.get(&g).await.status, StatusCode::FORBIDDEN, "{g}");
    }
    let csrf = app.get("/admin/parcours/cohorte-a").await.field("csrf");
    for p in posts {
        let r = app
            .post_with_csrf(&csrf, &p, &[("territory", "01001")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{p}");
    }
    let r = app
        .post_with_csrf(
            &csrf,
            "/admin/parcours",
            &[("cohort-slug", "la-sienne"), ("cohort-title", "La sienne")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(store.teams(b).await.unwrap().len(), 1);
    assert_eq!(store.cohorts().await.unwrap().len(), 2);
    // A cohort that does not exist.
    assert_eq!(
        app.get("/admin/parcours/nulle-part").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// The session form: a learning visit at `place` (a slug of /lieux) or in `commune`.
fn session<'a>(place: &'a str, commune: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "visite-apprenante"),
        ("title", "Visite apprenante"),
        ("session-step", "3"),
        ("date", "2027-05-12"),
        ("time", "09:30"),
        ("duration", "240"),
        ("place", place),
        ("commune", commune),
    ]
}

both_databases!(parcours_admin_session_at_a_place, session_at_a_place);
async fn session_at_a_place(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let c = cohort(store.as_ref(), "cohorte-a", ana.id).await;
    store
        .insert_example_places(
            &[PlaceFields {
                name: "Le Café des Liens".into(),
                kind: PlaceKind::CafeSolidaire,
                commune: "01001".into(),
                address: "1 place de la Mairie".into(),
                description: "Un café associatif.".into(),
                managers: vec![],
                website: None,
            }],
            Utc::now(),
        )
        .await
        .unwrap();
    let place = store.published_places().await.unwrap()[0].slug.clone();
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let page = "/admin/parcours/cohorte-a";
    let form = app.get(page).await;
    assert!(form.body.contains(&format!(
        "<option value=\"{place}\">Le Café des Liens, L&#39;Abergement-Clémenciat</option>"
    )));
    for (fields, message) in [
        (
            session(&place, "42218"),
            "soit un lieu du réseau, soit une commune",
        ),
        (session("plus-la", ""), "n&#39;est pas (ou plus) publié"),
        (session("", "Nulle-sur-Mer"), "Aucune commune ne correspond"),
    ] {
        let r = app
            .post_form(page, &format!("{page}/seances"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(message), "{message}");
    }
    assert!(store.sessions(c).await.unwrap().is_empty());
    let r = app
        .post_form(page, &format!("{page}/seances"), &session(&place, ""))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let s = &store.sessions(c).await.unwrap()[0];
    assert_eq!(s.step, 3);
    assert_eq!(
        s.event.kind,
        catalyse_core::agenda::EventKind::VisiteApprenante
    );
    assert_eq!(s.event.commune.as_deref(), Some("01001"));
    assert_eq!(
        s.event.address.as_deref(),
        Some("Le Café des Liens, 1 place de la Mairie")
    );
    assert_eq!(s.event.online_url, None);
    // It is in the agenda, as any event.
    assert_eq!(
        app.get(&format!("/evenements/{}", s.event.slug))
            .await
            .status,
        StatusCode::OK
    );
    app.stop().await;
}
