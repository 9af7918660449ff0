//! The case base's data: the seed's four experiences, loaded at every start when their file
//! changed, and the demonstration's 150 example cases, loaded once.

use crate::{small_geography, TestApp};
use catalyse_store::{both_databases, Store};
use catalyse_web::GeographySource;
use reqwest::StatusCode;
use std::sync::Arc;

/// How many reference cases the platform ships.
pub fn reference_count() -> usize {
    catalyse_core::cases::shipped::shipped().unwrap().len()
}

both_databases!(
    reference_cases_always_and_example_cases_once,
    reference_and_examples
);
async fn reference_and_examples(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store.clone(), |c| c.demo = true).await;
    let public = store.published_cases(0, 10_000).await.unwrap();
    assert_eq!(public.iter().filter(|c| c.is_reference).count(), 4);
    let examples: Vec<_> = public.iter().filter(|c| c.is_example).collect();
    assert_eq!(examples.len(), catalyse_web::cases::examples::DEMO_CASES);
    // Their contacts are example members; their resources, the example ones.
    for c in &examples {
        let f = c.public_fields().unwrap();
        assert!(!f.contacts.is_empty(), "{}", c.slug);
        for p in store.profiles_by_ids(&f.contacts).await.unwrap() {
            assert!(p.is_example, "{}", c.slug);
        }
        assert!(f.resources.iter().all(|r| r.starts_with("exemple-")));
    }

    // A reference case: what the seed says, its kit document, the notice; no example label.
    let page = app.get("/pratiques/silver-geek").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Retour d&#39;expérience collective (Silver Geek, LR, 2015)")
            || page
                .body
                .contains("Retour d'expérience collective (Silver Geek, LR, 2015)")
    );
    assert!(page
        .body
        .contains("href=\"/ressources/retour-experience-collective-silver-geek\""));
    assert!(page
        .body
        .contains("ne reprend que ce que le programme en dit"));
    assert!(!page.body.contains("aucune initiative réelle"));
    let alsace = app
        .get("/pratiques/labo-regional-des-partenariats-en-alsace")
        .await;
    assert_eq!(alsace.status, StatusCode::OK);
    assert!(alsace.body.contains("Région Alsace"));
    // An example case says what it is.
    let example = app.get(&format!("/pratiques/{}", examples[0].slug)).await;
    assert_eq!(example.status, StatusCode::OK);
    assert!(example.body.contains("aucune initiative réelle"));
    let list = app.get("/pratiques").await;
    assert!(list.body.contains("154 pratiques"), "{}", list.body);

    // The next start adds no example, and leaves the reference cases as they are.
    let version = store.cases_version().await.unwrap();
    catalyse_web::load_reference_data(
        store.as_ref(),
        GeographySource::Given(small_geography()),
        true,
    )
    .await
    .unwrap();
    assert_eq!(store.cases_version().await.unwrap(), version);
    assert_eq!(store.published_cases(0, 10_000).await.unwrap().len(), 154);
    app.stop().await;
}

both_databases!(
    reference_cases_come_back_when_their_file_changes,
    reference_reload
);
async fn reference_reload(store: Arc<dyn Store>) {
    let geo = || GeographySource::Given(small_geography());
    catalyse_web::load_reference_data(store.as_ref(), geo(), false)
        .await
        .unwrap();
    let silver = store.case_by_slug("silver-geek").await.unwrap().unwrap();
    assert!(silver.is_reference && silver.is_public());
    // Someone changed it in the database; a new shipped file (another checksum) restores it.
    let mut changed = catalyse_core::cases::shipped::shipped().unwrap();
    changed.retain(|c| c.slug == "silver-geek");
    changed[0].fields.title = "Autre titre".into();
    let cases: Vec<catalyse_store::ReferenceCase> = changed
        .into_iter()
        .map(|c| catalyse_store::ReferenceCase {
            slug: c.slug,
            fields: c.fields,
        })
        .collect();
    store
        .insert_reference_cases(&cases, chrono::Utc::now())
        .await
        .unwrap();
    store
        .set_setting("reference_cases_checksum", "an older file")
        .await
        .unwrap();
    catalyse_web::load_reference_data(store.as_ref(), geo(), false)
        .await
        .unwrap();
    let silver = store.case_by_slug("silver-geek").await.unwrap().unwrap();
    assert_eq!(silver.public_fields().unwrap().title, "Silver Geek");
    // No demo: no example case.
    assert!(store
        .published_cases(0, 10_000)
        .await
        .unwrap()
        .iter()
        .all(|c| !c.is_example));
}
