//! The case base as open data and on the other areas' pages: `/pratiques.csv`,
//! `/pratiques.geojson`, `/pratiques/flux.atom`, the OAI-PMH set `type:pratique`, the
//! territory portraits, the lever pages and the member pages show public cases only; a
//! withdrawn case becomes a deleted OAI record; what members typed never runs as a formula.

use crate::cases::{case_in, fields};
use crate::TestApp;
use catalyse_core::cases::Phase;
use catalyse_core::network::{ProfileFields, TerritoryRef, Visibility};
use catalyse_core::TerritoryLevel;
use catalyse_store::{both_databases, ExampleMember, Store};
use reqwest::StatusCode;
use std::sync::Arc;

const PUBLIC: &str = "Covoiturage solidaire des villages";
const PENDING: &str = "Épicerie itinérante en attente";
const ARCHIVED: &str = "Jardin partagé retiré";

/// A member with a public profile in Saint-Étienne; her id and slug.
async fn member(store: &Arc<dyn Store>) -> (i64, String) {
    let now = chrono::Utc::now();
    store
        .insert_example_members(
            &[ExampleMember {
                email: "contact-pratiques@exemple.fr".into(),
                fields: ProfileFields {
                    display_name: "Camille Contact".into(),
                    organisation: "Association du quartier".into(),
                    actor_family: "associations".into(),
                    role: "Coordinatrice".into(),
                    territories: vec![TerritoryRef {
                        level: TerritoryLevel::Commune,
                        code: "42218".into(),
                    }],
                    activities: vec![],
                    levers: vec![],
                    themes: vec![],
                    bio: String::new(),
                    links: vec![],
                    photo: None,
                },
                visibility: Visibility::Public,
            }],
            now,
        )
        .await
        .unwrap();
    let user = store
        .user_by_email(&catalyse_core::Email::parse("contact-pratiques@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    let p = store.profile(user.id).await.unwrap().unwrap();
    (user.id, p.slug)
}

/// The three cases, the member their contact: (public slug, public id, archived id).
async fn three_cases(store: &Arc<dyn Store>, contact: i64) -> (String, i64, i64) {
    let mut public = fields(PUBLIC, Phase::Consolidation, "mobilite");
    public.contacts = vec![contact];
    // What a member typed that a spreadsheet would run.
    public.model = "=HYPERLINK(\"http://exemple.invalid\";\"clic\")".into();
    let (slug, id) = case_in(store, &public, true).await;
    let mut pending = fields(PENDING, Phase::Emergence, "precarite");
    pending.contacts = vec![contact];
    case_in(store, &pending, false).await;
    let mut archived = fields(ARCHIVED, Phase::Essaimage, "isolement");
    archived.contacts = vec![contact];
    let (_, archived_id) = case_in(store, &archived, true).await;
    store
        .archive_case(archived_id, chrono::Utc::now())
        .await
        .unwrap();
    (slug, id, archived_id)
}

fn only_public(what: &str, body: &str) {
    assert!(
        body.contains(PUBLIC),
        "{what}: the public case is missing\n{body}"
    );
    for other in [PENDING, ARCHIVED] {
        assert!(!body.contains(other), "{what}: « {other} » shown\n{body}");
    }
}

both_databases!(exports_and_pages_show_public_cases_only, public_only);
async fn public_only(store: Arc<dyn Store>) {
    let (member_id, member_slug) = member(&store).await;
    let (slug, id, archived_id) = three_cases(&store, member_id).await;
    let app = TestApp::start(store.clone()).await;
    // The seed's reference cases are public too (elsewhere than the test geography).
    let public_total = store.published_cases(0, 1000).await.unwrap().len();
    assert!(public_total >= 1);

    // CSV: every public case, formulas neutralised.
    let csv = app.get("/pratiques.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    only_public("csv", &csv.body);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..4], ["slug", "titre", "resume", "territoire"]);
    let all: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(all.len(), public_total);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<&csv::StringRecord> = all.iter().filter(|r| r[col("slug")] == *slug).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][col("slug")], slug.as_str());
    assert_eq!(&rows[0][col("territoire")], "commune:42218");
    assert_eq!(&rows[0][col("departement")], "42");
    assert!(
        rows[0][col("modele")].starts_with("'=HYPERLINK"),
        "{}",
        &rows[0][col("modele")]
    );
    assert!(rows[0][col("url")].ends_with(&format!("/pratiques/{slug}")));

    // GeoJSON: at the commune's point, as the map places it.
    let geo = app.get("/pratiques.geojson").await;
    assert_eq!(geo.status, StatusCode::OK);
    assert!(geo
        .header("content-type")
        .starts_with("application/geo+json"));
    let geo: serde_json::Value = serde_json::from_str(&geo.body).unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    only_public("geojson", &geo.to_string());
    let mine: Vec<_> = features
        .iter()
        .filter(|f| f["properties"]["slug"] == slug.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "{geo}");
    let f = mine[0];
    assert_eq!(
        f["geometry"]["coordinates"],
        serde_json::json!([4.39, 45.43])
    );
    assert_eq!(f["properties"]["slug"], slug.as_str());
    assert_eq!(f["properties"]["title"], PUBLIC);
    assert_eq!(f["properties"]["phase"], "consolidation");
    assert_eq!(
        f["properties"]["levers"],
        serde_json::json!(["apprendre-a-faire-alliance"])
    );
    assert_eq!(
        f["properties"]["fragilities"],
        serde_json::json!(["mobilite"])
    );
    assert_eq!(f["properties"]["is_example"], false);

    // Atom.
    let atom = app.get("/pratiques/flux.atom").await;
    assert_eq!(atom.status, StatusCode::OK);
    assert!(atom
        .header("content-type")
        .starts_with("application/atom+xml"));
    only_public("atom", &atom.body);
    assert_eq!(atom.body.matches("<entry>").count(), public_total.min(50));

    // OAI-PMH: the public case live, the withdrawn one deleted, the pending one absent.
    let oai = app
        .get("/oai?verb=ListRecords&metadataPrefix=oai_dc&set=type:pratique")
        .await;
    assert!(!oai.body.contains("<error"), "{}", oai.body);
    only_public("oai", &oai.body);
    let live = format!("<header><identifier>oai:catalyse.local:pratique/{id}</identifier>");
    assert!(oai.body.contains(&live), "{}", oai.body);
    let deleted = format!(
        "<header status=\"deleted\"><identifier>oai:catalyse.local:pratique/{archived_id}</identifier>"
    );
    assert!(oai.body.contains(&deleted), "{}", oai.body);
    assert_eq!(
        oai.body.matches("<record>").count(),
        public_total + 1,
        "{}",
        oai.body
    );
    assert!(oai.body.contains("<dc:coverage>Saint-Étienne"));
    assert!(oai.body.contains("<dc:rights>CC BY 4.0</dc:rights>"));
    assert!(
        oai.body.contains("<dc:subject>Mobilité</dc:subject>"),
        "{}",
        oai.body
    );
    let one = app
        .get(&format!(
            "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:catalyse.local:pratique/{archived_id}"
        ))
        .await;
    assert!(one.body.contains("status=\"deleted\""), "{}", one.body);

    // The portraits of the commune, its département and its région; the lever; the member.
    for path in [
        "/territoires/commune/42218-saint-etienne",
        "/territoires/department/42-loire",
        "/territoires/region/84-auvergne-rhone-alpes",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        only_public(path, &page.body);
        assert!(page.body.contains("1 pratique publiée"), "{path}");
    }
    let dep = app.get("/territoires/department/42-loire").await;
    assert!(dep.body.contains("href=\"/pratiques?departement=42\""));
    let region = app.get("/territoires/region/84-auvergne-rhone-alpes").await;
    assert!(region.body.contains("href=\"/pratiques?region=84\""));
    let elsewhere = app
        .get("/territoires/commune/01001-l-abergement-clemenciat")
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK);
    assert!(!elsewhere.body.contains(PUBLIC), "another commune's case");
    let lever = app.get("/leviers/apprendre-a-faire-alliance").await;
    only_public("lever", &lever.body);
    assert!(lever
        .body
        .contains("href=\"/pratiques?levier=apprendre-a-faire-alliance\""));
    let page = app.get(&format!("/reseau/{member_slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    only_public("member", &page.body);
    app.stop().await;
}

both_databases!(oai_set_of_cases_holds_cases_only, oai_set);
async fn oai_set(store: Arc<dyn Store>) {
    let (public, id) = case_in(
        &store,
        &fields(PUBLIC, Phase::Consolidation, "mobilite"),
        true,
    )
    .await;
    let app = TestApp::start(store.clone()).await;
    let public_total = store.published_cases(0, 1000).await.unwrap().len();
    let sets = app.get("/oai?verb=ListSets").await;
    assert!(sets.body.contains("<setSpec>type:pratique</setSpec>"));
    let cases = app
        .get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=type:pratique")
        .await;
    assert_eq!(
        cases.body.matches("<header>").count(),
        public_total,
        "{}",
        cases.body
    );
    assert!(!cases.body.contains(":ressource/"), "{}", cases.body);
    assert!(cases.body.contains(&format!(":pratique/{id}<")));
    // Without a set: the resources and the case, each once, in pages that chain.
    let mut token = None::<String>;
    let mut seen = vec![];
    loop {
        let q = match &token {
            Some(t) => format!("/oai?verb=ListIdentifiers&resumptionToken={t}"),
            None => "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc".to_string(),
        };
        let page = app.get(&q).await;
        assert!(!page.body.contains("<error"), "{}", page.body);
        for part in page.body.split("<identifier>").skip(1) {
            seen.push(part.split('<').next().unwrap().to_string());
        }
        token = page
            .body
            .split("<resumptionToken")
            .nth(1)
            .and_then(|s| s.split_once('>'))
            .map(|(_, rest)| rest.split('<').next().unwrap().to_string())
            .filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    let distinct: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no record twice");
    assert!(seen.iter().any(|s| s.contains(":ressource/")));
    assert_eq!(
        seen.iter().filter(|s| s.contains(":pratique/")).count(),
        public_total
    );
    // The resources' sets hold no case.
    let lever = app
        .get(
            "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=levier-apprendre-a-faire-alliance",
        )
        .await;
    assert!(!lever.body.contains(":pratique/"));
    assert!(!public.is_empty());
    app.stop().await;
}
