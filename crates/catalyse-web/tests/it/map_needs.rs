//! The needs of territories on the map (issue 16): only the published, open ones (« ouvert »,
//! « en relation »), on the cluster API, the list and the GeoJSON export, drawn at their
//! territory; example needs (and example cases) labelled as such; a need closed from its
//! page leaves the map at once; the map's count equals the list's total for the needs alone
//! and mixed with the other layers, at several zooms, and each cluster's layers add up.

use crate::fixtures::{case_fields, commune, need_fields};
use crate::moderation::sign_in;
use crate::needs::text;
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::cases::CaseFields;
use catalyse_core::needs::{Need, NeedFields, NeedOrigin, NeedStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, ExampleCase, ExampleNeed, Store};
use chrono::Utc;
use reqwest::StatusCode;
use std::sync::Arc;

const LAYERS: [&str; 4] = ["members", "places", "cases", "needs"];

/// What the cluster API shows for `query`: the count of its features, the single points as
/// `(layer, slug)`, and the needs counted in clusters and as single points. Every cluster's
/// layers add up to its count.
async fn on_map(app: &TestApp, query: &str) -> (u64, Vec<(String, String)>, u64) {
    let r = app.get(&format!("/api/v1/map/clusters?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    let fc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let (mut count, mut needs) = (0, 0);
    let mut singles = vec![];
    for f in fc["features"].as_array().unwrap() {
        let p = &f["properties"];
        if p["cluster"] == true {
            let n = p["count"].as_u64().unwrap();
            let layers = LAYERS.map(|k| p[k].as_u64().unwrap_or_else(|| panic!("{k}: {p}")));
            assert_eq!(layers.iter().sum::<u64>(), n, "{query}: {p}");
            count += n;
            needs += layers[3];
        } else {
            count += 1;
            let layer = p["layer"].as_str().unwrap().to_string();
            needs += (layer == "need") as u64;
            singles.push((layer, p["slug"].as_str().unwrap().to_string()));
        }
    }
    (count, singles, needs)
}

/// The single point of `slug` at the highest zoom over the test geography.
async fn point(app: &TestApp, slug: &str) -> serde_json::Value {
    let r = app
        .get("/api/v1/map/clusters?bbox=3.5,44.5,6,47&zoom=20&layers=needs")
        .await;
    let fc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .find(|p| p["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} alone at zoom 20: {}", r.body))
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

/// Waits until the list counts `want` points for `query` (the server reloads within
/// seconds after a change made outside its pages).
async fn until_listed(app: &TestApp, query: &str, want: u64) {
    let mut total = 0;
    for _ in 0..80 {
        total = listed(app, query).await.0;
        if total == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("{query}: {total} listed, {want} expected");
}

fn at(level: TerritoryLevel, code: &str) -> TerritoryRef {
    TerritoryRef {
        level,
        code: code.into(),
    }
}

fn fields(title: &str, territory: TerritoryRef, families: &[&str], levers: &[&str]) -> NeedFields {
    NeedFields {
        territory,
        families: families.iter().map(|f| f.to_string()).collect(),
        levers: levers.iter().map(|l| l.to_string()).collect(),
        ..need_fields(title)
    }
}

/// Submits the need as `author` and approves it.
async fn publish(store: &Arc<dyn Store>, author: i64, f: &NeedFields) -> Need {
    let now = Utc::now();
    let n = store
        .submit_need(None, author, f, NeedOrigin::Formulaire, now)
        .await
        .unwrap();
    store
        .decide_need(n.id, n.moderated.revision, true, "", None, now)
        .await
        .unwrap()
}

async fn move_to(store: &Arc<dyn Store>, n: &Need, to: NeedStatus) {
    store
        .set_need_status(n.id, to, "Test", None, Utc::now())
        .await
        .unwrap();
}

both_databases!(map_shows_open_needs_only, open_needs_only);
async fn open_needs_only(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let author = app
        .user("mairie@exemple.fr", TEST_PASSWORD, Role::Member)
        .await
        .id;
    let now = Utc::now();
    const ALLIANCE: &str = "apprendre-a-faire-alliance";
    // Open: at a commune, at a département (drawn at its most populous commune), one « en
    // relation »; an example need of the région.
    let navette = publish(
        &store,
        author,
        &fields(
            "Navette vers le marché",
            commune("42218"),
            &["associations"],
            &[ALLIANCE],
        ),
    )
    .await;
    let village = publish(
        &store,
        author,
        &fields(
            "Un tiers-lieu au village",
            commune("01001"),
            &["entreprises"],
            &[],
        ),
    )
    .await;
    move_to(&store, &village, NeedStatus::EnRelation).await;
    let loire = publish(
        &store,
        author,
        &fields(
            "Alliance pour la Loire",
            at(TerritoryLevel::Department, "42"),
            &["citoyens", "associations"],
            &[],
        ),
    )
    .await;
    store
        .insert_example_needs(
            &[ExampleNeed {
                fields: fields(
                    "Une maison de santé régionale",
                    at(TerritoryLevel::Region, "84"),
                    &["institutions"],
                    &[],
                ),
                status: NeedStatus::Ouvert,
                at: now,
                author_id: None,
                trail: vec![],
            }],
            now,
        )
        .await
        .unwrap();
    let example = store
        .published_needs(0, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.is_example)
        .unwrap();
    // Not on the map: resolved, closed, waiting for moderation, rejected.
    let resolu = publish(
        &store,
        author,
        &fields("Besoin résolu", commune("42218"), &["associations"], &[]),
    )
    .await;
    move_to(&store, &resolu, NeedStatus::Resolu).await;
    let clos = publish(
        &store,
        author,
        &fields("Besoin clos", commune("01001"), &["associations"], &[]),
    )
    .await;
    move_to(&store, &clos, NeedStatus::Clos).await;
    store
        .submit_need(
            None,
            author,
            &fields(
                "Besoin en attente",
                commune("42218"),
                &["associations"],
                &[],
            ),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    let refused = store
        .submit_need(
            None,
            author,
            &fields("Besoin refusé", commune("42218"), &["associations"], &[]),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    store
        .decide_need(
            refused.id,
            refused.moderated.revision,
            false,
            "Hors sujet",
            None,
            now,
        )
        .await
        .unwrap();
    let public = [&navette, &village, &loire, &example];
    let mut public_slugs: Vec<String> = public.iter().map(|n| n.slug.clone()).collect();
    public_slugs.sort();
    // Their titles: never on the map nor in the list.
    let hidden = [
        "Besoin résolu",
        "Besoin clos",
        "Besoin en attente",
        "Besoin refusé",
    ];

    until_listed(&app, "couches=besoins", 4).await;
    let bbox = "bbox=-180,-85,180,85";
    for zoom in [2, 6, 9, 12, 15, 18, 20] {
        let query = format!("{bbox}&zoom={zoom}&layers=needs");
        let (count, singles, needs) = on_map(&app, &query).await;
        let (total, links) = listed(&app, &query).await;
        assert_eq!((count, needs, total), (4, 4, 4), "{query}");
        let mut linked: Vec<String> = links
            .iter()
            .map(|l| l.strip_prefix("/besoins/").expect("a need's page").into())
            .collect();
        linked.sort();
        assert_eq!(linked, public_slugs, "{query}");
        for (layer, slug) in &singles {
            assert_eq!(layer, "need", "{query}");
            assert!(public_slugs.contains(slug), "{slug} on the map ({query})");
        }
        // The default layers are all four: the same needs, and only them here.
        let (all, _, all_needs) = on_map(&app, &format!("{bbox}&zoom={zoom}")).await;
        assert_eq!((all, all_needs), (4, 4), "every layer at zoom {zoom}");
        // Without the needs' layer, none.
        let (others, _, none) = on_map(
            &app,
            &format!("{bbox}&zoom={zoom}&layers=members,places,cases"),
        )
        .await;
        assert_eq!((others, none), (0, 0));
    }
    let everything = app
        .get(&format!("/api/v1/map/clusters?{bbox}&zoom=20"))
        .await
        .body;
    for title in hidden {
        assert!(!everything.contains(title), "{title} in {everything}");
    }

    // A point at the highest zoom: its title, page, status, territory; an example says so.
    let p = point(&app, &village.slug).await;
    assert_eq!(p["layer"], "need");
    assert_eq!(p["name"], "Un tiers-lieu au village");
    assert_eq!(p["status"], "en-relation");
    assert_eq!(p["territory"], "L'Abergement-Clémenciat");
    assert_eq!(p["department"], "Ain");
    assert!(p.get("example").is_none(), "{p}");
    let p = point(&app, &loire.slug).await;
    assert_eq!(
        (&p["status"], &p["territory"]),
        (&"ouvert".into(), &"Loire".into())
    );
    let p = point(&app, &example.slug).await;
    assert_eq!(p["example"], true, "{p}");
    assert_eq!(p["territory"], "Auvergne-Rhône-Alpes");

    // The list: each need links to its page, says its status and territory; the example is
    // labelled.
    let list = app.get("/carte/liste?couches=besoins").await;
    let body = text(&list.body);
    assert!(list
        .body
        .contains(&format!("href=\"/besoins/{}\"", navette.slug)));
    assert!(list.body.contains(">Navette vers le marché</a>"));
    assert!(
        list.body.contains("Ouvert — Saint-Étienne"),
        "{}",
        list.body
    );
    assert!(
        body.contains("En relation — L'Abergement-Clémenciat"),
        "{body}"
    );
    assert!(body.contains("<td>Besoin d'un territoire</td>"), "{body}");
    let example_row = body
        .split("<tr>")
        .find(|row| row.contains(&example.slug))
        .expect("the example's row");
    assert!(
        example_row.contains("<span class=\"tag tag-example\">données d'exemple</span>"),
        "{example_row}"
    );
    let navette_row = body
        .split("<tr>")
        .find(|row| row.contains(&navette.slug))
        .unwrap();
    assert!(!navette_row.contains("exemple"), "{navette_row}");
    for title in hidden {
        assert!(!list.body.contains(title), "{title} in the list");
    }
    let page = app.get(&format!("/besoins/{}", navette.slug)).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the list links the need's page"
    );
    app.set_cookie_value("lang", "en");
    let english = app.get("/carte/liste?couches=needs").await;
    assert!(
        english.body.contains("Open — Saint-Étienne"),
        "{}",
        english.body
    );
    assert!(english.body.contains("Territory need"));
    assert!(english.body.contains("example data"));
    let map = app.get("/carte").await;
    assert!(map.body.contains("Territory needs</label>"));
    app.forget_cookies();

    // Found by the families and the levers they seek, on the map and in the list alike.
    for (filter, page_filter, want) in [
        (
            "family=associations",
            "famille=associations",
            vec![&navette, &loire],
        ),
        ("family=entreprises", "famille=entreprises", vec![&village]),
        (
            "family=acteurs-academiques",
            "famille=acteurs-academiques",
            vec![],
        ),
        (
            "lever=apprendre-a-faire-alliance",
            "levier=apprendre-a-faire-alliance",
            vec![&navette],
        ),
    ] {
        let (count, mut singles, _) =
            on_map(&app, &format!("{bbox}&zoom=20&layers=needs&{filter}")).await;
        let (total, _) = listed(
            &app,
            &format!("{bbox}&zoom=20&couches=besoins&{page_filter}"),
        )
        .await;
        assert_eq!(
            (count, total),
            (want.len() as u64, want.len() as u64),
            "{filter}"
        );
        singles.sort();
        let mut expect: Vec<(String, String)> = want
            .iter()
            .map(|n| ("need".to_string(), n.slug.clone()))
            .collect();
        expect.sort();
        assert_eq!(singles, expect, "{filter}");
    }

    // The GeoJSON export: the same four with their pages; the example says so.
    let geo = app.get("/carte/points.geojson?couches=besoins").await;
    assert_eq!(geo.status, StatusCode::OK);
    let fc: serde_json::Value = serde_json::from_str(&geo.body).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 4);
    for f in features {
        let p = &f["properties"];
        assert_eq!(p["layer"], "need");
        let url = p["url"].as_str().unwrap();
        assert!(url.ends_with(&format!("/besoins/{}", p["slug"].as_str().unwrap())));
        assert_eq!(
            p["example"] == true,
            p["slug"] == example.slug.as_str(),
            "{p}"
        );
    }

    // The author closes a need from its page: it leaves the map at once, without waiting
    // for the next poll.
    sign_in(&app, "mairie@exemple.fr").await;
    let page = format!("/besoins/{}", navette.slug);
    let r = app
        .post_form(&page, &format!("{page}/statut"), &[("statut", "clos")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (count, singles, _) = on_map(&app, &format!("{bbox}&zoom=20&layers=needs")).await;
    assert_eq!(count, 3);
    assert!(!singles.iter().any(|(_, s)| *s == navette.slug));
    assert_eq!(listed(&app, "couches=besoins").await.0, 3);
    // Reopened: back at once.
    let r = app
        .post_form(&page, &format!("{page}/statut"), &[("statut", "ouvert")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        on_map(&app, &format!("{bbox}&zoom=3&layers=needs")).await.0,
        4
    );
    app.stop().await;
}

both_databases!(map_counts_needs_with_the_other_layers, mixed_layers);
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
    // Six cases, two of them examples; ten needs, seven of them open.
    for i in 0..4 {
        let f = CaseFields {
            territory: places[i % places.len()].clone(),
            families: families[..1 + i % 3]
                .iter()
                .map(|f| f.to_string())
                .collect(),
            ..case_fields(&format!("Pratique numéro {i}"))
        };
        let c = store.submit_case(None, author, &f, now).await.unwrap();
        store
            .decide_case(c.id, c.moderated.revision, true, "", None, now)
            .await
            .unwrap();
    }
    let example_cases = [0, 1].map(|i| ExampleCase {
        fields: CaseFields {
            territory: places[i].clone(),
            ..case_fields(&format!("Pratique d'exemple {i}"))
        },
        created_by: None,
    });
    store
        .insert_example_cases(&example_cases, now)
        .await
        .unwrap();
    for i in 0..10 {
        let f = NeedFields {
            activities: vec!["mettre-en-relation".into()],
            ..fields(
                &format!("Besoin numéro {i}"),
                places[i % places.len()].clone(),
                &families[..1 + i % 3],
                &[],
            )
        };
        let n = publish(&store, author, &f).await;
        match i % 5 {
            1 => move_to(&store, &n, NeedStatus::EnRelation).await,
            3 => move_to(&store, &n, NeedStatus::Resolu).await,
            4 if i == 9 => move_to(&store, &n, NeedStatus::Clos).await,
            _ => {}
        }
    }
    // Seven open needs; the members, places, cases and needs all on the map once reloaded.
    until_listed(&app, "couches=needs", 7).await;
    until_listed(&app, "couches=cases", 6).await;
    assert!(listed(&app, "couches=members").await.0 > 0);

    // Example cases are labelled on the map and in the list, as example needs are.
    let list = text(&app.get("/carte/liste?couches=pratiques").await.body);
    let row = list
        .split("<tr>")
        .find(|r| r.contains(">Pratique d'exemple 0</a>"))
        .expect("the example case's row");
    assert!(row.contains("tag-example"), "{row}");
    let r = app
        .get("/api/v1/map/clusters?bbox=-180,-85,180,85&zoom=20&layers=cases")
        .await;
    let fc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let examples = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["example"] == true)
        .count();
    assert_eq!(examples, 2, "{}", r.body);

    let view = "bbox=3.0,44.0,6.5,47.5";
    for layers in [
        "needs",
        "members,places,cases,needs",
        "members,needs",
        "cases,needs",
        "members,places,cases",
    ] {
        for zoom in [3, 7, 10, 13, 17, 20] {
            for filter in ["", "&family=associations", "&activity=mettre-en-relation"] {
                let query = format!("{view}&zoom={zoom}&layers={layers}{filter}");
                let (count, singles, needs) = on_map(&app, &query).await;
                let (total, links) = listed(&app, &query).await;
                assert_eq!(count, total, "map and list agree for {query}");
                assert_eq!(links.len() as u64, total, "{query}");
                let listed_needs = links.iter().filter(|l| l.starts_with("/besoins/")).count();
                assert_eq!(needs, listed_needs as u64, "{query}");
                for (layer, slug) in &singles {
                    let page = match layer.as_str() {
                        "member" => "reseau",
                        "place" => "lieux",
                        "case" => "pratiques",
                        _ => "besoins",
                    };
                    assert!(
                        links.contains(&format!("/{page}/{slug}")),
                        "{slug} on the map, not in the list ({query})"
                    );
                    if layers == "needs" {
                        assert_eq!(layer, "need", "{query}");
                    }
                }
                if layers == "needs" {
                    assert_eq!(count, needs, "only needs for {query}");
                }
                if !layers.contains("needs") {
                    assert_eq!(needs, 0, "{query}");
                }
                if layers.contains("needs") && filter.is_empty() {
                    assert_eq!(needs, 7, "{query}");
                }
            }
        }
    }
    // Without `layers`, every layer: the sum of the four alone, on the map and the list.
    let mut sum = 0;
    for l in LAYERS {
        sum += on_map(&app, &format!("{view}&zoom=8&layers={l}")).await.0;
    }
    assert_eq!(on_map(&app, &format!("{view}&zoom=8")).await.0, sum);
    assert_eq!(listed(&app, view).await.0, sum);

    // The API takes the English name only; anything else is a 400 problem that names it.
    for q in ["layers=besoins", "layers=need", "layers=needs,chats"] {
        let r = app.get(&format!("/api/v1/map/clusters?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        let problem: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("couche inconnue") && d.contains("needs")),
            "{}",
            r.body
        );
    }
    // Pages take the French name too.
    assert_eq!(listed(&app, "couches=besoins").await.0, 7);
    // The map page: the layer's box, ticked by default, and its legend.
    let page = app.get("/carte").await;
    assert!(page
        .body
        .contains("id=\"layer-needs\" name=\"couches\" value=\"needs\" checked"));
    assert!(page.body.contains("Besoins des territoires</label>"));
    assert!(page.body.contains("carte-symbole-need"));
    let unticked = app.get("/carte?couches=members").await;
    assert!(unticked
        .body
        .contains("id=\"layer-needs\" name=\"couches\" value=\"needs\">"));
    // The links from the map to the list keep the layer.
    assert!(page
        .body
        .contains("couches=members%2Cplaces%2Ccases%2Cneeds"));
    app.stop().await;
}
