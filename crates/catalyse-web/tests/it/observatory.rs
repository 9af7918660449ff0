//! The observatory: datasets, indicator tables, downloads, values on portraits.

use crate::TestApp;
use catalyse_core::Role;
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
    // Departments without a value are hatched, on the map and in the legend: never the
    // lightest class's colour.
    assert!(page.body.contains("<pattern id=\"sans-donnee\""));
    assert!(page.body.matches("fill=\"url(#sans-donnee)\"").count() > 2);
    assert!(page.body.contains("CC BY 4.0"), "credits under the map");
    assert!(page.body.contains("<table>"), "the same data as a table");
    // The gallery shows each map as a thumbnail: the map's own SVG, loaded lazily.
    let gallery = app.get("/observatoire/cartes").await;
    assert_eq!(gallery.status, StatusCode::OK);
    assert!(gallery.body.contains(
        "<img src=\"/observatoire/population/indicateurs/population-municipale/carte.svg?niveau=department\" alt=\"\""
    ));
    assert!(gallery.body.contains("loading=\"lazy\""));
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

pub(crate) const GOOD_CSV: &str =
    "territory_level,territory_code,indicator,value,unit,year,source,licence\n\
department,01,Part de tiers-lieux,12.5,%,2025,Enquête test,Licence Ouverte 2.0\n\
department,42,Part de tiers-lieux,7,%,2025,Enquête test,Licence Ouverte 2.0\n";

both_databases!(admin_uploads_a_dataset, admin_upload);
async fn admin_upload(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store.clone(), |c| c.upload_max_mb = 1).await;
    // Visitors go to the login page, members are refused.
    assert_eq!(
        app.get("/admin/donnees").await.status,
        StatusCode::SEE_OTHER
    );
    app.sign_in_as("membre@example.org", Role::Member).await;
    assert_eq!(
        app.get("/admin/donnees").await.status,
        StatusCode::FORBIDDEN
    );
    app.sign_in_as("anim@example.org", Role::Moderator).await;
    let page = app.get("/admin/donnees").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    let fields = [("title", "Tiers-lieux"), ("slug", "tiers-lieux")];
    // One bad line: named, and nothing written.
    let bad = GOOD_CSV.replace(
        "department,42,Part de tiers-lieux,7",
        "department,99,Part de tiers-lieux,sept",
    );
    let r = app
        .post_multipart(
            "/admin/donnees",
            "/admin/donnees",
            &fields,
            Some(("file", "t.csv", bad.into_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("rien n&#39;a été importé") || r.body.contains("rien n'a été importé"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Ligne 3 :"),
        "the bad line is named: {}",
        r.body
    );
    assert!(
        r.body.contains("value=\"Tiers-lieux\""),
        "the form keeps what was typed"
    );
    assert!(store.dataset("tiers-lieux").await.unwrap().is_none());

    // No file, a binary file, a file too large, no title: clear messages, nothing written.
    let r = app
        .post_multipart("/admin/donnees", "/admin/donnees", &fields, None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choisissez le fichier CSV"));
    let r = app
        .post_multipart(
            "/admin/donnees",
            "/admin/donnees",
            &fields,
            Some(("file", "t.csv", vec![0xff, 0xfe, 0x00, 0x89])),
        )
        .await;
    assert!(r.body.contains("UTF-8"), "{}", r.body);
    let big = GOOD_CSV.repeat(8_000).into_bytes();
    assert!(big.len() > 1024 * 1024);
    let r = app
        .post_multipart(
            "/admin/donnees",
            "/admin/donnees",
            &fields,
            Some(("file", "t.csv", big)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("taille maximale (1 Mo)"), "{}", r.body);
    let r = app
        .post_multipart(
            "/admin/donnees",
            "/admin/donnees",
            &[("slug", "x")],
            Some(("file", "t.csv", GOOD_CSV.into())),
        )
        .await;
    assert!(r.body.contains("Donnez un titre"));
    // The population comes from the geography and cannot be replaced.
    let r = app
        .post_multipart(
            "/admin/donnees",
            "/admin/donnees",
            &[("title", "P"), ("slug", "population")],
            Some(("file", "t.csv", GOOD_CSV.into())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(store.dataset("x").await.unwrap().is_none());
    // Without the CSRF token: refused.
    let form = reqwest::multipart::Form::new().text("title", "T");
    let cookie = format!("__Host-session={}", app.cookie("__Host-session").unwrap());
    let r = reqwest::Client::new()
        .post(format!("{}/admin/donnees", app.base))
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A good file: imported, and on the pages at once.
    let r = app
        .post_multipart(
            "/admin/donnees",
            "/admin/donnees",
            &fields,
            Some(("file", "t.csv", GOOD_CSV.into())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/admin/donnees?importe=tiers-lieux");
    assert!(app
        .get("/admin/donnees?importe=tiers-lieux")
        .await
        .body
        .contains("a été importé"));
    let (d, indicators) = store.dataset("tiers-lieux").await.unwrap().unwrap();
    assert_eq!(d.title, "Tiers-lieux");
    assert_eq!(indicators.len(), 1);
    let i = app
        .get("/observatoire/tiers-lieux/indicateurs/part-de-tiers-lieux")
        .await;
    assert_eq!(i.status, StatusCode::OK);
    assert!(i.body.contains("12,5"));
    app.stop().await;
}

both_databases!(indicator_table_sorts_and_charts, sorting);
async fn sorting(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| c.demo = true).await;
    let base = "/observatoire/population/indicateurs/population-municipale?niveau=commune";
    let by_rank = app.get(base).await;
    assert!(by_rank.body.contains("aria-sort=\"ascending\""));
    // Where a name first shows in the table.
    let pos = |body: &str, name: &str| {
        let table = &body[body.find("<tbody>").unwrap()..];
        table.find(name).unwrap_or(usize::MAX)
    };
    assert!(pos(&by_rank.body, "Saint-Étienne") < pos(&by_rank.body, "Abergement"));
    let by_name = app.get(&format!("{base}&tri=territoire&ordre=asc")).await;
    assert!(pos(&by_name.body, "Abergement") < pos(&by_name.body, "Saint-Étienne"));
    assert!(
        by_name.body.contains("tri=territoire&#38;ordre=desc"),
        "the header reverses"
    );
    let by_value = app.get(&format!("{base}&tri=valeur&ordre=asc")).await;
    assert!(pos(&by_value.body, "Abergement") < pos(&by_value.body, "Saint-Étienne"));

    // A survey: the group to map is chosen, bars show the same values.
    let survey =
        "/observatoire/enquete-fragilites-exemple/indicateurs/priorite-isolement?niveau=region";
    let p = app.get(survey).await;
    assert!(
        p.body.contains("class=\"bars\""),
        "ranked bars beside the map"
    );
    assert!(p.body.contains("— citoyens"), "citoyens by default");
    let elus = app.get(&format!("{survey}&groupe=%C3%A9lus")).await;
    assert!(elus.body.contains("— élus"));
    assert!(elus.body.contains("aria-current=\"true\">élus</a>"));
    app.stop().await;
}

both_databases!(imports_elsewhere_show_without_restart, refresh);
async fn refresh(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let path = "/observatoire/tiers-lieux";
    assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND);
    // Another process (the command line) imports into the same database.
    let geo = catalyse_core::TerritoryIndex::new(crate::small_geography().territories);
    let import = catalyse_core::dataset::parse_csv(GOOD_CSV, &geo).unwrap();
    let meta = catalyse_store::NewDataset {
        slug: "tiers-lieux".into(),
        title: "Tiers-lieux".into(),
        description: String::new(),
        is_example: false,
        checksum: "c".into(),
    };
    store
        .replace_dataset(&meta, &import, chrono::Utc::now())
        .await
        .unwrap();
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_secs(catalyse_web::OBSERVATORY_REFRESH_SECONDS * 3);
    loop {
        if app.get(path).await.status == StatusCode::OK {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not picked up");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.stop().await;
}

both_databases!(portraits_place_the_territory_on_a_map, locator);
async fn locator(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let p = app.get("/territoires/commune/42218-saint-etienne").await;
    assert!(p
        .body
        .contains("<img src=\"/territoires/commune/42218/situation.svg\""));
    assert!(
        p.body.contains("son département, « Loire »"),
        "a text alternative"
    );
    let svg = app.get("/territoires/commune/42218/situation.svg").await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.header("content-type").starts_with("image/svg+xml"));
    // The commune is a point on its department, light, the others plain, and the credits
    // are on the file.
    assert!(svg
        .body
        .contains("fill=\"#bdd7e7\" stroke=\"#5a5a6e\" stroke-width=\".5\"><title>Loire</title>"));
    assert!(svg.body.contains("<circle class=\"marker\""));
    assert!(svg.body.contains("<title>Saint-Étienne</title></circle>"));
    assert!(p.body.contains("un point rouge la situe"));
    // A department is itself dark, without a point.
    let dep = app.get("/territoires/department/42/situation.svg").await;
    assert!(dep
        .body
        .contains("fill=\"#08519c\" stroke=\"#5a5a6e\" stroke-width=\".5\"><title>Loire</title>"));
    assert!(!dep.body.contains("<circle"));
    assert!(svg.body.contains("CC BY 4.0"));
    let region = app.get("/territoires/region/84/situation.svg").await;
    assert!(region.body.contains("<title>Auvergne-Rhône-Alpes</title>"));
    assert_eq!(
        app.get("/territoires/commune/99999/situation.svg")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}
