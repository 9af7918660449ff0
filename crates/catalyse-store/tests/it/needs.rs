//! The besoins des territoires: needs of members and of visitors who confirm, their
//! moderation and audit, statuses and their trail, offers and requests, examples and
//! imports, draft needs, the opt-out of suggestions, accounts deleted, and the migration
//! that let decisions and reports be about a need.

use crate::fixtures::{need_fields, profile_fields};
use crate::network::member;
use catalyse_core::needs::{Need, NeedEvent, NeedOrigin, NeedStatus};
use catalyse_core::network::{Review, Subject, Visibility};
use catalyse_store::both_databases as conformance;
use catalyse_store::{
    ExampleNeed, ImportedNeed, NeedContactKind, OpenNeedCount, Store, StoreError,
};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

async fn public_ids(store: &Arc<dyn Store>) -> Vec<i64> {
    let mut ids = vec![];
    let mut after = 0;
    loop {
        let page = store.published_needs(after, 100).await.unwrap();
        let Some(last) = page.last() else {
            return ids;
        };
        after = last.id;
        ids.extend(page.iter().map(|n| n.id));
    }
}

async fn pending_ids(store: &Arc<dyn Store>) -> Vec<i64> {
    let pending = store.pending_needs().await.unwrap();
    pending.iter().map(|n| n.id).collect()
}

/// A member's need, approved.
async fn published(store: &Arc<dyn Store>, author: i64, title: &str) -> Need {
    let now = Utc::now();
    let n = store
        .submit_need(
            None,
            author,
            &need_fields(title),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    store
        .decide_need(n.id, 1, true, "", None, now)
        .await
        .unwrap()
}

fn statuses(trail: &[NeedEvent]) -> Vec<NeedStatus> {
    trail.iter().map(|e| e.status).collect()
}

fn secs(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp())
}

conformance!(needs_are_moderated, moderated_body);
async fn moderated_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let moderator = member(&store, "mod@exemple.fr", true).await;
    let v0 = store.needs_version().await.unwrap();
    let n = store
        .submit_need(
            None,
            author,
            &need_fields("Transport solidaire"),
            NeedOrigin::Webinaire,
            now,
        )
        .await
        .unwrap();
    assert_eq!(n.slug, "transport-solidaire");
    assert_eq!(
        (n.author_id, n.author_email.as_deref()),
        (Some(author), None)
    );
    assert_eq!(
        secs(n.confirmed_at),
        Some(now.timestamp()),
        "a member: at once"
    );
    assert_eq!(n.moderated.review, Some(Review::Pending));
    assert_eq!(
        (n.status, n.origin),
        (NeedStatus::Ouvert, NeedOrigin::Webinaire)
    );
    assert!(!n.is_public() && !n.is_example && n.trail.is_empty());
    assert!(public_ids(&store).await.is_empty(), "a draft is not public");
    assert_ne!(store.needs_version().await.unwrap(), v0);
    assert_eq!(pending_ids(&store).await, [n.id]);
    assert_eq!(store.moderation_counts().await.unwrap().needs, 1);
    assert_eq!(store.moderation_counts().await.unwrap().total(), 1);
    assert!(store.open_need_counts().await.unwrap().is_empty());

    // Approval publishes the reviewed revision and is audited.
    let v1 = store.needs_version().await.unwrap();
    let n = store
        .decide_need(n.id, 1, true, "", Some(moderator), now)
        .await
        .unwrap();
    assert!(n.is_public() && n.is_open());
    assert_ne!(store.needs_version().await.unwrap(), v1);
    assert_eq!(public_ids(&store).await, [n.id]);
    assert!(pending_ids(&store).await.is_empty());
    assert_eq!(store.moderation_counts().await.unwrap().needs, 0);
    let audit = store
        .decisions(Some((Subject::Need, n.id)), 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].subject, audit[0].revision), (Subject::Need, 1));
    assert!(audit[0].approved && audit[0].moderator_id == Some(moderator));
    assert_eq!(
        store.open_need_counts().await.unwrap(),
        [OpenNeedCount {
            territory: crate::fixtures::commune("69123"),
            fragility: "mobilite".into(),
            count: 1,
        }]
    );

    // An edit by its author waits; others see the approved version. Another member's edit,
    // or an unknown need, is refused.
    let mut edited = need_fields("Transport solidaire des aînés");
    edited.fragility = "isolement".into();
    assert!(matches!(
        store
            .submit_need(Some(n.id), moderator, &edited, NeedOrigin::Formulaire, now)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .submit_need(
                Some(n.id + 99),
                author,
                &edited,
                NeedOrigin::Formulaire,
                now
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let n = store
        .submit_need(Some(n.id), author, &edited, NeedOrigin::Formulaire, now)
        .await
        .unwrap();
    assert_eq!(
        (n.moderated.revision, n.slug.as_str()),
        (2, "transport-solidaire")
    );
    assert_eq!(n.origin, NeedOrigin::Webinaire, "the origin stays");
    assert_eq!(n.public_fields().unwrap().title, "Transport solidaire");
    let stale = store.decide_need(n.id, 1, true, "", None, now).await;
    assert!(
        matches!(
            stale,
            Err(StoreError::Conflict {
                field: "revision",
                ..
            })
        ),
        "{stale:?}"
    );
    let n = store
        .decide_need(n.id, 2, false, "Précisez la commune.", Some(moderator), now)
        .await
        .unwrap();
    assert_eq!(n.moderated.rejection(), Some("Précisez la commune."));
    assert!(n.is_public(), "the approved version stays public");
    assert_eq!(
        store.open_need_counts().await.unwrap()[0].fragility,
        "mobilite"
    );
    let n = store
        .submit_need(Some(n.id), author, &edited, NeedOrigin::Formulaire, now)
        .await
        .unwrap();
    store
        .decide_need(n.id, 3, true, "", Some(moderator), now)
        .await
        .unwrap();
    assert_eq!(
        store.open_need_counts().await.unwrap()[0].fragility,
        "isolement",
        "what is selected follows the published version"
    );
    assert_eq!(
        store
            .decisions(Some((Subject::Need, n.id)), 10)
            .await
            .unwrap()
            .len(),
        3
    );

    // Reads: by slug, by ids in the order asked, the author's.
    let other = store
        .submit_need(
            None,
            author,
            &need_fields("Transport solidaire"),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    assert_eq!(other.slug, "transport-solidaire-2");
    assert_eq!(
        store
            .need_by_slug("transport-solidaire-2")
            .await
            .unwrap()
            .map(|n| n.id),
        Some(other.id)
    );
    assert!(store.need(other.id + 99).await.unwrap().is_none());
    let picked = store
        .needs_by_ids(&[other.id, other.id + 99, n.id])
        .await
        .unwrap();
    assert_eq!(
        picked.iter().map(|n| n.id).collect::<Vec<_>>(),
        [other.id, n.id]
    );
    assert_eq!(store.needs_of(author).await.unwrap().len(), 2);
    assert!(store.needs_of(moderator).await.unwrap().is_empty());

    // Reports may be about a need.
    let r = store
        .create_report(Some(moderator), Subject::Need, n.id, "Publicité", now)
        .await
        .unwrap();
    assert_eq!((r.subject, r.subject_id), (Subject::Need, n.id));
    assert_eq!(
        store.open_reports().await.unwrap()[0].subject,
        Subject::Need
    );
}

conformance!(needs_of_visitors_wait_for_confirmation, visitors_body);
async fn visitors_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let n = store
        .submit_visitor_need(
            &need_fields("Un médecin pour le bourg"),
            NeedOrigin::Formulaire,
            "elu@mairie.fr",
            "hash-du-lien",
            now + Duration::days(2),
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        (n.author_id, n.author_email.as_deref()),
        (None, Some("elu@mairie.fr"))
    );
    assert!(n.confirmed_at.is_none() && n.moderated.review.is_none());
    assert!(n.moderated.draft.is_some() && !n.is_public());
    assert!(
        pending_ids(&store).await.is_empty(),
        "not before confirmation"
    );
    assert_eq!(store.moderation_counts().await.unwrap().needs, 0);
    assert!(matches!(
        store.decide_need(n.id, 1, true, "", None, now).await,
        Err(StoreError::Conflict {
            field: "revision",
            ..
        })
    ));
    assert!(!store.need(n.id).await.unwrap().unwrap().is_public());

    assert!(store.confirm_need("autre", now).await.unwrap().is_none());
    let later = now + Duration::hours(1);
    let v = store.needs_version().await.unwrap();
    let c = store
        .confirm_need("hash-du-lien", later)
        .await
        .unwrap()
        .expect("confirmed");
    assert_eq!(c.id, n.id);
    assert_eq!(secs(c.confirmed_at), Some(later.timestamp()));
    assert_eq!(c.moderated.review, Some(Review::Pending));
    assert_ne!(store.needs_version().await.unwrap(), v);
    assert_eq!(pending_ids(&store).await, [n.id]);
    assert_eq!(store.moderation_counts().await.unwrap().needs, 1);
    // Followed twice, even after it expired: the same need, unchanged.
    let v = store.needs_version().await.unwrap();
    let again = store
        .confirm_need("hash-du-lien", now + Duration::days(3))
        .await
        .unwrap()
        .expect("still confirmed");
    assert_eq!(secs(again.confirmed_at), Some(later.timestamp()));
    assert_eq!(store.needs_version().await.unwrap(), v);
    let n = store
        .decide_need(n.id, 1, true, "", None, later)
        .await
        .unwrap();
    assert!(n.is_public());
    assert_eq!(public_ids(&store).await, [n.id]);

    // A link followed too late confirms nothing; such needs are purged, the others stay.
    let late = store
        .submit_visitor_need(
            &need_fields("Une épicerie"),
            NeedOrigin::Formulaire,
            "asso@exemple.fr",
            "hash-perime",
            now + Duration::hours(1),
            now,
        )
        .await
        .unwrap();
    assert!(store
        .confirm_need("hash-perime", now + Duration::hours(2))
        .await
        .unwrap()
        .is_none());
    let late_now = store.need(late.id).await.unwrap().unwrap();
    assert!(late_now.confirmed_at.is_none() && late_now.moderated.review.is_none());
    assert!(!pending_ids(&store).await.contains(&late.id));
    assert_eq!(
        store.purge_unconfirmed_needs(now).await.unwrap(),
        0,
        "not yet"
    );
    assert_eq!(
        store
            .purge_unconfirmed_needs(now + Duration::hours(2))
            .await
            .unwrap(),
        1
    );
    assert!(store.need(late.id).await.unwrap().is_none());
    assert!(store.need(n.id).await.unwrap().is_some());
}

conformance!(needs_move_as_statuses_allow, statuses_body);
async fn statuses_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let n = published(&store, author, "Un tiers-lieu").await;
    let v = store.needs_version().await.unwrap();
    let same = store
        .set_need_status(n.id, NeedStatus::Ouvert, "Rien", Some(author), now)
        .await;
    assert!(
        matches!(
            same,
            Err(StoreError::Conflict {
                field: "status",
                ..
            })
        ),
        "{same:?}"
    );
    let t1 = now + Duration::minutes(1);
    let n1 = store
        .set_need_status(
            n.id,
            NeedStatus::Resolu,
            "Une association a répondu.",
            Some(author),
            t1,
        )
        .await
        .unwrap();
    assert_eq!(n1.status, NeedStatus::Resolu);
    assert!(!n1.is_open());
    assert_eq!(
        n1.trail,
        [NeedEvent {
            at: DateTime::from_timestamp(t1.timestamp(), 0).unwrap(),
            status: NeedStatus::Resolu,
            note: "Une association a répondu.".into(),
        }]
    );
    assert_ne!(store.needs_version().await.unwrap(), v);

    // « Résolu » may only be reopened: a refused move writes nothing.
    let v = store.needs_version().await.unwrap();
    for to in [NeedStatus::EnRelation, NeedStatus::Clos, NeedStatus::Resolu] {
        let refused = store.set_need_status(n.id, to, "Non", None, t1).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Conflict {
                    field: "status",
                    ..
                })
            ),
            "{to:?}: {refused:?}"
        );
    }
    assert_eq!(store.need(n.id).await.unwrap().unwrap(), n1);
    assert_eq!(store.needs_version().await.unwrap(), v);
    assert!(matches!(
        store
            .set_need_status(n.id + 99, NeedStatus::Clos, "", None, t1)
            .await,
        Err(StoreError::NotFound)
    ));

    let t2 = t1 + Duration::minutes(1);
    let n2 = store
        .set_need_status(
            n.id,
            NeedStatus::Ouvert,
            "La solution n'a pas tenu.",
            None,
            t2,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&n2.trail),
        [NeedStatus::Resolu, NeedStatus::Ouvert]
    );
    assert_eq!(
        public_ids(&store).await,
        [n.id],
        "closed or not, still published"
    );
    let read = store.published_needs(0, 10).await.unwrap();
    assert_eq!(read[0].trail, n2.trail, "pages read the trail too");
}

conformance!(needs_contacts_put_in_touch, contacts_body);
async fn contacts_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let helper = member(&store, "asso@exemple.fr", true).await;
    let draft = store
        .submit_need(
            None,
            author,
            &need_fields("Pas encore publié"),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .record_need_contact(draft.id, helper, Some(author), NeedContactKind::Offer, now)
            .await,
        Err(StoreError::Conflict {
            field: "status",
            ..
        })
    ));
    assert!(store.need_contacts(draft.id).await.unwrap().is_empty());
    assert!(matches!(
        store
            .record_need_contact(draft.id + 99, helper, None, NeedContactKind::Offer, now)
            .await,
        Err(StoreError::NotFound)
    ));

    let n = published(&store, author, "Un garage solidaire").await;
    let v = store.needs_version().await.unwrap();
    let t1 = now + Duration::minutes(1);
    let n1 = store
        .record_need_contact(n.id, helper, Some(author), NeedContactKind::Offer, t1)
        .await
        .unwrap();
    assert_eq!(n1.status, NeedStatus::EnRelation);
    assert_eq!(statuses(&n1.trail), [NeedStatus::EnRelation]);
    assert_eq!(n1.trail[0].note, "Proposition d'aide reçue");
    assert_eq!(n1.trail[0].at.timestamp(), t1.timestamp());
    assert_ne!(store.needs_version().await.unwrap(), v);

    // The author asks too: still « en relation », one more step.
    let t2 = t1 + Duration::minutes(1);
    let n2 = store
        .record_need_contact(n.id, author, Some(helper), NeedContactKind::Request, t2)
        .await
        .unwrap();
    assert_eq!(n2.status, NeedStatus::EnRelation);
    assert_eq!(n2.trail.len(), 2);
    assert_eq!(n2.trail[1].note, "Mise en relation demandée");
    let contacts = store.need_contacts(n.id).await.unwrap();
    assert_eq!(
        contacts
            .iter()
            .map(|c| (c.from_user, c.to_user, c.kind))
            .collect::<Vec<_>>(),
        [
            (helper, Some(author), NeedContactKind::Offer),
            (author, Some(helper), NeedContactKind::Request)
        ]
    );
    assert!(contacts.iter().all(|c| c.need_id == n.id));
    assert_eq!(store.need_contacts_since(helper, now).await.unwrap(), 1);
    assert_eq!(store.need_contacts_since(helper, t2).await.unwrap(), 0);
    assert_eq!(store.need_contacts_since(author, now).await.unwrap(), 1);

    // Closed, it takes no more offers.
    store
        .set_need_status(n.id, NeedStatus::Clos, "Abandonné", Some(author), t2)
        .await
        .unwrap();
    assert!(matches!(
        store
            .record_need_contact(n.id, helper, None, NeedContactKind::Offer, t2)
            .await,
        Err(StoreError::Conflict {
            field: "status",
            ..
        })
    ));
    assert_eq!(store.need_contacts(n.id).await.unwrap().len(), 2);
}

conformance!(
    needs_without_contact_longest_waiting_first,
    uncontacted_body
);
async fn uncontacted_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let helper = member(&store, "asso@exemple.fr", true).await;
    assert_eq!(store.uncontacted_needs(10).await.unwrap(), (vec![], 0));
    // Published 40, 30, 20 and 10 days ago: open, open, resolved, « en relation » (an
    // example's status, with no contact recorded).
    let example = |title: &str, status, days| ExampleNeed {
        fields: need_fields(title),
        status,
        at: now - Duration::days(days),
        author_id: None,
        trail: vec![],
    };
    let examples = [
        example("Le plus ancien", NeedStatus::Ouvert, 40),
        example("Aidé ensuite", NeedStatus::Ouvert, 30),
        example("Résolu", NeedStatus::Resolu, 20),
        example("Déjà en relation", NeedStatus::EnRelation, 10),
    ];
    store.insert_example_needs(&examples, now).await.unwrap();
    // A member's need published today, and one still waiting for review.
    let today = published(&store, author, "Publié aujourd'hui").await;
    store
        .submit_need(
            None,
            author,
            &need_fields("Pas encore publié"),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    let titles = |needs: &[Need]| {
        (needs.iter())
            .map(|n| n.public_fields().unwrap().title.clone())
            .collect::<Vec<_>>()
    };
    let (needs, total) = store.uncontacted_needs(10).await.unwrap();
    assert_eq!(
        titles(&needs),
        ["Le plus ancien", "Aidé ensuite", "Publié aujourd'hui"]
    );
    assert_eq!(total, 3);
    assert_eq!(needs[2], store.need(today.id).await.unwrap().unwrap());
    // At most `limit`, the total still counts them all.
    let (first, total) = store.uncontacted_needs(1).await.unwrap();
    assert_eq!((titles(&first), total), (vec!["Le plus ancien".into()], 3));

    // An offer of help takes it out, and it stays out once reopened.
    let helped = needs[1].clone();
    store
        .record_need_contact(helped.id, helper, None, NeedContactKind::Offer, now)
        .await
        .unwrap();
    store
        .set_need_status(helped.id, NeedStatus::Ouvert, "Rouvert", Some(author), now)
        .await
        .unwrap();
    let (needs, total) = store.uncontacted_needs(10).await.unwrap();
    assert_eq!(titles(&needs), ["Le plus ancien", "Publié aujourd'hui"]);
    assert_eq!(total, 2);
    // A request from the author does too; a closed need is not waiting.
    store
        .record_need_contact(
            today.id,
            author,
            Some(helper),
            NeedContactKind::Request,
            now,
        )
        .await
        .unwrap();
    let oldest = &needs[0];
    store
        .set_need_status(oldest.id, NeedStatus::Clos, "", None, now)
        .await
        .unwrap();
    assert_eq!(store.uncontacted_needs(10).await.unwrap(), (vec![], 0));
}

conformance!(needs_import_all_or_nothing, import_body);
async fn import_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let row = |title: &str, author_id| ImportedNeed {
        fields: need_fields(title),
        status: NeedStatus::Ouvert,
        author_id,
        author_email: None,
    };
    let v = store.needs_version().await.unwrap();
    let bad = vec![
        row("Premier", Some(author)),
        row("Deuxième", Some(author + 999)),
        row("Troisième", None),
    ];
    assert!(store.import_needs(&bad, now).await.is_err());
    assert!(public_ids(&store).await.is_empty(), "nothing written");
    assert!(store.need_by_slug("premier").await.unwrap().is_none());
    assert_eq!(store.needs_version().await.unwrap(), v);

    let mut good = vec![row("Premier", Some(author)), row("Premier", None)];
    good.push(ImportedNeed {
        status: NeedStatus::Resolu,
        ..row("Troisième", None)
    });
    let done = store.import_needs(&good, now).await.unwrap();
    assert_eq!(
        done.iter().map(|n| n.slug.as_str()).collect::<Vec<_>>(),
        ["premier", "premier-2", "troisieme"]
    );
    assert!(done
        .iter()
        .all(|n| n.is_public() && n.origin == NeedOrigin::Import && !n.is_example));
    assert_eq!(done[0].author_id, Some(author));
    assert_eq!(done[2].status, NeedStatus::Resolu);
    assert_eq!(public_ids(&store).await.len(), 3);
    assert_ne!(store.needs_version().await.unwrap(), v);
    assert_eq!(
        store.open_need_counts().await.unwrap()[0].count,
        2,
        "open ones"
    );
    assert!(pending_ids(&store).await.is_empty());
}

conformance!(needs_examples, examples_body);
async fn examples_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    // A member's need holds the slug the first example would take.
    let mine = store
        .submit_need(
            None,
            author,
            &need_fields("Mobilité 1"),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    let examples: Vec<ExampleNeed> = (0..450)
        .map(|i| ExampleNeed {
            fields: need_fields(if i == 0 { "Mobilité" } else { "Un lieu" }),
            status: if i % 3 == 0 {
                NeedStatus::Resolu
            } else {
                NeedStatus::Ouvert
            },
            at: now - Duration::days(i),
            author_id: None,
            trail: vec![],
        })
        .collect();
    let v = store.needs_version().await.unwrap();
    assert_eq!(
        store.insert_example_needs(&examples, now).await.unwrap(),
        450
    );
    assert_ne!(store.needs_version().await.unwrap(), v);
    let ids = public_ids(&store).await;
    assert_eq!(ids.len(), 450, "read page by page");
    let all = store.needs_by_ids(&ids).await.unwrap();
    assert!(all.iter().all(|n| n.is_example
        && n.is_public()
        && n.origin == NeedOrigin::Exemple
        && n.author_id.is_none()
        && n.confirmed_at.is_some()));
    let slugs: std::collections::HashSet<&str> = all.iter().map(|n| n.slug.as_str()).collect();
    assert_eq!(slugs.len(), 450);
    assert!(
        !slugs.contains("mobilite-1"),
        "the member's slug is left to her"
    );
    let last = all.iter().find(|n| n.id == ids[449]).unwrap();
    assert_eq!(
        secs(last.moderated.published_at),
        Some((now - Duration::days(449)).timestamp())
    );
    assert_eq!(
        all.iter()
            .filter(|n| n.status == NeedStatus::Resolu)
            .count(),
        150
    );
    assert_eq!(store.open_need_counts().await.unwrap()[0].count, 300);
    assert_eq!(
        store.needs_of(author).await.unwrap(),
        [store.need(mine.id).await.unwrap().unwrap()]
    );
}

conformance!(needs_drafts_and_opt_out, drafts_body);
async fn drafts_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let camille = member(&store, "camille@exemple.fr", true).await;
    let other = member(&store, "autre@exemple.fr", true).await;
    let v = store.needs_version().await.unwrap();
    let mine = store
        .add_need_draft(Some(camille), "camille@exemple.fr", None, "Un minibus", now)
        .await
        .unwrap();
    let as_visitor = store
        .add_need_draft(None, "Camille@Exemple.fr", None, "Un médecin", now)
        .await
        .unwrap();
    store
        .add_need_draft(None, "elu@mairie.fr", None, "Une épicerie", now)
        .await
        .unwrap();
    assert_eq!((mine.user_id, mine.used_at), (Some(camille), None));
    let of = store
        .need_drafts_of(Some(camille), "camille@exemple.fr")
        .await
        .unwrap();
    assert_eq!(of, [mine.clone(), as_visitor.clone()]);
    let by_mail = store
        .need_drafts_of(None, "CAMILLE@exemple.fr")
        .await
        .unwrap();
    assert_eq!(by_mail.len(), 2, "any case");
    assert!(store
        .need_drafts_of(Some(other), "autre@exemple.fr")
        .await
        .unwrap()
        .is_empty());
    assert!(store.use_need_draft(mine.id, now).await.unwrap());
    assert!(!store.use_need_draft(mine.id, now).await.unwrap(), "once");
    assert!(!store.use_need_draft(mine.id + 99, now).await.unwrap());
    let of = store.need_drafts_of(Some(camille), "").await.unwrap();
    assert_eq!(secs(of[0].used_at), Some(now.timestamp()));
    assert_eq!(
        store.needs_version().await.unwrap(),
        v,
        "drafts are private"
    );

    // The opt-out of suggestions: on a profile, read for all at once.
    assert!(matches!(
        store.set_suggestible(camille, false).await,
        Err(StoreError::NotFound)
    ));
    for id in [camille, other] {
        store
            .submit_profile(
                id,
                &profile_fields("Camille"),
                Visibility::Public,
                Some(now),
                now,
            )
            .await
            .unwrap();
    }
    assert!(
        store.unsuggestible_users().await.unwrap().is_empty(),
        "yes by default"
    );
    store.set_suggestible(camille, false).await.unwrap();
    assert_ne!(store.needs_version().await.unwrap(), v);
    assert_eq!(store.unsuggestible_users().await.unwrap(), [camille]);
    store.set_suggestible(other, false).await.unwrap();
    store.set_suggestible(camille, true).await.unwrap();
    assert_eq!(store.unsuggestible_users().await.unwrap(), [other]);
}

conformance!(needs_outlive_their_author, deletion_body);
async fn deletion_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let camille = member(&store, "camille@exemple.fr", true).await;
    let helper = member(&store, "asso@exemple.fr", true).await;
    let hers = published(&store, camille, "Un minibus").await;
    let theirs = published(&store, helper, "Un local").await;
    let visitor = store
        .submit_visitor_need(
            &need_fields("Un médecin"),
            NeedOrigin::Formulaire,
            "elu@mairie.fr",
            "hash",
            now + Duration::days(1),
            now,
        )
        .await
        .unwrap();
    store.confirm_need("hash", now).await.unwrap().unwrap();
    let visitor = store.need(visitor.id).await.unwrap().unwrap();
    store
        .record_need_contact(hers.id, helper, Some(camille), NeedContactKind::Offer, now)
        .await
        .unwrap();
    store
        .record_need_contact(
            theirs.id,
            camille,
            Some(helper),
            NeedContactKind::Offer,
            now,
        )
        .await
        .unwrap();
    store
        .add_need_draft(Some(camille), "camille@exemple.fr", None, "Un bus", now)
        .await
        .unwrap();

    assert!(store.delete_account(camille, now).await.unwrap());
    let hers = store.need(hers.id).await.unwrap().expect("her need stays");
    assert_eq!(hers.author_id, None);
    assert!(hers.is_public());
    assert_eq!(hers.trail.len(), 1, "the trail stays");
    let to_her = store.need_contacts(hers.id).await.unwrap();
    assert_eq!(
        to_her
            .iter()
            .map(|c| (c.from_user, c.to_user))
            .collect::<Vec<_>>(),
        [(helper, None)],
        "written to her: her id goes"
    );
    assert!(
        store.need_contacts(theirs.id).await.unwrap().is_empty(),
        "sent by her: gone"
    );
    assert_eq!(store.need(theirs.id).await.unwrap().unwrap().trail.len(), 1);
    assert!(store
        .need_drafts_of(None, "camille@exemple.fr")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.need(visitor.id).await.unwrap().unwrap(), visitor);
}

mod migration {
    //! Decisions and reports about cases are kept, with their ids, when the migration that
    //! lets them be about a need rebuilds (SQLite) or alters (PostgreSQL) them; profiles made
    //! before it may be suggested.

    use crate::migration;
    use catalyse_core::network::Subject;
    use catalyse_store::Store;
    use chrono::Utc;
    use std::sync::Arc;

    const OLD_ROWS: [&str; 5] = [
        "INSERT INTO users (email, display_name, role, password_hash, created_at, updated_at) \
         VALUES ('mod@exemple.fr', 'Mod', 'moderator', '!', 1, 1)",
        "INSERT INTO members (user_id, slug, visibility, revision, created_at, updated_at) \
         VALUES (1, 'mod', 'public', 0, 1, 1)",
        "INSERT INTO moderation_decisions (at, moderator_id, subject, subject_id, revision, \
         approved, reason) VALUES (10, 1, 'case', 7, 1, TRUE, '')",
        "INSERT INTO reports (at, reporter_id, subject, subject_id, reason) \
         VALUES (12, 1, 'case', 7, 'Chiffres douteux')",
        "INSERT INTO reports (at, reporter_id, subject, subject_id, reason) \
         VALUES (13, 1, 'case', 8, 'Doublon')",
    ];

    async fn check(store: &Arc<dyn Store>) {
        let now = Utc::now();
        let old = store.decisions(None, 10).await.unwrap();
        assert_eq!(
            old.iter()
                .map(|d| (d.id, d.subject, d.subject_id))
                .collect::<Vec<_>>(),
            [(1, Subject::Case, 7)]
        );
        let reports = store.open_reports().await.unwrap();
        assert_eq!(
            reports
                .iter()
                .map(|r| (r.id, r.subject))
                .collect::<Vec<_>>(),
            [(1, Subject::Case), (2, Subject::Case)]
        );
        assert!(store.unsuggestible_users().await.unwrap().is_empty());
        let r = store
            .create_report(Some(1), Subject::Need, 3, "Publicité", now)
            .await
            .unwrap();
        assert_eq!((r.id, r.subject), (3, Subject::Need));
        let n = store
            .submit_need(
                None,
                1,
                &crate::fixtures::need_fields("Après"),
                catalyse_core::needs::NeedOrigin::Formulaire,
                now,
            )
            .await
            .unwrap();
        store
            .decide_need(n.id, 1, true, "", Some(1), now)
            .await
            .unwrap();
        let new = store.decisions(None, 10).await.unwrap();
        assert_eq!((new[0].id, new[0].subject), (2, Subject::Need));
        store.set_suggestible(1, false).await.unwrap();
        assert_eq!(store.unsuggestible_users().await.unwrap(), [1]);
    }

    migration::older_schema_tests!("needs_migration", "0013", OLD_ROWS, check);
}
