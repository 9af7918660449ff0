//! A cohort's space of exchanges: participants post and answer; other cohorts' members and
//! visitors neither read nor write; Markdown is sanitised; bad messages come back in French
//! with nothing written; mails of answers follow each person's setting; the weekly digest
//! goes once a week, to those who want it, and is tried again when its mail fails.

use crate::moderation::{mails, state_beside};
use crate::TestApp;
use catalyse_core::network::TerritoryRef;
use catalyse_core::parcours::{CohortFields, CohortRole};
use catalyse_core::{Email, Role, TerritoryLevel, User};
use catalyse_store::{both_databases, NewUser, Store};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

/// A cohort `slug` with one team, `people` enrolled in it; its id.
async fn cohort(store: &dyn Store, slug: &str, people: &[&User]) -> i64 {
    let now = Utc::now();
    let c = store
        .create_cohort(
            &CohortFields {
                slug: slug.into(),
                title: format!("Cohorte {slug}"),
                summary: String::new(),
                description: String::new(),
                starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                ends_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
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
            "Équipe stéphanoise",
            &TerritoryRef {
                level: TerritoryLevel::Commune,
                code: "42218".into(),
            },
        )
        .await
        .unwrap();
    for p in people {
        store
            .enrol(c.id, p.id, CohortRole::Participant, Some(team.id), now)
            .await
            .unwrap();
    }
    c.id
}

/// A member named `name` (not after her address, so that a mail showing her name shows no
/// address).
async fn person(app: &TestApp, email: &str, name: &str) -> User {
    let hash = catalyse_web::auth::hash_password(crate::TEST_PASSWORD.into())
        .await
        .unwrap();
    app.store
        .create_user(
            &NewUser {
                email: Email::parse(email).unwrap(),
                display_name: name.into(),
                role: Role::Member,
                password_hash: hash,
                is_example: false,
                email_verified: true,
            },
            Utc::now(),
        )
        .await
        .unwrap()
}

async fn as_member(app: &TestApp, email: &str) {
    app.forget_cookies();
    let r = app.login(email, crate::TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in as {email}");
}

/// Posts in the space of `slug` (an answer when `parent` is given), after loading its page.
async fn write(app: &TestApp, slug: &str, parent: Option<i64>, text: &str) -> crate::Answer {
    let page = format!("/parcours/{slug}/echanges");
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    app.post_form(&page, &page, &[("message", text), ("parent", &parent)])
        .await
}

/// The post just written, from the redirect's address.
fn written(r: &crate::Answer) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.header("location");
    to.split("message=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

both_databases!(
    parcours_space_is_for_its_cohort_and_sanitised,
    space_for_its_cohort
);
async fn space_for_its_cohort(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = person(&app, "ana@exemple.fr", "Ana Martin").await;
    let bea = person(&app, "bea@exemple.fr", "Béa Roux").await;
    let zoe = person(&app, "zoe@exemple.fr", "Zoé Blanc").await;
    app.user("admin@exemple.fr", crate::TEST_PASSWORD, Role::Admin)
        .await;
    let spring = cohort(store.as_ref(), "printemps", &[&ana, &bea]).await;
    let autumn = cohort(store.as_ref(), "automne", &[&zoe]).await;
    let space = "/parcours/printemps/echanges";

    // A visitor is sent to sign in, and cannot post; the public page has no link to it.
    let r = app.get(space).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion?retour="));
    let r = app
        .request(reqwest::Method::POST, space, Some(&[("message", "x")]), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!app.get("/parcours/printemps").await.body.contains(space));

    // Ana posts, Markdown rendered and sanitised.
    as_member(&app, "ana@exemple.fr").await;
    let page = app.get(space).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Aucun message pour"));
    assert!(page.body.contains("avertir des réponses"));
    assert!(app.get("/parcours/printemps").await.body.contains(space));
    assert!(app.get("/mon-parcours").await.body.contains(space));
    let m = written(
        &write(
            &app,
            "printemps",
            None,
            "Bonjour **à toutes** !\n\n<script>alert('piège')</script>\n\n\
             Une image <img src=x onerror=alert(2)> et [un lien](javascript:alert(3)), \
             [un autre](https://exemple.fr/programme).",
        )
        .await,
    );
    let page = app.get(&format!("{space}?message={m}")).await;
    assert!(
        page.body.contains("<strong>à toutes</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Message de Ana Martin"));
    for bad in ["<script>alert", "piège", "onerror", "javascript:"] {
        assert!(!page.body.contains(bad), "{bad} came back");
    }
    assert!(page.body.contains(">un lien</a>"), "the link's text stays");
    assert!(page.body.contains("href=\"https://exemple.fr/programme\""));

    // Bea answers; an answer to her answer goes to the same message.
    as_member(&app, "bea@exemple.fr").await;
    let a = written(&write(&app, "printemps", Some(m), "Bienvenue *Ana*").await);
    let a2 = written(&write(&app, "printemps", Some(a), "Et à bientôt").await);
    let posts = store.posts(spring).await.unwrap();
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[1].parent_id, Some(m));
    assert_eq!(posts[2].parent_id, Some(m));
    assert_eq!(posts[2].id, a2);
    let page = app.get(space).await;
    let (at_m, at_a) = (
        page.body.find(&format!("id=\"message-{m}\"")).unwrap(),
        page.body.find(&format!("id=\"message-{a}\"")).unwrap(),
    );
    assert!(at_m < at_a, "the answer under its message");
    assert!(page.body.contains("<em>Ana</em>"));
    let m2 = written(&write(&app, "printemps", None, "Une autre question").await);
    let page = app.get(space).await;
    assert!(
        page.body.find(&format!("id=\"message-{m2}\"")).unwrap()
            < page.body.find(&format!("id=\"message-{m}\"")).unwrap(),
        "the latest message first"
    );

    // Zoe, of another cohort, neither reads nor writes here, nor answers across cohorts.
    as_member(&app, "zoe@exemple.fr").await;
    assert_eq!(app.get(space).await.status, StatusCode::FORBIDDEN);
    let csrf = app.get("/parcours/automne/echanges").await.field("csrf");
    for (action, parent) in [
        (space, String::new()),
        (space, m.to_string()),
        ("/parcours/printemps/echanges/reglages", String::new()),
    ] {
        let r = app
            .post_with_csrf(&csrf, action, &[("message", "Coucou"), ("parent", &parent)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}");
    }
    let r = app
        .post_with_csrf(
            &csrf,
            "/parcours/automne/echanges",
            &[("message", "Coucou"), ("parent", &m.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/mon-parcours").await.body.contains(space));
    assert_eq!(store.posts(spring).await.unwrap().len(), 4);
    assert!(store.posts(autumn).await.unwrap().is_empty());
    assert!(app.outbox().iter().all(|m| !m.contains("zoe@exemple.fr")));

    // A platform administrator reads it, without mail settings (she is not enrolled).
    as_member(&app, "admin@exemple.fr").await;
    let page = app.get(space).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Une autre question"));
    assert!(page.body.contains("sans être inscrite"));
    let r = app
        .post_form(space, "/parcours/printemps/echanges/reglages", &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/parcours/inconnue/echanges").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

both_databases!(
    parcours_space_refuses_bad_messages_without_a_trace,
    bad_messages
);
async fn bad_messages(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let c = cohort(store.as_ref(), "printemps", &[&ana]).await;
    as_member(&app, "ana@exemple.fr").await;
    let m = written(&write(&app, "printemps", None, "Premier message").await);
    let long = "é".repeat(5001);
    let cases: [(Option<i64>, &str, &str); 5] = [
        (
            None,
            "  \r\n ",
            "Écrivez votre message avant de le publier.",
        ),
        (
            None,
            &long,
            "Votre message fait 5\u{202f}001 caractères : 5\u{202f}000 au plus",
        ),
        (Some(m), "", "Écrivez votre message avant de le publier."),
        (Some(m), &long, "5\u{202f}000 au plus"),
        (None, "Texte \u{202e}inversé", "caractère invisible"),
    ];
    for (parent, text, message) in cases {
        let r = write(&app, "printemps", parent, text).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
        assert!(r.body.contains("aria-invalid=\"true\""));
        if let Some(m) = parent {
            assert!(r.body.contains(&format!("id=\"reponse-{m}-erreur\"")));
        }
        if text == long {
            assert!(r.body.contains(&long), "the text is kept to be shortened");
        }
    }
    for parent in ["abc", "99999999"] {
        let page = "/parcours/printemps/echanges";
        let r = app
            .post_form(page, page, &[("message", "Bonjour"), ("parent", parent)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{parent}");
    }
    assert_eq!(store.posts(c).await.unwrap().len(), 1, "nothing written");
    // 5 000 characters is fine.
    written(&write(&app, "printemps", Some(m), &"a".repeat(5000)).await);
    // Posting is limited per member: 30 an hour.
    let page = "/parcours/printemps/echanges";
    let csrf = app.get(page).await.field("csrf");
    for i in 2..=29 {
        let text = format!("Message {i}");
        let r = app
            .post_with_csrf(&csrf, page, &[("message", &text), ("parent", "")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{i}");
    }
    let r = app
        .post_with_csrf(&csrf, page, &[("message", "Un de trop"), ("parent", "")])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());
    assert_eq!(store.posts(c).await.unwrap().len(), 30);
    // 29 messages: 20 a page, the latest first; a post's address opens the page with it.
    let first = app.get(page).await;
    assert!(first.body.contains("Message 29") && !first.body.contains("Premier message"));
    assert!(first.body.contains("Page 1 / 2"));
    for second in ["?page=2", "?page=99", &format!("?message={m}")] {
        let r = app.get(&format!("{page}{second}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Premier message"), "{second}");
        assert!(r.body.contains("Page 2 / 2") && !r.body.contains("Message 29"));
    }
    app.stop().await;
}

/// The mails to `to`: (subject, text).
fn mails_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    mails(app)
        .into_iter()
        .filter(|(addr, _, _)| addr.contains(to))
        .map(|(_, s, b)| (s, b))
        .collect()
}

/// Every mail goes to one person, and shows no one's address but hers.
fn no_address_of_others(app: &TestApp, people: &[&str]) {
    for (to, _, body) in mails(app) {
        for p in people {
            assert!(to.contains(p) || !body.contains(p), "{p} shown to {to}");
        }
        assert_eq!(to.matches('@').count(), 1, "{to}");
    }
}

both_databases!(
    parcours_space_answers_are_mailed_as_each_chose,
    answer_mails
);
async fn answer_mails(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = person(&app, "ana@exemple.fr", "Ana Martin").await;
    let bea = person(&app, "bea@exemple.fr", "Béa Roux").await;
    let chloe = person(&app, "chloe@exemple.fr", "Chloé Petit").await;
    let dan = person(&app, "dan@exemple.fr", "Dan Morel").await;
    let c = cohort(store.as_ref(), "printemps", &[&ana, &bea, &chloe, &dan]).await;
    let people = [
        "ana@exemple.fr",
        "bea@exemple.fr",
        "chloe@exemple.fr",
        "dan@exemple.fr",
    ];

    as_member(&app, "ana@exemple.fr").await;
    let m = written(&write(&app, "printemps", None, "Qui vient jeudi ?").await);
    // A new message tells no one.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.outbox().is_empty());

    // Bea answers: Ana is told, not Bea.
    as_member(&app, "bea@exemple.fr").await;
    let a = written(&write(&app, "printemps", Some(m), "Moi, avec **Léa**.").await);
    app.outbox_with(1).await;
    let to_ana = mails_to(&app, "ana@exemple.fr");
    assert_eq!(to_ana.len(), 1);
    let (subject, text) = &to_ana[0];
    assert_eq!(
        subject,
        "Nouvelle réponse dans l'espace d'échanges — Cohorte printemps"
    );
    assert!(text.contains("Béa Roux a répondu"), "{text}");
    assert!(text.contains("Moi, avec **Léa**."));
    assert!(text.contains(&format!(
        "/parcours/printemps/echanges?message={a}#message-{a}"
    )));
    assert!(text.contains("/parcours/printemps/echanges#courriels"));

    // Chloe turns the answers' mails off (she keeps the digest), then answers: Ana and Bea
    // are told, Dan (not in the thread) is not.
    as_member(&app, "chloe@exemple.fr").await;
    let r = app
        .post_form(
            "/parcours/printemps/echanges",
            "/parcours/printemps/echanges/reglages",
            &[("resume", "oui")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(r.header("location")).await;
    assert!(page
        .body
        .contains("Vos choix de courriels sont enregistrés."));
    let mine = store.enrolment(c, chloe.id).await.unwrap().unwrap();
    assert!(!mine.notify_replies && mine.weekly_digest);
    assert!(!page.body.contains("id=\"reponses\" name=\"reponses\" value=\"oui\" aria-describedby=\"reponses-aide\" checked"));
    written(&write(&app, "printemps", Some(a), "Je serai là.").await);
    app.outbox_with(3).await;
    assert_eq!(mails_to(&app, "ana@exemple.fr").len(), 2);
    assert_eq!(mails_to(&app, "bea@exemple.fr").len(), 1);

    // Ana answers: Bea is told; Chloe, who turned them off, is not; nor Ana herself.
    as_member(&app, "ana@exemple.fr").await;
    written(&write(&app, "printemps", Some(m), "Parfait, à jeudi.").await);
    app.outbox_with(4).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.outbox().len(), 4);
    assert_eq!(mails_to(&app, "bea@exemple.fr").len(), 2);
    assert_eq!(mails_to(&app, "ana@exemple.fr").len(), 2);
    assert!(mails_to(&app, "chloe@exemple.fr").is_empty());
    assert!(mails_to(&app, "dan@exemple.fr").is_empty());
    no_address_of_others(&app, &people);
    app.stop().await;
}

both_databases!(
    parcours_space_digest_goes_weekly_to_those_who_want_it,
    weekly_digest
);
async fn weekly_digest(store: Arc<dyn Store>) {
    use catalyse_web::parcours::digest::send_weekly_digests;
    let app = TestApp::start(store.clone()).await;
    let ana = person(&app, "ana@exemple.fr", "Ana Martin").await;
    let bea = person(&app, "bea@exemple.fr", "Béa Roux").await;
    let chloe = person(&app, "chloe@exemple.fr", "Chloé Petit").await;
    let zoe = person(&app, "zoe@exemple.fr", "Zoé Blanc").await;
    let c = cohort(store.as_ref(), "printemps", &[&ana, &bea, &chloe]).await;
    let other = cohort(store.as_ref(), "automne", &[&zoe]).await;
    // Bea does not want it.
    store.set_cohort_mail(c, bea.id, true, false).await.unwrap();
    // Far from the running server's own job (which ran at its start).
    let t0 = Utc::now() + Duration::days(30);
    let post = |parent: Option<i64>, who: i64, text: &'static str, at: DateTime<Utc>| {
        let store = store.clone();
        async move { store.add_post(c, parent, who, text, at).await.unwrap() }
    };
    let old = post(None, bea.id, "Il y a longtemps", t0 - Duration::days(9)).await;
    post(
        Some(old.id),
        chloe.id,
        "Réponse de la semaine",
        t0 - Duration::days(2),
    )
    .await;
    post(
        None,
        bea.id,
        "Nouvelles **de la semaine**",
        t0 - Duration::days(1),
    )
    .await;
    store
        .add_post(other, None, zoe.id, "Rien à voir", t0 - Duration::days(1))
        .await
        .unwrap();

    // A mail that fails is given back: the next run sends it.
    let mut failing = catalyse_web::Config {
        data_dir: app.data_dir.clone(),
        demo: false,
        ..catalyse_web::Config::default()
    };
    failing.bind = "127.0.0.1:0".into();
    failing.smtp_url = Some(catalyse_web::config::Secret("smtp://127.0.0.1:9".into()));
    let down = catalyse_web::boot::state(store.clone(), failing)
        .await
        .unwrap();
    assert_eq!(send_weekly_digests(&down, t0).await.unwrap(), 0);
    drop(down);
    assert!(app.outbox().is_empty());

    let state = state_beside(&app).await;
    let t1 = t0 + Duration::minutes(1);
    // Ana and Chloe; not Bea (she does not want it), not Zoe (another cohort's).
    assert_eq!(send_weekly_digests(&state, t1).await.unwrap(), 2);
    let to_ana = mails_to(&app, "ana@exemple.fr");
    assert_eq!(to_ana.len(), 1);
    let (subject, text) = &to_ana[0];
    assert_eq!(
        subject,
        "Cette semaine dans l'espace d'échanges — Cohorte printemps"
    );
    assert!(text.contains("(2 messages)"), "{text}");
    assert!(text.contains("Nouvelles **de la semaine**"));
    assert!(text.contains("Chloé Petit, le "), "{text}");
    assert!(text.contains("en réponse à Béa Roux"), "{text}");
    assert!(!text.contains("Il y a longtemps") && !text.contains("Rien à voir"));
    assert!(text.contains("/parcours/printemps/echanges#courriels"));
    // Chloe's digest lists what others wrote, not her own answer.
    let to_chloe = mails_to(&app, "chloe@exemple.fr");
    assert_eq!(to_chloe.len(), 1);
    assert!(to_chloe[0].1.contains("(1 message)"), "{}", to_chloe[0].1);
    assert!(!to_chloe[0].1.contains("Réponse de la semaine"));
    assert!(mails_to(&app, "bea@exemple.fr").is_empty());
    assert!(mails_to(&app, "zoe@exemple.fr").is_empty());

    // Once a week: not again in the days after, even with new posts.
    assert_eq!(
        send_weekly_digests(&state, t1 + Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    post(None, bea.id, "Encore une nouvelle", t1 + Duration::days(3)).await;
    assert_eq!(
        send_weekly_digests(&state, t1 + Duration::days(4))
            .await
            .unwrap(),
        0
    );
    // A week later: the new post.
    let t2 = t1 + Duration::days(7) + Duration::minutes(1);
    assert_eq!(send_weekly_digests(&state, t2).await.unwrap(), 2);
    let to_ana = mails_to(&app, "ana@exemple.fr");
    assert_eq!(to_ana.len(), 2);
    assert!(to_ana
        .iter()
        .any(|(_, b)| b.contains("Encore une nouvelle") && !b.contains("Nouvelles **de")));
    // A week with nothing new: nothing sent, and the next is a week later still.
    let t3 = t2 + Duration::days(7) + Duration::minutes(1);
    assert_eq!(send_weekly_digests(&state, t3).await.unwrap(), 0);
    post(None, bea.id, "Enfin du nouveau", t3 + Duration::hours(1)).await;
    assert_eq!(
        send_weekly_digests(&state, t3 + Duration::days(2))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        send_weekly_digests(&state, t3 + Duration::days(7) + Duration::minutes(1))
            .await
            .unwrap(),
        2
    );
    // Whoever turns it off gets no more.
    store.set_cohort_mail(c, ana.id, true, false).await.unwrap();
    post(None, bea.id, "Toujours là", t3 + Duration::days(8)).await;
    assert_eq!(
        send_weekly_digests(&state, t3 + Duration::days(14) + Duration::minutes(2))
            .await
            .unwrap(),
        1
    );
    assert_eq!(mails_to(&app, "ana@exemple.fr").len(), 3);
    assert_eq!(mails_to(&app, "chloe@exemple.fr").len(), 4);
    no_address_of_others(
        &app,
        &["ana@exemple.fr", "bea@exemple.fr", "chloe@exemple.fr"],
    );
    drop(state);
    app.stop().await;
}

both_databases!(
    parcours_space_of_the_demo_pilot_has_example_messages,
    demo_pilot
);
async fn demo_pilot(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store.clone(), |c| c.demo = true).await;
    app.sign_in_as("animatrice@exemple.fr", Role::Moderator)
        .await;
    let pilot = store
        .cohort("pilote-co-construction-territoriale")
        .await
        .unwrap()
        .unwrap();
    let posts = store.posts(pilot.id).await.unwrap();
    assert_eq!(posts.len(), 10);
    assert_eq!(posts.iter().filter(|p| p.parent_id.is_none()).count(), 4);
    let page = app
        .get("/parcours/pilote-co-construction-territoriale/echanges")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("données d&#39;exemple") || page.body.contains("données d'exemple"));
    assert!(page.body.contains("<strong>journée conclusive</strong>"));
    assert!(page
        .body
        .contains("<li>inviter les entreprises par leur club local ;</li>"));
    app.stop().await;
}
