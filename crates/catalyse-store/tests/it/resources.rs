//! The resource centre's storage: documents, their history, imports, the kit, harvesting.

use crate::fixtures::resource_fields;
use catalyse_core::resource::{Kit, Nature, ResourceFields, ResourceState, StoredFile};
use catalyse_store::both_databases as conformance;
use catalyse_store::{FileChange, HarvestQuery, Store, StoreError};
use chrono::{Duration, Utc};
use std::sync::Arc;

fn fields(slug: &str, nature: Nature) -> ResourceFields {
    ResourceFields {
        levers: vec!["evaluer-sa-pertinence".into()],
        authors: vec!["Le RAMEAU".into()],
        year: Some(2015),
        ..resource_fields(slug, &format!("Titre {slug}"), nature)
    }
}

conformance!(resources_edits_and_history, edits);
async fn edits(store: Arc<dyn Store>) {
    let now = Utc::now();
    let file = StoredFile {
        sha256: "ab".repeat(32),
        name: "guide.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1234,
    };
    let r = store
        .create_resource(
            &fields("guide", Nature::Methode),
            ResourceState::Draft,
            Some(&file),
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(r.state, ResourceState::Draft);
    assert_eq!(r.file.as_ref(), Some(&file));
    assert!(r.published_at.is_none());
    assert!(store.file_in_use(&file.sha256).await.unwrap());
    // The slug is unique.
    let dup = store
        .create_resource(
            &fields("guide", Nature::Methode),
            ResourceState::Draft,
            None,
            None,
            now,
        )
        .await;
    assert!(
        matches!(dup, Err(StoreError::Conflict { field: "slug", .. })),
        "{dup:?}"
    );

    let mut edited = r.fields.clone();
    edited.title = "Nouveau titre".into();
    edited.levers = vec![];
    let r2 = store
        .update_resource(
            r.id,
            &edited,
            &FileChange::Remove,
            None,
            now + Duration::seconds(5),
        )
        .await
        .unwrap();
    assert_eq!(r2.title, "Nouveau titre");
    assert!(r2.file.is_none());
    assert!(!store.file_in_use(&file.sha256).await.unwrap());
    // An edit that changes nothing records nothing.
    store
        .update_resource(r.id, &edited, &FileChange::Keep, None, now)
        .await
        .unwrap();
    let published = store
        .set_resource_state(
            r.id,
            ResourceState::Published,
            None,
            now + Duration::seconds(10),
        )
        .await
        .unwrap();
    assert!(published.published_at.is_some());
    let history = store.resource_history(r.id).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, vec!["publish", "edit", "create"]);
    let edit = &history[1].changes;
    assert_eq!(
        edit["title"],
        serde_json::json!(["Titre guide", "Nouveau titre"])
    );
    assert_eq!(edit["file"], serde_json::json!(["guide.pdf", null]));
    assert!(!edit.contains_key("summary"), "only what changed");
    assert_eq!(
        store.resource_by_slug("guide").await.unwrap().unwrap().id,
        r.id
    );
    assert!(store.resource(999_999).await.unwrap().is_none());
    let by_ids = store.resources_by_ids(&[999_999, r.id]).await.unwrap();
    assert_eq!(by_ids.len(), 1);
    assert_eq!(by_ids[0].id, r.id);
    assert!(store.resources_by_ids(&[]).await.unwrap().is_empty());
    assert!(matches!(
        store
            .set_resource_state(999_999, ResourceState::Archived, None, now)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .resources(Some(ResourceState::Published))
            .await
            .unwrap()
            .len(),
        1
    );
}

conformance!(resources_import_and_kit, imports);
async fn imports(store: Arc<dyn Store>) {
    let now = Utc::now();
    let kit: Vec<ResourceFields> = Kit::shipped()
        .unwrap()
        .resource
        .iter()
        .map(|e| e.fields())
        .collect();
    assert!(store.load_kit(&kit, "k1", now).await.unwrap());
    assert!(
        !store.load_kit(&kit, "k1", now).await.unwrap(),
        "same checksum: nothing to do"
    );
    let all = store.resources(None).await.unwrap();
    assert_eq!(all.len(), kit.len());
    assert!(all.iter().all(|r| r.state == ResourceState::Published));
    // An animator's edit survives a new version of the kit.
    let first = &all[0];
    let mut edited = first.fields.clone();
    edited.summary = "Résumé écrit par un animateur".into();
    store
        .update_resource(first.id, &edited, &FileChange::Keep, None, now)
        .await
        .unwrap();
    assert!(store.load_kit(&kit, "k2", now).await.unwrap());
    assert_eq!(
        store.resource(first.id).await.unwrap().unwrap().summary,
        "Résumé écrit par un animateur"
    );
    assert_eq!(store.resources(None).await.unwrap().len(), kit.len());
    // A later kit gives its documents a link: those without one get it, with a trace in
    // their history; a link an animator wrote stays.
    let mut own = store
        .resource(all[1].id)
        .await
        .unwrap()
        .unwrap()
        .fields
        .clone();
    own.url = Some("https://exemple.fr/mon-lien".into());
    store
        .update_resource(all[1].id, &own, &FileChange::Keep, None, now)
        .await
        .unwrap();
    let linked = Kit::shipped().unwrap().documents();
    let centre = linked[0].url.clone().unwrap();
    assert!(centre.starts_with("https://co-constructionterritoriale."));
    assert!(store.load_kit(&linked, "k3", now).await.unwrap());
    let first_now = store.resource(first.id).await.unwrap().unwrap();
    assert_eq!(first_now.url.as_deref(), Some(centre.as_str()));
    assert_eq!(first_now.summary, "Résumé écrit par un animateur");
    assert!(store
        .resource_history(first.id)
        .await
        .unwrap()
        .iter()
        .any(|c| c.changes.contains_key("url")));
    assert_eq!(
        store
            .resource(all[1].id)
            .await
            .unwrap()
            .unwrap()
            .url
            .as_deref(),
        Some("https://exemple.fr/mon-lien")
    );

    // An import creates and updates by slug, in one transaction.
    let mut changed = edited.clone();
    changed.title = "Titre importé".into();
    let items = vec![
        (
            fields("nouveau", Nature::Illustration),
            ResourceState::Draft,
        ),
        (changed, ResourceState::Published),
    ];
    assert_eq!(
        store.import_resources(&items, None, now).await.unwrap(),
        (1, 1)
    );
    assert_eq!(
        store.import_resources(&items, None, now).await.unwrap(),
        (0, 0)
    );
    assert_eq!(
        store.resource(first.id).await.unwrap().unwrap().title,
        "Titre importé"
    );
}

conformance!(resources_harvest_by_change, harvest);
async fn harvest(store: Arc<dyn Store>) {
    let t0 = Utc::now() - Duration::days(10);
    for i in 0..7 {
        let nature = if i % 2 == 0 {
            Nature::Methode
        } else {
            Nature::Illustration
        };
        let r = store
            .create_resource(
                &fields(&format!("r{i}"), nature),
                ResourceState::Published,
                None,
                None,
                t0 + Duration::days(i),
            )
            .await
            .unwrap();
        if i == 6 {
            store
                .set_resource_state(r.id, ResourceState::Archived, None, t0 + Duration::days(8))
                .await
                .unwrap();
        }
    }
    // A draft never published is not harvested.
    store
        .create_resource(
            &fields("brouillon", Nature::Methode),
            ResourceState::Draft,
            None,
            None,
            t0,
        )
        .await
        .unwrap();
    let all = HarvestQuery {
        limit: 50,
        ..Default::default()
    };
    let (items, total) = store.harvest(&all).await.unwrap();
    assert_eq!((items.len(), total), (7, 7));
    assert_eq!(
        items.last().unwrap().state,
        ResourceState::Archived,
        "latest change last"
    );
    assert_eq!(
        store
            .harvest_earliest()
            .await
            .unwrap()
            .map(|t| t.timestamp()),
        Some(t0.timestamp())
    );
    // Pages follow (change, id) and survive equal timestamps.
    let mut seen = vec![];
    let mut after = None;
    loop {
        let (page, total) = store
            .harvest(&HarvestQuery {
                limit: 3,
                after,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(total, 7);
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some((last.updated_at, last.id));
        seen.extend(page.into_iter().map(|r| r.fields.slug));
    }
    assert_eq!(seen.len(), 7);
    let window = HarvestQuery {
        from: Some(t0 + Duration::days(2)),
        until: Some(t0 + Duration::days(4)),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(store.harvest(&window).await.unwrap().1, 3);
    let methods = HarvestQuery {
        nature: Some(Nature::Methode),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(store.harvest(&methods).await.unwrap().1, 4);
    let lever = HarvestQuery {
        lever: Some("evaluer-sa-pertinence".into()),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(store.harvest(&lever).await.unwrap().1, 7);
    let other = HarvestQuery {
        lever: Some("definir-sa-strategie".into()),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(store.harvest(&other).await.unwrap().1, 0);
}

// What `catalyse restore` counts as content: the kit a start loads is not, a resource
// imported from the command line (by nobody, like the kit) is.
conformance!(
    backup_content_counts_command_line_imports,
    content,
    with_url
);
async fn content(store: Arc<dyn Store>, url: String) {
    let now = Utc::now();
    store
        .load_kit(&[fields("kit-doc", Nature::Methode)], "kit-v1", now)
        .await
        .unwrap();
    let found = catalyse_store::backup::content(&url).await.unwrap();
    assert!(
        !found.iter().any(|(t, _)| t == "resource_history"),
        "the kit is not content: {found:?}"
    );
    store
        .import_resources(
            &[(
                fields("importee", Nature::Methode),
                ResourceState::Published,
            )],
            None,
            now,
        )
        .await
        .unwrap();
    let found = catalyse_store::backup::content(&url).await.unwrap();
    assert!(
        found
            .iter()
            .any(|(t, n)| t == "resource_history" && *n == 1),
        "an import is content: {found:?}"
    );
}
