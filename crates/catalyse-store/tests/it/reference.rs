//! Reference data: the frame, the geography, settings.

use catalyse_core::reference::ReferenceFrame;
use catalyse_core::TerritoryLevel;
use catalyse_store::Store;
use std::sync::Arc;

use crate::{geography, small_geography};
use catalyse_store::both_databases as conformance;

conformance!(
    reference_frame_loads_once_and_updates_on_edit,
    reference_frame
);
async fn reference_frame(store: Arc<dyn Store>) {
    let frame = ReferenceFrame::shipped().unwrap();
    assert!(
        store.load_reference(&frame).await.unwrap(),
        "first load writes"
    );
    assert!(
        !store.load_reference(&frame).await.unwrap(),
        "second load changes nothing"
    );
    let levers = store.levers().await.unwrap();
    assert_eq!(levers.len(), 7);
    assert_eq!(levers[1].slug, "comprendre-son-ecosysteme");
    assert_eq!(levers[1].questions.len(), 4);
    assert_eq!(
        store
            .lever("evaluer-sa-pertinence")
            .await
            .unwrap()
            .unwrap()
            .position,
        7
    );
    assert!(store.lever("nope").await.unwrap().is_none());
    let metier = store.metier().await.unwrap();
    assert_eq!(metier.len(), 4);
    assert_eq!(
        metier[3].activities[3].name,
        "Mettre à disposition un FabLab"
    );
    assert_eq!(store.actor_families().await.unwrap().len(), 7);
    let milestones = store.milestones().await.unwrap();
    assert_eq!(milestones.len(), frame.milestones.len());
    assert_eq!(milestones[0].date.to_string(), "2019-01-17");

    // An edited file updates its rows and removes the ones that are gone.
    let levers_src =
        "[[lever]]\nslug='qualifier-son-innovation'\nname='Qualifier (édité)'\nquestions=['Q ?']\n";
    let edited = ReferenceFrame::from_sources(
        levers_src,
        "family=[]",
        "[[family]]\nslug='associations'\nname='Associations'\n",
        "[[milestone]]\ndate='2019-01-17'\nlabel='L'\ndescription='D'\npillar='plateforme'\n",
    )
    .unwrap();
    assert!(store.load_reference(&edited).await.unwrap());
    let levers = store.levers().await.unwrap();
    assert_eq!(levers.len(), 1);
    assert_eq!(levers[0].name, "Qualifier (édité)");
    assert!(store.metier().await.unwrap().is_empty());
    assert_eq!(store.milestones().await.unwrap().len(), 1);
}

conformance!(geography_loads_once_and_reads_back, geography_load);
async fn geography_load(store: Arc<dyn Store>) {
    let geo = geography();
    assert!(store.load_geography(geo).await.unwrap());
    assert!(!store.load_geography(geo).await.unwrap(), "idempotent");
    assert_eq!(
        store
            .reference_checksum("geography")
            .await
            .unwrap()
            .as_deref(),
        Some(geo.checksum.as_str())
    );
    let all = store.territories().await.unwrap();
    assert_eq!(all.len(), geo.territories.len());
    let communes = all
        .iter()
        .filter(|t| t.level == TerritoryLevel::Commune)
        .count();
    assert!(communes > 34_000);
    // What is read back is what was loaded, field by field.
    let paris = all.iter().find(|t| t.code == "75056").unwrap();
    let shipped = geo.territories.iter().find(|t| t.code == "75056").unwrap();
    assert_eq!(paris, shipped);
    assert!(paris.postcodes.len() > 10 && paris.lat.is_some());
    let index = catalyse_core::TerritoryIndex::new(all);
    assert_eq!(
        index.search("saint etienne", None, 1, 1).items[0].code,
        "42218"
    );
}

conformance!(geography_edits_update_and_remove_rows, geography_edits);
async fn geography_edits(store: Arc<dyn Store>) {
    let extra = "commune\t01002\tL'Abergement-de-Varey\t84\t01\t\t250\t01640\t46.0\t5.4\n";
    assert!(store.load_geography(&small_geography(extra)).await.unwrap());
    let has = |all: &[catalyse_core::Territory], code: &str| all.iter().any(|t| t.code == code);
    assert!(has(&store.territories().await.unwrap(), "01002"));
    assert!(store.load_geography(&small_geography("")).await.unwrap());
    let all = store.territories().await.unwrap();
    assert!(!has(&all, "01002"), "a row gone from the file is removed");
    assert_eq!(all.len(), 4);
}

conformance!(settings_round_trip, settings);
async fn settings(store: Arc<dyn Store>) {
    assert_eq!(store.setting("demo_loaded").await.unwrap(), None);
    store.set_setting("demo_loaded", "1").await.unwrap();
    store.set_setting("demo_loaded", "2").await.unwrap();
    assert_eq!(
        store.setting("demo_loaded").await.unwrap().as_deref(),
        Some("2")
    );
    store.ping().await.unwrap();
}
