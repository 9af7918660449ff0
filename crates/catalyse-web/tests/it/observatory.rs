//! The observatory: datasets, indicator tables, downloads, values on portraits.

use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

both_databases!(observatory_pages_and_downloads, observatory);
async fn observatory(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let home = app.get("/observatoire").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("href=\"/observatoire/population\""));

    let d = app.get("/observatoire/population").await;
    assert!(d.body.contains("Licence Ouverte"));
    assert!(d
        .body
        .contains("/observatoire/population/indicateurs/population-municipale"));

    let i = app
        .get("/observatoire/population/indicateurs/population-municipale?niveau=commune")
        .await;
    assert_eq!(i.status, StatusCode::OK);
    let first = i.body.find("Saint-Étienne").unwrap();
    let second = i
        .body
        .find("L&#39;Abergement")
        .or_else(|| i.body.find("L'Abergement"))
        .unwrap();
    assert!(first < second, "ranked by value");
    assert!(i.body.contains("173\u{202f}000"));
    // An unknown level falls back to the first one present; unknown names are 404.
    assert_eq!(
        app.get("/observatoire/population/indicateurs/population-municipale?niveau=x")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/observatoire/population/indicateurs/autre")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/observatoire/absent").await.status,
        StatusCode::NOT_FOUND
    );

    let csv = app.get("/observatoire/population/donnees.csv").await;
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").contains("population.csv"));
    assert!(csv.body.starts_with("territory_level,territory_code,territory_name,indicator,value,unit,year,group,source,licence"));
    assert!(csv
        .body
        .contains("commune,42218,Saint-Étienne,Population municipale,173000,habitants,2026"));
    let json: serde_json::Value =
        serde_json::from_str(&app.get("/observatoire/population/donnees.json").await.body).unwrap();
    assert_eq!(json["dataset"]["slug"], "population");
    assert_eq!(json["indicators"][0]["values"].as_array().unwrap().len(), 5);

    // The portrait shows the value and its rank among its peers.
    let p = app.get("/territoires/commune/42218-saint-etienne").await;
    assert!(p.body.contains("Population municipale"));
    assert!(p.body.contains("1er sur 2 communes"), "{}", p.body);
    app.stop().await;
}

both_databases!(choropleth_maps, maps);
async fn maps(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let page = app
        .get("/observatoire/population/indicateurs/population-municipale?niveau=department")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // The map, each area a link to its portrait named with its value, and a legend with bounds.
    assert!(page
        .body
        .contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(page.body.contains("<a href=\"/territoires/department/42-loire\" aria-label=\"Loire : 770\u{202f}000 habitants\">"));
    assert!(
        page.body
            .contains("de 650\u{202f}000 à 770\u{202f}000 habitants"),
        "legend bounds"
    );
    assert!(page.body.contains("CC BY 4.0"), "credits under the map");
    assert!(page.body.contains("<table>"), "the same data as a table");
    // No map at the commune level: the table alone.
    let communes = app
        .get("/observatoire/population/indicateurs/population-municipale?niveau=commune")
        .await;
    assert!(!communes.body.contains("class=\"map\""));

    let svg = app.get("/observatoire/population/indicateurs/population-municipale/carte.svg?niveau=department").await;
    assert_eq!(svg.header("content-type"), "image/svg+xml");
    assert!(svg.body.starts_with("<?xml"));
    assert!(svg.body.len() < 150_000, "{} bytes", svg.body.len());
    assert!(svg.body.contains("Natural Earth"));
    let none = app
        .get("/observatoire/population/indicateurs/population-municipale/carte.svg?niveau=commune")
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

both_databases!(example_survey_is_labelled_everywhere, example_survey);
async fn example_survey(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| c.demo = true).await;
    let home = app.get("/observatoire").await;
    assert!(home
        .body
        .contains("href=\"/observatoire/enquete-fragilites-exemple\""));
    assert!(home.body.contains("données d&#39;exemple") || home.body.contains("données d'exemple"));

    let portrait = app.get("/territoires/region/84-auvergne-rhone-alpes").await;
    assert!(portrait.body.contains("Fragilités prioritaires"));
    assert!(
        portrait.body.contains("class=\"bars\" role=\"img\""),
        "ranked bars"
    );
    assert!(
        portrait
            .body
            .contains("<th scope=\"col\" class=\"num\">élus</th>"),
        "every group in the table"
    );
    assert!(
        portrait.body.matches("exemple").count() >= 3,
        "labelled on the chart, table and notice"
    );

    let map = app
        .get(
            "/observatoire/enquete-fragilites-exemple/indicateurs/priorite-isolement?niveau=region",
        )
        .await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(map.body.contains("class=\"map\""));
    assert!(map.body.contains("notice-example"));
    let svg = app
        .get("/observatoire/enquete-fragilites-exemple/indicateurs/priorite-isolement/carte.svg?niveau=region")
        .await;
    assert!(
        svg.body.contains("exemple"),
        "the downloaded map says it is example data"
    );
    let csv = app
        .get("/observatoire/enquete-fragilites-exemple/donnees.csv")
        .await;
    assert!(
        csv.body
            .lines()
            .skip(1)
            .all(|l| l.contains("Données d'exemple")),
        "every line of the download"
    );
    app.stop().await;
}
