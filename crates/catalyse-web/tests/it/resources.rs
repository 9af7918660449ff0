//! The resource centre end to end: search pages, the kit, document pages, the lever pages,
//! the Atom feed, OAI-PMH and the API.

use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

both_databases!(resource_pages_search_and_feeds, pages);
async fn pages(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    // The seed's kit is there, searchable in French without accents.
    let s = app.get("/ressources?q=evaluer+un+partenariat").await;
    assert_eq!(s.status, StatusCode::OK);
    let first = s
        .body
        .find("/ressources/evaluer-l-utilite-societale-des-partenariats")
        .unwrap();
    let other = s
        .body
        .find("/ressources/check-list-evaluation-des-partenariats")
        .unwrap();
    assert!(first < other, "the method comes first");
    assert!(s.body.contains("<mark>"), "highlighted");
    assert!(
        s.body.contains("name=\"nature\" value=\"methode\""),
        "facets"
    );
    // Filters combine; a bad one is explained, not a 500.
    let f = app
        .get("/ressources?q=partenariat&nature=boite-a-outils")
        .await;
    assert!(!f
        .body
        .contains("/ressources/evaluer-l-utilite-societale-des-partenariats\""));
    let bad = app.get("/ressources?nature=roman").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("nature inconnue"));

    let kit = app.get("/ressources/kit").await;
    assert!(kit.body.contains("Fiches outil"));
    assert!(kit.body.contains("Se former"));

    let r = app.get("/ressources/realiser-une-etude-territoriale").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("résumé à compléter"));
    assert!(r.body.contains("application/ld+json"));
    assert!(r.body.contains("\"@type\":\"CreativeWork\""));
    assert!(r.body.contains("Ressources proches"));
    assert_eq!(
        app.get("/ressources/absente").await.status,
        StatusCode::NOT_FOUND
    );

    let lever = app.get("/leviers/evaluer-sa-pertinence").await;
    assert!(lever
        .body
        .contains("/ressources/evaluer-l-utilite-societale-des-partenariats"));

    let atom = app.get("/ressources/flux.atom").await;
    assert!(atom
        .header("content-type")
        .starts_with("application/atom+xml"));
    assert!(atom.body.contains("<entry>"));

    let identify = app.get("/oai?verb=Identify").await;
    assert!(identify.header("content-type").starts_with("text/xml"));
    assert!(identify
        .body
        .contains("<protocolVersion>2.0</protocolVersion>"));
    let list = app
        .get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=nature-methode")
        .await;
    assert_eq!(list.body.matches("<header>").count(), 9, "{}", list.body);
    let bad = app.get("/oai?verb=Nope").await;
    assert!(bad.body.contains("code=\"badVerb\""));
    app.stop().await;
}

both_databases!(resource_api, api);
async fn api(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let r = app
        .get("/api/v1/resources?q=etude+territoriale&nature=methode")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["items"][0]["slug"], "realiser-une-etude-territoriale");
    assert_eq!(v["items"][0]["nature"], "methode");
    assert!(v["items"][0]["levers"].is_array());
    assert!(v["total"].as_u64().unwrap() >= 1);
    assert_eq!(v["facets"]["nature"][0]["value"], "methode");
    let id = v["items"][0]["id"].as_i64().unwrap();
    let one = app.get(&format!("/api/v1/resources/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/resources/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/resources/abc").await.status,
        StatusCode::BAD_REQUEST
    );
    let bad = app.get("/api/v1/resources?sort=random").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad
        .header("content-type")
        .starts_with("application/problem+json"));
    app.stop().await;
}
