//! Parcours: cohorts, teams and people, sessions and attendance (read from and written to the
//! events' registrations), deliverables handed in, the cohort's space.

use crate::events::at;
use crate::fixtures::{commune, event};
use crate::user;
use catalyse_core::agenda::EventKind;
use catalyse_core::parcours::{CohortFields, CohortRole, DeliverableFields, HandIn};
use catalyse_core::resource::StoredFile;
use catalyse_core::Role;
use catalyse_store::both_databases as conformance;
use catalyse_store::{NewRegistration, NewSubmission, Store, StoreError};
use chrono::NaiveDate;
use std::sync::Arc;

pub(crate) fn fields(slug: &str) -> CohortFields {
    CohortFields {
        slug: slug.into(),
        title: format!("Parcours {slug}"),
        summary: "Neuf mois entre pairs.".into(),
        description: String::new(),
        starts_on: NaiveDate::from_ymd_opt(2027, 1, 10).unwrap(),
        ends_on: NaiveDate::from_ymd_opt(2027, 10, 10).unwrap(),
        modules: vec!["les-7-leviers".into()],
    }
}

conformance!(parcours_cohorts_teams_and_people, cohorts);
async fn cohorts(store: Arc<dyn Store>) {
    let now = at("2027-01-01T10:00:00Z");
    let c = store
        .create_cohort(&fields("p1"), false, now)
        .await
        .unwrap();
    assert_eq!(c.fields, fields("p1"));
    let taken = store.create_cohort(&fields("p1"), false, now).await;
    assert!(matches!(
        taken,
        Err(StoreError::Conflict { field: "slug", .. })
    ));
    let other = store.create_cohort(&fields("p2"), true, now).await.unwrap();
    let mut edited = fields("p2");
    edited.slug = "p1".into();
    let taken = store.update_cohort(other.id, &edited, now).await;
    assert!(matches!(
        taken,
        Err(StoreError::Conflict { field: "slug", .. })
    ));
    edited.slug = "p3".into();
    edited.title = "Autre".into();
    let saved = store.update_cohort(other.id, &edited, now).await.unwrap();
    assert_eq!(saved.fields.title, "Autre");
    assert!(saved.is_example);
    assert_eq!(store.cohorts().await.unwrap().len(), 2);

    let team = store
        .add_team(c.id, "Bourg", &commune("01053"))
        .await
        .unwrap();
    let twice = store.add_team(c.id, "Bourg bis", &commune("01053")).await;
    assert!(matches!(
        twice,
        Err(StoreError::Conflict {
            field: "territory",
            ..
        })
    ));
    // The same territory may have a team in another cohort.
    let team2 = store
        .add_team(other.id, "Bourg", &commune("01053"))
        .await
        .unwrap();

    let ana = store
        .create_user(&user("ana@example.org", Role::Member), now)
        .await
        .unwrap();
    let anim = store
        .create_user(&user("anim@example.org", Role::Moderator), now)
        .await
        .unwrap();
    // A participant needs a team of this very cohort.
    let bad = store
        .enrol(c.id, ana.id, CohortRole::Participant, None, now)
        .await;
    assert!(matches!(
        bad,
        Err(StoreError::Conflict { field: "team", .. })
    ));
    let bad = store
        .enrol(c.id, ana.id, CohortRole::Participant, Some(team2.id), now)
        .await;
    assert!(matches!(
        bad,
        Err(StoreError::Conflict { field: "team", .. })
    ));
    store
        .enrol(c.id, ana.id, CohortRole::Participant, Some(team.id), now)
        .await
        .unwrap();
    store
        .enrol(c.id, anim.id, CohortRole::Animateur, Some(team.id), now)
        .await
        .unwrap();
    let people = store.enrolments(c.id).await.unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people[0].role, CohortRole::Animateur);
    assert_eq!(people[0].team_id, None, "animators have no team");
    assert_eq!(people[1].team_id, Some(team.id));
    assert!(store.enrolments(other.id).await.unwrap().is_empty());
    let mine = store.member_cohorts(ana.id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].0.id, c.id);
    store
        .set_cohort_mail(c.id, ana.id, false, false)
        .await
        .unwrap();
    assert!(
        !store
            .enrolment(c.id, ana.id)
            .await
            .unwrap()
            .unwrap()
            .notify_replies
    );
    assert!(matches!(
        store.set_cohort_mail(other.id, ana.id, true, true).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.unenrol(c.id, ana.id).await.unwrap());
    assert!(!store.unenrol(c.id, ana.id).await.unwrap());
    assert!(store.enrolment(c.id, ana.id).await.unwrap().is_none());
}

conformance!(parcours_sessions_and_attendance, sessions);
async fn sessions(store: Arc<dyn Store>) {
    let now = at("2027-01-01T10:00:00Z");
    let c = store
        .create_cohort(&fields("p1"), false, now)
        .await
        .unwrap();
    let team = store
        .add_team(c.id, "Bourg", &commune("01053"))
        .await
        .unwrap();
    let ana = store
        .create_user(&user("ana@example.org", Role::Member), now)
        .await
        .unwrap();
    let bea = store
        .create_user(&user("bea@example.org", Role::Member), now)
        .await
        .unwrap();
    for u in [&ana, &bea] {
        store
            .enrol(c.id, u.id, CohortRole::Participant, Some(team.id), now)
            .await
            .unwrap();
    }
    let s2 = event(
        "seance-2",
        at("2027-03-01T09:00:00Z"),
        EventKind::CoDeveloppement,
        None,
    );
    let s1 = event(
        "seance-1",
        at("2027-02-01T09:00:00Z"),
        EventKind::TempsCollectif,
        None,
    );
    let b = store.add_session(c.id, &s2, 2, now).await.unwrap();
    let a = store.add_session(c.id, &s1, 1, now).await.unwrap();
    assert_eq!(a.event.kind, EventKind::TempsCollectif);
    let taken = store.add_session(c.id, &s1, 1, now).await;
    assert!(matches!(
        taken,
        Err(StoreError::Conflict { field: "slug", .. })
    ));
    let list = store.sessions(c.id).await.unwrap();
    let slugs: Vec<&str> = list.iter().map(|s| s.event.slug.as_str()).collect();
    assert_eq!(slugs, ["seance-1", "seance-2"], "by start");
    assert_eq!(
        store
            .session_cohort(b.event.id)
            .await
            .unwrap()
            .map(|x| x.id),
        Some(c.id)
    );
    assert!(store.session_cohort(0).await.unwrap().is_none());
    // The session is an event like the others: it is in the agenda.
    assert!(store.event("seance-1").await.unwrap().is_some());

    // Ana registered with her address as a visitor would; Bea never registered.
    store
        .register(
            a.event.id,
            &NewRegistration {
                user_id: None,
                name: "Ana".into(),
                email: "ANA@example.org".into(),
                organisation: String::new(),
                territory: String::new(),
                token_hash: "a".repeat(64),
                pending: false,
            },
            now,
        )
        .await
        .unwrap();
    assert!(store.cohort_attendance(c.id).await.unwrap().is_empty());
    store
        .set_member_attendance(a.event.id, ana.id, true, now)
        .await
        .unwrap();
    store
        .set_member_attendance(a.event.id, bea.id, true, now)
        .await
        .unwrap();
    store
        .set_member_attendance(b.event.id, bea.id, false, now)
        .await
        .unwrap();
    assert_eq!(
        store.cohort_attendance(c.id).await.unwrap(),
        [(a.event.id, ana.id), (a.event.id, bea.id)]
    );
    // Ana's own registration was used, not a second one; Bea got one.
    let regs = store.registrations(a.event.id).await.unwrap();
    assert_eq!(regs.len(), 2);
    assert!(regs.iter().all(|r| r.attended));
    // The events' own attendance page writes the same data.
    store.set_attendance(a.event.id, &[]).await.unwrap();
    assert!(store.cohort_attendance(c.id).await.unwrap().is_empty());
    store
        .set_member_attendance(a.event.id, bea.id, true, now)
        .await
        .unwrap();
    store
        .set_member_attendance(a.event.id, bea.id, false, now)
        .await
        .unwrap();
    assert!(store.cohort_attendance(c.id).await.unwrap().is_empty());
    assert_eq!(store.registrations(a.event.id).await.unwrap().len(), 2);
}

conformance!(parcours_attendance_grid_all_or_nothing, attendance_grid);
async fn attendance_grid(store: Arc<dyn Store>) {
    let now = at("2027-01-01T10:00:00Z");
    let c = store
        .create_cohort(&fields("p1"), false, now)
        .await
        .unwrap();
    let other = store
        .create_cohort(&fields("p2"), false, now)
        .await
        .unwrap();
    let team = store
        .add_team(c.id, "Bourg", &commune("01053"))
        .await
        .unwrap();
    let ana = store
        .create_user(&user("ana@example.org", Role::Member), now)
        .await
        .unwrap();
    let bea = store
        .create_user(&user("bea@example.org", Role::Member), now)
        .await
        .unwrap();
    let zoe = store
        .create_user(&user("zoe@example.org", Role::Member), now)
        .await
        .unwrap();
    for u in [&ana, &bea] {
        store
            .enrol(c.id, u.id, CohortRole::Participant, Some(team.id), now)
            .await
            .unwrap();
    }
    let a = store
        .add_session(
            c.id,
            &event(
                "grille-1",
                at("2027-02-01T09:00:00Z"),
                EventKind::TempsCollectif,
                None,
            ),
            1,
            now,
        )
        .await
        .unwrap();
    let b = store
        .add_session(
            c.id,
            &event(
                "grille-2",
                at("2027-03-01T09:00:00Z"),
                EventKind::Temoignage,
                None,
            ),
            2,
            now,
        )
        .await
        .unwrap();
    let foreign = store
        .add_session(
            other.id,
            &event(
                "ailleurs-1",
                at("2027-02-01T09:00:00Z"),
                EventKind::TempsCollectif,
                None,
            ),
            1,
            now,
        )
        .await
        .unwrap();
    let (a, b) = (a.event.id, b.event.id);
    store
        .set_cohort_attendance(
            c.id,
            &[(a, ana.id, true), (a, bea.id, true), (b, bea.id, true)],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store.cohort_attendance(c.id).await.unwrap(),
        [(a, ana.id), (a, bea.id), (b, bea.id)]
    );
    // A grid that names a session of another cohort, or someone not in this one, writes
    // nothing at all — not even its valid cells written before the bad one.
    for bad in [
        [(a, ana.id, false), (foreign.event.id, bea.id, true)],
        [(b, bea.id, false), (a, zoe.id, true)],
    ] {
        assert!(matches!(
            store.set_cohort_attendance(c.id, &bad, now).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            store.cohort_attendance(c.id).await.unwrap(),
            [(a, ana.id), (a, bea.id), (b, bea.id)]
        );
    }
    assert!(store
        .registrations(foreign.event.id)
        .await
        .unwrap()
        .is_empty());
    // Unmarked again: her registration stays, not attended.
    store
        .set_cohort_attendance(c.id, &[(a, ana.id, false), (b, bea.id, false)], now)
        .await
        .unwrap();
    assert_eq!(store.cohort_attendance(c.id).await.unwrap(), [(a, bea.id)]);
    assert_eq!(store.registrations(a).await.unwrap().len(), 2);
}

conformance!(parcours_deliverables_handed_in, deliverables);
async fn deliverables(store: Arc<dyn Store>) {
    let now = at("2027-01-01T10:00:00Z");
    let c = store
        .create_cohort(&fields("p1"), false, now)
        .await
        .unwrap();
    let other = store
        .create_cohort(&fields("p2"), false, now)
        .await
        .unwrap();
    let team = store
        .add_team(c.id, "Bourg", &commune("01053"))
        .await
        .unwrap();
    let foreign = store
        .add_team(other.id, "Bourg", &commune("01053"))
        .await
        .unwrap();
    let ana = store
        .create_user(&user("ana@example.org", Role::Member), now)
        .await
        .unwrap();
    let d = store
        .add_deliverable(
            c.id,
            &DeliverableFields {
                title: "Diagnostic de territoire".into(),
                description: "Deux pages.".into(),
                step: 2,
                due_on: NaiveDate::from_ymd_opt(2027, 3, 1),
            },
        )
        .await
        .unwrap();
    let first = store
        .add_deliverable(
            c.id,
            &DeliverableFields {
                title: "Feuille de route".into(),
                description: String::new(),
                step: 1,
                due_on: None,
            },
        )
        .await
        .unwrap();
    let ids: Vec<i64> = store
        .deliverables(c.id)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, [first.id, d.id], "by step");

    // A team of another cohort cannot hand in this cohort's deliverable.
    let wrong = store
        .submit(
            d.id,
            foreign.id,
            Some(ana.id),
            &NewSubmission::Link("https://a.fr".into()),
            now,
        )
        .await;
    assert!(matches!(wrong, Err(StoreError::NotFound)));
    let file = StoredFile {
        sha256: "b".repeat(64),
        name: "diagnostic.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1234,
    };
    let s = store
        .submit(
            d.id,
            team.id,
            Some(ana.id),
            &NewSubmission::File(file.clone()),
            now,
        )
        .await
        .unwrap();
    assert_eq!(s.kind, HandIn::Fichier);
    assert_eq!(s.file.as_ref(), Some(&file));
    assert!(store.file_in_use(&file.sha256).await.unwrap());
    let later = at("2027-01-02T10:00:00Z");
    let r = store
        .submit(
            first.id,
            team.id,
            None,
            &NewSubmission::Recorded("remis en séance".into()),
            later,
        )
        .await
        .unwrap();
    assert_eq!(
        (r.kind, r.note.as_str()),
        (HandIn::Constate, "remis en séance")
    );
    let all = store.submissions(c.id).await.unwrap();
    assert_eq!(all.iter().map(|s| s.id).collect::<Vec<_>>(), [r.id, s.id]);
    assert!(store.submissions(other.id).await.unwrap().is_empty());
    assert_eq!(store.submission(s.id).await.unwrap(), Some(s));
}

conformance!(parcours_space_threads_and_digests, space);
async fn space(store: Arc<dyn Store>) {
    let now = at("2027-01-01T10:00:00Z");
    let c = store
        .create_cohort(&fields("p1"), false, now)
        .await
        .unwrap();
    let other = store
        .create_cohort(&fields("p2"), false, now)
        .await
        .unwrap();
    let team = store
        .add_team(c.id, "Bourg", &commune("01053"))
        .await
        .unwrap();
    let ana = store
        .create_user(&user("ana@example.org", Role::Member), now)
        .await
        .unwrap();
    let bea = store
        .create_user(&user("bea@example.org", Role::Member), now)
        .await
        .unwrap();
    for u in [&ana, &bea] {
        store
            .enrol(c.id, u.id, CohortRole::Participant, Some(team.id), now)
            .await
            .unwrap();
    }
    let m1 = store
        .add_post(c.id, None, ana.id, "Bonjour **à toutes**", now)
        .await
        .unwrap();
    let t = |m: i64| at(&format!("2027-01-01T10:{m:02}:00Z"));
    let a1 = store
        .add_post(c.id, Some(m1.id), bea.id, "Bienvenue", t(1))
        .await
        .unwrap();
    assert_eq!(a1.parent_id, Some(m1.id));
    // An answer to an answer goes to its message.
    let a2 = store
        .add_post(c.id, Some(a1.id), ana.id, "Merci", t(2))
        .await
        .unwrap();
    assert_eq!(a2.parent_id, Some(m1.id));
    let m2 = store
        .add_post(c.id, None, bea.id, "Une question", t(3))
        .await
        .unwrap();
    // Not across cohorts.
    let across = store
        .add_post(other.id, Some(m1.id), ana.id, "x", t(4))
        .await;
    assert!(matches!(across, Err(StoreError::NotFound)));
    let order: Vec<i64> = store
        .posts(c.id)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(
        order,
        [m2.id, m1.id, a1.id, a2.id],
        "latest message first, answers in order"
    );
    assert!(store.posts(other.id).await.unwrap().is_empty());
    assert_eq!(store.posts_since(c.id, t(2)).await.unwrap().len(), 2);
    assert_eq!(store.post(m1.id).await.unwrap().unwrap().author_name, "ana");

    // The digest is claimed once a week per person who wants it.
    store
        .set_cohort_mail(c.id, bea.id, true, false)
        .await
        .unwrap();
    let week_later = at("2027-01-08T10:00:00Z");
    let claimed = store
        .claim_digests(c.id, at("2027-01-01T10:00:00Z"), week_later)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|e| e.user_id).collect::<Vec<_>>(),
        [ana.id]
    );
    let again = store
        .claim_digests(c.id, at("2027-01-01T11:00:00Z"), week_later)
        .await
        .unwrap();
    assert!(again.is_empty());
    let ana_in = store.enrolment(c.id, ana.id).await.unwrap().unwrap();
    assert!(ana_in.weekly_digest && ana_in.notify_replies);
    let bea_in = store.enrolment(c.id, bea.id).await.unwrap().unwrap();
    assert!(!bea_in.weekly_digest && bea_in.notify_replies);
    // A digest whose mail failed is given back (a stale claim time changes nothing), and
    // is due again at the next run.
    store
        .release_cohort_digest(c.id, ana.id, at("2027-01-08T09:00:00Z"))
        .await
        .unwrap();
    let later = at("2027-01-08T10:01:00Z");
    let before = at("2027-01-01T10:01:00Z");
    assert!(store
        .claim_digests(c.id, before, later)
        .await
        .unwrap()
        .is_empty());
    store
        .release_cohort_digest(c.id, ana.id, week_later)
        .await
        .unwrap();
    let retried = store.claim_digests(c.id, before, later).await.unwrap();
    assert_eq!(
        retried.iter().map(|e| e.user_id).collect::<Vec<_>>(),
        [ana.id]
    );
    // A deleted account leaves its posts, without a name.
    store.delete_account(ana.id, now).await.unwrap();
    let p = store.post(m1.id).await.unwrap().unwrap();
    assert_eq!((p.author_id, p.author_name.as_str()), (None, ""));
    assert!(store.enrolment(c.id, ana.id).await.unwrap().is_none());
}
