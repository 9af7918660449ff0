use super::*;
use crate::territory::TerritoryLevel;

const FRAGILITIES: [&str; 3] = ["isolement", "emploi", "mobilite"];

fn frame() -> ReferenceFrame {
    ReferenceFrame::shipped().unwrap()
}

fn fields() -> NeedFields {
    NeedFields {
        title: "  Un transport à la demande pour les aînés ".into(),
        description:
            "Nos aînés des hameaux ne peuvent plus aller au marché.\r\n\tQui a monté un service ?"
                .into(),
        territory: TerritoryRef {
            level: TerritoryLevel::Epci,
            code: " 200066744 ".into(),
        },
        organisation: " Mairie de Saint-Jean ".into(),
        author_family: "collectivites-territoriales".into(),
        fragility: "mobilite".into(),
        levers: vec![
            "qualifier-son-innovation".into(),
            " qualifier-son-innovation".into(),
        ],
        families: vec!["associations".into(), "".into()],
        activities: vec![],
        horizon: Horizon::SixMois,
    }
}

fn fields_of(problems: &[FieldProblem]) -> Vec<&str> {
    problems.iter().map(|p| p.field).collect()
}

#[test]
fn normalise_trims_and_removes_repeats() {
    let mut f = fields();
    f.normalise();
    assert_eq!(f.title, "Un transport à la demande pour les aînés");
    assert_eq!(f.organisation, "Mairie de Saint-Jean");
    assert_eq!(f.territory.code, "200066744");
    assert_eq!(f.levers, ["qualifier-son-innovation"]);
    assert_eq!(f.families, ["associations"]);
    assert!(f.description.contains("marché.\n    Qui"));
    assert!(f.problems(&frame(), &FRAGILITIES).is_empty());
}

#[test]
fn problems_name_each_field_in_french() {
    let mut f = fields();
    f.title = "Bus".into();
    f.description = "Court".into();
    f.territory.code.clear();
    f.author_family = "licornes".into();
    f.fragility = "ennui".into();
    f.levers = vec!["nulle-part".into()];
    f.families = vec!["martiens".into()];
    f.activities = vec!["voler".into()];
    f.normalise();
    let p = f.problems(&frame(), &FRAGILITIES);
    assert_eq!(
        fields_of(&p),
        [
            "title",
            "description",
            "territory",
            "author_family",
            "fragility",
            "levers",
            "families",
            "activities"
        ]
    );
    assert!(p
        .iter()
        .any(|p| p.message == "La fragilité « ennui » n'existe pas."));
}

#[test]
fn a_need_says_what_it_seeks() {
    let mut f = fields();
    f.levers.clear();
    f.families.clear();
    f.activities.clear();
    f.fragility.clear();
    f.normalise();
    let p = f.problems(&frame(), &FRAGILITIES);
    assert_eq!(fields_of(&p), ["fragility", "activities"]);
    assert!(p[1].message.starts_with("Dites ce que vous cherchez"));
}

#[test]
fn statuses_move_forward_and_may_reopen() {
    use NeedStatus::*;
    assert!(Ouvert.may_become(EnRelation));
    assert!(EnRelation.may_become(Resolu));
    assert!(Resolu.may_become(Ouvert));
    assert!(!Resolu.may_become(EnRelation));
    assert!(!Clos.may_become(Resolu));
    assert!(!Ouvert.may_become(Ouvert));
    assert!(Ouvert.is_open() && EnRelation.is_open());
    assert!(!Resolu.is_open() && !Clos.is_open());
}

#[test]
fn slugs_round_trip() {
    for s in NeedStatus::ALL {
        assert_eq!(s.as_str().parse::<NeedStatus>(), Ok(s));
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
    }
    for h in Horizon::ALL {
        assert_eq!(h.as_str().parse::<Horizon>(), Ok(h));
    }
    assert_eq!(
        "bientot".parse::<Horizon>(),
        Err("échéance inconnue « bientot »".to_string())
    );
}
