use super::*;
use catalyse_core::{Territory, TerritoryLevel};

fn geography() -> TerritoryIndex {
    let t = |level, code: &str, name: &str| Territory {
        level,
        code: code.into(),
        name: name.into(),
        region: Some("84".into()),
        department: (level == TerritoryLevel::Commune).then(|| "42".into()),
        epci: None,
        population: Some(170_000),
        postcodes: vec![],
        lat: Some(45.43),
        lon: Some(4.39),
    };
    TerritoryIndex::new(vec![
        t(TerritoryLevel::Region, "84", "Auvergne-Rhône-Alpes"),
        t(TerritoryLevel::Department, "42", "Loire"),
        t(TerritoryLevel::Commune, "42218", "Saint-Étienne"),
    ])
}

const HEAD: &str = "titre,description,territoire,structure,famille_auteur,fragilite,leviers,familles,activites,echeance,statut,auteur,email_contact\n";

fn frame() -> ReferenceFrame {
    ReferenceFrame::shipped().unwrap()
}

#[test]
fn a_good_line_reads_every_column() {
    let text = format!(
        "{HEAD}Un transport vers les soins,\"Des habitants sans voiture renoncent à leurs rendez-vous.\n\nNous cherchons des partenaires.\",commune:42218,Centre social,associations,mobilite,apprendre-a-faire-alliance;definir-sa-strategie,entreprises collectivites-territoriales,mettre-en-relation,6-mois,en-relation,,Elu@Mairie.fr\n\
         Un tiers-lieu,'=Un lieu pour se retrouver et travailler ensemble.,departement:42,,,isolement,,,lieu-d-echanges-convivial,,,a@exemple.fr,\n"
    );
    let lines = read(&text, &geography(), &frame(), &["mobilite", "isolement"]).unwrap();
    assert_eq!(lines.len(), 2);
    let l = &lines[0];
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    assert_eq!(l.line, 2);
    assert_eq!(l.fields.title, "Un transport vers les soins");
    assert_eq!(
        l.fields.description,
        "Des habitants sans voiture renoncent à leurs rendez-vous.\n\nNous cherchons des partenaires."
    );
    assert_eq!(
        (l.fields.territory.level, l.fields.territory.code.as_str()),
        (TerritoryLevel::Commune, "42218")
    );
    assert_eq!(l.fields.organisation, "Centre social");
    assert_eq!(l.fields.author_family, "associations");
    assert_eq!(l.fields.levers.len(), 2);
    assert_eq!(
        l.fields.families,
        ["entreprises", "collectivites-territoriales"]
    );
    assert_eq!(l.fields.horizon, Horizon::SixMois);
    assert_eq!(l.status, NeedStatus::EnRelation);
    assert_eq!(l.contact.as_deref(), Some("elu@mairie.fr"));
    // The second starts on line 5 (the description above holds three lines); defaults.
    let t = &lines[1];
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert_eq!(t.line, 5);
    assert_eq!(t.fields.territory.level, TerritoryLevel::Department);
    assert!(
        t.fields.description.starts_with("=Un lieu"),
        "read back as written"
    );
    assert_eq!(
        (t.fields.horizon, t.status),
        (Horizon::SansEcheance, NeedStatus::Ouvert)
    );
    assert_eq!(
        (t.author.as_str(), t.contact.as_deref()),
        ("a@exemple.fr", None)
    );
}

#[test]
fn bad_lines_are_named_with_their_number_and_why() {
    let text = format!(
        "{HEAD}Un bon besoin,Une description assez longue pour passer.,region:84,,,mobilite,definir-sa-strategie,,,,,,\n\
         X,court,commune:99999,,nulle,inconnue,levier-inconnu,,,demain,fini,a@exemple.fr,pas-une-adresse\n\
         Sans territoire,Une description assez longue pour passer.,ville:42218,,,mobilite,,,,,,,\n"
    );
    let lines = read(&text, &geography(), &frame(), &["mobilite"]).unwrap();
    assert!(lines[0].problems.is_empty(), "{:?}", lines[0].problems);
    let bad = &lines[1];
    assert_eq!(bad.line, 3);
    let all = bad.problems.join(" ; ");
    for expected in [
        "territoire inconnu : commune 99999",
        "échéance inconnue « demain » (3-mois, 6-mois, 1-an, sans-echeance)",
        "statut inconnu « fini »",
        "email_contact « pas-une-adresse »",
        "indiquez l'un ou l'autre",
        "Le titre",
        "au moins 20 caractères",
        "La famille d'acteurs « nulle » n'existe pas.",
        "La fragilité « inconnue » n'existe pas.",
        "Le levier « levier-inconnu » n'existe pas.",
    ] {
        assert!(all.contains(expected), "« {expected} » in {all}");
    }
    let third = lines[2].problems.join(" ; ");
    assert_eq!(lines[2].line, 4);
    assert!(
        third.contains("niveau de territoire « ville » inconnu"),
        "{third}"
    );
    assert!(third.contains("au moins un levier"), "{third}");

    let missing = read("titre,description\nA,B\n", &geography(), &frame(), &[]).unwrap_err();
    assert_eq!(missing[0].line, 1);
    assert!(missing[0]
        .message
        .contains("colonnes manquantes : territoire, fragilite"));
    let empty = read(HEAD, &geography(), &frame(), &[]).unwrap_err();
    assert!(empty[0].message.contains("aucun besoin"));
}
