//! Open Badges, the rules end to end: attendance marked by an animator issues a lever's
//! badge and, at the last lever, the cycle — once, not again at a second attendance; a
//! module of the kit completed issues its badge; a cohort completed issues the parcours'; a
//! revoked credential is never issued again by a rule; deleting her account revokes hers.

use crate::fixtures::event;
use crate::moderation::mails;
use crate::needs::text;
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::agenda::{EventKind, EventStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::parcours::{CohortFields, CohortRole, DeliverableFields};
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, NewRegistration, Store};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

/// The slugs of the achievements of her credentials, revoked ones too, in order.
async fn held(store: &Arc<dyn Store>, user: i64) -> Vec<String> {
    let mut slugs: Vec<String> = (store.credentials_of(user).await.unwrap().into_iter())
        .map(|c| c.achievement_slug)
        .collect();
    slugs.sort();
    slugs
}

/// A webinar on one lever, held three days ago, `user` registered.
async fn webinar(store: &Arc<dyn Store>, slug: &str, lever: &str, user: i64, email: &str) {
    let mut e = event(
        slug,
        Utc::now() - Duration::days(3),
        EventKind::Webinaire,
        None,
    );
    e.levers = vec![lever.to_string()];
    e.status = EventStatus::Held;
    store.add_events(&[e], Utc::now()).await.unwrap();
    let e = store.event(slug).await.unwrap().unwrap();
    store
        .register(
            e.id,
            &NewRegistration {
                user_id: Some(user),
                name: email.into(),
                email: email.into(),
                organisation: String::new(),
                territory: String::new(),
                token_hash: format!("jeton-{slug}"),
                pending: false,
            },
            Utc::now(),
        )
        .await
        .unwrap();
}

/// The signed-in animator marks everyone registered to the event as present.
async fn mark_present(app: &TestApp, store: &Arc<dyn Store>, slug: &str) {
    let e = store.event(slug).await.unwrap().unwrap();
    let keys: Vec<String> = (store.registrations(e.id).await.unwrap().iter())
        .map(|r| format!("present_{}", r.id))
        .collect();
    let fields: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "oui")).collect();
    let page = format!("/admin/evenements/{slug}");
    let r = app
        .post_form(&page, &format!("{page}/presences"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

both_databases!(badges_the_last_lever_issues_the_cycle_once, cycle_once);
async fn cycle_once(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", TEST_PASSWORD, Role::Member)
        .await;
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let levers = store.levers().await.unwrap();
    assert_eq!(levers.len(), 7);
    for (i, l) in levers.iter().enumerate() {
        webinar(
            &store,
            &format!("webi-{i}"),
            &l.slug,
            ana.id,
            "ana@exemple.fr",
        )
        .await;
    }
    for (i, l) in levers.iter().enumerate() {
        mark_present(&app, &store, &format!("webi-{i}")).await;
        let now = held(&store, ana.id).await;
        assert!(now.contains(&format!("webinaire-{}", l.slug)), "{now:?}");
        let cycles = now.iter().filter(|s| *s == "cycle-des-7-leviers").count();
        assert_eq!(cycles, usize::from(i == 6), "after lever {i}: {now:?}");
    }
    // A second attendance, and the same again: nothing more.
    mark_present(&app, &store, "webi-6").await;
    mark_present(&app, &store, "webi-0").await;
    let all = held(&store, ana.id).await;
    assert_eq!(all.len(), 8, "{all:?}");
    assert_eq!(
        all.iter().filter(|s| *s == "cycle-des-7-leviers").count(),
        1
    );
    // She was told each time, in French.
    app.outbox_with(8).await;
    let to_her: Vec<_> = (mails(&app).into_iter())
        .filter(|m| m.0.contains("ana@exemple.fr"))
        .collect();
    assert_eq!(to_her.len(), 8);
    assert!(to_her
        .iter()
        .any(|m| m.1 == "Vous avez reçu un badge : Cycle des 7 leviers"));

    let holders =
        |body: String| serde_json::from_str::<serde_json::Value>(&body).unwrap()["holders"].clone();
    let api = "/api/v1/achievements/cycle-des-7-leviers";
    assert_eq!(holders(app.get(api).await.body), 1);

    // The animator revokes the cycle (a reason is required): a rule never issues it again.
    let cycle = (store.credentials_of(ana.id).await.unwrap().into_iter())
        .find(|c| c.achievement_slug == "cycle-des-7-leviers")
        .unwrap();
    let page = format!("/admin/badges/attestations/{}", cycle.id);
    let action = format!("{page}/revoquer");
    let r = app
        .post_form(&page, &action, &[("revoke-reason", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r.body).contains("Donnez le motif de la révocation"));
    assert!(!store
        .credential(&cycle.id)
        .await
        .unwrap()
        .unwrap()
        .is_revoked());
    let r = app
        .post_form(
            &page,
            &action,
            &[("revoke-reason", "Présences saisies par erreur.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let c = store.credential(&cycle.id).await.unwrap().unwrap();
    assert_eq!(
        c.revoked_reason.as_deref(),
        Some("Présences saisies par erreur.")
    );
    let again = app
        .post_form(&page, &action, &[("revoke-reason", "Encore")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        holders(app.get(api).await.body),
        0,
        "a revoked credential is not held"
    );
    mark_present(&app, &store, "webi-3").await;
    let after = store.credentials_of(ana.id).await.unwrap();
    let cycles: Vec<_> = (after.iter())
        .filter(|c| c.achievement_slug == "cycle-des-7-leviers")
        .collect();
    assert_eq!(cycles.len(), 1);
    assert!(cycles[0].is_revoked());
    // Her page says so, with the reason.
    app.login("ana@exemple.fr", TEST_PASSWORD).await;
    let mine = text(&app.get("/mes-badges").await.body);
    assert!(mine.contains("révoqué"));
    assert!(mine.contains("Présences saisies par erreur."));
    app.stop().await;
}

both_databases!(badges_a_module_completed_issues_its_badge, module_badge);
async fn module_badge(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("jo@exemple.fr", Role::Member).await;
    let jo = (store.user_by_email(&catalyse_core::Email::parse("jo@exemple.fr").unwrap()))
        .await
        .unwrap()
        .unwrap();
    let module = "/formation/metier-catalyseur";
    let answers = [("q1", "2"), ("q2", "0"), ("q2", "2"), ("q3", "0")];
    for n in 1..=5 {
        let page = format!("{module}/{n}");
        let shown = app.get(&page).await;
        let key = shown.field("unite");
        let mut fields = vec![("unite", key.as_str())];
        match n {
            4 => fields.extend_from_slice(&answers),
            5 => fields.push(("texte", "Je relie les acteurs de mon bassin de vie.")),
            _ => {}
        }
        let r = app
            .post_with_csrf(&shown.field("csrf"), &page, &fields)
            .await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{n}");
        let now = held(&store, jo.id).await;
        assert_eq!(
            now.contains(&"module-metier-catalyseur".to_string()),
            n == 5,
            "after unit {n}: {now:?}"
        );
    }
    // The replay of the 2019 webinar counts as its lever's webinar.
    let all = held(&store, jo.id).await;
    assert!(all.iter().any(|s| s.starts_with("webinaire-")), "{all:?}");
    // Doing a unit again issues nothing more.
    let shown = app.get(&format!("{module}/1")).await;
    let key = shown.field("unite");
    app.post_with_csrf(
        &shown.field("csrf"),
        &format!("{module}/1"),
        &[("unite", key.as_str())],
    )
    .await;
    assert_eq!(held(&store, jo.id).await, all);
    let mine = text(&app.get("/mes-badges").await.body);
    assert!(mine.contains("Module « Le métier de catalyseur territorial »"));
    app.stop().await;
}

both_databases!(
    badges_a_completed_cohort_issues_the_parcours_badge_and_deleting_revokes,
    cohort_badge
);
async fn cohort_badge(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", TEST_PASSWORD, Role::Member)
        .await;
    let now = Utc::now();
    let c = store
        .create_cohort(
            &CohortFields {
                slug: "printemps".into(),
                title: "Cohorte de printemps".into(),
                summary: "Neuf mois entre pairs.".into(),
                description: "Des temps collectifs.".into(),
                starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                ends_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
                modules: vec![],
            },
            false,
            now,
        )
        .await
        .unwrap();
    let territory = TerritoryRef {
        level: TerritoryLevel::Commune,
        code: "42218".into(),
    };
    let team = store
        .add_team(c.id, "Équipe stéphanoise", &territory)
        .await
        .unwrap();
    store
        .enrol(c.id, ana.id, CohortRole::Participant, Some(team.id), now)
        .await
        .unwrap();
    let past = event(
        "printemps-1",
        now - Duration::days(1),
        EventKind::TempsCollectif,
        None,
    );
    let past = store.add_session(c.id, &past, 1, now).await.unwrap();
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
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let page = "/admin/parcours/printemps";
    let cell = format!("p_{}_{}", past.event.id, ana.id);
    let r = app
        .post_form(
            page,
            &format!("{page}/presences"),
            &[
                ("seances", &past.event.id.to_string()),
                ("personnes", &ana.id.to_string()),
                (&cell, "oui"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        held(&store, ana.id).await.is_empty(),
        "the deliverable is missing"
    );
    let record = |note: &'static str| {
        let (d, team) = (d.id.to_string(), team.id.to_string());
        let app = &app;
        async move {
            app.post_form(
                page,
                &format!("{page}/remises"),
                &[
                    ("record-deliverable", &d),
                    ("record-team", &team),
                    ("record-note", note),
                ],
            )
            .await
        }
    };
    assert_eq!(
        record("Remis en séance.").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        held(&store, ana.id).await,
        vec!["parcours-co-construction-territoriale".to_string()]
    );
    assert_eq!(
        record("Remis une seconde fois.").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(held(&store, ana.id).await.len(), 1, "once");

    // She deletes her account: her credentials are revoked (« Compte supprimé »), her page
    // is gone with her session, the animators see it.
    app.forget_cookies();
    app.login("ana@exemple.fr", TEST_PASSWORD).await;
    assert_eq!(app.get("/mes-badges").await.status, StatusCode::OK);
    let r = app
        .post_form(
            "/mon-profil",
            "/mon-profil/supprimer",
            &[("password", TEST_PASSWORD), ("confirm", "oui")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let gone = app.get("/mes-badges").await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(gone.header("location").starts_with("/connexion"));
    app.sign_in_as("anim2@exemple.fr", Role::Moderator).await;
    let admin = text(&app.get("/admin/badges").await.body);
    assert!(admin.contains("compte supprimé"), "{admin}");
    assert!(
        admin.contains("révoqué</strong> — Compte supprimé"),
        "{admin}"
    );
    app.stop().await;
}
