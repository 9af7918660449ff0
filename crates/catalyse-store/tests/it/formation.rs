//! The kit de formation: the shipped modules loaded under their checksum, an animator's edit
//! kept when the file is loaded again (and undone on request), units completed once per
//! member whatever she does again, progress counted on the current units, and reflections
//! that only their author reads.

use crate::fixtures::event;
use crate::user;
use catalyse_core::agenda::{EventKind, EventStatus};
use catalyse_core::formation::{shipped, Module, QuizResult, UnitContent};
use catalyse_core::parcours::CohortRole;
use catalyse_core::resource::Kit;
use catalyse_core::Role;
use catalyse_store::both_databases as conformance;
use catalyse_store::{Store, StoreError};
use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;

fn modules() -> Vec<Module> {
    shipped::shipped().unwrap()
}

/// The kit's documents and one 2019 webinar, then the shipped modules.
async fn loaded(store: &Arc<dyn Store>) {
    let now = Utc::now();
    let kit = Kit::shipped().unwrap().documents();
    store.load_kit(&kit, "kit", now).await.unwrap();
    let start = Utc.with_ymd_and_hms(2019, 2, 21, 12, 0, 0).unwrap();
    let mut webinar = event("webinaire-2019-02-21", start, EventKind::Webinaire, None);
    webinar.title = "Qualifier l'innovation".into();
    webinar.status = EventStatus::Held;
    webinar.replay_url = Some("https://exemple.fr/replay".into());
    store
        .load_events("w", "v1", &[], &[webinar], now)
        .await
        .unwrap();
    let load = store.load_formation(&modules(), "f1", now).await.unwrap();
    assert_eq!(load.unwrap().created, modules().len());
}

conformance!(the_shipped_modules_load_once_with_what_they_link, load_once);
async fn load_once(store: Arc<dyn Store>) {
    loaded(&store).await;
    assert_eq!(
        store
            .load_formation(&modules(), "f1", Utc::now())
            .await
            .unwrap(),
        None,
        "the same file is not loaded twice"
    );
    let all = store.formation_modules().await.unwrap();
    let slugs: Vec<&str> = all.iter().map(|m| m.module.slug.as_str()).collect();
    assert_eq!(slugs, ["sept-leviers", "metier-catalyseur"]);
    assert_eq!(all[0].module, modules()[0], "stored as the file says");
    assert!(all.iter().all(|m| m.shipped && m.edited_at.is_none()));
    let m = store
        .formation_module("sept-leviers")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.targets.len(), m.module.units.len());
    // A resource's title comes from the centre; the webinar's, its replay, from the events.
    let first = m.targets[0].as_ref().unwrap();
    assert_eq!(
        first.title,
        "Film sur 3 exemples de co-construction territoriale"
    );
    assert!(first.available);
    let replay = (m.module.units.iter())
        .position(|u| u.content.target() == Some("webinaire-2019-02-21"))
        .unwrap();
    let t = m.targets[replay].as_ref().unwrap();
    assert_eq!(t.title, "Qualifier l'innovation");
    assert_eq!(t.replay_url.as_deref(), Some("https://exemple.fr/replay"));
    // A webinar not loaded here links nothing; a reflection links nothing.
    let other = (m.module.units.iter())
        .position(|u| u.content.target() == Some("webinaire-2019-03-21"))
        .unwrap();
    assert!(m.targets[other].is_none());
    assert!(store.formation_module("inconnu").await.unwrap().is_none());
}

conformance!(an_animators_edit_survives_the_next_load, edit_survives);
async fn edit_survives(store: Arc<dyn Store>) {
    loaded(&store).await;
    let animator = store
        .create_user(&user("anim@exemple.fr", Role::Moderator), Utc::now())
        .await
        .unwrap();
    let before = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    let mut edited = before.module.clone();
    edited.title = "Le métier, revu par l'animatrice".into();
    edited.units.swap(0, 1);
    edited.units.pop();
    let after = store
        .edit_formation_module(
            "metier-catalyseur",
            before.revision,
            &edited,
            animator.id,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(after.module.title, edited.title);
    assert_eq!(after.module.units, edited.units);
    assert!(after.edited_at.is_some() && after.edited_by == Some(animator.id));
    assert_eq!(after.revision, before.revision + 1);
    // An edit made on the older version is refused and writes nothing.
    let stale = store
        .edit_formation_module(
            "metier-catalyseur",
            before.revision,
            &before.module,
            animator.id,
            Utc::now(),
        )
        .await;
    assert!(matches!(
        stale,
        Err(StoreError::Conflict {
            field: "revision",
            ..
        })
    ));
    // A new version of the file: the unedited module follows it, the edited one does not.
    let mut v2 = modules();
    v2[0].title = "Les 7 leviers (version 2 du fichier)".into();
    v2[1].title = "Le métier (version 2 du fichier)".into();
    let load = store
        .load_formation(&v2, "f2", Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(load.updated, 1);
    assert_eq!(load.kept, ["metier-catalyseur"]);
    let kept = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.module.title, "Le métier, revu par l'animatrice");
    assert_eq!(kept.module.units, edited.units);
    let followed = store
        .formation_module("sept-leviers")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(followed.module.title, v2[0].title);
    // Back to the file on request: the mark goes, the next load follows the file again.
    let back = store
        .reset_formation_module(
            "metier-catalyseur",
            kept.revision,
            &v2[1],
            animator.id,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(back.module.title, v2[1].title);
    assert!(back.edited_at.is_none());
    let audit = store.audit_log(10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"formation.edit") && actions.contains(&"formation.reset"));
    // Gone from the file: removed if never edited, kept (as the animators') if edited.
    let edited_again = store
        .edit_formation_module(
            "metier-catalyseur",
            back.revision,
            &edited,
            animator.id,
            Utc::now(),
        )
        .await
        .unwrap();
    let load = store
        .load_formation(&[], "f3", Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(load.removed, 1);
    let left = store.formation_modules().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].module.title, edited_again.module.title);
    assert!(!left[0].shipped);
}

fn quiz(score: i32) -> QuizResult {
    QuizResult {
        score,
        out_of: 3,
        answers: vec![vec![2], vec![0, 2], vec![1]],
    }
}

conformance!(completing_twice_keeps_the_first_time, completion_idempotent);
async fn completion_idempotent(store: Arc<dyn Store>) {
    loaded(&store).await;
    let member = store
        .create_user(&user("jo@exemple.fr", Role::Member), Utc::now())
        .await
        .unwrap();
    let m = store
        .formation_module("metier-catalyseur")
        .await
        .unwrap()
        .unwrap();
    let keys: Vec<String> = m.module.units.iter().map(|u| u.key.clone()).collect();
    let t0 = Utc::now() - Duration::hours(2);
    let first = store
        .complete_formation_unit(member.id, "metier-catalyseur", &keys[0], None, t0)
        .await
        .unwrap();
    let again = store
        .complete_formation_unit(member.id, "metier-catalyseur", &keys[0], None, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.completed_at, first.completed_at);
    // A quiz answered again: its last score, its first completion.
    let quiz_key = &keys[3];
    let q1 = store
        .complete_formation_unit(member.id, "metier-catalyseur", quiz_key, Some(&quiz(1)), t0)
        .await
        .unwrap();
    let q2 = store
        .complete_formation_unit(
            member.id,
            "metier-catalyseur",
            quiz_key,
            Some(&quiz(3)),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(q2.completed_at, q1.completed_at);
    assert_eq!(q2.quiz, Some(quiz(3)));
    let done = store
        .formation_units_done(member.id, "metier-catalyseur")
        .await
        .unwrap();
    assert_eq!(done.len(), 2);
    let unknown = store
        .complete_formation_unit(member.id, "metier-catalyseur", "pas-une-unite", None, t0)
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)));
    let p = store.formation_progress(member.id).await.unwrap();
    assert_eq!(
        (p[1].slug.as_str(), p[1].done, p[1].total),
        ("metier-catalyseur", 2, 5)
    );
    let titles = store.formation_module_titles().await.unwrap();
    assert_eq!(
        titles,
        p.iter()
            .map(|m| (m.slug.clone(), m.title.clone()))
            .collect::<Vec<_>>()
    );
    assert!(p[1].completed_at.is_none());
    assert_eq!((p[0].done, p[0].total), (0, 50));
    assert!(store
        .completed_formation_modules(member.id)
        .await
        .unwrap()
        .is_empty());
    // Every unit done: completed, on the day of the last one.
    let last = Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap();
    for k in &keys[1..] {
        store
            .complete_formation_unit(member.id, "metier-catalyseur", k, None, last)
            .await
            .unwrap();
    }
    let completed = store.completed_formation_modules(member.id).await.unwrap();
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0].slug, "metier-catalyseur");
    assert_eq!(completed[0].completed_at, Some(last));
    // The same, read for a whole cohort at once: only its members, only complete modules.
    let cohort = store
        .create_cohort(&crate::parcours::fields("p1"), false, Utc::now())
        .await
        .unwrap();
    let outsider = store
        .create_user(&user("dehors@exemple.fr", Role::Member), Utc::now())
        .await
        .unwrap();
    for k in &keys {
        store
            .complete_formation_unit(outsider.id, "metier-catalyseur", k, None, last)
            .await
            .unwrap();
    }
    assert!(store
        .cohort_completed_modules(cohort.id)
        .await
        .unwrap()
        .is_empty());
    let team = store
        .add_team(cohort.id, "Bourg", &crate::fixtures::commune("01053"))
        .await
        .unwrap();
    store
        .enrol(
            cohort.id,
            member.id,
            CohortRole::Participant,
            Some(team.id),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.cohort_completed_modules(cohort.id).await.unwrap(),
        [(member.id, "metier-catalyseur".to_string())]
    );
    // A unit added by an animator: the module is no longer complete; removed: it is again.
    let animator = store
        .create_user(&user("anim@exemple.fr", Role::Moderator), Utc::now())
        .await
        .unwrap();
    let mut more = m.module.clone();
    let mut extra = more.units[0].clone();
    extra.key = "u1".into();
    more.units.push(extra);
    let s = store
        .edit_formation_module(
            "metier-catalyseur",
            m.revision,
            &more,
            animator.id,
            Utc::now(),
        )
        .await
        .unwrap();
    let p = store.formation_progress(member.id).await.unwrap();
    assert_eq!((p[1].done, p[1].total, p[1].completed_at), (5, 6, None));
    assert!(store
        .cohort_completed_modules(cohort.id)
        .await
        .unwrap()
        .is_empty());
    more.units.pop();
    store
        .edit_formation_module(
            "metier-catalyseur",
            s.revision,
            &more,
            animator.id,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .completed_formation_modules(member.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // Another member's progress is hers alone.
    let other = store
        .create_user(&user("cam@exemple.fr", Role::Member), Utc::now())
        .await
        .unwrap();
    let p = store.formation_progress(other.id).await.unwrap();
    assert!(p.iter().all(|p| p.done == 0));
}

conformance!(a_reflection_is_read_by_its_author_only, reflections_private);
async fn reflections_private(store: Arc<dyn Store>) {
    loaded(&store).await;
    let now = Utc::now();
    let author = store
        .create_user(&user("jo@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    let other = store
        .create_user(&user("cam@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    let animator = store
        .create_user(&user("anim@exemple.fr", Role::Admin), now)
        .await
        .unwrap();
    let m = store
        .formation_module("sept-leviers")
        .await
        .unwrap()
        .unwrap();
    let unit = (m.module.units.iter())
        .find(|u| matches!(u.content, UnitContent::Reflection { .. }))
        .unwrap();
    let t0 = now - Duration::hours(1);
    let first = store
        .save_formation_reflection(
            author.id,
            "sept-leviers",
            &unit.key,
            "Ma réponse secrète",
            t0,
        )
        .await
        .unwrap();
    let second = store
        .save_formation_reflection(
            author.id,
            "sept-leviers",
            &unit.key,
            "Ma réponse, revue",
            now,
        )
        .await
        .unwrap();
    assert_eq!(second.completed_at, first.completed_at, "completed once");
    let mine = store
        .formation_reflection(author.id, "sept-leviers", &unit.key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mine.text, "Ma réponse, revue");
    for reader in [other.id, animator.id] {
        assert!(store
            .formation_reflection(reader, "sept-leviers", &unit.key)
            .await
            .unwrap()
            .is_none());
        assert!(store
            .formation_units_done(reader, "sept-leviers")
            .await
            .unwrap()
            .is_empty());
    }
    // An unknown unit writes nothing.
    let bad = store
        .save_formation_reflection(author.id, "sept-leviers", "inconnue", "x", now)
        .await;
    assert!(matches!(bad, Err(StoreError::NotFound)));
    // The account gone, her reflections and progress go with it.
    assert!(store.delete_account(author.id, now).await.unwrap());
    assert!(store
        .formation_reflection(author.id, "sept-leviers", &unit.key)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .formation_units_done(author.id, "sept-leviers")
        .await
        .unwrap()
        .is_empty());
}
