//! The case base's public side: a case appears on `/pratiques`, its page and the API only
//! once approved and not archived; facets count what they lead to; bad filters are clear
//! errors.

use crate::TestApp;
use catalyse_core::cases::{CaseActor, CaseFields, FundingShare, FundingSource, Phase};
use catalyse_core::network::TerritoryRef;
use catalyse_core::TerritoryLevel;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

/// A valid case in the test geography (Saint-Étienne, Loire).
pub fn fields(title: &str, phase: Phase, fragility: &str) -> CaseFields {
    CaseFields {
        title: title.into(),
        summary: "Une alliance d'acteurs du territoire pour répondre à une fragilité prioritaire."
            .into(),
        body: "## L'alliance\n\nLa commune, une association et une entreprise se sont réunies."
            .into(),
        territory: TerritoryRef {
            level: TerritoryLevel::Commune,
            code: "42218".into(),
        },
        started_year: Some(2017),
        phase,
        fragilities: vec![fragility.into()],
        levers: vec!["apprendre-a-faire-alliance".into()],
        families: vec![],
        actors: vec![CaseActor {
            name: "Ville de Saint-Étienne".into(),
            family: String::new(),
            role: "porteur".into(),
        }],
        activities: vec![],
        funding: vec![FundingShare {
            source: FundingSource::Collectivites,
            percent: 100,
        }],
        model: "Financement public.".into(),
        results: "Des trajets partagés chaque semaine.".into(),
        figures: vec![],
        contacts: vec![],
        resources: vec![],
        images: vec![],
        source: "Test".into(),
        licence: "CC BY 4.0".into(),
    }
}

/// Submits a case as a new member and, if asked, approves it; returns its slug and id.
pub async fn case_in(store: &Arc<dyn Store>, f: &CaseFields, approve: bool) -> (String, i64) {
    let now = chrono::Utc::now();
    let author = store
        .create_user(
            &catalyse_store::NewUser {
                email: catalyse_core::Email::parse(&format!("auteur-{}@exemple.fr", rand_id()))
                    .unwrap(),
                display_name: "Auteur".into(),
                role: catalyse_core::Role::Member,
                password_hash: "pas-de-mot-de-passe".into(),
                is_example: false,
                email_verified: true,
            },
            now,
        )
        .await
        .expect("author");
    let c = store.submit_case(None, author.id, f, now).await.unwrap();
    if approve {
        store
            .decide_case(c.id, c.moderated.revision, true, "", None, now)
            .await
            .unwrap();
    }
    (c.slug, c.id)
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id()) * 1000
}

/// Waits (at most 8 s) until the page holds, or no longer holds, a text: the index follows
/// changes made elsewhere within 5 s.
async fn until(app: &TestApp, path: &str, text: &str, present: bool) -> String {
    for _ in 0..40 {
        let r = app.get(path).await;
        if r.body.contains(text) == present {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!(
        "{path}: « {text} » still {}",
        if present { "absent" } else { "present" }
    );
}

both_databases!(only_public_cases_show, public_only);
async fn public_only(store: Arc<dyn Store>) {
    let (public, public_id) = case_in(
        &store,
        &fields(
            "Covoiturage solidaire en zone rurale",
            Phase::Consolidation,
            "mobilite",
        ),
        true,
    )
    .await;
    let (pending, _) = case_in(
        &store,
        &fields("Épicerie sociale itinérante", Phase::Emergence, "precarite"),
        false,
    )
    .await;
    let app = TestApp::start(store.clone()).await;

    // The list, the page, the API: the approved case, never the pending one.
    let list = app.get("/pratiques").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("Covoiturage solidaire en zone rurale"),
        "{}",
        list.body
    );
    assert!(!list.body.contains("Épicerie sociale itinérante"));
    // Beside the seed's reference cases, always there.
    let shown = 1 + crate::cases_data::reference_count();
    assert!(
        list.body.contains(&format!("{shown} pratiques")),
        "{}",
        list.body
    );
    let page = app.get(&format!("/pratiques/{public}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("application/ld+json"));
    assert!(page.body.contains("Saint-Étienne"));
    assert!(page.body.contains("Ville de Saint-Étienne"));
    assert_eq!(
        app.get(&format!("/pratiques/{pending}")).await.status,
        StatusCode::NOT_FOUND
    );
    let api = app.get("/api/v1/cases").await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["total"], shown, "{}", api.body);
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["slug"] == public.as_str())
        .expect("the public case");
    assert_eq!(item["territory"]["name"], "Saint-Étienne");
    assert_eq!(
        app.get(&format!("/api/v1/cases/{pending}")).await.status,
        StatusCode::NOT_FOUND
    );
    let one = app.get(&format!("/api/v1/cases/{public}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    let one: serde_json::Value = serde_json::from_str(&one.body).unwrap();
    assert_eq!(one["funding"][0]["percent"], 100);
    assert!(one.get("contacts").is_some());

    // Archived: gone from the list (within the 5 s the index takes to follow) and the page.
    store
        .archive_case(public_id, chrono::Utc::now())
        .await
        .unwrap();
    until(&app, "/pratiques", "Covoiturage solidaire", false).await;
    assert_eq!(
        app.get(&format!("/pratiques/{public}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/cases/{public}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

both_databases!(case_facets_count_what_they_lead_to, facets);
async fn facets(store: Arc<dyn Store>) {
    for (title, phase, fragility) in [
        (
            "Transport à la demande pour les aînés",
            Phase::Essaimage,
            "mobilite",
        ),
        (
            "Garage solidaire et mobilité vers l'emploi",
            Phase::Consolidation,
            "mobilite",
        ),
        (
            "Visites de convivialité contre l'isolement",
            Phase::Essaimage,
            "isolement",
        ),
    ] {
        case_in(&store, &fields(title, phase, fragility), true).await;
    }
    let app = TestApp::start(store).await;
    let all = app.get("/pratiques").await;
    let shown = 3 + crate::cases_data::reference_count();
    assert!(
        all.body.contains(&format!("{shown} pratiques")),
        "{}",
        all.body
    );
    // « Mobilité (2) » leads to 2 results, « Essaimage (2) » too, and both together to 1.
    assert!(
        all.body
            .contains("Mobilité <span class=\"count\">(2)</span>"),
        "{}",
        all.body
    );
    let mobility = app.get("/pratiques?fragilite=mobilite").await;
    assert!(mobility.body.contains("2 pratiques"), "{}", mobility.body);
    let spreading = app.get("/pratiques?phase=essaimage").await;
    assert!(spreading.body.contains("2 pratiques"));
    let both = app
        .get("/pratiques?phase=essaimage&fragilite=mobilite")
        .await;
    assert!(both.body.contains("1 pratique"), "{}", both.body);
    // French search: plural, accents, one typo.
    for q in ["mobilites", "MOBILITÉ", "isolemnt"] {
        let r = app.get(&format!("/pratiques?q={q}")).await;
        assert!(!r.body.contains("0 pratique"), "{q}: {}", r.body);
    }
    // The API counts the same way.
    let api: serde_json::Value =
        serde_json::from_str(&app.get("/api/v1/cases?phase=essaimage").await.body).unwrap();
    assert_eq!(api["total"], 2);
    // Bad filters: a clear message, not a 500.
    let bad = app.get("/pratiques?phase=finie").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("phase inconnue"), "{}", bad.body);
    let bad = app.get("/api/v1/cases?sort=hasard").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad
        .header("content-type")
        .starts_with("application/problem+json"));
    app.stop().await;
}
