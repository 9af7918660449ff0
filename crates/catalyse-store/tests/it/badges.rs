//! Open Badges: the shipped achievements loaded under their checksum (an animator's edit kept,
//! one gone from the file archived when it was awarded), status slots never given twice,
//! one live credential per person and achievement, revocation, the levers of the webinars a
//! person followed, and what deleting her account does to her credentials.

use crate::fixtures::event;
use crate::user;
use catalyse_core::agenda::{EventKind, EventStatus};
use catalyse_core::badges::{AchievementFields, Rule, RuleKind};
use catalyse_core::formation::{Module, Unit, UnitContent};
use catalyse_core::Role;
use catalyse_store::both_databases as conformance;
use catalyse_store::{
    NewCredential, NewRegistration, Store, StoreError, ACCOUNT_DELETED_REASON, STATUS_LIST_SIZE,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

fn fields(name: &str, kind: RuleKind, target: Option<&str>) -> AchievementFields {
    AchievementFields {
        name: name.into(),
        description: format!("Description de {name}"),
        criteria: format!("Critères de {name}"),
        rule: Rule {
            kind,
            target: target.map(String::from),
        },
        levers: target.map(|t| vec![t.to_string()]).unwrap_or_default(),
        activities: vec![],
        tags: vec!["test".into()],
    }
}

fn def(slug: &str, name: &str) -> (String, AchievementFields) {
    (
        slug.into(),
        fields(name, RuleKind::LeverWebinar, Some("definir-sa-strategie")),
    )
}

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

async fn person(store: &Arc<dyn Store>, email: &str, role: Role) -> i64 {
    store
        .create_user(&user(email, role), t(0))
        .await
        .unwrap()
        .id
}

/// Records a credential of the achievement for the person, on a fresh slot.
async fn issue(
    store: &Arc<dyn Store>,
    id: &str,
    achievement_id: i64,
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<catalyse_store::Credential, StoreError> {
    let (status_list, status_index) = store.allocate_status_slot().await.unwrap();
    store
        .insert_credential(
            &NewCredential {
                id: id.into(),
                achievement_id,
                user_id,
                jwt: format!("header.{id}.signature"),
                status_list,
                status_index,
                issued_by: None,
                reason: None,
            },
            at,
        )
        .await
}

fn slugs(all: &[catalyse_store::StoredAchievement]) -> Vec<&str> {
    all.iter().map(|a| a.slug.as_str()).collect()
}

conformance!(shipped_achievements_load_by_their_rule, shipped);
async fn shipped(store: Arc<dyn Store>) {
    let v1 = vec![
        def("a", "Premier"),
        def("b", "Deuxième"),
        def("c", "Troisième"),
        def("e", "Cinquième"),
    ];
    assert_eq!(
        store
            .load_shipped_achievements(&v1, "v1", t(0))
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        store
            .load_shipped_achievements(&v1, "v1", t(1))
            .await
            .unwrap(),
        0,
        "the same file is not loaded twice"
    );
    let all = store.achievements(false).await.unwrap();
    assert_eq!(slugs(&all), ["a", "b", "c", "e"]);
    assert!(all
        .iter()
        .all(|a| a.shipped && !a.archived && a.edited_at.is_none()));
    assert_eq!(all[1].fields, v1[1].1);
    assert_eq!(all[0].created_at, t(0));

    // An animator's own come after the shipped ones, by name.
    let anim = person(&store, "anim@exemple.fr", Role::Moderator).await;
    let member = person(&store, "camille@exemple.fr", Role::Member).await;
    for (slug, name) in [("zz", "Écoute active"), ("aa", "Zèle")] {
        let f = fields(name, RuleKind::Manual, None);
        store
            .create_achievement(slug, &f, anim, t(2))
            .await
            .unwrap();
    }
    let b = store.achievement("b").await.unwrap().unwrap();
    let mut edited = b.fields.clone();
    edited.name = "Deuxième, revu".into();
    let after = store
        .update_achievement(b.id, &edited, anim, t(3))
        .await
        .unwrap();
    assert_eq!(after.fields, edited);
    assert_eq!(
        (after.edited_at, after.edited_by, after.updated_at),
        (Some(t(3)), Some(anim), t(3))
    );
    let c = store.achievement("c").await.unwrap().unwrap();
    issue(&store, "cred-c", c.id, member, t(4)).await.unwrap();

    // The next file: « a » reworded, « b » too (edited: kept), « c » and « e » gone, « d » new.
    let mut a2 = def("a", "Premier, nouvelle version");
    a2.1.tags = vec!["nouveau".into()];
    let v2 = vec![def("d", "Quatrième"), a2.clone(), def("b", "Deuxième v2")];
    assert_eq!(
        store
            .load_shipped_achievements(&v2, "v2", t(5))
            .await
            .unwrap(),
        4,
        "d created, a brought back to the file, c archived, e removed"
    );
    let all = store.achievements(false).await.unwrap();
    assert_eq!(slugs(&all), ["d", "a", "b", "zz", "aa"]);
    assert_eq!(all[1].fields, a2.1);
    assert_eq!(all[1].updated_at, t(5));
    assert_eq!(all[2].fields, edited, "the animator's edit stays");
    assert!(!all[3].shipped && !all[4].shipped);
    let with_archived = store.achievements(true).await.unwrap();
    assert_eq!(slugs(&with_archived), ["d", "a", "b", "zz", "c", "aa"]);
    let c = store.achievement("c").await.unwrap().unwrap();
    assert!(c.archived && !c.shipped, "awarded: archived, never deleted");
    assert!(store.achievement("e").await.unwrap().is_none());
    assert_eq!(
        store
            .credential("cred-c")
            .await
            .unwrap()
            .unwrap()
            .achievement_slug,
        "c"
    );

    // « c » back in the file comes out of the archive; an edited one gone from the file
    // becomes the animators' own.
    let v3 = vec![def("a", "Premier"), def("c", "Troisième")];
    store
        .load_shipped_achievements(&v3, "v3", t(6))
        .await
        .unwrap();
    let all = store.achievements(false).await.unwrap();
    assert_eq!(slugs(&all), ["a", "c", "b", "zz", "aa"]);
    assert!(all[1].shipped && !all[1].archived);
    assert!(!all[2].shipped && all[2].fields == edited);
    assert!(store.achievement("d").await.unwrap().is_none());
    assert_eq!(
        store.achievement_by_id(c.id).await.unwrap().unwrap().slug,
        "c"
    );
}

conformance!(achievements_are_managed_by_animators, managed);
async fn managed(store: Arc<dyn Store>) {
    store
        .load_shipped_achievements(&[def("cycle", "Cycle des 7 leviers")], "v1", t(0))
        .await
        .unwrap();
    let anim = person(&store, "anim@exemple.fr", Role::Moderator).await;
    let f = fields("Cycle bis", RuleKind::LeverCycle, None);
    let e = store
        .create_achievement("cycle", &f, anim, t(1))
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict { field: "slug", .. }),
        "{e:?}"
    );
    let mine = store
        .create_achievement("accueil", &f, anim, t(1))
        .await
        .unwrap();
    assert_eq!(
        (mine.slug.as_str(), mine.shipped, mine.edited_by),
        ("accueil", false, Some(anim))
    );
    assert!(matches!(
        store.update_achievement(9999, &f, anim, t(2)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.set_achievement_archived(9999, true, t(2)).await,
        Err(StoreError::NotFound)
    ));

    // An archived shipped achievement stays archived when a new file comes.
    let cycle = store.achievement("cycle").await.unwrap().unwrap();
    store
        .set_achievement_archived(cycle.id, true, t(3))
        .await
        .unwrap();
    assert_eq!(
        slugs(&store.achievements(false).await.unwrap()),
        ["accueil"]
    );
    let v2 = [def("cycle", "Cycle des 7 leviers, v2")];
    store
        .load_shipped_achievements(&v2, "v2", t(4))
        .await
        .unwrap();
    let cycle = store.achievement("cycle").await.unwrap().unwrap();
    assert!(cycle.archived && cycle.fields.name == "Cycle des 7 leviers");
    store
        .set_achievement_archived(cycle.id, false, t(5))
        .await
        .unwrap();
    assert_eq!(
        slugs(&store.achievements(false).await.unwrap()),
        ["cycle", "accueil"]
    );
    let audit = store.audit_log(10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"badges.create") && actions.contains(&"badges.archive"));
}

conformance!(status_slots_are_never_given_twice, slots, with_url);
async fn slots(store: Arc<dyn Store>, url: String) {
    assert!(store.status_lists().await.unwrap().is_empty());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.allocate_status_slot().await.unwrap() })
        })
        .collect();
    let mut got = BTreeSet::new();
    for task in tasks {
        assert!(got.insert(task.await.unwrap()), "a slot was given twice");
    }
    let expected: BTreeSet<(i64, i64)> = (0..20).map(|i| (1, i)).collect();
    assert_eq!(got, expected);
    assert_eq!(store.status_lists().await.unwrap(), [1]);

    // Near the end of list 1, the next slots go on in list 2.
    let set = format!(
        "UPDATE badge_status_slots SET allocated = {} WHERE id = 1",
        STATUS_LIST_SIZE - 2
    );
    if url.starts_with("sqlite:") {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(&set).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(&set).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let mut next = vec![];
    for _ in 0..3 {
        next.push(store.allocate_status_slot().await.unwrap());
    }
    assert_eq!(
        next,
        [(1, STATUS_LIST_SIZE - 2), (1, STATUS_LIST_SIZE - 1), (2, 0)]
    );
    assert_eq!(store.status_lists().await.unwrap(), [1, 2]);
}

conformance!(one_live_credential_per_person_and_achievement, credentials);
async fn credentials(store: Arc<dyn Store>) {
    store
        .load_shipped_achievements(&[def("a", "Premier"), def("b", "Deuxième")], "v1", t(0))
        .await
        .unwrap();
    let a = store.achievement("a").await.unwrap().unwrap();
    let b = store.achievement("b").await.unwrap().unwrap();
    let anim = person(&store, "anim@exemple.fr", Role::Moderator).await;
    let camille = person(&store, "camille@exemple.fr", Role::Member).await;
    let dominique = person(&store, "dominique@exemple.fr", Role::Member).await;
    assert!(!store.has_credential(camille, a.id).await.unwrap());

    let first = issue(&store, "c-1", a.id, camille, t(1)).await.unwrap();
    assert_eq!(
        (
            first.achievement_slug.as_str(),
            first.achievement_name.as_str(),
            first.user_id,
            first.jwt.as_str(),
            first.issued_at,
            first.public,
            first.revoked_at
        ),
        (
            "a",
            "Premier",
            Some(camille),
            "header.c-1.signature",
            t(1),
            false,
            None
        )
    );
    assert!(store.has_credential(camille, a.id).await.unwrap());
    assert!(!store.has_credential(camille, b.id).await.unwrap());
    assert!(!store.has_credential(dominique, a.id).await.unwrap());

    // A second live one is a conflict: issuing was already done.
    let e = issue(&store, "c-2", a.id, camille, t(2)).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                field: "achievement",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(store.credential("c-2").await.unwrap().is_none());
    // A slot or an id already used is a conflict too; an unknown achievement is not found.
    let taken = NewCredential {
        id: "c-3".into(),
        achievement_id: b.id,
        user_id: camille,
        jwt: "x.y.z".into(),
        status_list: first.status_list,
        status_index: first.status_index,
        issued_by: Some(anim),
        reason: Some("Animation d'un atelier".into()),
    };
    let e = store.insert_credential(&taken, t(2)).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                field: "status_index",
                ..
            }
        ),
        "{e:?}"
    );
    let (list, index) = store.allocate_status_slot().await.unwrap();
    let same_id = NewCredential {
        id: "c-1".into(),
        status_list: list,
        status_index: index,
        ..taken.clone()
    };
    let e = store.insert_credential(&same_id, t(2)).await.unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict { field: "id", .. }),
        "{e:?}"
    );
    let unknown = NewCredential {
        achievement_id: 9999,
        id: "c-4".into(),
        ..same_id.clone()
    };
    assert!(matches!(
        store.insert_credential(&unknown, t(2)).await,
        Err(StoreError::NotFound)
    ));
    let manual = NewCredential {
        id: "c-5".into(),
        ..same_id.clone()
    };
    let manual = store.insert_credential(&manual, t(3)).await.unwrap();
    assert_eq!(
        (manual.issued_by, manual.reason.as_deref()),
        (Some(anim), Some("Animation d'un atelier"))
    );

    // Only she makes hers public.
    assert!(!store
        .set_credential_public("c-1", dominique, true)
        .await
        .unwrap());
    assert!(!store
        .set_credential_public("nope", camille, true)
        .await
        .unwrap());
    assert!(store
        .set_credential_public("c-1", camille, true)
        .await
        .unwrap());
    assert!(store.credential("c-1").await.unwrap().unwrap().public);

    // Revoked once; then another may be issued, and the revoked one still counts.
    assert!(store
        .revoke_credential("c-1", Some(anim), "Erreur de saisie", t(4))
        .await
        .unwrap());
    assert!(!store
        .revoke_credential("c-1", Some(anim), "Encore", t(5))
        .await
        .unwrap());
    assert!(!store
        .revoke_credential("inconnu", None, "Rien", t(5))
        .await
        .unwrap());
    let revoked = store.credential("c-1").await.unwrap().unwrap();
    assert_eq!(
        (
            revoked.revoked_at,
            revoked.revoked_by,
            revoked.revoked_reason.as_deref()
        ),
        (Some(t(4)), Some(anim), Some("Erreur de saisie"))
    );
    assert!(revoked.is_revoked());
    let again = issue(&store, "c-6", a.id, camille, t(6)).await.unwrap();
    assert!(store.has_credential(camille, a.id).await.unwrap());
    issue(&store, "c-7", a.id, dominique, t(7)).await.unwrap();

    let ids = |cs: Vec<catalyse_store::Credential>| -> Vec<String> {
        cs.into_iter().map(|c| c.id).collect()
    };
    assert_eq!(
        ids(store.credentials_of(camille).await.unwrap()),
        ["c-6", "c-5", "c-1"]
    );
    assert_eq!(
        ids(store.credentials_of_achievement(a.id).await.unwrap()),
        ["c-7", "c-6", "c-1"]
    );
    assert_eq!(
        ids(store.recent_credentials(2).await.unwrap()),
        ["c-7", "c-6"]
    );
    assert_eq!(
        store.revoked_indexes(first.status_list).await.unwrap(),
        [first.status_index]
    );
    store
        .revoke_credential(&again.id, None, "Règle corrigée", t(8))
        .await
        .unwrap();
    let mut both = vec![first.status_index, again.status_index];
    both.sort();
    assert_eq!(store.revoked_indexes(1).await.unwrap(), both);
    assert!(store.revoked_indexes(2).await.unwrap().is_empty());
    // Issued at once by several tasks (a rule checked twice): one wins, the others are told
    // it is done.
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(
                async move { issue(&store, &format!("race-{i}"), b.id, dominique, t(8)).await },
            )
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Conflict {
                field: "achievement",
                ..
            }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        store.credentials_of_achievement(b.id).await.unwrap().len(),
        2,
        "c-5 and the one that won"
    );

    let actions: Vec<String> = (store.audit_log(50).await.unwrap().into_iter())
        .map(|a| a.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "badges.issue").count(), 5);
    assert_eq!(actions.iter().filter(|a| *a == "badges.revoke").count(), 2);
}

/// A member's registration to the event of `slug`, marked attended.
async fn attended(store: &Arc<dyn Store>, slug: &str, user_id: i64, email: &str) {
    let e = store.event(slug).await.unwrap().unwrap();
    let r = store
        .register(
            e.id,
            &NewRegistration {
                user_id: Some(user_id),
                name: email.into(),
                email: email.into(),
                organisation: String::new(),
                territory: String::new(),
                token_hash: format!("{slug}-{user_id}"),
                pending: false,
            },
            t(0),
        )
        .await
        .unwrap();
    let mut present: Vec<i64> = (store.registrations(e.id).await.unwrap().into_iter())
        .filter(|r| r.attended)
        .map(|r| r.id)
        .collect();
    present.push(r.id);
    store.set_attendance(e.id, &present).await.unwrap();
}

conformance!(levers_of_the_webinars_attended_or_watched, levers);
async fn levers(store: Arc<dyn Store>) {
    let camille = person(&store, "camille@exemple.fr", Role::Member).await;
    let other = person(&store, "dominique@exemple.fr", Role::Member).await;
    let start = Utc.with_ymd_and_hms(2019, 2, 21, 12, 0, 0).unwrap();
    let webinar = |slug: &str, levers: &[&str], kind: EventKind| {
        let mut e = event(slug, start, kind, None);
        e.levers = levers.iter().map(|l| l.to_string()).collect();
        e
    };
    let events = [
        webinar(
            "w-suivi",
            &["qualifier-son-innovation", "definir-sa-strategie"],
            EventKind::Webinaire,
        ),
        webinar("w-annule", &["evaluer-sa-pertinence"], EventKind::Webinaire),
        webinar(
            "w-absente",
            &["comprendre-son-ecosysteme"],
            EventKind::Webinaire,
        ),
        webinar(
            "w-replay",
            &["apprendre-a-faire-alliance"],
            EventKind::Webinaire,
        ),
        webinar(
            "w-autre",
            &["accelerer-grace-au-numerique"],
            EventKind::Webinaire,
        ),
        webinar("atelier", &["transformer-son-modele"], EventKind::Atelier),
    ];
    store
        .load_events("w", "v1", &[], &events, t(0))
        .await
        .unwrap();
    assert!(store.lever_webinars_of(camille).await.unwrap().is_empty());
    attended(&store, "w-suivi", camille, "camille@exemple.fr").await;
    attended(&store, "w-annule", camille, "camille@exemple.fr").await;
    attended(&store, "atelier", camille, "camille@exemple.fr").await;
    attended(&store, "w-autre", other, "dominique@exemple.fr").await;
    // Registered, not there.
    let absent = store.event("w-absente").await.unwrap().unwrap();
    store
        .register(
            absent.id,
            &NewRegistration {
                user_id: Some(camille),
                name: "Camille".into(),
                email: "camille@exemple.fr".into(),
                organisation: String::new(),
                territory: String::new(),
                token_hash: "absente".into(),
                pending: false,
            },
            t(0),
        )
        .await
        .unwrap();
    let mut cancelled = store.event("w-annule").await.unwrap().unwrap();
    cancelled.status = EventStatus::Cancelled;
    store.update_event(&cancelled, t(1)).await.unwrap();
    assert_eq!(
        store.lever_webinars_of(camille).await.unwrap(),
        ["definir-sa-strategie", "qualifier-son-innovation"]
    );

    // The replay of another webinar, watched in the kit.
    let unit = |key: &str, content: UnitContent| Unit {
        key: key.into(),
        section: String::new(),
        title: String::new(),
        minutes: 10,
        is_example: false,
        content,
    };
    let module = Module {
        slug: "m".into(),
        title: "Module".into(),
        summary: "Résumé".into(),
        note: String::new(),
        is_example: false,
        units: vec![
            unit(
                "replay",
                UnitContent::Replay {
                    event: "w-replay".into(),
                },
            ),
            unit(
                "replay-2",
                UnitContent::Replay {
                    event: "w-suivi".into(),
                },
            ),
            unit(
                "pense",
                UnitContent::Reflection {
                    prompt: "Et vous ?".into(),
                },
            ),
        ],
    };
    store.load_formation(&[module], "f1", t(0)).await.unwrap();
    for key in ["replay", "replay-2", "pense"] {
        store
            .complete_formation_unit(camille, "m", key, None, t(2))
            .await
            .unwrap();
    }
    assert_eq!(
        store.lever_webinars_of(camille).await.unwrap(),
        [
            "apprendre-a-faire-alliance",
            "definir-sa-strategie",
            "qualifier-son-innovation"
        ]
    );
    assert_eq!(
        store.lever_webinars_of(other).await.unwrap(),
        ["accelerer-grace-au-numerique"]
    );
}

conformance!(deleting_an_account_revokes_her_credentials, deletion);
async fn deletion(store: Arc<dyn Store>) {
    store
        .load_shipped_achievements(&[def("a", "Premier"), def("b", "Deuxième")], "v1", t(0))
        .await
        .unwrap();
    let a = store.achievement("a").await.unwrap().unwrap();
    let b = store.achievement("b").await.unwrap().unwrap();
    let anim = person(&store, "anim@exemple.fr", Role::Moderator).await;
    let camille = person(&store, "camille@exemple.fr", Role::Member).await;
    let dominique = person(&store, "dominique@exemple.fr", Role::Member).await;
    let live = issue(&store, "live", a.id, camille, t(1)).await.unwrap();
    let earlier = issue(&store, "earlier", b.id, camille, t(1)).await.unwrap();
    store
        .revoke_credential("earlier", Some(anim), "Erreur", t(2))
        .await
        .unwrap();
    let hers = issue(&store, "dominique", a.id, dominique, t(1))
        .await
        .unwrap();
    // Who holds what: live credentials only (b's was revoked).
    let holders = store.achievement_holders().await.unwrap();
    assert_eq!((holders.get(&a.id), holders.get(&b.id)), (Some(&2), None));

    assert!(store.delete_account(camille, t(3)).await.unwrap());
    let holders = store.achievement_holders().await.unwrap();
    assert_eq!(holders.get(&a.id), Some(&1), "hers is no longer held");
    let live = store.credential(&live.id).await.unwrap().unwrap();
    assert_eq!(
        (
            live.user_id,
            live.revoked_at,
            live.revoked_by,
            live.revoked_reason.as_deref()
        ),
        (None, Some(t(3)), None, Some(ACCOUNT_DELETED_REASON))
    );
    assert_eq!(ACCOUNT_DELETED_REASON, "Compte supprimé");
    let earlier = store.credential(&earlier.id).await.unwrap().unwrap();
    assert_eq!(
        (
            earlier.user_id,
            earlier.revoked_at,
            earlier.revoked_reason.as_deref()
        ),
        (None, Some(t(2)), Some("Erreur"))
    );
    assert!(store.credentials_of(camille).await.unwrap().is_empty());
    let mut revoked = vec![live.status_index, earlier.status_index];
    revoked.sort();
    assert_eq!(store.revoked_indexes(1).await.unwrap(), revoked);
    // Someone else's stays live.
    let hers = store.credential(&hers.id).await.unwrap().unwrap();
    assert!(hers.revoked_at.is_none() && hers.user_id == Some(dominique));
    // An achievement with credentials cannot be deleted by the loader: it is archived.
    store
        .load_shipped_achievements(&[], "v2", t(4))
        .await
        .unwrap();
    assert!(store.achievement("a").await.unwrap().unwrap().archived);
}

// What `catalyse restore` counts as content: the shipped achievements (and the kit's
// modules) a start loads are not; an animator's achievement, an edit, a credential are.
conformance!(
    backup_content_counts_what_animators_and_rules_did,
    content,
    with_url
);
async fn content(store: Arc<dyn Store>, url: String) {
    let counted = |found: Vec<(String, i64)>| -> Vec<String> {
        found
            .into_iter()
            .map(|(table, _)| table)
            .collect::<Vec<_>>()
    };
    let modules = catalyse_core::formation::shipped::shipped().unwrap();
    store.load_formation(&modules, "f1", t(0)).await.unwrap();
    store
        .load_shipped_achievements(&[def("a", "Premier")], "v1", t(0))
        .await
        .unwrap();
    let found = catalyse_store::backup::content(&url).await.unwrap();
    assert!(
        found.is_empty(),
        "a start's loads are not content: {found:?}"
    );
    let anim = person(&store, "anim@exemple.fr", Role::Moderator).await;
    let a = store.achievement("a").await.unwrap().unwrap();
    store
        .update_achievement(a.id, &a.fields, anim, t(1))
        .await
        .unwrap();
    issue(&store, "c", a.id, anim, t(2)).await.unwrap();
    let found = counted(catalyse_store::backup::content(&url).await.unwrap());
    for table in ["achievements", "credentials", "badge_status_slots", "users"] {
        assert!(found.iter().any(|t| t == table), "{table}: {found:?}");
    }
    assert!(
        !found.iter().any(|t| t.starts_with("formation")),
        "{found:?}"
    );
}

// A backup holds the badges' three tables and a restore brings them back whole: the
// credentials as issued, the revocations, and the slot counter where it was.
conformance!(badges_come_back_from_a_backup, backup_round_trip, with_url);
async fn backup_round_trip(store: Arc<dyn Store>, url: String) {
    use catalyse_store::{backup, testing, Backend};
    let anim = person(&store, "anim@exemple.fr", Role::Moderator).await;
    let camille = person(&store, "camille@exemple.fr", Role::Member).await;
    store
        .load_shipped_achievements(&[def("a", "Premier"), def("b", "Deuxième")], "v1", t(0))
        .await
        .unwrap();
    let f = fields("Accueil", RuleKind::Manual, None);
    let own = store
        .create_achievement("accueil", &f, anim, t(1))
        .await
        .unwrap();
    let a = store.achievement("a").await.unwrap().unwrap();
    issue(&store, "un", a.id, camille, t(2)).await.unwrap();
    issue(&store, "deux", own.id, camille, t(3)).await.unwrap();
    store
        .set_credential_public("un", camille, true)
        .await
        .unwrap();
    store
        .revoke_credential("deux", Some(anim), "Erreur", t(4))
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!(
        "catalyse_badges_backup_{}_{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let dump = backup::dump(&url, &dir).await.unwrap();
    let names: Vec<&str> = dump.tables.iter().map(|t| t.name.as_str()).collect();
    let at = |name: &str| names.iter().position(|n| *n == name).expect(name);
    assert!(at("users") < at("achievements") && at("achievements") < at("credentials"));
    assert!(names.contains(&"badge_status_slots"));

    let target = match store.backend() {
        Backend::Sqlite => testing::sqlite().await.unwrap(),
        Backend::Postgres => testing::postgres("badges_backup_target")
            .await
            .unwrap()
            .expect("the source runs on PostgreSQL"),
    };
    target.store.close().await;
    backup::load(&target.url, &dump, &dir).await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let back = catalyse_store::connect(&target.url, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        back.achievements(true).await.unwrap(),
        store.achievements(true).await.unwrap()
    );
    assert_eq!(
        back.credentials_of(camille).await.unwrap(),
        store.credentials_of(camille).await.unwrap()
    );
    assert_eq!(back.status_lists().await.unwrap(), [1]);
    assert_eq!(
        back.revoked_indexes(1).await.unwrap(),
        store.revoked_indexes(1).await.unwrap()
    );
    assert_eq!(back.allocate_status_slot().await.unwrap(), (1, 2));
    let mine = back
        .create_achievement("nouveau", &f, anim, t(5))
        .await
        .unwrap();
    assert!(mine.id > own.id, "ids go on after the restored ones");
    back.close().await;
    target.finish().await;
}

mod older_database {
    //! A database from before the badges: the migration adds their tables beside it, and the
    //! levers of what people attended before are read at once.
    use super::{def, t};
    use crate::migration;
    use catalyse_store::{NewCredential, Store};
    use std::sync::Arc;

    const OLD_ROWS: [&str; 3] = [
        "INSERT INTO users (id, email, display_name, role, password_hash, created_at, \
         updated_at) VALUES (1, 'camille@exemple.fr', 'Camille', 'member', 'x', 1, 1)",
        "INSERT INTO events (id, slug, kind, title, levers, starts_at, duration_minutes, \
         status, created_at, updated_at) VALUES (1, 'w', 'webinaire', 'Webinaire', \
         '[\"definir-sa-strategie\"]', 1550750400, 60, 'held', 1, 1)",
        "INSERT INTO registrations (event_id, user_id, name, email, status, token_hash, \
         consent_at, created_at, updated_at, attended) VALUES (1, 1, 'Camille', \
         'camille@exemple.fr', 'confirmed', 'tok', 1, 1, 1, TRUE)",
    ];

    async fn check(store: &Arc<dyn Store>) {
        assert_eq!(
            store.lever_webinars_of(1).await.unwrap(),
            ["definir-sa-strategie"]
        );
        assert!(store.achievements(true).await.unwrap().is_empty());
        store
            .load_shipped_achievements(&[def("a", "Premier")], "v1", t(0))
            .await
            .unwrap();
        let a = store.achievement("a").await.unwrap().unwrap();
        let (status_list, status_index) = store.allocate_status_slot().await.unwrap();
        assert_eq!((status_list, status_index), (1, 0));
        let c = NewCredential {
            id: "c".into(),
            achievement_id: a.id,
            user_id: 1,
            jwt: "x.y.z".into(),
            status_list,
            status_index,
            issued_by: None,
            reason: None,
        };
        store.insert_credential(&c, t(1)).await.unwrap();
        assert_eq!(store.credentials_of(1).await.unwrap().len(), 1);
    }

    migration::older_schema_tests!("badges_migration", "0016", OLD_ROWS, check);
}
