//! The storage conformance suite: every behaviour runs on SQLite, and on PostgreSQL when
//! `CATALYSE_TEST_POSTGRES_URL` is set (each test in a fresh schema). A PostgreSQL run that is
//! skipped says so on stderr.

mod events;
mod locking;
mod network;
mod rate_limits;
mod resources;
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::territory::Geography;
use catalyse_core::{Email, Role, TerritoryLevel};
use catalyse_store::testing;
use catalyse_store::{NewUser, SessionRecord, Store, StoreError};
use chrono::{Duration, Utc};
use std::sync::{Arc, OnceLock};

use catalyse_store::both_databases as conformance;

fn geography() -> &'static Geography {
    static G: OnceLock<Geography> = OnceLock::new();
    G.get_or_init(|| Geography::shipped().expect("shipped geography"))
}

fn small_geography(extra: &str) -> Geography {
    let tsv = format!(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         region\t84\tAuvergne-Rhône-Alpes\t\t\t\t8000000\t\t\t\n\
         department\t01\tAin\t84\t\t\t650000\t\t\t\n\
         commune\t01001\tL'Abergement-Clémenciat\t84\t01\t200069193\t800\t01400\t46.15\t4.92\n\
         commune\t01053\tBourg-en-Bresse\t84\t01\t200071751\t41000\t01000\t46.2\t5.22\n{extra}"
    );
    Geography::from_tsv(&tsv).unwrap()
}

fn user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        display_name: email.split('@').next().unwrap().to_string(),
        role,
        password_hash: "$argon2id$fake".into(),
        is_example: false,
        email_verified: true,
    }
}

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

conformance!(accounts_roles_and_audit, accounts);
async fn accounts(store: Arc<dyn Store>) {
    let now = Utc::now();
    let admin = store
        .create_user(&user("admin@exemple.fr", Role::Admin), now)
        .await
        .unwrap();
    let member = store
        .create_user(&user("camille@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    assert_eq!(store.count_users().await.unwrap(), 2);
    match store
        .create_user(&user("CAMILLE@exemple.fr", Role::Member), now)
        .await
    {
        Err(StoreError::Conflict { field: "email", .. }) => {}
        other => panic!("expected an email conflict, got {other:?}"),
    }
    assert_eq!(
        store.count_users().await.unwrap(),
        2,
        "a refused write leaves nothing"
    );
    let found = store
        .user_by_email(&Email::parse("Camille@Exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, member.id);

    let promoted = store
        .set_role(member.id, Role::Moderator, Some(admin.id), now)
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Moderator);
    // The last admin cannot be demoted.
    assert!(matches!(
        store
            .set_role(admin.id, Role::Member, Some(admin.id), now)
            .await,
        Err(StoreError::Conflict { field: "role", .. })
    ));
    assert!(matches!(
        store.set_role(9999, Role::Member, None, now).await,
        Err(StoreError::NotFound)
    ));
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].details, "member -> moderator");
    assert_eq!(log[0].actor_id, Some(admin.id));

    let page = store.list_users(1, 1).await.unwrap();
    assert_eq!((page.total, page.items.len()), (2, 1));
    assert_eq!(page.items[0].email.as_str(), "admin@exemple.fr");
}

conformance!(sessions_expire_and_end, sessions);
async fn sessions(store: Arc<dyn Store>) {
    let now = Utc::now();
    let u = store
        .create_user(&user("dominique@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    let s = SessionRecord {
        id_hash: "h1".into(),
        user_id: u.id,
        created_at: now - Duration::hours(3),
        last_seen_at: now - Duration::minutes(10),
    };
    store.create_session(&s).await.unwrap();
    let fresh = |idle_min: i64, abs_h: i64| {
        (
            now - Duration::minutes(idle_min),
            now - Duration::hours(abs_h),
        )
    };
    let (i, a) = fresh(30, 12);
    assert_eq!(store.session("h1", i, a).await.unwrap().unwrap().1.id, u.id);
    let (i, a) = fresh(5, 12);
    assert!(
        store.session("h1", i, a).await.unwrap().is_none(),
        "idle timeout"
    );
    let (i, a) = fresh(30, 2);
    assert!(
        store.session("h1", i, a).await.unwrap().is_none(),
        "absolute timeout"
    );
    store.touch_session("h1", now).await.unwrap();
    let (i, a) = fresh(5, 12);
    assert!(
        store.session("h1", i, a).await.unwrap().is_some(),
        "touched"
    );
    store.delete_session("h1").await.unwrap();
    let (i, a) = fresh(30, 12);
    assert!(
        store.session("h1", i, a).await.unwrap().is_none(),
        "logged out"
    );

    store
        .create_session(&SessionRecord {
            id_hash: "h2".into(),
            ..s.clone()
        })
        .await
        .unwrap();
    store
        .set_password(u.id, "$argon2id$new", now)
        .await
        .unwrap();
    assert!(
        store.session("h2", i, a).await.unwrap().is_none(),
        "new password ends sessions"
    );
    store
        .create_session(&SessionRecord {
            id_hash: "h3".into(),
            ..s
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .purge_sessions(now - Duration::minutes(5), now - Duration::hours(12))
            .await
            .unwrap(),
        1
    );
}

conformance!(password_reset_is_single_use_and_expires, password_reset);
async fn password_reset(store: Arc<dyn Store>) {
    let now = Utc::now();
    let u = store
        .create_user(&user("alex@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    store
        .create_password_reset("tok", u.id, now, now + Duration::hours(1))
        .await
        .unwrap();
    store
        .create_password_reset(
            "old",
            u.id,
            now - Duration::hours(2),
            now - Duration::hours(1),
        )
        .await
        .unwrap();
    store
        .create_password_reset("other", u.id, now, now + Duration::hours(1))
        .await
        .unwrap();
    store
        .create_session(&SessionRecord {
            id_hash: "s".into(),
            user_id: u.id,
            created_at: now,
            last_seen_at: now,
        })
        .await
        .unwrap();
    assert_eq!(
        store.password_reset_user("tok", now).await.unwrap(),
        Some(u.id)
    );
    assert_eq!(
        store.password_reset_user("old", now).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store.reset_password("old", "$new", now).await.unwrap(),
        None
    );
    assert_eq!(
        store.reset_password("tok", "$new", now).await.unwrap(),
        Some(u.id)
    );
    assert_eq!(
        store.reset_password("tok", "$again", now).await.unwrap(),
        None,
        "single use"
    );
    assert_eq!(
        store.reset_password("other", "$again", now).await.unwrap(),
        None,
        "siblings die too"
    );
    let after = store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(after.password_hash, "$new");
    let day = now - Duration::days(1);
    assert!(store.session("s", day, day).await.unwrap().is_none());
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

#[tokio::test]
async fn unknown_database_urls_are_refused() {
    let err = catalyse_store::connect("mysql://x", &Default::default())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("sqlite://"));
    let _ = testing::POSTGRES_URL_VAR;
}

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
