//! The observatory: datasets replaced whole, ranks, values by territory.

use catalyse_core::TerritoryLevel;
use catalyse_store::Store;
use chrono::Utc;
use std::sync::Arc;

use crate::small_geography;
use catalyse_store::both_databases as conformance;

conformance!(datasets_replace_whole_and_rank, datasets);
async fn datasets(store: Arc<dyn Store>) {
    use catalyse_core::dataset::parse_csv;
    use catalyse_store::NewDataset;
    let geo = small_geography("");
    let index = catalyse_core::TerritoryIndex::new(geo.territories.clone());
    let head = "territory_level,territory_code,indicator,value,unit,year,source,licence\n";
    let v1 = parse_csv(
        &format!("{head}commune,01001,Emplois,10,nombre,2020,INSEE,Licence Ouverte\ncommune,01053,Emplois,30,nombre,2020,INSEE,Licence Ouverte\n"),
        &index,
    )
    .unwrap();
    let meta = NewDataset {
        slug: "emploi".into(),
        title: "Emploi".into(),
        description: "Emplois au lieu de travail".into(),
        is_example: false,
        checksum: "v1".into(),
    };
    store.replace_dataset(&meta, &v1, Utc::now()).await.unwrap();
    assert_eq!(
        store.dataset_checksum("emploi").await.unwrap().as_deref(),
        Some("v1")
    );
    let (d, indicators) = store.dataset("emploi").await.unwrap().unwrap();
    assert_eq!(
        (d.source.as_str(), d.licence.as_str()),
        ("INSEE", "Licence Ouverte")
    );
    assert_eq!(indicators[0].slug, "emplois");
    let values = store
        .indicator_values("emploi", "emplois", None)
        .await
        .unwrap();
    assert_eq!(values[0].territory_code, "01053");
    assert_eq!((values[0].rank, values[0].peers), (1, 2));
    let levels = store.indicator_levels().await.unwrap();
    assert_eq!(levels.len(), 1);
    assert_eq!(
        (levels[0].0.as_str(), levels[0].2),
        ("emploi", TerritoryLevel::Commune)
    );
    let mine = store
        .territory_values(TerritoryLevel::Commune, "01001")
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].value.value, mine[0].value.rank), (10.0, 2));

    // A new import replaces the old one whole.
    let v2 = parse_csv(
        &format!("{head}commune,01001,Chômeurs,4,nombre,2021,INSEE,Licence Ouverte\n"),
        &index,
    )
    .unwrap();
    store
        .replace_dataset(
            &NewDataset {
                checksum: "v2".into(),
                ..meta
            },
            &v2,
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(store
        .indicator_values("emploi", "emplois", None)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .territory_values(TerritoryLevel::Commune, "01053")
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(store.datasets().await.unwrap().len(), 1);
    assert!(store.dataset("absent").await.unwrap().is_none());
}
