//! The observatory's dataset computed from the platform's own needs: « besoins exprimés »
//! per territory (a commune's needs also count for its département and région), on the
//! observatory's pages, maps, portraits and API; kept current when a need is approved or
//! when another process adds some; labelled « données d'exemple » when examples count; its
//! slug refused to imports.

use crate::fixtures::need_fields;
use crate::TestApp;
use catalyse_core::needs::{NeedFields, NeedOrigin, NeedStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, ExampleNeed, ImportedNeed, Store};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DATASET: &str = "/observatoire/besoins-des-territoires";
const INDICATOR: &str = "/observatoire/besoins-des-territoires/indicateurs/besoins-exprimes";

/// A need of Saint-Étienne (of the tests' small geography).
fn in_saint_etienne(title: &str) -> NeedFields {
    NeedFields {
        territory: TerritoryRef {
            level: TerritoryLevel::Commune,
            code: "42218".into(),
        },
        ..need_fields(title)
    }
}

/// The value the indicator's table gives a territory at `level`, as shown.
async fn shown(app: &TestApp, level: &str, portrait: &str) -> String {
    let page = app.get(&format!("{INDICATOR}?niveau={level}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The row's link: `<a href="…">Name</a></th><td class="num">value</td>`.
    let cell = format!("href=\"/territoires/{portrait}\">");
    let rest = page
        .body
        .split(&cell)
        .skip(1)
        .find_map(|after| {
            let (name, rest) = after.split_once("</a></th><td class=\"num\">")?;
            (!name.contains('<')).then_some(rest)
        })
        .unwrap_or_else(|| panic!("{portrait} in the table: {}", page.body));
    rest.split('<').next().unwrap_or_default().to_string()
}

both_databases!(open_needs_are_counted_per_territory, counted);
async fn counted(store: Arc<dyn Store>) {
    let now = chrono::Utc::now();
    let row = |title: &str, status| ImportedNeed {
        fields: in_saint_etienne(title),
        status,
        author_id: None,
        author_email: None,
    };
    // Two open needs in Saint-Étienne (one already in touch) and one closed.
    store
        .import_needs(
            &[
                row("Des navettes vers le marché", NeedStatus::Ouvert),
                row("Un tiers-lieu", NeedStatus::EnRelation),
                row("Une épicerie solidaire", NeedStatus::Clos),
            ],
            now,
        )
        .await
        .unwrap();
    let app = TestApp::start(store.clone()).await;

    // Listed with the imported datasets, real data: no example label.
    let home = app.get("/observatoire").await;
    assert!(home.body.contains(&format!("href=\"{DATASET}\"")));
    assert!(home
        .body
        .contains("Besoins des territoires exprimés sur la plateforme"));
    let d = app.get(DATASET).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d
        .body
        .contains("Catalyse — besoins publiés par les territoires"));
    assert!(d.body.contains("Licence Ouverte 2.0"));
    assert!(d.body.contains(INDICATOR));
    assert!(!d.body.contains("notice-example"), "real needs only");

    // 2 for the commune, its département and its région; 0 for the other commune and
    // département.
    assert_eq!(
        shown(&app, "commune", "commune/42218-saint-etienne").await,
        "2"
    );
    assert_eq!(
        shown(&app, "commune", "commune/01001-l-abergement-clemenciat").await,
        "0"
    );
    assert_eq!(shown(&app, "department", "department/42-loire").await, "2");
    assert_eq!(shown(&app, "department", "department/01-ain").await, "0");
    assert_eq!(
        shown(&app, "region", "region/84-auvergne-rhone-alpes").await,
        "2"
    );
    let year = chrono::Datelike::year(&now).to_string();
    let page = app.get(&format!("{INDICATOR}?niveau=department")).await;
    assert!(page.body.contains(&format!("<td>{year}</td>")), "this year");

    // The map on the page and alone, each département named with its count.
    assert!(
        page.body.contains("aria-label=\"Loire : 2 besoins\""),
        "{}",
        page.body
    );
    let svg = app
        .get(&format!("{INDICATOR}/carte.svg?niveau=department"))
        .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.header("content-type"), "image/svg+xml");
    assert!(svg.body.starts_with("<?xml") && svg.body.contains("<svg"));
    assert!(svg.body.contains("Loire : 2 besoins"), "{}", svg.body);
    // The credits under the map (a line at each dash).
    assert!(svg.body.contains("Source : Catalyse</text>"));
    assert!(svg
        .body
        .contains(">besoins publiés par les territoires</text>"));
    let gallery = app.get("/observatoire/cartes").await;
    assert!(gallery
        .body
        .contains(&format!("{INDICATOR}/carte.svg?niveau=department")));

    // On the portrait, and in the API.
    let p = app.get("/territoires/department/42-loire").await;
    assert!(p.body.contains("Besoins exprimés"), "{}", p.body);
    let api: serde_json::Value = serde_json::from_str(
        &app.get(
            "/api/v1/datasets/besoins-des-territoires/indicators/besoins-exprimes/values?level=department",
        )
        .await
        .body,
    )
    .unwrap();
    let loire = api
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["territory_code"] == "42")
        .expect("the Loire");
    assert_eq!(loire["value"], 2.0);
    let listed = app.get("/api/v1/datasets").await.body;
    assert!(listed.contains("\"slug\":\"besoins-des-territoires\""));

    // A member's new need, once a moderator approves it, counts at once.
    let author = app
        .user("camille@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let n = store
        .submit_need(
            None,
            author.id,
            &in_saint_etienne("Un jardin partagé"),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        shown(&app, "department", "department/42-loire").await,
        "2",
        "not before it is approved"
    );
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let queue = app.get("/admin/moderation").await;
    let r = app
        .post_form(
            "/admin/moderation",
            &format!("/admin/moderation/besoins/{}", n.id),
            &[
                ("decision", "approve"),
                ("revision", &queue.field("revision")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        shown(&app, "commune", "commune/42218-saint-etienne").await,
        "3"
    );
    assert_eq!(shown(&app, "department", "department/42-loire").await, "3");
    app.forget_cookies();
    let svg = app
        .get(&format!("{INDICATOR}/carte.svg?niveau=department"))
        .await;
    assert!(svg.body.contains("Loire : 3 besoins"));
    app.stop().await;
}

both_databases!(example_needs_make_example_data, examples);
async fn examples(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    // No need yet: zeros, real data.
    assert_eq!(shown(&app, "department", "department/42-loire").await, "0");
    assert!(!app.get(DATASET).await.body.contains("notice-example"));

    // Example needs added by another process (`catalyse needs generate`): the running
    // platform picks them up by itself, labelled as examples everywhere.
    let now = chrono::Utc::now();
    store
        .insert_example_needs(
            &[ExampleNeed {
                fields: in_saint_etienne("Un exemple de besoin"),
                status: NeedStatus::Ouvert,
                at: now,
                author_id: None,
                trail: vec![],
            }],
            now,
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while shown(&app, "department", "department/42-loire").await != "1" {
        assert!(Instant::now() < deadline, "not picked up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let d = app.get(DATASET).await;
    assert!(d.body.contains("notice-example"), "{}", d.body);
    let home = app.get("/observatoire").await;
    let card = home
        .body
        .split("<li class=\"card\">")
        .find(|c| c.contains(DATASET))
        .expect("listed");
    assert!(card.contains("données d&#39;exemple") || card.contains("données d'exemple"));
    let p = app.get("/territoires/commune/42218-saint-etienne").await;
    let line = p
        .body
        .split("<li>")
        .find(|l| l.contains("Besoins exprimés"))
        .expect("on the portrait");
    assert!(line.contains("tag-example"), "{line}");
    let svg = app
        .get(&format!("{INDICATOR}/carte.svg?niveau=department"))
        .await;
    assert!(svg.body.contains("exemple"), "the map's caption says so");
    app.stop().await;
}

both_databases!(the_needs_slug_cannot_be_imported, reserved);
async fn reserved(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    for fields in [
        [
            ("title", "Mes besoins"),
            ("slug", "besoins-des-territoires"),
        ],
        // The slug drawn from the title.
        [("title", "Besoins des territoires"), ("slug", "")],
    ] {
        let r = app
            .post_multipart(
                "/admin/donnees",
                "/admin/donnees",
                &fields,
                Some(("file", "b.csv", crate::observatory::GOOD_CSV.into())),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let text = r.body.replace("&#39;", "'");
        assert!(
            text.contains("calcule elle-même à partir des besoins publiés"),
            "{}",
            r.body
        );
    }
    assert!(
        store
            .dataset_checksum("besoins-des-territoires")
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
    let d = app.get(DATASET).await;
    assert!(d
        .body
        .contains("Catalyse — besoins publiés par les territoires"));
    app.stop().await;
}
