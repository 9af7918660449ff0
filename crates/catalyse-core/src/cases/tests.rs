use super::*;
use crate::network::Review;
use crate::territory::TerritoryLevel;

const FRAGILITIES: [&str; 3] = ["isolement", "emploi", "mobilite"];

fn frame() -> ReferenceFrame {
    ReferenceFrame::shipped().unwrap()
}

fn fields() -> CaseFields {
    CaseFields {
        title: "  Silver Geek ".into(),
        summary: "Des jeunes en service civique initient des aînés au numérique.".into(),
        body: "## Comment\r\n\tL'alliance s'est construite pas à pas.".into(),
        territory: TerritoryRef {
            level: TerritoryLevel::Region,
            code: "75".into(),
        },
        started_year: Some(2014),
        phase: Phase::Essaimage,
        fragilities: vec!["isolement".into(), " isolement ".into()],
        levers: vec!["qualifier-son-innovation".into()],
        families: vec!["associations".into(), "entreprises".into()],
        actors: vec![CaseActor {
            name: "Association Silver Geek".into(),
            family: "associations".into(),
            role: "Porteur".into(),
        }],
        activities: vec!["mettre-en-relation".into()],
        funding: vec![
            FundingShare {
                source: FundingSource::Fondations,
                percent: 60,
            },
            FundingShare {
                source: FundingSource::RecettesPropres,
                percent: 40,
            },
        ],
        model: String::new(),
        results: String::new(),
        figures: vec![],
        contacts: vec![3, 3],
        resources: vec![],
        images: vec![],
        source: "Kit Catalyse".into(),
        licence: "CC BY-SA 4.0".into(),
    }
}

/// The fields, normalised: valid.
fn valid() -> CaseFields {
    let mut f = fields();
    f.normalise();
    f
}

fn fields_of(p: &[FieldProblem]) -> Vec<&'static str> {
    p.iter().map(|p| p.field).collect()
}

#[test]
fn normalise_trims_deduplicates_and_unifies_line_ends() {
    let f = valid();
    assert_eq!(f.title, "Silver Geek");
    assert_eq!(f.fragilities, ["isolement"]);
    assert_eq!(f.contacts, [3]);
    assert_eq!(
        f.body,
        "## Comment\n    L'alliance s'est construite pas à pas."
    );
}

#[test]
fn a_valid_case_has_no_problem() {
    let f = valid();
    assert_eq!(f.problems_in(&frame(), &FRAGILITIES, 2024), vec![]);
    let survey = crate::dataset::SurveyModel::shipped().unwrap();
    assert_eq!(f.problems(&frame(), &survey.fragility_slugs()), vec![]);
}

#[test]
fn problems_are_in_french_and_tied_to_fields() {
    let mut f = valid();
    f.title = "Abc".into();
    f.summary = "Trop court".into();
    f.territory.code = String::new();
    f.started_year = Some(1949);
    f.fragilities = vec!["pirates".into()];
    f.levers.clear();
    f.families.push("corsaires".into());
    f.actors[0].family = "corsaires".into();
    f.activities.push("voler".into());
    f.funding[0].percent = 50;
    f.figures.push(CaseFigure {
        label: "Personnes".into(),
        value: f64::NAN,
        unit: String::new(),
        year: Some(2040),
    });
    f.images.push(CaseImage {
        file: "ab".repeat(32),
        alt: String::new(),
    });
    f.licence.clear();
    let p = f.problems_in(&frame(), &FRAGILITIES, 2024);
    assert_eq!(
        fields_of(&p),
        [
            "title",
            "summary",
            "territory",
            "started_year",
            "fragilities",
            "levers",
            "families",
            "actors",
            "activities",
            "funding",
            "figures",
            "figures",
            "images",
            "licence"
        ],
        "{p:#?}"
    );
    assert!(p[0].message.contains("au moins 4 caractères"));
    assert!(p[3].message.contains("entre 1950 et 2025"));
    assert!(p[4].message.contains("« pirates » n'existe pas"));
    assert!(p[9].message.contains("90 % au lieu de 100 %"));
    assert!(p[12].message.contains("texte alternatif"));
}

#[test]
fn limits_on_counts() {
    let mut f = valid();
    f.fragilities = FRAGILITIES.iter().map(|s| s.to_string()).collect();
    assert!(f.problems_in(&frame(), &FRAGILITIES, 2024).is_empty());
    f.fragilities = (0..6).map(|i| format!("f{i}")).collect();
    let known: Vec<String> = f.fragilities.clone();
    let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
    let p = f.problems_in(&frame(), &known, 2024);
    assert_eq!(fields_of(&p), ["fragilities"]);
    assert!(p[0].message.contains("5 fragilités au plus"));

    let mut f = valid();
    f.actors = (0..31)
        .map(|i| CaseActor {
            name: format!("Acteur {i}"),
            family: "associations".into(),
            role: String::new(),
        })
        .collect();
    f.images = (0..7)
        .map(|i| CaseImage {
            file: format!("{i:064}"),
            alt: "Une photo".into(),
        })
        .collect();
    f.started_year = Some(2025);
    let p = f.problems_in(&frame(), &FRAGILITIES, 2024);
    assert_eq!(fields_of(&p), ["actors", "images"], "{p:#?}");
    f.actors[3].name = "A".into();
    let p = f.problems_in(&frame(), &FRAGILITIES, 2024);
    assert!(
        p.iter().any(|p| p.message.contains("acteur n° 4")),
        "{p:#?}"
    );
}

#[test]
fn funding_shares_add_up_to_a_hundred_once_each() {
    let mut f = valid();
    f.funding.clear();
    assert!(
        f.problems_in(&frame(), &FRAGILITIES, 2024).is_empty(),
        "no funding is allowed"
    );
    f.funding = vec![
        FundingShare {
            source: FundingSource::Etat,
            percent: 50,
        },
        FundingShare {
            source: FundingSource::Etat,
            percent: 50,
        },
    ];
    let p = f.problems_in(&frame(), &FRAGILITIES, 2024);
    assert_eq!(fields_of(&p), ["funding"]);
    assert!(p[0].message.contains("apparaît deux fois"));
}

#[test]
fn phases_and_funding_sources_round_trip() {
    for p in Phase::ALL {
        assert_eq!(p.as_str().parse::<Phase>(), Ok(p));
        assert_eq!(
            serde_json::to_value(p).unwrap(),
            serde_json::json!(p.as_str())
        );
        assert_eq!(
            serde_json::from_value::<Phase>(p.as_str().into()).unwrap(),
            p
        );
    }
    assert_eq!(Phase::Emergence.label_fr(), "Émergence");
    assert_eq!(Phase::Experimentation.label_fr(), "Expérimentation");
    assert!("émergence".parse::<Phase>().is_err());
    let slugs: Vec<&str> = FundingSource::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "etat",
            "collectivites",
            "europe",
            "fondations",
            "entreprises",
            "recettes-propres",
            "citoyens",
            "autre"
        ]
    );
    for s in FundingSource::ALL {
        assert_eq!(s.as_str().parse::<FundingSource>(), Ok(s));
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            serde_json::json!(s.as_str())
        );
    }
    assert!("banque".parse::<FundingSource>().is_err());
}

#[test]
fn fields_round_trip_through_json() {
    let f = valid();
    let back: CaseFields = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
    assert_eq!(back, f);
}

#[test]
fn a_case_is_public_once_approved_and_until_archived() {
    let now = Utc::now();
    let mut c = Case {
        id: 1,
        slug: "silver-geek".into(),
        created_by: Some(3),
        moderated: Moderated {
            published: None,
            published_at: None,
            draft: Some(valid()),
            review: Some(Review::Pending),
            review_reason: String::new(),
            revision: 1,
            submitted_at: Some(now),
        },
        archived_at: None,
        is_example: false,
        is_reference: false,
        created_at: now,
        updated_at: now,
    };
    assert!(!c.is_public() && c.public_fields().is_none());
    c.moderated.published = c.moderated.draft.take();
    assert!(c.is_public());
    assert_eq!(c.public_fields().unwrap().title, "Silver Geek");
    c.archived_at = Some(now);
    assert!(!c.is_public() && c.public_fields().is_none());
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["published"]["phase"], "essaimage");
    assert_eq!(
        json["published"]["funding"][1]["source"],
        "recettes-propres"
    );
    assert!(json["archived_at"].is_string());
}
