//! Where needs come from, in storage: example needs with their author and trail, imported
//! needs with a contact address and a status, and the draft a webinar registration leaves,
//! written with the registration or not at all.

use crate::events::at;
use crate::fixtures::{event, need_fields};
use crate::network::member;
use catalyse_core::agenda::EventKind;
use catalyse_core::needs::{NeedEvent, NeedStatus};
use catalyse_store::both_databases as conformance;
use catalyse_store::{ExampleNeed, ImportedNeed, NewRegistration, Store, StoreError};
use chrono::{Duration, Utc};
use std::sync::Arc;

conformance!(needs_examples_keep_author_and_trail, examples_body);
async fn examples_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "exemple@exemple.fr", true).await;
    let step = |days: i64, status, note: &str| NeedEvent {
        at: now - Duration::days(days),
        status,
        note: note.into(),
    };
    let examples = vec![
        ExampleNeed {
            fields: need_fields("Un minibus"),
            status: NeedStatus::Ouvert,
            at: now - Duration::days(30),
            author_id: Some(author),
            trail: vec![],
        },
        ExampleNeed {
            fields: need_fields("Un local"),
            status: NeedStatus::Resolu,
            at: now - Duration::days(60),
            author_id: None,
            trail: vec![
                step(40, NeedStatus::EnRelation, "Proposition d'aide reçue"),
                step(10, NeedStatus::Resolu, "Besoin résolu"),
            ],
        },
    ];
    assert_eq!(store.insert_example_needs(&examples, now).await.unwrap(), 2);
    let mine = store.needs_of(author).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].is_example && mine[0].trail.is_empty());
    let all = store.published_needs(0, 10).await.unwrap();
    let local = all.iter().find(|n| n.id != mine[0].id).unwrap();
    assert_eq!(local.status, NeedStatus::Resolu);
    assert_eq!(local.author_id, None);
    assert_eq!(
        local
            .trail
            .iter()
            .map(|e| (e.status, e.note.as_str(), e.at.timestamp()))
            .collect::<Vec<_>>(),
        [
            (
                NeedStatus::EnRelation,
                "Proposition d'aide reçue",
                (now - Duration::days(40)).timestamp()
            ),
            (
                NeedStatus::Resolu,
                "Besoin résolu",
                (now - Duration::days(10)).timestamp()
            )
        ]
    );
}

conformance!(needs_imported_with_contact_and_status, import_body);
async fn import_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let done = store
        .import_needs(
            &[
                ImportedNeed {
                    fields: need_fields("Une épicerie"),
                    status: NeedStatus::Ouvert,
                    author_id: None,
                    author_email: Some("elu@mairie.fr".into()),
                },
                ImportedNeed {
                    fields: need_fields("Un médecin"),
                    status: NeedStatus::Clos,
                    author_id: None,
                    author_email: None,
                },
            ],
            now,
        )
        .await
        .unwrap();
    let read = store.need(done[0].id).await.unwrap().unwrap();
    assert_eq!(read.author_email.as_deref(), Some("elu@mairie.fr"));
    assert!(read.confirmed_at.is_some() && read.trail.is_empty());
    let closed = store.need(done[1].id).await.unwrap().unwrap();
    assert_eq!(closed.status, NeedStatus::Clos);
    assert_eq!(
        closed.trail.iter().map(|e| e.status).collect::<Vec<_>>(),
        [NeedStatus::Clos]
    );
    assert_eq!(done[1].trail, closed.trail);
}

fn visitor(email: &str) -> NewRegistration {
    NewRegistration {
        user_id: None,
        name: "Camille".into(),
        email: email.into(),
        organisation: String::new(),
        territory: "Saint-Étienne".into(),
        token_hash: format!("hash-{email}"),
        pending: true,
    }
}

conformance!(needs_draft_with_its_registration, draft_body);
async fn draft_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let e = event(
        "webinaire",
        at("2030-01-17T12:00:00Z"),
        EventKind::Webinaire,
        None,
    );
    store.add_events(&[e], now).await.unwrap();
    let e = store.event("webinaire").await.unwrap().unwrap();
    let (reg, draft) = store
        .register_with_need_draft(e.id, &visitor("elu@mairie.fr"), "Un minibus", now)
        .await
        .unwrap();
    assert_eq!(reg.email, "elu@mairie.fr");
    assert_eq!(
        (draft.user_id, draft.email.as_str(), draft.event_id),
        (None, "elu@mairie.fr", Some(e.id))
    );
    assert_eq!(
        store.need_draft(draft.id).await.unwrap(),
        Some(draft.clone())
    );
    assert_eq!(store.need_draft(draft.id + 99).await.unwrap(), None);

    // A member's draft is hers.
    let camille = member(&store, "camille@exemple.fr", true).await;
    let mine = NewRegistration {
        user_id: Some(camille),
        pending: false,
        ..visitor("camille@exemple.fr")
    };
    let (_, hers) = store
        .register_with_need_draft(e.id, &mine, "Un local", now)
        .await
        .unwrap();
    assert_eq!(hers.user_id, Some(camille));

    // The same address again: the registration is refused, and no draft is kept.
    assert!(matches!(
        store
            .register_with_need_draft(e.id, &visitor("elu@mairie.fr"), "Autre chose", now)
            .await,
        Err(StoreError::Conflict { field: "email", .. })
    ));
    // An unknown event: nothing either.
    assert!(matches!(
        store
            .register_with_need_draft(e.id + 99, &visitor("autre@mairie.fr"), "Un bus", now)
            .await,
        Err(StoreError::NotFound)
    ));
    let drafts = store.need_drafts_of(None, "elu@mairie.fr").await.unwrap();
    assert_eq!(drafts, [draft]);
    assert!(store
        .need_drafts_of(None, "autre@mairie.fr")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.registrations(e.id).await.unwrap().len(), 2);
}
