//! The case studies on the map (issue 15): only the published, non-archived ones, on the
//! cluster API, the list and the GeoJSON export, with the map's count equal to the list's
//! total for the case layer alone and mixed with the others, at several zooms.

use crate::fixtures::{case_fields, commune};
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::cases::{CaseFields, Phase};
use catalyse_core::network::TerritoryRef;
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, Store};
use chrono::Utc;
use reqwest::StatusCode;
use std::sync::Arc;

/// What the cluster API shows for `query`: the count of its features, and the single points
/// as `(layer, slug)`.
async fn on_map(app: &TestApp, query: &str) -> (u64, Vec<(String, String)>) {
    let r = app.get(&format!("/api/v1/map/clusters?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    let fc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let mut count = 0;
    let mut singles = vec![];
    for f in fc["features"].as_array().unwrap() {
        let p = &f["properties"];
        if p["cluster"] == true {
            let n = p["count"].as_u64().unwrap();
            let layers = ["members", "places", "cases"].map(|k| p[k].as_u64().unwrap());
            assert_eq!(layers.iter().sum::<u64>(), n, "{query}: {p}");
            count += n;
        } else {
            count += 1;
            singles.push((
                p["layer"].as_str().unwrap().to_string(),
                p["slug"].as_str().unwrap().to_string(),
            ));
        }
    }
    (count, singles)
}

/// Every page of `/carte/liste?{query}`: its total, and the addresses it links to.
async fn listed(app: &TestApp, query: &str) -> (u64, Vec<String>) {
    let mut links = vec![];
    let mut page = 1;
    loop {
        let list = app.get(&format!("/carte/liste?{query}&page={page}")).await;
        assert_eq!(list.status, StatusCode::OK, "{query}");
        for part in list.body.split("<th scope=\"row\"><a href=\"").skip(1) {
            links.push(part.split('"').next().unwrap().to_string());
        }
        if !list.body.contains("rel=\"next\"") {
            let total: String = list
                .body
                .split("<h2>")
                .nth(1)
                .unwrap()
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            return (total.parse().unwrap(), links);
        }
        page += 1;
    }
}

fn at(level: TerritoryLevel, code: &str) -> TerritoryRef {
    TerritoryRef {
        level,
        code: code.into(),
    }
}

fn fields(title: &str, territory: TerritoryRef, families: &[&str]) -> CaseFields {
    CaseFields {
        territory,
        families: families.iter().map(|f| f.to_string()).collect(),
        ..case_fields(title)
    }
}

both_databases!(map_shows_published_cases_only, published_cases_only);
async fn published_cases_only(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let author = app
        .user("camille@exemple.fr", TEST_PASSWORD, Role::Member)
        .await
        .id;
    let now = Utc::now();
    let publish = |f: CaseFields| {
        let store = store.clone();
        async move {
            let c = store.submit_case(None, author, &f, now).await.unwrap();
            store
                .decide_case(c.id, c.moderated.revision, true, "", None, now)
                .await
                .unwrap()
        }
    };
    // Published: at a commune, a département, a région (drawn at their most populous
    // commune), with the actor families they involve.
    let bus = publish(fields(
        "Bus des aînés",
        commune("42218"),
        &["associations", "collectivites-territoriales"],
    ))
    .await;
    let lieu = publish(fields(
        "Tiers-lieu rural",
        commune("01001"),
        &["entreprises"],
    ))
    .await;
    let loire = publish(fields(
        "Alliance départementale",
        at(TerritoryLevel::Department, "42"),
        &["citoyens", "associations"],
    ))
    .await;
    let region = publish(fields(
        "Réseau régional",
        at(TerritoryLevel::Region, "84"),
        &["institutions"],
    ))
    .await;
    // Not public: waiting, rejected, archived; and an edit of a published case under review.
    store
        .submit_case(
            None,
            author,
            &fields("Projet en attente", commune("42218"), &["associations"]),
            now,
        )
        .await
        .unwrap();
    let refused = store
        .submit_case(
            None,
            author,
            &fields("Projet refusé", commune("42218"), &["associations"]),
            now,
        )
        .await
        .unwrap();
    store
        .decide_case(
            refused.id,
            refused.moderated.revision,
            false,
            "Hors sujet",
            None,
            now,
        )
        .await
        .unwrap();
    let archived = publish(fields(
        "Projet archivé",
        commune("01001"),
        &["associations"],
    ))
    .await;
    store.archive_case(archived.id, now).await.unwrap();
    store
        .submit_case(
            Some(bus.id),
            author,
            &fields("Titre en relecture", commune("42218"), &["associations"]),
            now,
        )
        .await
        .unwrap();
    let public = [&bus, &lieu, &loire, &region];
    let public_slugs: Vec<String> = public.iter().map(|c| c.slug.clone()).collect();

    // The server picks up the change of `cases_version` within seconds.
    let mut total = 0;
    for _ in 0..60 {
        total = listed(&app, "couches=pratiques").await.0;
        if total == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(total, 4, "the four published cases, once reloaded");

    let hidden = ["en-attente", "refuse", "archive", "relecture"];
    let bbox = "bbox=-180,-85,180,85";
    for zoom in [2, 6, 9, 12, 15, 18] {
        let query = format!("{bbox}&zoom={zoom}&layers=cases");
        let (count, singles) = on_map(&app, &query).await;
        let (total, links) = listed(&app, &query).await;
        assert_eq!((count, total), (4, 4), "{query}");
        let mut linked: Vec<String> = links
            .iter()
            .map(|l| l.strip_prefix("/pratiques/").expect("a case's page").into())
            .collect();
        linked.sort();
        let mut want = public_slugs.clone();
        want.sort();
        assert_eq!(linked, want, "{query}");
        for (layer, slug) in &singles {
            assert_eq!(layer, "case");
            assert!(public_slugs.contains(slug), "{slug} on the map ({query})");
        }
    }
    // At the highest zoom the commune's cases are apart; the popup's words are there.
    let r = app
        .get("/api/v1/map/clusters?bbox=3.5,44.5,6,47&zoom=20&layers=cases")
        .await;
    let fc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let lieu_point = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .find(|p| p["slug"] == lieu.slug.as_str())
        .expect("the case of L'Abergement-Clémenciat alone at zoom 20");
    assert_eq!(lieu_point["layer"], "case");
    assert_eq!(lieu_point["name"], "Tiers-lieu rural");
    assert_eq!(lieu_point["phase"], Phase::Experimentation.as_str());
    assert_eq!(lieu_point["territory"], "L'Abergement-Clémenciat");
    for slug in hidden {
        assert!(!r.body.contains(slug), "{slug} in {}", r.body);
    }

    // The list: a case links to its page and says its phase and territory.
    let list = app.get("/carte/liste?couches=cases").await;
    assert!(list
        .body
        .contains(&format!("href=\"/pratiques/{}\"", bus.slug)));
    let page = app.get(&format!("/pratiques/{}", bus.slug)).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the list links the case's page"
    );
    assert!(list.body.contains(">Bus des aînés</a>"));
    assert!(
        list.body.contains("Expérimentation — Loire"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Pratique innovante"));
    for slug in hidden {
        assert!(!list.body.contains(slug), "{slug} in the list");
    }
    app.set_cookie_value("lang", "en");
    let english = app.get("/carte/liste?couches=cases").await;
    assert!(
        english.body.contains("Experimentation — Loire"),
        "{}",
        english.body
    );
    assert!(english.body.contains("Innovative practice"));
    app.forget_cookies();

    // The GeoJSON export: the same four, with their pages; the filters choose.
    let geo = app.get("/carte/points.geojson?couches=pratiques").await;
    assert_eq!(geo.status, StatusCode::OK);
    let fc: serde_json::Value = serde_json::from_str(&geo.body).unwrap();
    let mut exported: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["url"].as_str().unwrap())
        .collect();
    exported.sort();
    let base = exported[0].split("/pratiques/").next().unwrap().to_string();
    let mut want: Vec<String> = public_slugs
        .iter()
        .map(|s| format!("{base}/pratiques/{s}"))
        .collect();
    want.sort();
    assert_eq!(exported, want);
    let all = app.get("/carte/points.geojson").await;
    for slug in &public_slugs {
        assert!(all.body.contains(&format!("/pratiques/{slug}\"")), "{slug}");
    }
    for slug in hidden {
        assert!(!all.body.contains(slug), "{slug} exported");
    }
    let only_members = app.get("/carte/points.geojson?couches=members").await;
    assert!(!only_members.body.contains("/pratiques/"));
    let bad = app.get("/carte/points.geojson?couches=chats").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // A case involves several families: it is found under each of them, on the map and in
    // the list alike, and not under another.
    for (family, want) in [
        ("associations", vec![&bus, &loire]),
        ("collectivites-territoriales", vec![&bus]),
        ("citoyens", vec![&loire]),
        ("acteurs-academiques", vec![]),
    ] {
        let query = format!("{bbox}&zoom=20&layers=cases&family={family}");
        let (count, mut singles) = on_map(&app, &query).await;
        let page = format!("{bbox}&zoom=20&couches=pratiques&famille={family}");
        let (total, _) = listed(&app, &page).await;
        assert_eq!(
            (count, total),
            (want.len() as u64, want.len() as u64),
            "{family}"
        );
        singles.sort();
        let mut expect: Vec<(String, String)> = want
            .iter()
            .map(|c| ("case".to_string(), c.slug.clone()))
            .collect();
        expect.sort();
        assert_eq!(singles, expect, "{family}");
    }

    // Archiving takes a case off the map at the next reload.
    store.archive_case(region.id, now).await.unwrap();
    let mut total = 0;
    for _ in 0..60 {
        total = listed(&app, "couches=cases").await.0;
        if total == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(total, 3, "an archived case leaves the map");
    assert_eq!(
        on_map(&app, &format!("{bbox}&zoom=3&layers=cases")).await.0,
        3
    );
    app.stop().await;
}

both_databases!(map_counts_cases_with_members_and_places, mixed_layers);
async fn mixed_layers(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let reference = catalyse_web::state::Reference {
        levers: store.levers().await.unwrap(),
        metier: store.metier().await.unwrap(),
        actor_families: store.actor_families().await.unwrap(),
        milestones: vec![],
    };
    let territories = store.territories().await.unwrap();
    catalyse_web::network::examples::generate(store.as_ref(), &territories, &reference, 40, 5, 3)
        .await
        .unwrap();
    let author = app
        .user("camille@exemple.fr", TEST_PASSWORD, Role::Member)
        .await
        .id;
    let now = Utc::now();
    let places = [
        commune("42218"),
        commune("01001"),
        at(TerritoryLevel::Department, "01"),
        at(TerritoryLevel::Region, "84"),
    ];
    let families = ["associations", "entreprises", "citoyens"];
    for i in 0..12 {
        let f = CaseFields {
            activities: vec!["mettre-en-relation".into()],
            ..fields(
                &format!("Pratique numéro {i}"),
                places[i % places.len()].clone(),
                &families[..1 + i % families.len()],
            )
        };
        let c = store.submit_case(None, author, &f, now).await.unwrap();
        if i % 4 != 3 {
            store
                .decide_case(c.id, c.moderated.revision, true, "", None, now)
                .await
                .unwrap();
        }
    }
    // Nine published; the members, places and cases all on the map once reloaded.
    let mut ready = false;
    for _ in 0..60 {
        let (cases, _) = listed(&app, "couches=cases").await;
        let (members, _) = listed(&app, "couches=members").await;
        if cases == 9 && members > 0 {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ready, "network and cases reloaded");
    let view = "bbox=3.0,44.0,6.5,47.5";
    for layers in [
        "cases",
        "members,places,cases",
        "members,cases",
        "places,cases",
        "members,places",
    ] {
        for zoom in [3, 7, 10, 13, 17, 20] {
            for filter in ["", "&family=associations", "&activity=mettre-en-relation"] {
                let query = format!("{view}&zoom={zoom}&layers={layers}{filter}");
                let (count, singles) = on_map(&app, &query).await;
                let (total, links) = listed(&app, &query).await;
                assert_eq!(count, total, "map and list agree for {query}");
                assert_eq!(links.len() as u64, total, "{query}");
                for (layer, slug) in singles {
                    let page = match layer.as_str() {
                        "member" => "reseau",
                        "place" => "lieux",
                        _ => "pratiques",
                    };
                    assert!(
                        links.contains(&format!("/{page}/{slug}")),
                        "{slug} on the map, not in the list ({query})"
                    );
                }
                if layers.contains("cases") && filter.is_empty() {
                    assert!(count >= 9, "{query}");
                }
            }
        }
    }
    // Without `layers`, every layer: the sum of the three alone.
    let one = |l: &'static str| {
        let app = &app;
        async move { on_map(app, &format!("{view}&zoom=8&layers={l}")).await.0 }
    };
    let sum = one("members").await + one("places").await + one("cases").await;
    assert_eq!(on_map(&app, &format!("{view}&zoom=8")).await.0, sum);
    assert_eq!(listed(&app, view).await.0, sum);

    // The API takes the three layers' English names only: anything else is a 400 problem.
    for q in [
        "layers=pratiques",
        "layers=cases,chats",
        "layers=case",
        "layers=members,places,cases,",
    ] {
        let r = app.get(&format!("/api/v1/map/clusters?{q}")).await;
        if q.ends_with(',') {
            // An empty item is no layer named, as before.
            assert_eq!(r.status, StatusCode::OK, "{q}");
            continue;
        }
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(
            r.header("content-type")
                .starts_with("application/problem+json"),
            "{q}: {}",
            r.header("content-type")
        );
        let problem: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(problem["status"], 400);
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("couche inconnue") && d.contains("cases")),
            "{}",
            r.body
        );
    }
    // Pages take the French name too, and say what a bad one is.
    assert_eq!(listed(&app, "couches=pratiques").await.0, 9);
    let bad = app.get("/carte/liste?couches=chats").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("couche inconnue « chats »"));
    // The map page: the layer's box, ticked by default, and its legend.
    let page = app.get("/carte").await;
    assert!(page
        .body
        .contains("id=\"layer-cases\" name=\"couches\" value=\"cases\" checked"));
    assert!(page.body.contains("Les pratiques innovantes</label>"));
    assert!(page.body.contains("carte-symbole-case"));
    let unticked = app.get("/carte?couches=members").await;
    assert!(unticked
        .body
        .contains("id=\"layer-cases\" name=\"couches\" value=\"cases\">"));
    app.stop().await;
}
