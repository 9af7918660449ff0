use super::*;
use catalyse_core::needs::suggest::{distance_km, suggest, NeedProfile, Viewer};
use catalyse_core::network::{Moderated, ProfileFields, Visibility};
use catalyse_core::territory::Geography;
use chrono::{NaiveDate, TimeZone, Utc};

fn reference() -> ReferenceFrame {
    ReferenceFrame::shipped().expect("reference frame")
}

fn parts(r: &ReferenceFrame) -> (&[Lever], &[MetierFamily], &[ActorFamily]) {
    (&r.levers, &r.metier, &r.actor_families)
}

fn fragilities() -> Vec<Fragility> {
    catalyse_core::dataset::SurveyModel::shipped()
        .expect("survey model")
        .fragilities
}

/// A région of two départements: a big town in one, a village in the other.
fn geography() -> TerritoryIndex {
    let g = Geography::from_tsv(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         region\t84\tAuvergne-Rhône-Alpes\t\t\t\t\t\t\t\n\
         department\t01\tAin\t84\t\t\t\t\t\t\n\
         department\t42\tLoire\t84\t\t\t\t\t\t\n\
         epci\t244200770\tSaint-Étienne Métropole\t84\t42\t\t\t\t\t\n\
         commune\t01001\tL'Abergement-Clémenciat\t84\t01\t\t1000\t01400\t46.15\t4.92\n\
         commune\t42218\tSaint-Étienne\t84\t42\t244200770\t3000\t42000\t45.43\t4.39\n",
    )
    .expect("geography");
    TerritoryIndex::new(g.territories)
}

fn at(level: TerritoryLevel, code: &str) -> TerritoryRef {
    TerritoryRef {
        level,
        code: code.into(),
    }
}

fn profile(id: i64, visibility: Visibility, consent: bool, published: bool) -> Profile {
    let fields = ProfileFields {
        display_name: format!("Membre {id}"),
        organisation: String::new(),
        actor_family: "associations".into(),
        role: String::new(),
        territories: vec![at(TerritoryLevel::Commune, "42218")],
        activities: vec!["mettre-en-relation".into()],
        levers: vec![],
        themes: vec![],
        bio: String::new(),
        links: vec![],
        photo: None,
    };
    let when = Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap();
    Profile {
        user_id: id,
        slug: format!("membre-{id}"),
        visibility,
        consent_at: consent.then_some(when),
        moderated: Moderated {
            published: published.then(|| fields.clone()),
            published_at: published.then_some(when),
            draft: (!published).then_some(fields),
            review: None,
            review_reason: String::new(),
            revision: 1,
            submitted_at: Some(when),
        },
        is_example: false,
        created_at: when,
        updated_at: when,
    }
}

#[test]
fn centres_are_weighted_by_population() {
    let geo = geography();
    let m = Matching::new(parts(&reference()), &fragilities(), &geo).unwrap();
    let commune = m
        .point(&geo, &at(TerritoryLevel::Commune, "42218"))
        .unwrap();
    assert_eq!((commune.lat, commune.lon), (45.43, 4.39));
    // An EPCI or a département of one commune: that commune.
    for t in [
        at(TerritoryLevel::Epci, "244200770"),
        at(TerritoryLevel::Department, "42"),
    ] {
        let p = m.point(&geo, &t).unwrap();
        assert!(distance_km(p, commune) < 0.01, "{t:?}: {p:?}");
    }
    // The région: three quarters of the way from the village to the town, as the people are.
    let village = m
        .point(&geo, &at(TerritoryLevel::Commune, "01001"))
        .unwrap();
    let region = m.point(&geo, &at(TerritoryLevel::Region, "84")).unwrap();
    let (to_town, to_village) = (distance_km(region, commune), distance_km(region, village));
    let whole = distance_km(village, commune);
    assert!((to_town + to_village - whole).abs() < 0.5, "on the way");
    assert!(
        (to_village / whole - 0.75).abs() < 0.01,
        "{to_village} of {whole}"
    );
    assert_eq!(m.point(&geo, &at(TerritoryLevel::Commune, "99999")), None);
    assert_eq!(m.point(&geo, &at(TerritoryLevel::Region, "11")), None);
}

#[test]
fn only_members_who_may_be_suggested_are_gathered() {
    let geo = geography();
    let m = Matching::new(parts(&reference()), &fragilities(), &geo).unwrap();
    let mut b = PoolBuilder::new(&m, vec![5]);
    for p in [
        profile(1, Visibility::Public, true, true),
        profile(2, Visibility::Members, false, true),
        profile(3, Visibility::Hidden, true, true),
        profile(4, Visibility::Public, true, false),
        profile(5, Visibility::Public, true, true),
        // Public without a dated consent: not shown to anyone, so not suggested.
        profile(6, Visibility::Public, false, true),
    ] {
        b.member(&m, &geo, &p);
    }
    let pool = b.build();
    assert_eq!(
        pool.members(),
        2,
        "the public and the members-only profiles"
    );
    let need = NeedProfile {
        point: m.point(&geo, &at(TerritoryLevel::Department, "42")),
        author_family: None,
        fragility: None,
        levers: 0,
        families: 0,
        activities: m.names.activities.mask(&["mettre-en-relation".to_string()]),
    };
    let today = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    let ids = |signed_in| {
        let viewer = Viewer {
            signed_in,
            exclude: vec![],
        };
        let found = suggest(&pool, &need, &viewer, today, 10);
        found.members.iter().map(|s| s.user_id).collect::<Vec<_>>()
    };
    assert_eq!(ids(false), vec![1]);
    assert_eq!(ids(true), vec![1, 2]);
    // Her last profile change stands for her last activity (22 days before).
    let found = suggest(&pool, &need, &Viewer::default(), today, 10);
    assert!(found.members[0]
        .reasons
        .contains(&catalyse_core::needs::suggest::Reason::Recent { days: 22 }));
}
