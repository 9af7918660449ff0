//! Open Badges, the pages end to end: the catalogue, an achievement's page (its OB 3.0
//! `Achievement` as JSON when asked), its image, the API; the animators' forms (refusals in
//! French that write nothing, a manual award with its mail, « déjà détenu », archiving);
//! who may see what; a member's badges — public or not, hers only — and a badge received
//! again on her DID.

use crate::moderation::mails;
use crate::needs::text;
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::{Email, Role};
use catalyse_store::{both_databases, NewUser, Store};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

const CYCLE: &str = "/badges/cycle-des-7-leviers";

fn json(body: &str) -> Value {
    serde_json::from_str(body).expect("JSON")
}

both_databases!(badges_catalogue_pages_images_and_api, public_pages);
async fn public_pages(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let page = text(&app.get("/badges").await.body);
    for words in [
        "Cycle des 7 leviers",
        "Webinaire « Qualifier son innovation »",
        "Module « Le métier de catalyseur territorial »",
        "Parcours « co-construction territoriale »",
        "Open Badges 3.0",
        "recherche-action",
        "href=\"/verifier\"",
        "href=\"/connexion?retour=%2Fmes-badges\"",
        "href=\"/badges/cycle-des-7-leviers\"",
        "id=\"metier\"",
        "0 personne le détient",
    ] {
        assert!(page.contains(words), "{words}");
    }

    // An achievement's page: its criteria as Markdown, its rule, its alignments.
    let a = app.get(CYCLE).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.header("content-type").starts_with("text/html"));
    assert_eq!(a.header("vary"), "Accept");
    let body = text(&a.body);
    assert!(body.contains("<li>Qualifier son innovation</li>"), "{body}");
    assert!(body.contains("Délivré automatiquement quand des webinaires couvrant"));
    assert!(body.contains("href=\"/leviers/evaluer-sa-pertinence\""));
    assert!(body.contains("src=\"/badges/cycle-des-7-leviers/image.svg\""));
    let activity = text(&app.get("/badges/activite-mettre-en-relation").await.body);
    assert!(activity.contains("href=\"/metier#activite-mettre-en-relation\""));
    assert!(activity.contains("Attribué par un animateur qui atteste l'activité"));

    // Asked as JSON: the OB 3.0 Achievement — and the page cache keeps the two apart.
    for _ in 0..2 {
        let accept = [("accept", "application/json")];
        let j = app.request(Method::GET, CYCLE, None, &accept).await;
        assert_eq!(j.header("content-type"), "application/json");
        let v = json(&j.body);
        assert_eq!(v["type"], serde_json::json!(["Achievement"]));
        assert_eq!(
            v["@context"][1],
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        );
        assert_eq!(v["id"], format!("{}{CYCLE}", app.base));
        assert_eq!(v["image"]["id"], format!("{}{CYCLE}/image.svg", app.base));
        assert_eq!(v["alignment"].as_array().unwrap().len(), 7);
        let html = app.get(CYCLE).await;
        assert!(html.header("content-type").starts_with("text/html"));
    }

    // Its image: an SVG with its name as title, kept by caches.
    let img = app.get(&format!("{CYCLE}/image.svg")).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.header("content-type"), "image/svg+xml");
    assert!(img.header("cache-control").contains("public"));
    assert!(img
        .body
        .contains("<title id=\"titre\">Cycle des 7 leviers</title>"));
    assert_eq!(img.body, app.get(&format!("{CYCLE}/image.svg")).await.body);
    assert_eq!(
        app.get("/badges/inconnu").await.status,
        StatusCode::NOT_FOUND
    );
    let missing = app.get("/badges/inconnu/image.svg").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The API.
    let list = json(&app.get("/api/v1/achievements").await.body);
    let list = list.as_array().unwrap();
    let cycle = list
        .iter()
        .find(|a| a["slug"] == "cycle-des-7-leviers")
        .unwrap();
    assert_eq!(cycle["rule"]["kind"], "lever-cycle");
    assert_eq!(cycle["holders"], 0);
    assert_eq!(cycle["url"], format!("{}{CYCLE}", app.base));
    assert_eq!(cycle["image"], format!("{}{CYCLE}/image.svg", app.base));
    assert_eq!(cycle["levers"].as_array().unwrap().len(), 7);
    assert!(list.iter().any(|a| a["rule"]["kind"] == "activity"));
    let one = app.get("/api/v1/achievements/module-sept-leviers").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(json(&one.body)["rule"]["target"], "sept-leviers");
    let none = app.get("/api/v1/achievements/inconnu").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(none.header("content-type"), "application/problem+json");
    app.stop().await;
}

both_databases!(badges_who_may_see_what, access);
async fn access(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    for path in ["/mes-badges", "/admin/badges", "/admin/badges/nouveau"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.header("location").starts_with("/connexion?retour="),
            "{path}"
        );
    }
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    assert_eq!(app.get("/mes-badges").await.status, StatusCode::OK);
    for path in [
        "/admin/badges",
        "/admin/badges/nouveau",
        "/admin/badges/cycle-des-7-leviers",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let csrf = app.get("/mes-badges").await.field("csrf");
    let award = app
        .post_with_csrf(
            &csrf,
            "/admin/badges/attribuer",
            &[
                ("award-email", "membre@exemple.fr"),
                ("award-badge", "cycle-des-7-leviers"),
                ("award-reason", "Je me l'attribue."),
            ],
        )
        .await;
    assert_eq!(award.status, StatusCode::FORBIDDEN);
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let list = text(&app.get("/admin/badges").await.body);
    assert!(list.contains("Cycle des 7 leviers"));
    assert!(list.contains("Aucun badge n'a encore été délivré."));
    app.stop().await;
}

/// The achievement form as an animator fills it.
fn achievement_form<'a>(slug: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("badge-slug", slug),
        ("badge-name", name),
        (
            "badge-description",
            "A animé un premier tour de table des partenaires.",
        ),
        (
            "badge-criteria",
            "Avoir animé un tour de table, **devant témoins**.",
        ),
        ("badge-kind", "manual"),
        ("badge-target", ""),
        ("lever_apprendre-a-faire-alliance", "oui"),
        ("badge-tags", "animation, tour de table"),
    ]
}

both_databases!(badges_animators_create_award_and_archive, animators);
async fn animators(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let ana = app
        .user("ana@exemple.fr", TEST_PASSWORD, Role::Member)
        .await;
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let before = store.achievements(true).await.unwrap().len();

    // A form refused: each field says why, nothing is written.
    let bad = [
        ("badge-slug", "Tour De Table"),
        ("badge-name", ""),
        ("badge-description", "court"),
        ("badge-criteria", ""),
        ("badge-kind", "module"),
        ("badge-target", "lever:qualifier-son-innovation"),
        ("lever_inconnu", "oui"),
    ];
    let r = app
        .post_form("/admin/badges/nouveau", "/admin/badges", &bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&r.body);
    for message in [
        "L'adresse doit compter 3 à 80 caractères",
        "Donnez un nom de 3 à 120 caractères",
        "Donnez une description de 10 à 1 000 caractères",
        "Décrivez les critères",
        "Cette règle porte sur un module du kit : choisissez-en un.",
        "Un des leviers cochés n'existe pas.",
    ] {
        assert!(body.contains(message), "{message}");
    }
    assert!(
        body.contains("value=\"Tour De Table\""),
        "what she typed stays"
    );
    let reserved = achievement_form("emetteur", "L'émetteur");
    let r = app
        .post_form("/admin/badges/nouveau", "/admin/badges", &reserved)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r.body).contains("Cette adresse est réservée"));
    assert_eq!(store.achievements(true).await.unwrap().len(), before);

    // Created, then shown in the catalogue with its criteria as Markdown.
    let good = achievement_form("tour-de-table", "Animer un tour de table");
    let r = app
        .post_form("/admin/badges/nouveau", "/admin/badges", &good)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        "/admin/badges/tour-de-table?etat=cree"
    );
    let taken = app
        .post_form("/admin/badges/nouveau", "/admin/badges", &good)
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(text(&taken.body).contains("Un badge a déjà cette adresse"));
    let public = text(&app.get("/badges/tour-de-table").await.body);
    assert!(public.contains("<strong>devant témoins</strong>"));
    assert!(public.contains("Attribué par un animateur, avec un motif."));
    assert!(public.contains("<li class=\"tag\">tour de table</li>"));
    // Edited: a refusal keeps it as it was.
    let edit = "/admin/badges/tour-de-table";
    let r = app.post_form(edit, edit, &[("badge-name", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = store.achievement("tour-de-table").await.unwrap().unwrap();
    assert_eq!(a.fields.name, "Animer un tour de table");
    let mut renamed = achievement_form("ignoré", "Animer un tour de table des partenaires");
    renamed.retain(|f| f.0 != "badge-slug");
    let r = app.post_form(edit, edit, &renamed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = store.achievement("tour-de-table").await.unwrap().unwrap();
    assert_eq!(a.fields.name, "Animer un tour de table des partenaires");

    // A manual award: refused without a reason, or for an unknown address.
    let award = |email: &'static str, reason: &'static str| {
        let app = &app;
        async move {
            app.post_form(
                "/admin/badges",
                "/admin/badges/attribuer",
                &[
                    ("award-email", email),
                    ("award-badge", "tour-de-table"),
                    ("award-reason", reason),
                ],
            )
            .await
        }
    };
    let r = award("personne@exemple.fr", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&r.body);
    assert!(body.contains("Aucun compte n'a cette adresse électronique."));
    assert!(body.contains("Donnez le motif de l'attribution"));
    assert!(store.credentials_of(ana.id).await.unwrap().is_empty());
    let r = award(
        "ana@exemple.fr",
        "A animé le tour de table de Saint-Étienne.",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let held = store.credentials_of(ana.id).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(
        held[0].reason.as_deref(),
        Some("A animé le tour de table de Saint-Étienne.")
    );
    app.outbox_with(1).await;
    let mail = (mails(&app).into_iter())
        .find(|m| m.0.contains("ana@exemple.fr"))
        .expect("a mail to the earner");
    assert_eq!(
        mail.1,
        "Vous avez reçu un badge : Animer un tour de table des partenaires"
    );
    assert!(mail
        .2
        .contains("Motif : A animé le tour de table de Saint-Étienne."));
    assert!(mail.2.contains(&format!("/credentials/{}", held[0].id)));
    // Twice: « déjà détenu », nothing more.
    let r = award("ana@exemple.fr", "Une seconde fois.").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(text(&r.body).contains("Badge déjà détenu"));
    assert_eq!(store.credentials_of(ana.id).await.unwrap().len(), 1);
    // The lists show it.
    let list = text(&app.get("/admin/badges").await.body);
    assert!(list.contains("Test ana@exemple.fr"));
    assert!(list.contains("attribué par un animateur"));
    let one = text(&app.get(edit).await.body);
    assert!(one.contains("1 personne le détient"));

    // Archived: out of the catalogue and of the API's list, not awarded; its page stays.
    let r = app
        .post_form(edit, &format!("{edit}/archiver"), &[("archive", "oui")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!app
        .get("/badges")
        .await
        .body
        .contains("/badges/tour-de-table\""));
    assert!(!app
        .get("/api/v1/achievements")
        .await
        .body
        .contains("tour-de-table"));
    let page = text(&app.get("/badges/tour-de-table").await.body);
    assert!(page.contains("Ce badge n'est plus délivré."));
    let r = award("anim@exemple.fr", "Pour moi aussi.").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r.body).contains("Choisissez un badge de la liste."));
    let r = app
        .post_form(edit, &format!("{edit}/archiver"), &[("archive", "non")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app
        .get("/badges")
        .await
        .body
        .contains("/badges/tour-de-table\""));
    app.stop().await;
}

both_databases!(badges_mine_public_hers_only_and_a_did, mine);
async fn mine(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    // An example account: her badges say « données d'exemple ».
    let hash = catalyse_web::auth::hash_password(TEST_PASSWORD.into())
        .await
        .unwrap();
    let ana = store
        .create_user(
            &NewUser {
                email: Email::parse("ana@exemple.fr").unwrap(),
                display_name: "Ana (données d'exemple)".into(),
                role: Role::Member,
                password_hash: hash,
                is_example: true,
                email_verified: true,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let r = app
        .post_form(
            "/admin/badges",
            "/admin/badges/attribuer",
            &[
                ("award-email", "ana@exemple.fr"),
                ("award-badge", "activite-mettre-en-relation"),
                (
                    "award-reason",
                    "A mis en relation deux associations du quartier.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(text(&app.get("/admin/badges").await.body).contains("données d'exemple"));
    let c = store.credentials_of(ana.id).await.unwrap().remove(0);
    assert!(!c.public);

    // Someone else cannot touch it.
    app.sign_in_as("zoe@exemple.fr", Role::Member).await;
    let zoe = text(&app.get("/mes-badges").await.body);
    assert!(zoe.contains("Vous n'avez pas encore de badge."));
    assert!(zoe.contains("il vous reste 7 leviers"), "{zoe}");
    let csrf = app.get("/mes-badges").await.field("csrf");
    let public = format!("/mes-badges/{}/public", c.id);
    let r = app
        .post_with_csrf(&csrf, &public, &[("public", "oui")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let did = format!("/mes-badges/{}/did", c.id);
    let r = app
        .post_with_csrf(&csrf, &did, &[("did", "did:web:zoe.exemple.fr")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let c = store.credential(&c.id).await.unwrap().unwrap();
    assert!(!c.public && !c.is_revoked());

    // Hers: what it is, where to download and share it; public, then not.
    app.forget_cookies();
    app.login("ana@exemple.fr", TEST_PASSWORD).await;
    let page = app.get("/mes-badges").await;
    assert!(page.header("cache-control").contains("no-store"));
    let body = text(&page.body);
    for words in [
        "Mettre en relation".to_string(),
        "données d'exemple".to_string(),
        format!("href=\"/credentials/{}/badge.jwt\"", c.id),
        format!("href=\"/credentials/{}/badge.json\"", c.id),
        format!("{}/credentials/{}", app.base, c.id),
        "valide".to_string(),
        "Recevoir ce badge sur mon identifiant DID".to_string(),
    ] {
        assert!(body.contains(&words), "{words}");
    }
    let r = app
        .post_form("/mes-badges", &public, &[("public", "oui")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.credential(&c.id).await.unwrap().unwrap().public);
    let r = app
        .post_form("/mes-badges", &public, &[("public", "non")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!store.credential(&c.id).await.unwrap().unwrap().public);
    app.post_form("/mes-badges", &public, &[("public", "oui")])
        .await;

    // On her DID: a DID that does not read is refused, nothing changes.
    for bad in ["pas un did", "did:web", "https://exemple.fr"] {
        let r = app.post_form("/mes-badges", &did, &[("did", bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(text(&r.body).contains("Saisissez un identifiant DID de la forme"));
    }
    assert!(!store.credential(&c.id).await.unwrap().unwrap().is_revoked());
    let r = app
        .post_form("/mes-badges", &did, &[("did", "did:web:ana.exemple.fr")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let old = store.credential(&c.id).await.unwrap().unwrap();
    assert_eq!(old.revoked_reason.as_deref(), Some("Réémis vers un DID"));
    let all = store.credentials_of(ana.id).await.unwrap();
    assert_eq!(all.len(), 2);
    let new = all.iter().find(|x| !x.is_revoked()).unwrap();
    assert!(new.public, "it stays public");
    assert_eq!(new.reason, old.reason);
    let payload = new.jwt.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&catalyse_core::badges::jws::b64url_decode(payload).unwrap())
            .unwrap();
    assert_eq!(claims["credentialSubject"]["id"], "did:web:ana.exemple.fr");
    assert_eq!(claims["sub"], "did:web:ana.exemple.fr");
    let body = text(&app.get("/mes-badges?etat=did").await.body);
    assert!(body.contains("Le badge a été réémis vers votre identifiant DID"));
    assert!(body.contains("Réémis vers un DID"));
    // A revoked one is not reissued.
    let again = format!("/mes-badges/{}/did", old.id);
    let r = app
        .post_form("/mes-badges", &again, &[("did", "did:web:ana.exemple.fr")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.credentials_of(ana.id).await.unwrap().len(), 2);
    app.stop().await;
}
