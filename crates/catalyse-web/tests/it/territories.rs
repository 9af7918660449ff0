//! Territory search and portraits.

use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

both_databases!(territory_search_page, search);
async fn search(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let a = app.get("/territoires").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("role=\"search\""));
    // Every page carries the search form in its header.
    assert!(app
        .get("/leviers")
        .await
        .body
        .contains("id=\"recherche-entete\""));

    // Homonyms are told apart by their department; accents and case do not matter.
    let a = app.get("/territoires?q=A").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("3 territoire(s) trouvé(s)"), "{}", a.body);
    assert!(
        a.body.contains("L&#39;Abergement-Clémenciat")
            || a.body.contains("L'Abergement-Clémenciat")
    );
    assert!(a.body.contains("Ain (01)"));
    // A single answer leads straight to the portrait.
    let a = app.get("/territoires?q=SAINT%20etienne").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.header("location"),
        "/territoires/commune/42218-saint-etienne"
    );
    let a = app.get("/territoires?q=42100").await;
    assert_eq!(
        a.header("location"),
        "/territoires/commune/42218-saint-etienne"
    );
    let a = app.get("/territoires?q=zzzz").await;
    assert!(a.body.contains("Aucun territoire ne correspond"));
    app.stop().await;
}

both_databases!(territory_portraits, portraits);
async fn portraits(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let a = app.get("/territoires/commune/42218-saint-etienne").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("<h1>Saint-Étienne</h1>"));
    assert!(
        a.body.contains("173\u{202f}000"),
        "population in French digits"
    );
    assert!(a.body.contains("Part de la population (Loire)"));
    assert!(a.body.contains("22\u{a0}%"), "173,000 of 770,000");
    assert!(a.body.contains("href=\"/territoires/department/42-loire\""));
    assert!(a
        .body
        .contains("href=\"/territoires/region/84-auvergne-rhone-alpes\""));
    assert!(a.body.contains("42000, 42100"));

    // The code alone, or an old slug, leads to the canonical address.
    for old in [
        "/territoires/commune/42218",
        "/territoires/commune/42218-st-etienne",
    ] {
        let r = app.get(old).await;
        assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(
            r.header("location"),
            "/territoires/commune/42218-saint-etienne"
        );
    }
    let region = app.get("/territoires/region/84-auvergne-rhone-alpes").await;
    assert!(region.body.contains("Départements (2)"));
    assert!(region
        .body
        .contains("href=\"/territoires/department/01-ain\""));
    let dep = app.get("/territoires/department/01-ain").await;
    assert!(dep.body.contains("Communes (1)"));

    for missing in [
        "/territoires/commune/99999",
        "/territoires/canton/42218",
        "/territoires/region/42218-x",
    ] {
        assert_eq!(
            app.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    app.stop().await;
}
