//! Public pages: French first, English on request, accessible shell, headers, caching.

use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::{Method, StatusCode};
use std::sync::Arc;

const PAGES: &[(&str, &str)] = &[
    ("/", "La co-construction territoriale, en actions"),
    ("/leviers", "Comment qualifier une « preuve de concept » ?"),
    (
        "/leviers/apprendre-a-faire-alliance",
        "Avec qui et comment ?",
    ),
    ("/programme", "Analyse IMPACT-Territoires"),
    ("/metier", "Mettre à disposition un FabLab"),
    ("/connexion", "Mot de passe oublié ?"),
    ("/mot-de-passe-oublie", "Recevoir le lien"),
    ("/mentions-legales", "AGPL-3.0-or-later"),
    ("/accessibilite", "non conforme"),
    ("/donnees-personnelles", "__Host-session"),
];

both_databases!(public_pages_render_in_french, public_pages);
async fn public_pages(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    for (path, text) in PAGES {
        let a = app.get(path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.header("content-type").starts_with("text/html"), "{path}");
        assert!(a.body.contains("<html lang=\"fr\">"), "{path}");
        assert!(a.body.contains(text), "{path} lacks « {text} »");
        // The accessible shell: skip link to the main landmark, navigation, footer.
        assert!(a.body.contains("href=\"#contenu\""), "{path}");
        assert!(a.body.contains("<main id=\"contenu\""), "{path}");
        assert!(!a.body.contains("<script"), "{path} needs no JavaScript");
    }
    // The home page knows the geography it loaded and the 2019 milestones.
    let home = app.get("/").await;
    assert!(home.body.contains("Saint-Étienne") || home.body.contains("communes"));
    assert!(home.body.contains("30 octobre 2019"));
    // Lever pages link their neighbours; an unknown lever is a French 404 page.
    let l = app.get("/leviers/qualifier-son-innovation").await;
    assert!(l.body.contains("rel=\"next\""));
    let missing = app.get("/leviers/inconnu").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page introuvable"));
    assert_eq!(app.get("/nulle-part").await.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

both_databases!(english_is_one_click_away, english);
async fn english(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let a = app.get("/langue/en?retour=/leviers").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.header("location"), "/leviers");
    let page = app.get("/leviers").await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains("The 7 levers of an innovative project"));
    assert!(
        page.body.contains("Qualifier son innovation"),
        "seed content stays in French"
    );
    // Going back never leaves the site.
    let a = app.get("/langue/fr?retour=//evil.example").await;
    assert_eq!(a.header("location"), "/");
    assert!(app.get("/").await.body.contains("<html lang=\"fr\">"));
    assert_eq!(app.get("/langue/xx").await.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

both_databases!(headers_cache_and_compression, headers);
async fn headers(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let a = app.get("/").await;
    // A page without a form sets no cookie; a page with one gets its CSRF cookie.
    assert!(a.set_cookies().is_empty(), "{:?}", a.set_cookies());
    let login = app.get("/connexion").await;
    assert!(login
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("__Host-csrf=")));
    app.forget_cookies();
    let csp = a.header("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(a.header("x-content-type-options"), "nosniff");
    assert_eq!(a.header("referrer-policy"), "same-origin");
    assert!(!a.header("x-request-id").is_empty());
    // ETag, and 304 when the client has the page.
    let etag = a.header("etag").to_string();
    assert!(etag.starts_with('"'));
    let again = app
        .request(Method::GET, "/", None, &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // Compression.
    for enc in ["br", "gzip"] {
        let c = app
            .request(Method::GET, "/leviers", None, &[("accept-encoding", enc)])
            .await;
        assert_eq!(c.header("content-encoding"), enc);
    }
    // Assets: content-hashed URL, cached for a year.
    let css = a
        .body
        .split("href=\"/static/app.")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    let asset = app.get(&format!("/static/app.{css}")).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(asset.header("cache-control").contains("max-age=31536000"));
    assert!(asset.header("content-type").starts_with("text/css"));
    assert_eq!(
        app.get("/static/app.0000.css").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

both_databases!(operations_endpoints, operations);
async fn operations(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, crate::with_metrics).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.get("/leviers").await;
    let m = app.metrics().await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.body.contains(
            "catalyse_http_requests_total{method=\"GET\",route=\"/leviers\",status=\"200\"}"
        ),
        "{}",
        m.body
    );
    assert!(m
        .body
        .contains("catalyse_http_request_duration_seconds_bucket"));
    assert!(m.body.contains("catalyse_db_pool_connections"));
    app.stop().await;
}

both_databases!(home_leads_somewhere, home_live);
/// The home page is read from the data: the next webinar of the cycle with a way to register,
/// the figures as counted, and no card for what the platform does not do yet.
async fn home_live(store: Arc<dyn Store>) {
    use catalyse_core::agenda::{Event, EventKind};
    let now = chrono::Utc::now();
    let webinar = |slug: &str, title: &str, days: i64| Event {
        series: Some("webinaires-mensuels".into()),
        ..Event::scheduled(
            slug.into(),
            EventKind::Webinaire,
            title.into(),
            now + chrono::Duration::days(days),
            60,
            now,
        )
    };
    store
        .add_events(
            &[
                webinar("webinaire-passe", "Séance passée", -3),
                webinar(
                    "webinaire-prochain",
                    "Faire alliance avec les entreprises",
                    9,
                ),
                webinar("webinaire-suivant", "Évaluer sa pertinence", 40),
            ],
            now,
        )
        .await
        .unwrap();
    let app = TestApp::start(store).await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let body = &home.body;
    let next = body.split("id=\"webinaire\"").nth(1).unwrap();
    let next = next.split("</section>").next().unwrap();
    assert!(
        next.contains("href=\"/evenements/webinaire-prochain\""),
        "{next}"
    );
    assert!(next.contains("Faire alliance avec les entreprises"));
    assert!(next.contains("S&#39;inscrire"));
    assert!(!body.contains("Séance passée"));
    // Calls to action, and figures read from the data (no member, no place here).
    assert!(body.contains("href=\"/rejoindre\""));
    assert!(body.contains("href=\"/carte\""));
    assert!(body.contains("<strong>0</strong> membres au profil public"));
    assert!(body.contains("Aucun profil public pour l&#39;instant."));
    // Only what exists: no 9-month parcours, no 150 case studies, no fixed « 350 ».
    for promise in [
        "Plus de 350",
        "9 mois",
        "150 études de cas",
        "recueil des besoins",
    ] {
        assert!(!body.contains(promise), "the home promises « {promise} »");
    }
    // Régions counted as readers count them: the overseas collectivities apart.
    assert!(body.contains("régions"));
    // The navigation: a row, and a compact menu that opens without JavaScript, both with
    // the map.
    let nav = body.split("class=\"main-nav\"").nth(1).unwrap();
    let nav = nav.split("</nav>").next().unwrap();
    assert!(nav.contains("<details class=\"nav-menu\">"));
    assert_eq!(nav.matches("href=\"/carte\"").count(), 2);
    app.stop().await;
}
