//! The JSON API: reference frame, territories, errors as problem+json, the OpenAPI document.

use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;

fn json(body: &str) -> Value {
    serde_json::from_str(body).expect("JSON")
}

/// `path` is answered with this status, as a problem document.
async fn assert_problem(app: &TestApp, path: &str, status: StatusCode) {
    let a = app.get(path).await;
    assert_eq!(a.status, status, "{path}");
    assert_eq!(
        a.header("content-type"),
        "application/problem+json",
        "{path}"
    );
}

both_databases!(reference_frame_api, reference_frame);
async fn reference_frame(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let levers = json(&app.get("/api/v1/levers").await.body);
    assert_eq!(levers.as_array().unwrap().len(), 7);
    assert_eq!(levers[6]["slug"], "evaluer-sa-pertinence");
    let lever = json(&app.get("/api/v1/levers/definir-sa-strategie").await.body);
    assert_eq!(lever["questions"][1], "Quelle ambition ?");
    let metier = json(&app.get("/api/v1/metier").await.body);
    assert_eq!(metier[0]["activities"].as_array().unwrap().len(), 4);
    let actors = json(&app.get("/api/v1/actor-families").await.body);
    assert_eq!(actors.as_array().unwrap().len(), 7);
    let programme = json(&app.get("/api/v1/programme").await.body);
    assert_eq!(programme[0]["date"], "2019-01-17");

    let missing = app.get("/api/v1/levers/inconnu").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("content-type"), "application/problem+json");
    assert_eq!(json(&missing.body)["status"], 404);
    assert_eq!(
        app.get("/api/v1/nothing-here").await.header("content-type"),
        "application/problem+json"
    );
    app.stop().await;
}

both_databases!(territories_api, territories);
async fn territories(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let page = json(&app.get("/api/v1/territories?q=saint%20ETIENNE").await.body);
    assert_eq!(page["items"][0]["code"], "42218");
    assert_eq!(page["items"][0]["level"], "commune");
    assert_eq!(page["total"], 1);
    let page = json(&app.get("/api/v1/territories?q=42100").await.body);
    assert_eq!(page["items"][0]["name"], "Saint-Étienne");
    // « a » starts Ain, Auvergne-Rhône-Alpes and a word of L'Abergement-Clémenciat.
    let page = json(
        &app.get("/api/v1/territories?q=a&per_page=1&page=2")
            .await
            .body,
    );
    assert_eq!(
        (
            page["total"].as_i64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(3), 1)
    );
    let page = json(
        &app.get("/api/v1/territories?q=a&level=department")
            .await
            .body,
    );
    assert_eq!(page["items"][0]["name"], "Ain");

    let one = json(&app.get("/api/v1/territories/commune/01001").await.body);
    assert_eq!(one["name"], "L'Abergement-Clémenciat");
    assert_eq!(one["population"], 800);
    assert_eq!(one["department"]["name"], "Ain");
    assert_eq!(one["region"]["code"], "84");
    assert!((one["lat"].as_f64().unwrap() - 46.15).abs() < 1e-9);
    let region = json(&app.get("/api/v1/territories/region/84").await.body);
    assert!(region["lat"].is_null() && region["region"].is_null());

    for (path, status) in [
        (
            "/api/v1/territories?q=lyon&level=canton",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/territories?q=lyon&per_page=0",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/territories?q=lyon&per_page=101",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/territories?q=lyon&page=-1",
            StatusCode::BAD_REQUEST,
        ),
        ("/api/v1/territories", StatusCode::BAD_REQUEST),
        ("/api/v1/territories/canton/01001", StatusCode::BAD_REQUEST),
        ("/api/v1/territories/commune/99999", StatusCode::NOT_FOUND),
        ("/api/v1/territories/commune/%00", StatusCode::NOT_FOUND),
    ] {
        assert_problem(&app, path, status).await;
    }
    app.stop().await;
}

both_databases!(openapi_document, openapi);
async fn openapi(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let doc = json(&app.get("/api/v1/openapi.json").await.body);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/levers",
        "/api/v1/territories",
        "/api/v1/territories/{level}/{code}",
        "/api/v1/programme",
        "/api/v1/needs",
        "/api/v1/needs/{slug}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    // Each area declares its routes with their entries: every API address is there, and
    // every schema an entry refers to is in the components.
    // Enumerations are documented by the slugs the API takes and gives.
    let schemas = &doc["components"]["schemas"];
    let values = |name: &str| schemas[name]["enum"].clone();
    assert_eq!(
        values("Horizon"),
        serde_json::json!(["3-mois", "6-mois", "1-an", "sans-echeance"])
    );
    assert_eq!(
        values("NeedStatus"),
        serde_json::json!(["ouvert", "en-relation", "resolu", "clos"])
    );
    assert_eq!(values("Phase")[0], "emergence");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/cohorts/{slug}"));
    // 31, the issuer's /api/v1/credentials/{id}, and the achievements (Open Badges).
    assert!(paths.contains_key("/api/v1/credentials/{id}"));
    assert!(paths.contains_key("/api/v1/achievements/{slug}"));
    assert_eq!(paths.len(), 37, "{:?}", paths.keys().collect::<Vec<_>>());
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "schema {name} is referred to but not in the components"
        );
    }
    app.stop().await;
}

both_databases!(observatory_api, observatory);
async fn observatory(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let list = json(&app.get("/api/v1/datasets").await.body);
    // By title: the autodiagnostics and the needs computed by the platform, then the
    // population.
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["slug"].as_str())
        .collect();
    assert_eq!(
        slugs,
        [
            "autodiagnostic-capacite-de-co-construction",
            "besoins-des-territoires",
            "population"
        ]
    );
    // A dataset's time as the API has always written it: RFC 3339 to the second, `+00:00`.
    let updated = list[2]["updated_at"].as_str().unwrap();
    assert!(
        updated.len() == 25
            && updated.ends_with("+00:00")
            && updated.parse::<chrono::DateTime<chrono::Utc>>().is_ok(),
        "{updated}"
    );
    let d = json(&app.get("/api/v1/datasets/population").await.body);
    assert_eq!(d["indicators"][0]["slug"], "population-municipale");
    let values = json(
        &app.get(
            "/api/v1/datasets/population/indicators/population-municipale/values?level=department",
        )
        .await
        .body,
    );
    assert_eq!(values.as_array().unwrap().len(), 2);
    assert_eq!(values[0]["territory_code"], "42");
    assert_eq!(
        (values[0]["rank"].as_i64(), values[0]["peers"].as_i64()),
        (Some(1), Some(2))
    );
    let mine = json(
        &app.get("/api/v1/territories/commune/42218/values")
            .await
            .body,
    );
    let population = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["dataset"]["slug"] == "population")
        .unwrap();
    assert_eq!(population["value"]["value"], 173000.0);
    let needs = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["dataset"]["slug"] == "besoins-des-territoires")
        .unwrap();
    assert_eq!(needs["indicator"]["slug"], "besoins-exprimes");
    assert_eq!(needs["value"]["value"], 0.0, "no need yet");
    let children = json(&app.get("/api/v1/territories/region/84/children").await.body);
    assert_eq!(children.as_array().unwrap().len(), 2);
    for (path, status) in [
        ("/api/v1/datasets/absent", StatusCode::NOT_FOUND),
        (
            "/api/v1/datasets/population/indicators/absent/values",
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/datasets/population/indicators/population-municipale/values?level=x",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/territories/canton/84/children",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/territories/region/99/values",
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_problem(&app, path, status).await;
    }
    app.stop().await;
}
