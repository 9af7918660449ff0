//! The kit de formation end to end: a visitor goes through a module with her signed cookie, a
//! member with her account (and `/formation` says she completed it), quiz feedback, a
//! reflection no one else reads, refused posts that write nothing, the animators' editor,
//! and the page cache that never shows one person's progress to another.

use crate::TestApp;
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

const MODULE: &str = "/formation/metier-catalyseur";

/// A page's text with the apostrophes and quotes askama escapes written back.
trait Text {
    fn text(&self) -> String;
}

impl Text for crate::Answer {
    fn text(&self) -> String {
        (self.body)
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    }
}

fn email(s: &str) -> catalyse_core::Email {
    catalyse_core::Email::parse(s).unwrap()
}

/// Posts unit `n`'s form as the browser shows it (its key and CSRF token from the page).
async fn post_unit(app: &TestApp, n: usize, extra: &[(&str, &str)]) -> crate::Answer {
    let page = format!("{MODULE}/{n}");
    let shown = app.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK, "{page}");
    let key = shown.field("unite");
    let csrf = shown.field("csrf");
    let mut fields = vec![("unite", key.as_str())];
    fields.extend_from_slice(extra);
    app.post_with_csrf(&csrf, &page, &fields).await
}

/// The quiz of the module answered with two right answers of three.
const ANSWERS: [(&str, &str); 4] = [("q1", "2"), ("q2", "0"), ("q2", "2"), ("q3", "0")];

both_databases!(
    a_visitor_goes_through_a_module_with_her_cookie,
    visitor_module
);
async fn visitor_module(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let home = app.get("/").await;
    assert!(
        home.text().contains("<a href=\"/formation\">"),
        "the home page's card"
    );
    let list = app.get("/formation").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("Les 7 leviers d'un projet novateur"));
    assert!(list.text().contains("Le métier de catalyseur territorial"));
    assert!(list.text().contains("contenu d'exemple"));
    assert!(list.text().contains("sur cet appareil seulement"));
    assert!(list.text().contains("0 unité faite sur 5"), "{}", list.body);
    let module = app.get(MODULE).await;
    assert!(module.text().contains("Commencer le module"));
    assert!(module
        .text()
        .contains("href=\"/formation/metier-catalyseur/5\""));
    // A reading: the resource's page and its title from the centre.
    let first = app.get(&format!("{MODULE}/1")).await;
    assert!(first
        .text()
        .contains("href=\"/ressources/animer-la-co-construction-territoriale\""));
    assert!(first
        .text()
        .contains(">Animer la co-construction territoriale<"));
    assert!(first.text().contains("Unité 1 sur 5"));
    assert!(first.text().contains("rel=\"next\""));
    assert!(!first.text().contains("rel=\"prev\""));
    let done = post_unit(&app, 1, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), format!("{MODULE}/1#etat"));
    let cookie = (done.set_cookies().into_iter())
        .find(|c| c.starts_with("__Host-formation="))
        .expect("the progress cookie");
    for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age="] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(app
        .get(&format!("{MODULE}/1"))
        .await
        .text()
        .contains("Unité faite."));
    assert_eq!(post_unit(&app, 2, &[]).await.status, StatusCode::SEE_OTHER);
    // A replay: the 2019 session's page.
    let replay = app.get(&format!("{MODULE}/3")).await;
    assert!(replay
        .text()
        .contains("href=\"/evenements/webinaire-2019-07-18\""));
    assert!(replay.text().contains("Mobiliser les compétences"));
    assert_eq!(post_unit(&app, 3, &[]).await.status, StatusCode::SEE_OTHER);
    // The quiz: each answer gets its feedback, the score shows, the unit is done.
    let quiz = post_unit(&app, 4, &ANSWERS).await;
    assert_eq!(quiz.status, StatusCode::OK, "{}", quiz.body);
    assert_eq!(quiz.text().matches("Bonne réponse.").count(), 2);
    assert_eq!(quiz.text().matches("Pas tout à fait.").count(), 1);
    assert!(quiz.text().contains("La bonne réponse : « 2014 »."));
    assert!(quiz
        .text()
        .contains("Dès 2014, les pionniers ont créé un réseau informel"));
    assert!(quiz.text().contains("Votre score : 2 sur 3."));
    // A visitor's reflection is not kept: she marks it done.
    let reflection = app.get(&format!("{MODULE}/5")).await;
    assert!(reflection.text().contains("notez-la de votre côté"));
    assert!(!reflection.text().contains("<textarea"));
    assert!(
        reflection.text().contains("rel=\"prev\"") && !reflection.text().contains("rel=\"next\"")
    );
    let marked = post_unit(&app, 5, &[("texte", "ce texte ne va nulle part")]).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    let module = app.get(MODULE).await;
    assert!(module
        .text()
        .contains("Vous avez fait toutes les unités de ce module."));
    assert!(module.text().contains("(score 2/3)"));
    let list = app.get("/formation").await;
    assert!(
        list.text().contains("5 unités faites sur 5"),
        "{}",
        list.body
    );
    // A cookie not signed by the platform counts for nothing.
    app.set_cookie_value(
        "__Host-formation",
        "metier-catalyseur:lire-animer.lire-accompagnement!signature",
    );
    assert!(app
        .get("/formation")
        .await
        .text()
        .contains("0 unité faite sur 5"));
    app.stop().await;
}

both_databases!(
    a_member_completes_a_module_and_the_kit_says_so,
    member_module
);
async fn member_module(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("jo@exemple.fr", Role::Member).await;
    let me = store
        .user_by_email(&email("jo@exemple.fr"))
        .await
        .unwrap()
        .unwrap();
    for n in 1..=3 {
        let r = post_unit(&app, n, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r
            .set_cookies()
            .iter()
            .all(|c| !c.starts_with("__Host-formation")));
    }
    // A quiz with a question left unanswered: a French error, nothing recorded.
    let partial = post_unit(&app, 4, &ANSWERS[..3]).await;
    assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(partial
        .text()
        .contains("href=\"#q3\">Question 3 : choisissez une réponse"));
    let done = |store: Arc<dyn Store>| async move {
        (store
            .formation_units_done(me.id, "metier-catalyseur")
            .await
            .unwrap())
        .len()
    };
    assert_eq!(done(store.clone()).await, 3);
    let quiz = post_unit(&app, 4, &ANSWERS).await;
    assert_eq!(quiz.status, StatusCode::OK);
    assert!(quiz.text().contains("Votre score : 2 sur 3."));
    // Her answers and their feedback are there when she comes back.
    let back = app.get(&format!("{MODULE}/4")).await;
    assert!(back.text().contains("Pas tout à fait."));
    assert!(back
        .text()
        .contains("id=\"q1-2\" name=\"q1\" value=\"2\" checked"));
    // A reflection: empty is refused; then kept, hers only.
    let empty = post_unit(&app, 5, &[("texte", "   ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty
        .text()
        .contains("Écrivez votre réflexion avant de l'enregistrer."));
    assert_eq!(done(store.clone()).await, 4);
    let secret = "Je pratique surtout le dialogue territorial";
    let saved = post_unit(&app, 5, &[("texte", secret)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("{MODULE}/5")).await;
    assert!(page.text().contains(secret));
    assert!(page.text().contains("Enregistrée le"));
    assert!(page.header("cache-control").contains("private"));
    let list = app.get("/formation").await;
    assert!(list.text().contains("Module terminé le"), "{}", list.body);
    assert!(list.text().contains("5 unités faites sur 5"));
    assert!(list.text().contains("enregistrée dans votre compte"));
    let completed = store.completed_formation_modules(me.id).await.unwrap();
    assert_eq!(completed.len(), 1);
    assert_eq!((completed[0].done, completed[0].total), (5, 5));
    // Nobody else reads it: another member, an animator (her pages and the editor).
    app.sign_in_as("cam@exemple.fr", Role::Member).await;
    let theirs = app.get(&format!("{MODULE}/5")).await;
    assert!(!theirs.text().contains(secret));
    assert!(app
        .get("/formation")
        .await
        .text()
        .contains("0 unité faite sur 5"));
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    for page in [
        format!("{MODULE}/5"),
        "/admin/formation".into(),
        "/admin/formation/metier-catalyseur".into(),
        "/admin".into(),
    ] {
        let r = app.get(&page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert!(!r.text().contains(secret), "{page}");
    }
    app.stop().await;
}

both_databases!(
    refused_posts_say_why_in_french_and_write_nothing,
    refused_posts
);
async fn refused_posts(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("jo@exemple.fr", Role::Member).await;
    let me = store
        .user_by_email(&email("jo@exemple.fr"))
        .await
        .unwrap()
        .unwrap();
    let page = format!("{MODULE}/1");
    let csrf = app.get(&page).await.field("csrf");
    // No token, a wrong one: refused.
    let none = (app.request(
        reqwest::Method::POST,
        &page,
        Some(&[("unite", "lire-animer")]),
        &[],
    ))
    .await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    let wrong = app
        .post_with_csrf("x", &page, &[("unite", "lire-animer")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // The page was of another unit (the module changed since).
    let moved = app
        .post_with_csrf(&csrf, &page, &[("unite", "quiz-familles")])
        .await;
    assert_eq!(moved.status, StatusCode::CONFLICT);
    assert!(moved
        .text()
        .contains("Ce module a changé depuis que vous avez ouvert cette page"));
    // No such unit or module.
    let far = (app.post_with_csrf(&csrf, &format!("{MODULE}/99"), &[("unite", "x")])).await;
    assert_eq!(far.status, StatusCode::NOT_FOUND);
    let nowhere = (app.post_with_csrf(&csrf, "/formation/inconnu/1", &[("unite", "x")])).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{MODULE}/0")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{MODULE}/un")).await.status,
        StatusCode::NOT_FOUND
    );
    // Answers that do not exist, two answers to a one-answer question.
    let quiz = post_unit(
        &app,
        4,
        &[("q1", "9"), ("q2", "0"), ("q3", "0"), ("q3", "1")],
    )
    .await;
    assert_eq!(quiz.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(quiz
        .text()
        .contains("Question 1 : cette réponse n'existe pas"));
    assert!(quiz
        .text()
        .contains("Question 3 : une seule réponse est attendue"));
    assert!(!quiz.text().contains("Bonne réponse."));
    // A reflection too long.
    let long = "a".repeat(5_001);
    let r = post_unit(&app, 5, &[("texte", &long)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .contains("Votre réflexion fait plus de 5\u{202f}000 caractères"));
    let units = store
        .formation_units_done(me.id, "metier-catalyseur")
        .await
        .unwrap();
    assert!(units.is_empty(), "{units:?}");
    assert!(store
        .formation_reflection(me.id, "metier-catalyseur", "reflexion-pratique")
        .await
        .unwrap()
        .is_none());
    app.stop().await;
}

both_databases!(
    the_page_cache_never_shows_ones_progress_to_another,
    cached_progress
);
async fn cached_progress(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| c.page_cache_seconds = 600).await;
    // A visitor without progress: her list is kept for the next visitor.
    let plain = app.get("/formation").await;
    assert!(plain.text().contains("0 unité faite sur 5"));
    assert!(!plain.header("cache-control").contains("private"));
    // Another visitor completes a unit (a write: every kept page is forgotten).
    assert_eq!(post_unit(&app, 1, &[]).await.status, StatusCode::SEE_OTHER);
    let cookie = app.cookie("__Host-formation").expect("progress cookie");
    // Visitors without progress: their pages are kept again (the second from memory).
    app.forget_cookies();
    for _ in 0..2 {
        assert!(app
            .get("/formation")
            .await
            .text()
            .contains("0 unité faite sur 5"));
        assert!(app.get(MODULE).await.text().contains("0 unité faite sur 5"));
    }
    // The one with progress is never answered with the page kept for the others, and hers
    // are hers only.
    app.set_cookie_value("__Host-formation", &cookie);
    for page in ["/formation", MODULE] {
        let mine = app.get(page).await;
        assert!(mine.text().contains("1 unité faite sur 5"), "{page}");
        assert!(mine.header("cache-control").contains("private"), "{page}");
    }
    // Nor is hers kept for the others.
    app.forget_cookies();
    assert!(app
        .get("/formation")
        .await
        .text()
        .contains("0 unité faite sur 5"));
    app.stop().await;
}

both_databases!(
    the_editor_is_for_animators_and_checks_everything,
    admin_editor
);
async fn admin_editor(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let edit = "/admin/formation/metier-catalyseur";
    // A visitor is sent to sign in; a member is refused, reading or writing.
    let visitor = app.get("/admin/formation").await;
    assert_eq!(visitor.status, StatusCode::SEE_OTHER);
    assert!(visitor.header("location").starts_with("/connexion"));
    app.sign_in_as("jo@exemple.fr", Role::Member).await;
    assert_eq!(
        app.get("/admin/formation").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(edit).await.status, StatusCode::FORBIDDEN);
    let csrf = app
        .get("/formation/metier-catalyseur/1")
        .await
        .field("csrf");
    let refused = app.post_with_csrf(&csrf, edit, &[("titre", "Pris")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let reset = format!("{edit}/version-livree");
    let refused = app
        .post_with_csrf(&csrf, &reset, &[("revision", "1")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // An animator: the list, the form.
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let list = app.get("/admin/formation").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list
        .text()
        .contains("href=\"/admin/formation/sept-leviers\""));
    assert!(list.text().contains("Version du fichier livré"));
    let form = app.get(edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.field("unites"), "6");
    assert_eq!(form.field("u3_cle"), "quiz-familles");
    let revision = form.field("revision");
    let csrf = form.field("csrf");
    let before = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    // The form as shown, with changes: a new title, the reflection first, the replay
    // removed, a unit added in the empty group.
    let mut fields: Vec<(String, String)> = vec![
        ("revision".into(), revision.clone()),
        ("titre".into(), "Le métier, en bref".into()),
        ("resume".into(), before.module.summary.clone()),
        ("exemple".into(), "oui".into()),
        ("unites".into(), "6".into()),
    ];
    let drafts = [
        (
            "lire-animer",
            "10",
            "resource",
            "",
            "/ressources/animer-la-co-construction-territoriale",
            "",
        ),
        (
            "lire-accompagnement",
            "20",
            "resource",
            "",
            "note-diversite-modes-accompagnement",
            "",
        ),
        (
            "revoir-competences",
            "30",
            "replay",
            "",
            "webinaire-2019-07-18",
            "",
        ),
        (
            "quiz-familles",
            "40",
            "quiz",
            "Quiz",
            "",
            "? Oui ?\n+ oui\n- non\n= Parce que.",
        ),
        (
            "reflexion-pratique",
            "5",
            "reflection",
            "Réflexion",
            "",
            "Que faites-vous ?",
        ),
        ("", "60", "reflection", "Une de plus", "", "Et ensuite ?"),
    ];
    for (i, (key, order, kind, title, target, text)) in drafts.iter().enumerate() {
        for (name, value) in [
            ("cle", *key),
            ("ordre", *order),
            ("type", *kind),
            ("titre", *title),
            ("cible", *target),
            ("texte", *text),
            ("minutes", "10"),
        ] {
            fields.push((format!("u{i}_{name}"), value.to_string()));
        }
    }
    fields.push(("u2_supprimer".into(), "oui".into()));
    let post = |fields: Vec<(String, String)>| {
        let app = &app;
        let csrf = csrf.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.post_with_csrf(&csrf, edit, &pairs).await
        }
    };
    // Wrong first: an unknown resource, a quiz that does not read, a unit without title.
    let mut bad = fields.clone();
    let set = |f: &mut Vec<(String, String)>, k: &str, v: &str| {
        f.iter_mut().find(|(n, _)| n == k).unwrap().1 = v.to_string();
    };
    set(&mut bad, "u1_cible", "pas-une-ressource");
    let r = post(bad.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("href=\"#u1_cible\">Unité 2 : la ressource « pas-une-ressource » n'existe pas dans le centre de ressources"), "{}", r.body);
    set(&mut bad, "u3_texte", "Oui ?\n+ oui");
    set(&mut bad, "u4_titre", "");
    let r = post(bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Unité 4 : ligne 1 :"), "{}", r.body);
    assert!(r.text().contains("Unité 5 : le titre manque"), "{}", r.body);
    // The form comes back as sent.
    assert!(r.text().contains("value=\"Le métier, en bref\""));
    let unchanged = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, before, "nothing written");
    // Right: saved, in the new order.
    let ok = post(fields.clone()).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let after = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.module.title, "Le métier, en bref");
    // Its Open Badge follows its title.
    let badge = store.achievement("module-metier-catalyseur").await.unwrap();
    assert_eq!(badge.unwrap().fields.name, "Module « Le métier, en bref »");
    let keys: Vec<&str> = after.module.units.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "reflexion-pratique",
            "lire-animer",
            "lire-accompagnement",
            "quiz-familles",
            "u1"
        ]
    );
    assert!(after.edited_at.is_some());
    assert!(app.get(MODULE).await.text().contains("Le métier, en bref"));
    // Saved again from the old form: someone else's edit is not overwritten.
    let stale = post(fields).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale
        .text()
        .contains("Ce module a été modifié par quelqu'un d'autre"));
    // Back to the shipped file's version.
    let form = app.get(edit).await;
    assert!(form
        .text()
        .contains("Revenir à la version du fichier livré"));
    let back = (app.post_with_csrf(&csrf, &reset, &[("revision", &form.field("revision"))])).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let shipped = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipped.module, before.module);
    assert!(shipped.edited_at.is_none());
    app.stop().await;
}
