//! The network: profiles and their moderation, places, reports, contact
//! log, example members and account deletion.

use crate::fixtures::profile_fields;
use catalyse_core::network::{PlaceFields, PlaceKind, ProfileFields, Review, Subject, Visibility};
use catalyse_core::{Email, Role};
use catalyse_store::both_databases as conformance;
use catalyse_store::{ExampleMember, NewUser, Store, StoreError};
use chrono::{Duration, Utc};
use std::sync::Arc;

pub(crate) async fn member(store: &Arc<dyn Store>, email: &str, verified: bool) -> i64 {
    store
        .create_user(
            &NewUser {
                email: Email::parse(email).unwrap(),
                display_name: email.into(),
                role: Role::Member,
                password_hash: "$argon2id$fake".into(),
                is_example: false,
                email_verified: verified,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id
}

conformance!(network_profiles_are_moderated, profiles_are_moderated);
async fn profiles_are_moderated(store: Arc<dyn Store>) {
    let now = Utc::now();
    let id = member(&store, "camille@exemple.fr", true).await;
    let moderator = member(&store, "mod@exemple.fr", true).await;
    let p = store
        .submit_profile(
            id,
            &profile_fields("Camille Martin"),
            Visibility::Public,
            Some(now),
            now,
        )
        .await
        .unwrap();
    assert_eq!(p.slug, "camille-martin");
    assert_eq!(p.moderated.review, Some(Review::Pending));
    assert_eq!(p.moderated.revision, 1);
    assert!(
        p.moderated.published.is_none() && !p.is_public(),
        "not public before approval"
    );
    let pending = store.pending_profiles().await.unwrap();
    assert_eq!(pending.len(), 1);

    // Approval publishes the reviewed revision and is audited.
    let p = store
        .decide_profile(id, 1, true, "", Some(moderator), now)
        .await
        .unwrap();
    assert!(p.is_public());
    assert_eq!(
        p.moderated.published.as_ref().unwrap().display_name,
        "Camille Martin"
    );
    assert!(p.moderated.draft.is_none() && p.moderated.review.is_none());
    assert!(store.pending_profiles().await.unwrap().is_empty());

    // An edit waits in the queue; the approved version stays what others see.
    let mut edited = profile_fields("Camille Martin-Durand");
    edited.bio = "Nouvelle présentation".into();
    let p = store
        .submit_profile(id, &edited, Visibility::Public, Some(now), now)
        .await
        .unwrap();
    assert_eq!(p.moderated.revision, 2);
    assert_eq!(p.slug, "camille-martin", "the slug stays");
    assert_eq!(
        p.moderated.published.as_ref().unwrap().bio,
        "Je relie les acteurs."
    );
    // A decision on a revision that is no longer the pending one is refused.
    let stale = store
        .decide_profile(id, 1, true, "", Some(moderator), now)
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let p = store
        .decide_profile(
            id,
            2,
            false,
            "Merci de retirer le lien commercial.",
            Some(moderator),
            now,
        )
        .await
        .unwrap();
    assert_eq!(p.moderated.review, Some(Review::Rejected));
    assert_eq!(
        p.moderated.review_reason,
        "Merci de retirer le lien commercial."
    );
    assert_eq!(
        p.moderated.published.as_ref().unwrap().bio,
        "Je relie les acteurs."
    );
    let trail = store
        .decisions(Some((Subject::Member, id)), 10)
        .await
        .unwrap();
    assert_eq!(trail.len(), 2);
    assert!(!trail[0].approved && trail[1].approved, "newest first");
    assert_eq!(trail[0].moderator_id, Some(moderator));

    // Visibility applies at once, without review.
    let p = store
        .set_visibility(id, Visibility::Hidden, None, now)
        .await
        .unwrap();
    assert!(!p.is_public() && !p.is_listed_for_members());

    // A second member with the same name gets another slug; lookups by slug and ids.
    let other = member(&store, "camille2@exemple.fr", true).await;
    let q = store
        .submit_profile(
            other,
            &profile_fields("Camille Martin"),
            Visibility::Members,
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(q.slug, "camille-martin-2");
    assert_eq!(
        store
            .profile_by_slug("camille-martin-2")
            .await
            .unwrap()
            .unwrap()
            .user_id,
        other
    );
    let both = store.profiles_by_ids(&[other, id]).await.unwrap();
    assert_eq!(
        both.iter().map(|p| p.user_id).collect::<Vec<_>>(),
        vec![other, id]
    );
    // Only published profiles are streamed.
    let seen: Vec<i64> = store
        .published_profiles(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|p| p.user_id)
        .collect();
    assert_eq!(seen, vec![id]);
    assert!(store.published_profiles(id, 100).await.unwrap().is_empty());
}

conformance!(network_places, places);
async fn places(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "lieu@exemple.fr", true).await;
    let manager = member(&store, "gerante@exemple.fr", true).await;
    let f = PlaceFields {
        name: "La Fabrique du Coin".into(),
        kind: PlaceKind::TiersLieu,
        commune: "69123".into(),
        address: "3 rue des Tisserands".into(),
        description: "Un tiers-lieu de quartier.".into(),
        managers: vec![author, manager],
        website: Some("https://fabrique.exemple.fr".into()),
    };
    let p = store.submit_place(None, author, &f, now).await.unwrap();
    assert_eq!(p.slug, "la-fabrique-du-coin");
    assert!(p.moderated.published.is_none());
    assert_eq!(store.pending_places().await.unwrap().len(), 1);
    store
        .decide_place(p.id, 1, true, "", Some(author), now)
        .await
        .unwrap();
    assert_eq!(store.published_places().await.unwrap().len(), 1);
    assert_eq!(store.places_of(manager).await.unwrap().len(), 1);
    // Its author leaves: the place stays, attributed to nobody.
    assert!(store.delete_account(author, now).await.unwrap());
    let p = store.place(p.id).await.unwrap().unwrap();
    assert_eq!(p.created_by, None);
    assert!(store
        .submit_place(Some(9999), manager, &f, now)
        .await
        .is_err_and(|e| matches!(e, StoreError::NotFound)));
}

conformance!(network_places_by_ids, places_by_ids);
async fn places_by_ids(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "lieux@exemple.fr", true).await;
    let f = |i: usize| PlaceFields {
        name: format!("Lieu {i}"),
        kind: PlaceKind::TiersLieu,
        commune: "69123".into(),
        address: String::new(),
        description: "Un lieu.".into(),
        managers: vec![author],
        website: None,
    };
    // More than one statement's worth of ids (400 a statement).
    let fields: Vec<PlaceFields> = (0..450).map(f).collect();
    assert_eq!(
        store.insert_example_places(&fields, now).await.unwrap(),
        450
    );
    // One more, only submitted (not published): read by id all the same.
    let pending = store
        .submit_place(None, author, &f(450), now)
        .await
        .unwrap();
    let mut ids: Vec<i64> = store
        .published_places()
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids.len(), 450);
    ids.push(pending.id);

    assert!(store.places_by_ids(&[]).await.unwrap().is_empty());
    let one = store.places_by_ids(&[pending.id]).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].slug, pending.slug);
    assert!(one[0].moderated.published.is_none());

    // In the order asked, across statements; an unknown id is left out.
    let mut asked: Vec<i64> = ids.iter().rev().copied().collect();
    asked.insert(3, 999_999);
    let got: Vec<i64> = store
        .places_by_ids(&asked)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    asked.remove(3);
    assert_eq!(got, asked);
    // The rows are whole: what places_of reads for the same places.
    let all = store.places_of(author).await.unwrap();
    assert_eq!(all.len(), 451);
    let by_id = store.places_by_ids(&ids).await.unwrap();
    assert_eq!(by_id, all);
}

conformance!(network_reports_and_contact, reports_and_contact);
async fn reports_and_contact(store: Arc<dyn Store>) {
    let now = Utc::now();
    let a = member(&store, "a@exemple.fr", true).await;
    let b = member(&store, "b@exemple.fr", true).await;
    let r = store
        .create_report(Some(a), Subject::Member, b, "Propos déplacés", now)
        .await
        .unwrap();
    assert_eq!(store.open_reports().await.unwrap().len(), 1);
    store
        .resolve_report(r.id, b, "Profil corrigé", now)
        .await
        .unwrap();
    assert!(store.open_reports().await.unwrap().is_empty());
    assert!(matches!(
        store.resolve_report(r.id, b, "encore", now).await,
        Err(StoreError::NotFound)
    ));
    let since = now - Duration::hours(24);
    for _ in 0..3 {
        assert!(store.record_contact(a, b, now, since, 3).await.unwrap());
    }
    assert!(!store.record_contact(a, b, now, since, 3).await.unwrap());
    assert!(store.record_contact(b, a, now, since, 3).await.unwrap());
    assert_eq!(store.contacts_sent(a).await.unwrap(), 3);
    // Deleting an account deletes its contact log and its profile.
    store
        .submit_profile(
            a,
            &profile_fields("Alix"),
            Visibility::Public,
            Some(now),
            now,
        )
        .await
        .unwrap();
    assert!(store.delete_account(a, now).await.unwrap());
    assert_eq!(store.contacts_sent(a).await.unwrap(), 0);
    assert!(store.profile(a).await.unwrap().is_none());
    assert!(!store.delete_account(a, now).await.unwrap());
    let audit = store.audit_log(5).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "delete_account"));
}

conformance!(network_example_members, example_members);
async fn example_members(store: Arc<dyn Store>) {
    let now = Utc::now();
    let members: Vec<ExampleMember> = (0..450)
        .map(|i| ExampleMember {
            email: format!("exemple-{i}@exemple.invalid"),
            fields: profile_fields(&format!("Membre {i}")),
            visibility: if i % 10 == 0 {
                Visibility::Members
            } else {
                Visibility::Public
            },
        })
        .collect();
    assert_eq!(
        store.insert_example_members(&members, now).await.unwrap(),
        450
    );
    // Read page by page, in id order, every profile once.
    let (mut n, mut public, mut after) = (0, 0, 0);
    loop {
        let page = store.published_profiles(after, 100).await.unwrap();
        let Some(last) = page.last() else { break };
        assert!(last.user_id > after);
        after = last.user_id;
        for p in &page {
            n += 1;
            assert!(p.is_example);
            public += p.is_public() as usize;
        }
    }
    assert_eq!((n, public), (450, 405));
    let u = store
        .user_by_email(&Email::parse("exemple-7@exemple.invalid").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(u.is_example && u.email_verified);
    assert_eq!(
        store.profile(u.id).await.unwrap().unwrap().slug,
        format!("membre-7-{}", u.id)
    );
    let places: Vec<PlaceFields> = (0..3)
        .map(|i| PlaceFields {
            name: format!("Lieu {i}"),
            kind: PlaceKind::Fablab,
            commune: "69123".into(),
            address: String::new(),
            description: String::new(),
            managers: vec![u.id],
            website: None,
        })
        .collect();
    assert_eq!(store.insert_example_places(&places, now).await.unwrap(), 3);
    assert_eq!(store.published_places().await.unwrap().len(), 3);
}

conformance!(network_profile_photos_in_use_follow_versions, photos_in_use);
async fn photos_in_use(store: Arc<dyn Store>) {
    let id = member(&store, "photo@example.org", true).await;
    let now = Utc::now();
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    let with = |photo: Option<&String>| ProfileFields {
        photo: photo.cloned(),
        ..profile_fields("Photographe")
    };
    let in_use = |sha: String| {
        let store = store.clone();
        async move { store.file_in_use(&sha).await.unwrap() }
    };
    assert!(!in_use(a.clone()).await);
    // Under review, then published.
    let p = store
        .submit_profile(id, &with(Some(&a)), Visibility::Public, Some(now), now)
        .await
        .unwrap();
    assert!(in_use(a.clone()).await, "a draft's photo");
    store
        .decide_profile(id, p.moderated.revision, true, "", None, now)
        .await
        .unwrap();
    assert!(in_use(a.clone()).await, "a published photo");
    // A new version with another photo: both in use until it is approved.
    let p = store
        .submit_profile(id, &with(Some(&b)), Visibility::Public, Some(now), now)
        .await
        .unwrap();
    assert!(in_use(a.clone()).await && in_use(b.clone()).await);
    // Rejected: the draft stays (she may see why), so does its photo.
    store
        .decide_profile(id, p.moderated.revision, false, "Photo floue", None, now)
        .await
        .unwrap();
    assert!(in_use(a.clone()).await && in_use(b.clone()).await);
    let p = store
        .submit_profile(id, &with(Some(&b)), Visibility::Public, Some(now), now)
        .await
        .unwrap();
    store
        .decide_profile(id, p.moderated.revision, true, "", None, now)
        .await
        .unwrap();
    assert!(!in_use(a.clone()).await, "replaced on approval");
    assert!(in_use(b.clone()).await);
    // A version without a photo, approved; then the account deleted.
    let p = store
        .submit_profile(id, &with(None), Visibility::Public, Some(now), now)
        .await
        .unwrap();
    assert!(in_use(b.clone()).await, "still published meanwhile");
    store
        .decide_profile(id, p.moderated.revision, true, "", None, now)
        .await
        .unwrap();
    assert!(!in_use(b.clone()).await, "removed");
    store
        .submit_profile(id, &with(Some(&a)), Visibility::Public, Some(now), now)
        .await
        .unwrap();
    assert!(in_use(a.clone()).await);
    assert!(store.delete_account(id, now).await.unwrap());
    assert!(!in_use(a.clone()).await, "the account deleted");
}
