use super::*;
use crate::cases::examples::tests::territory;
use catalyse_core::reference::ReferenceFrame;
use std::collections::BTreeSet;

/// Two régions of the mainland, two overseas, and Saint-Pierre-et-Miquelon whose communes
/// have no position.
fn geography() -> Vec<Territory> {
    use TerritoryLevel::*;
    vec![
        territory(Region, "84", "Auvergne-Rhône-Alpes", ["", "", ""]),
        territory(Region, "28", "Normandie", ["", "", ""]),
        territory(Region, "01", "Guadeloupe", ["", "", ""]),
        territory(Region, "04", "La Réunion", ["", "", ""]),
        territory(Region, "975", "Saint-Pierre-et-Miquelon", ["", "", ""]),
        territory(Department, "74", "Haute-Savoie", ["84", "", ""]),
        territory(Department, "76", "Seine-Maritime", ["28", "", ""]),
        territory(Department, "971", "Guadeloupe", ["01", "", ""]),
        territory(Department, "974", "La Réunion", ["04", "", ""]),
        territory(Epci, "200066793", "CA du Grand Annecy", ["84", "74", ""]),
        territory(
            Epci,
            "200084952",
            "CU Le Havre Seine Métropole",
            ["28", "76", ""],
        ),
        territory(Commune, "74010", "Annecy", ["84", "74", "200066793"]),
        territory(Commune, "76351", "Le Havre", ["28", "76", "200084952"]),
        territory(Commune, "97101", "Les Abymes", ["01", "971", ""]),
        territory(Commune, "97411", "Saint-Denis", ["04", "974", ""]),
        Territory {
            lat: None,
            lon: None,
            ..territory(Commune, "97502", "Saint-Pierre", ["975", "975", ""])
        },
    ]
}

fn inputs(geo: &[Territory]) -> Inputs<'_> {
    let frame = ReferenceFrame::shipped().unwrap();
    let author = |user_id, region: &str| ExampleAuthor {
        user_id,
        region: region.into(),
        organisation: format!("Structure {user_id}"),
        family: "associations".into(),
    };
    Inputs {
        territories: geo,
        levers: frame.levers.iter().map(|l| l.slug.clone()).collect(),
        families: frame
            .actor_families
            .iter()
            .map(|f| f.slug.clone())
            .collect(),
        fragilities: catalyse_core::dataset::SurveyModel::shipped()
            .unwrap()
            .fragilities
            .into_iter()
            .map(|f| f.slug)
            .collect(),
        authors: vec![author(11, "84"), author(12, "84"), author(13, "04")],
    }
}

fn now() -> DateTime<Utc> {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

#[test]
fn example_needs_are_valid_spread_and_say_what_they_are() {
    let geo = geography();
    let inputs = inputs(&geo);
    let needs = examples(&inputs, 0, DEMO_NEEDS, 2019, now());
    assert_eq!(needs.len(), DEMO_NEEDS);
    let frame = ReferenceFrame::shipped().unwrap();
    let fragilities: Vec<&str> = inputs.fragilities.iter().map(String::as_str).collect();
    let region_of = |t: &TerritoryRef| {
        let found = geo
            .iter()
            .find(|g| g.level == t.level && g.code == t.code)
            .unwrap();
        found.region.clone().unwrap_or(found.code.clone())
    };
    for n in &needs {
        let f = &n.fields;
        let problems = f.problems(&frame, &fragilities);
        assert!(problems.is_empty(), "{}: {problems:?}", f.title);
        assert!(
            f.description.ends_with(EXAMPLE_NOTE),
            "says it is an example"
        );
        assert!(
            !f.description.chars().any(|c| c.is_ascii_digit()),
            "no figure: {}",
            f.description
        );
        assert!(!f.families.contains(&f.author_family), "complementary");
        assert!(!f.organisation.is_empty());
        // The trail leads to the status, in order, between publication and now.
        assert_eq!(
            n.trail.last().map_or(NeedStatus::Ouvert, |e| e.status),
            n.status,
            "{}",
            f.title
        );
        let mut previous = n.at;
        for e in &n.trail {
            assert!(e.at > previous && e.at < now(), "{}", f.title);
            previous = e.at;
        }
        assert!(n.at < now() - Duration::days(4) && n.at > now() - Duration::days(541));
        // An author is an example member of the need's région, under her structure.
        if let Some(id) = n.author_id {
            let a = inputs.authors.iter().find(|a| a.user_id == id).unwrap();
            assert_eq!(a.region, region_of(&f.territory), "{}", f.title);
            assert_eq!(f.organisation, a.organisation);
        }
        // Elision and contraction before the names.
        for wrong in ["à Le Havre", "à Les Abymes"] {
            assert!(!f.title.contains(wrong), "« {wrong} » in {}", f.title);
        }
    }
    let regions: BTreeSet<String> = needs
        .iter()
        .map(|n| region_of(&n.fields.territory))
        .collect();
    assert_eq!(
        regions,
        ["01", "04", "28", "84"].map(String::from).into(),
        "every région with positioned communes, overseas included"
    );
    let count = |f: &dyn Fn(&ExampleNeed) -> bool| needs.iter().filter(|n| f(n)).count();
    let open = count(&|n| n.status == NeedStatus::Ouvert);
    assert!(open > DEMO_NEEDS / 2, "mostly open: {open}");
    for status in NeedStatus::ALL {
        assert!(count(&|n| n.status == status) > 0, "{status}");
    }
    for horizon in Horizon::ALL {
        assert!(count(&|n| n.fields.horizon == horizon) > 0, "{horizon}");
    }
    for fragility in &inputs.fragilities {
        assert!(
            count(&|n| &n.fields.fragility == fragility) > 0,
            "{fragility}"
        );
    }
    for lever in &inputs.levers {
        assert!(count(&|n| n.fields.levers.contains(lever)) > 0, "{lever}");
    }
    for level in [
        TerritoryLevel::Commune,
        TerritoryLevel::Epci,
        TerritoryLevel::Department,
        TerritoryLevel::Region,
    ] {
        assert!(count(&|n| n.fields.territory.level == level) > 0, "{level}");
    }
    let authored = count(&|n| n.author_id.is_some());
    assert!(
        authored > 5 && authored < DEMO_NEEDS / 2,
        "{authored} authored"
    );
}

#[test]
fn the_same_seed_gives_the_same_needs() {
    let geo = geography();
    let inputs = inputs(&geo);
    let fields = |seed| {
        examples(&inputs, 0, 60, seed, now())
            .into_iter()
            .map(|n| (n.fields, n.status, n.at, n.author_id, n.trail))
            .collect::<Vec<_>>()
    };
    assert_eq!(fields(2019), fields(2019));
    assert_ne!(fields(2019), fields(2020));
    // A later batch is another one.
    assert_ne!(
        examples(&inputs, 60, 60, 2019, now())
            .into_iter()
            .map(|n| n.fields)
            .collect::<Vec<_>>(),
        examples(&inputs, 0, 60, 2019, now())
            .into_iter()
            .map(|n| n.fields)
            .collect::<Vec<_>>()
    );
    assert!(examples(
        &Inputs {
            territories: &[],
            ..inputs
        },
        0,
        10,
        1,
        now()
    )
    .is_empty());
}
