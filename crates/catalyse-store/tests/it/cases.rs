//! The pratiques innovantes: case studies, their moderation and audit, archiving, slugs,
//! examples and reference cases, the files of their images, and the migration that let
//! decisions and reports be about a case.

use crate::fixtures::case_fields;
use crate::network::member;
use catalyse_core::cases::{CaseFields, CaseImage};
use catalyse_core::network::{Review, Subject};
use catalyse_store::both_databases as conformance;
use catalyse_store::{ExampleCase, ReferenceCase, Store, StoreError};
use chrono::{Duration, Utc};
use std::sync::Arc;

async fn public_ids(store: &Arc<dyn Store>) -> Vec<i64> {
    let mut ids = vec![];
    let mut after = 0;
    loop {
        let page = store.published_cases(after, 100).await.unwrap();
        let Some(last) = page.last() else {
            return ids;
        };
        after = last.id;
        ids.extend(page.iter().map(|c| c.id));
    }
}

conformance!(cases_are_moderated, cases_are_moderated_body);
async fn cases_are_moderated_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let moderator = member(&store, "mod@exemple.fr", true).await;
    let v0 = store.cases_version().await.unwrap();
    let c = store
        .submit_case(None, author, &case_fields("Mobilité solidaire"), now)
        .await
        .unwrap();
    assert_eq!(c.slug, "mobilite-solidaire");
    assert_eq!(c.created_by, Some(author));
    assert_eq!(c.moderated.review, Some(Review::Pending));
    assert_eq!(c.moderated.revision, 1);
    assert!(!c.is_public() && !c.is_example && !c.is_reference);
    assert!(public_ids(&store).await.is_empty(), "a draft is not public");
    let v1 = store.cases_version().await.unwrap();
    assert_ne!(v0, v1, "a submission changes the version");
    assert_eq!(
        store
            .pending_cases()
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [c.id]
    );
    assert_eq!(store.cases_of(author).await.unwrap().len(), 1);
    assert!(store.cases_of(moderator).await.unwrap().is_empty());
    assert_eq!(store.moderation_counts().await.unwrap().cases, 1);

    // Approval publishes the reviewed revision and is audited.
    let c = store
        .decide_case(c.id, 1, true, "", Some(moderator), now)
        .await
        .unwrap();
    assert!(c.is_public());
    assert_eq!(
        c.moderated.published_at.map(|t| t.timestamp()),
        Some(now.timestamp())
    );
    assert!(c.moderated.draft.is_none() && c.moderated.review.is_none());
    assert_eq!(public_ids(&store).await, [c.id]);
    assert!(store.pending_cases().await.unwrap().is_empty());
    assert_eq!(store.moderation_counts().await.unwrap().cases, 0);
    assert_ne!(store.cases_version().await.unwrap(), v1);
    let audit = store
        .decisions(Some((Subject::Case, c.id)), 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].subject, audit[0].subject_id, audit[0].revision),
        (Subject::Case, c.id, 1)
    );
    assert!(audit[0].approved && audit[0].moderator_id == Some(moderator));
    assert!(
        store
            .decisions(Some((Subject::Place, c.id)), 10)
            .await
            .unwrap()
            .is_empty(),
        "a case's decisions are its own"
    );

    // An edit waits; what others see stays the approved version, even once rejected.
    let mut edited = case_fields("Mobilité solidaire et partagée");
    edited.phase = catalyse_core::cases::Phase::Consolidation;
    let c = store
        .submit_case(Some(c.id), author, &edited, now)
        .await
        .unwrap();
    assert_eq!(c.moderated.revision, 2);
    assert_eq!(c.slug, "mobilite-solidaire", "the slug stays");
    assert_eq!(
        c.moderated.published.as_ref().unwrap().title,
        "Mobilité solidaire"
    );
    let c = store
        .decide_case(
            c.id,
            2,
            false,
            "Précisez les résultats.",
            Some(moderator),
            now,
        )
        .await
        .unwrap();
    assert_eq!(c.moderated.rejection(), Some("Précisez les résultats."));
    assert!(c.is_public(), "the approved version stays public");
    assert_eq!(
        store
            .case_by_slug("mobilite-solidaire")
            .await
            .unwrap()
            .unwrap()
            .moderated
            .draft,
        Some(edited)
    );
    let audit = store
        .decisions(Some((Subject::Case, c.id)), 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert!(!audit[0].approved && audit[0].reason == "Précisez les résultats.");

    // A case rejected at its first submission is never public.
    let other = store
        .submit_case(None, author, &case_fields("Covoiturage rural"), now)
        .await
        .unwrap();
    let other = store
        .decide_case(other.id, 1, false, "Hors sujet", Some(moderator), now)
        .await
        .unwrap();
    assert!(!other.is_public());
    assert_eq!(public_ids(&store).await, [c.id]);
    assert_eq!(store.cases_of(author).await.unwrap().len(), 2);

    // Reports may be about a case.
    let r = store
        .create_report(
            Some(moderator),
            Subject::Case,
            c.id,
            "Chiffres douteux",
            now,
        )
        .await
        .unwrap();
    assert_eq!((r.subject, r.subject_id), (Subject::Case, c.id));
    assert_eq!(
        store.open_reports().await.unwrap()[0].subject,
        Subject::Case
    );
}

conformance!(cases_archived_are_not_public, archived_body);
async fn archived_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let c = store
        .submit_case(None, author, &case_fields("Épicerie solidaire"), now)
        .await
        .unwrap();
    store
        .decide_case(c.id, 1, true, "", None, now)
        .await
        .unwrap();
    assert_eq!(public_ids(&store).await, [c.id]);
    let later = now + Duration::hours(1);
    let archived = store.archive_case(c.id, later).await.unwrap();
    assert_eq!(
        archived.archived_at.map(|t| t.timestamp()),
        Some(later.timestamp())
    );
    assert!(!archived.is_public());
    assert!(public_ids(&store).await.is_empty(), "archived, not public");
    let v = store.cases_version().await.unwrap();
    let again = store
        .archive_case(c.id, later + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        again.archived_at, archived.archived_at,
        "archiving twice changes nothing"
    );
    assert_eq!(store.cases_version().await.unwrap(), v);
    let back = store.unarchive_case(c.id, later).await.unwrap();
    assert!(back.archived_at.is_none() && back.is_public());
    assert_eq!(public_ids(&store).await, [c.id]);
    assert!(matches!(
        store.archive_case(c.id + 1000, now).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.unarchive_case(c.id + 1000, now).await,
        Err(StoreError::NotFound)
    ));
}

conformance!(cases_decide_on_the_revision_read, revision_conflict_body);
async fn revision_conflict_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let c = store
        .submit_case(None, author, &case_fields("Tiers-lieu rural"), now)
        .await
        .unwrap();
    let c = store
        .submit_case(
            Some(c.id),
            author,
            &case_fields("Tiers-lieu rural et agricole"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(c.moderated.revision, 2);
    let stale = store.decide_case(c.id, 1, true, "", None, now).await;
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
    assert!(!store.case(c.id).await.unwrap().unwrap().is_public());
    assert!(store
        .decisions(Some((Subject::Case, c.id)), 10)
        .await
        .unwrap()
        .is_empty());
    let c = store
        .decide_case(c.id, 2, true, "", None, now)
        .await
        .unwrap();
    assert_eq!(
        c.moderated.published.as_ref().unwrap().title,
        "Tiers-lieu rural et agricole"
    );
    let twice = store.decide_case(c.id, 2, false, "non", None, now).await;
    assert!(
        matches!(twice, Err(StoreError::Conflict { .. })),
        "nothing pending"
    );
    assert!(matches!(
        store.decide_case(c.id + 1000, 1, true, "", None, now).await,
        Err(StoreError::Conflict { .. })
    ));
}

conformance!(cases_slugs_are_unique, slugs_body);
async fn slugs_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let mut ids = vec![];
    for want in [
        "garage-solidaire",
        "garage-solidaire-2",
        "garage-solidaire-3",
    ] {
        let c = store
            .submit_case(None, author, &case_fields("Garage solidaire"), now)
            .await
            .unwrap();
        assert_eq!(c.slug, want);
        ids.push(c.id);
    }
    let odd = store
        .submit_case(None, author, &case_fields("¡¿!?"), now)
        .await
        .unwrap();
    assert_eq!(odd.slug, "pratique");
    let c = store
        .case_by_slug("garage-solidaire-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.id, ids[1]);
    assert!(store.case_by_slug("garage").await.unwrap().is_none());
    assert!(store.case(odd.id + 1000).await.unwrap().is_none());
    let picked = store
        .cases_by_ids(&[ids[2], odd.id + 1000, ids[0]])
        .await
        .unwrap();
    assert_eq!(
        picked.iter().map(|c| c.id).collect::<Vec<_>>(),
        [ids[2], ids[0]],
        "in the order asked, unknown ids left out"
    );
    assert!(matches!(
        store
            .submit_case(Some(odd.id + 1000), author, &case_fields("Garage"), now)
            .await,
        Err(StoreError::NotFound)
    ));
}

conformance!(cases_examples_and_references, examples_body);
async fn examples_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    // A member's case holds the slug the second example would take.
    let mine = store
        .submit_case(None, author, &case_fields("Mobilité 2"), now)
        .await
        .unwrap();
    assert_eq!(mine.slug, "mobilite-2");
    let examples: Vec<ExampleCase> = (0..450)
        .map(|i| ExampleCase {
            fields: case_fields(if i == 0 {
                "Mobilité"
            } else {
                "Café des aidants"
            }),
            created_by: (i % 2 == 0).then_some(author),
        })
        .collect();
    let v = store.cases_version().await.unwrap();
    assert_eq!(
        store.insert_example_cases(&examples, now).await.unwrap(),
        450
    );
    assert_ne!(store.cases_version().await.unwrap(), v);
    let ids = public_ids(&store).await;
    assert_eq!(ids.len(), 450, "read page by page");
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let all = store.cases_by_ids(&ids).await.unwrap();
    assert!(all
        .iter()
        .all(|c| c.is_example && c.is_public() && !c.is_reference));
    let slugs: std::collections::HashSet<&str> = all.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(slugs.len(), 450);
    assert!(
        !slugs.contains("mobilite-2"),
        "the member's slug is left to her"
    );
    assert_eq!(
        store.case_by_slug("mobilite-2").await.unwrap().unwrap().id,
        mine.id
    );
    assert_eq!(store.cases_of(author).await.unwrap().len(), 1 + 225);

    // The reference cases: once, then only what changed.
    let refs = vec![
        ReferenceCase {
            slug: "silver-geek".into(),
            fields: case_fields("Silver Geek"),
        },
        ReferenceCase {
            slug: "district-solidaire".into(),
            fields: case_fields("District Solidaire"),
        },
    ];
    assert_eq!(store.insert_reference_cases(&refs, now).await.unwrap(), 2);
    let v = store.cases_version().await.unwrap();
    assert_eq!(store.insert_reference_cases(&refs, now).await.unwrap(), 0);
    assert_eq!(store.cases_version().await.unwrap(), v, "nothing changed");
    let sg = store.case_by_slug("silver-geek").await.unwrap().unwrap();
    assert!(sg.is_reference && !sg.is_example && sg.is_public() && sg.created_by.is_none());
    let mut changed = refs.clone();
    changed[1].fields.summary = "Un résumé tiré du kit, mot pour mot.".into();
    assert_eq!(
        store.insert_reference_cases(&changed, now).await.unwrap(),
        1
    );
    let ds = store
        .case_by_slug("district-solidaire")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ds.moderated.published.unwrap().summary,
        "Un résumé tiré du kit, mot pour mot."
    );
    assert_eq!(public_ids(&store).await.len(), 452);
    let taken = vec![ReferenceCase {
        slug: "mobilite-2".into(),
        fields: case_fields("Mobilité 2"),
    }];
    assert!(matches!(
        store.insert_reference_cases(&taken, now).await,
        Err(StoreError::Conflict { field: "slug", .. })
    ));
    assert!(!store.case(mine.id).await.unwrap().unwrap().is_reference);
}

fn with_image(title: &str, file: &str) -> CaseFields {
    let mut f = case_fields(title);
    f.images.push(CaseImage {
        file: file.into(),
        alt: "Le minibus devant la mairie".into(),
    });
    f
}

conformance!(cases_images_are_files_in_use, images_body);
async fn images_body(store: Arc<dyn Store>) {
    let now = Utc::now();
    let author = member(&store, "camille@exemple.fr", true).await;
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    assert!(!store.file_in_use(&a).await.unwrap());
    let c = store
        .submit_case(None, author, &with_image("Minibus", &a), now)
        .await
        .unwrap();
    assert!(
        store.file_in_use(&a).await.unwrap(),
        "a draft's image is kept"
    );
    store
        .decide_case(c.id, 1, true, "", None, now)
        .await
        .unwrap();
    let c = store
        .submit_case(Some(c.id), author, &with_image("Minibus", &b), now)
        .await
        .unwrap();
    assert!(store.file_in_use(&a).await.unwrap(), "still published");
    assert!(store.file_in_use(&b).await.unwrap(), "under review");
    store
        .decide_case(c.id, 2, true, "", None, now)
        .await
        .unwrap();
    assert!(
        !store.file_in_use(&a).await.unwrap(),
        "no version uses it any more"
    );
    assert!(store.file_in_use(&b).await.unwrap());
    let examples = [ExampleCase {
        fields: with_image("Exemple", &a),
        created_by: None,
    }];
    store.insert_example_cases(&examples, now).await.unwrap();
    assert!(store.file_in_use(&a).await.unwrap(), "an example's image");
}

mod migration {
    //! Decisions and reports made before cases existed are kept, with their ids, when the
    //! migration that lets them be about a case rebuilds (SQLite) or alters (PostgreSQL) them.

    use crate::migration;
    use catalyse_core::network::Subject;
    use catalyse_store::Store;
    use chrono::Utc;
    use std::sync::Arc;

    /// What the older schema holds: a moderator, two decisions and two reports, the last
    /// report deleted so that the next id is not simply the largest plus one.
    const OLD_ROWS: [&str; 6] = [
        "INSERT INTO users (email, display_name, role, password_hash, created_at, updated_at) \
         VALUES ('mod@exemple.fr', 'Mod', 'moderator', '!', 1, 1)",
        "INSERT INTO moderation_decisions (at, moderator_id, subject, subject_id, revision, \
         approved, reason) VALUES (10, 1, 'member', 7, 1, TRUE, '')",
        "INSERT INTO moderation_decisions (at, moderator_id, subject, subject_id, revision, \
         approved, reason) VALUES (11, 1, 'place', 8, 2, FALSE, 'Lien commercial')",
        "INSERT INTO reports (at, reporter_id, subject, subject_id, reason) \
         VALUES (12, 1, 'member', 7, 'Propos déplacés')",
        "INSERT INTO reports (at, reporter_id, subject, subject_id, reason) \
         VALUES (13, 1, 'place', 8, 'Doublon')",
        "DELETE FROM reports WHERE subject_id = 8",
    ];

    async fn check(store: &Arc<dyn Store>) {
        let now = Utc::now();
        let old = store.decisions(None, 10).await.unwrap();
        assert_eq!(old.len(), 2);
        assert_eq!(
            (
                old[0].id,
                old[0].subject,
                old[0].reason.as_str(),
                old[0].approved
            ),
            (2, Subject::Place, "Lien commercial", false)
        );
        assert_eq!(
            (old[1].id, old[1].subject, old[1].subject_id),
            (1, Subject::Member, 7)
        );
        let reports = store.open_reports().await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(
            (reports[0].id, reports[0].reason.as_str()),
            (1, "Propos déplacés")
        );
        let r = store
            .create_report(Some(1), Subject::Case, 3, "Chiffres douteux", now)
            .await
            .unwrap();
        assert_eq!(r.id, 3, "ids go on after the deleted report");
        let author = super::member(store, "camille@exemple.fr", true).await;
        let c = store
            .submit_case(None, author, &crate::fixtures::case_fields("Après"), now)
            .await
            .unwrap();
        store
            .decide_case(c.id, 1, true, "", Some(1), now)
            .await
            .unwrap();
        let new = store.decisions(None, 10).await.unwrap();
        assert_eq!((new[0].id, new[0].subject), (3, Subject::Case));
    }

    migration::older_schema_tests!("cases_migration", "0012", OLD_ROWS, check);
}

conformance!(cases_are_harvested, harvest_body);
async fn harvest_body(store: Arc<dyn Store>) {
    use catalyse_store::CaseHarvest;
    let t0 = Utc::now() - Duration::days(1);
    let author = member(&store, "camille@exemple.fr", true).await;
    assert_eq!(store.harvest_cases_earliest().await.unwrap(), None);
    let mut ids = vec![];
    for (i, title) in ["Un", "Deux", "Trois", "Quatre"].iter().enumerate() {
        let at = t0 + Duration::minutes(i as i64);
        let c = store
            .submit_case(None, author, &case_fields(title), at)
            .await
            .unwrap();
        if i < 3 {
            store
                .decide_case(c.id, 1, true, "", None, at)
                .await
                .unwrap();
        }
        ids.push(c.id);
    }
    // « Deux » withdrawn later: still harvested (a deleted record), now last; « Quatre »,
    // never approved, never.
    let later = t0 + Duration::hours(2);
    store.archive_case(ids[1], later).await.unwrap();
    let all = |after, limit| {
        let store = store.clone();
        async move {
            store
                .harvest_cases(&CaseHarvest {
                    after,
                    limit,
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    let (items, total) = all(None, 10).await;
    assert_eq!(total, 3);
    assert_eq!(
        items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [ids[0], ids[2], ids[1]]
    );
    assert!(items[2].archived_at.is_some());
    let (first, _) = all(None, 2).await;
    let last = first.last().unwrap();
    let (rest, _) = all(Some((last.updated_at, last.id)), 2).await;
    assert_eq!(rest.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[1]]);
    let (recent, total) = store
        .harvest_cases(&CaseHarvest {
            from: Some(t0 + Duration::hours(1)),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((recent.len(), total), (1, 1));
    assert_eq!(
        store
            .harvest_cases_earliest()
            .await
            .unwrap()
            .map(|t| t.timestamp()),
        Some(t0.timestamp())
    );
}
