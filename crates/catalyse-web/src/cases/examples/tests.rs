use super::*;
use catalyse_core::reference::ReferenceFrame;

/// A territory of the tests' geographies (communes have a position).
pub(crate) fn territory(
    level: TerritoryLevel,
    code: &str,
    name: &str,
    parents: [&str; 3],
) -> Territory {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Territory {
        level,
        code: code.into(),
        name: name.into(),
        region: opt(parents[0]),
        department: opt(parents[1]),
        epci: opt(parents[2]),
        population: Some(5000),
        postcodes: vec![],
        lat: (level == TerritoryLevel::Commune).then_some(45.0),
        lon: (level == TerritoryLevel::Commune).then_some(4.0),
    }
}

/// Names that need elision or contraction, in three départements.
fn geography() -> Vec<Territory> {
    use TerritoryLevel::*;
    vec![
        territory(Region, "84", "Auvergne-Rhône-Alpes", ["", "", ""]),
        territory(Region, "28", "Normandie", ["", "", ""]),
        territory(Department, "74", "Haute-Savoie", ["84", "", ""]),
        territory(Department, "76", "Seine-Maritime", ["28", "", ""]),
        territory(Department, "27", "Eure", ["28", "", ""]),
        territory(Epci, "200066793", "CA du Grand Annecy", ["84", "74", ""]),
        territory(
            Epci,
            "200084952",
            "CU Le Havre Seine Métropole",
            ["28", "76", ""],
        ),
        territory(Commune, "74010", "Annecy", ["84", "74", "200066793"]),
        territory(Commune, "76351", "Le Havre", ["28", "76", "200084952"]),
        territory(Commune, "76217", "Les Loges", ["28", "76", "200084952"]),
        territory(Commune, "27229", "Évreux", ["28", "27", ""]),
    ]
}

fn inputs(geo: &[Territory]) -> Inputs<'_> {
    let frame = ReferenceFrame::shipped().unwrap();
    Inputs {
        territories: geo,
        levers: frame.levers.iter().map(|l| l.slug.clone()).collect(),
        fragilities: catalyse_core::dataset::SurveyModel::shipped()
            .unwrap()
            .fragilities
            .into_iter()
            .map(|f| f.slug)
            .collect(),
        contacts: vec![11, 12, 13],
        resources: vec!["exemple-1".into(), "exemple-2".into()],
    }
}

#[test]
fn example_cases_are_valid_varied_and_stable() {
    let geo = geography();
    let inputs = inputs(&geo);
    let cases = examples(&inputs, 0, 150, 2019, 2026);
    assert_eq!(cases.len(), 150);
    assert_eq!(
        cases.iter().map(|c| &c.fields).collect::<Vec<_>>(),
        examples(&inputs, 0, 150, 2019, 2026)
            .iter()
            .map(|c| &c.fields)
            .collect::<Vec<_>>(),
        "the same seed gives the same cases"
    );
    let frame = ReferenceFrame::shipped().unwrap();
    let fragilities: Vec<&str> = inputs.fragilities.iter().map(String::as_str).collect();
    for c in &cases {
        let f = &c.fields;
        let problems = f.problems_in(&frame, &fragilities, 2026);
        assert!(problems.is_empty(), "{}: {problems:?}", f.title);
        let total: u32 = f.funding.iter().map(|s| u32::from(s.percent)).sum();
        assert_eq!(total, 100, "{}", f.title);
        assert!(f.actors.len() >= 2 && f.actors.iter().all(|a| !a.family.is_empty()));
        assert!(!f.contacts.is_empty() && f.contacts.iter().all(|c| [11, 12, 13].contains(c)));
        assert!(f.resources.iter().all(|r| r.starts_with("exemple-")));
        assert!(!f.figures.is_empty());
        assert!(
            f.body.contains("aucune initiative réelle"),
            "says it is an example"
        );
        // Elision and contraction before the names.
        let text = format!(
            "{} {} {}",
            f.title,
            f.summary,
            f.actors
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
        for wrong in [
            "de Annecy",
            "de Évreux",
            "de Le Havre",
            "de Les Loges",
            "à Le Havre",
            "à Les Loges",
        ] {
            assert!(!text.contains(wrong), "« {wrong} » in {text}");
        }
    }
    for phase in Phase::ALL {
        assert!(cases.iter().any(|c| c.fields.phase == phase), "{phase}");
    }
    for level in [
        TerritoryLevel::Commune,
        TerritoryLevel::Epci,
        TerritoryLevel::Department,
        TerritoryLevel::Region,
    ] {
        assert!(
            cases.iter().any(|c| c.fields.territory.level == level),
            "{level}"
        );
    }
    let all: String = cases
        .iter()
        .map(|c| c.fields.title.clone() + "\n")
        .collect();
    assert!(
        all.contains("au Havre") || all.contains("aux Loges"),
        "{all}"
    );
    assert!(cases.iter().any(|c| c
        .fields
        .actors
        .iter()
        .any(|a| a.name.contains("d'Annecy") || a.name.contains("d'Évreux"))));
    for family in ["associations", "entreprises", "institutions", "citoyens"] {
        assert!(cases
            .iter()
            .any(|c| c.fields.families.iter().any(|f| f == family)));
    }
    // Another batch continues with other cases.
    assert_ne!(
        examples(&inputs, 150, 10, 2019, 2026)[0].fields,
        cases[0].fields
    );
}

#[test]
fn examples_spread_over_many_departements_of_the_real_geography() {
    let geo = catalyse_core::territory::Geography::shipped().unwrap();
    let inputs = inputs(&geo.territories);
    let cases = examples(&inputs, 0, DEMO_CASES, 2019, 2026);
    let index = catalyse_core::TerritoryIndex::new(geo.territories.clone());
    let mut departments = std::collections::BTreeSet::new();
    for c in &cases {
        let t = index
            .get(c.fields.territory.level, &c.fields.territory.code)
            .expect("a territory of the geography");
        if let Some(d) = t
            .department
            .as_ref()
            .or((t.level == TerritoryLevel::Department).then_some(&t.code))
        {
            departments.insert(d.clone());
        }
    }
    assert!(
        departments.len() >= 50,
        "{} départements",
        departments.len()
    );
}

#[test]
fn a_contracts_before_articles() {
    assert_eq!(a("Lyon"), "à Lyon");
    assert_eq!(a("Le Havre"), "au Havre");
    assert_eq!(a("Les Abymes"), "aux Abymes");
    assert_eq!(a("La Rochelle"), "à La Rochelle");
}
#[test]
fn thousands_are_grouped_the_french_way() {
    assert_eq!(thousands(7), "7");
    assert_eq!(thousands(3149), "3\u{202f}149");
    assert_eq!(thousands(1_234_567), "1\u{202f}234\u{202f}567");
}
