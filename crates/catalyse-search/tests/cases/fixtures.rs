//! FIXTURES DE TEST : douze études de cas inventées pour ces tests (aucune n'est une expérience
//! réelle), écrites comme de vraies fiches : mobilité, isolement des personnes âgées, emploi,
//! numérique, alimentation, égalité, logement, santé, réemploi, éducation, précarité
//! énergétique. Les leviers, fragilités, familles d'acteurs et activités sont les slugs du
//! référentiel (`data/reference/*.toml`), les régions et départements des codes INSEE.

use catalyse_search::{CaseDoc, CaseIndex, CaseQuery, CaseResults};

/// 2024-01-01 00:00:00 UTC.
const BASE: i64 = 1_704_067_200;
const DAY: i64 = 86_400;

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

struct Case<'a> {
    id: i64,
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    actors: &'a [&'a str],
    territory: &'a str,
    levers: &'a [&'a str],
    fragilities: &'a [&'a str],
    families: &'a [&'a str],
    activities: &'a [&'a str],
    phase: &'a str,
    region: &'a str,
    department: &'a str,
    started: Option<i32>,
    /// Jours après `BASE` : l'ordre de publication n'est pas celui des ids.
    published_day: i64,
}

impl Case<'_> {
    fn doc(&self) -> CaseDoc {
        CaseDoc {
            id: self.id,
            slug: format!("cas-{}", self.id),
            title: self.title.into(),
            summary: self.summary.into(),
            body: self.body.into(),
            actors: strings(self.actors),
            territory_name: self.territory.into(),
            levers: strings(self.levers),
            fragilities: strings(self.fragilities),
            families: strings(self.families),
            activities: strings(self.activities),
            phase: self.phase.into(),
            region: Some(self.region.into()),
            department: Some(self.department.into()),
            started_year: self.started,
            published_at: BASE + self.published_day * DAY,
            is_example: self.id % 4 == 0,
            place: format!("commune:{}", 1000 + self.id % 3),
            people: vec![self.id % 5, 100 + self.id],
        }
    }
}

pub fn cases() -> Vec<CaseDoc> {
    [
        Case {
            id: 1,
            title: "Covoiturage solidaire entre les villages du pays de Bray",
            summary: "Une plateforme de covoiturage et un réseau de conducteurs bénévoles pour \
                      améliorer la mobilité des habitants sans voiture.",
            body: "## Le constat\n\nDans ce territoire rural, l'absence de transport en commun \
                   isole les demandeurs d'emploi. La communauté de communes, une association \
                   d'insertion et un **garage solidaire** ont mis en commun leurs moyens.",
            actors: &[
                "Communauté de communes des Quatre Rivières",
                "Garage solidaire du Bray",
            ],
            territory: "Pays de Bray",
            levers: &["apprendre-a-faire-alliance"],
            fragilities: &["mobilite", "emploi"],
            families: &["collectivites-territoriales", "associations"],
            activities: &["mobiliser-les-acteurs"],
            phase: "experimentation",
            region: "28",
            department: "76",
            started: Some(2019),
            published_day: 5,
        },
        Case {
            id: 2,
            title: "Des tablettes pour rompre l'isolement des aînés",
            summary: "Des jeunes en service civique animent des ateliers dans les résidences \
                      autonomie : jeux en réseau, visioconférence avec les familles.",
            body: "Face au vieillissement de la population, le centre communal d'action sociale \
                   s'est allié à une école d'ingénieurs et à un bailleur social. Les personnes \
                   âgées isolées retrouvent un lien social.",
            actors: &["CCAS de Sélestat", "École d'ingénieurs de Strasbourg"],
            territory: "Sélestat",
            levers: &["accelerer-grace-au-numerique", "apprendre-a-faire-alliance"],
            fragilities: &["isolement", "vieillissement", "acces-au-numerique"],
            families: &[
                "collectivites-territoriales",
                "acteurs-academiques",
                "entreprises",
            ],
            activities: &["organiser-des-temps-de-rencontres"],
            phase: "consolidation",
            region: "44",
            department: "67",
            started: Some(2015),
            published_day: 11,
        },
        Case {
            id: 3,
            title: "Une entreprise à but d'emploi contre le chômage de longue durée",
            summary: "Les habitants privés durablement d'emploi sont embauchés en CDI pour des \
                      activités utiles au territoire : recyclerie, conciergerie, maraîchage.",
            body: "Le comité local pour l'emploi réunit élus, entreprises, France Travail et \
                   associations. Le financement combine les fonds de l'État et du département.",
            actors: &[
                "Comité local pour l'emploi de Villeurbanne",
                "France Travail",
            ],
            territory: "Villeurbanne",
            levers: &["transformer-son-modele-socio-economique"],
            fragilities: &["emploi", "precarite"],
            families: &["collectivites-territoriales", "entreprises", "associations"],
            activities: &[
                "identifier-les-besoins-prioritaires",
                "piloter-des-experimentations",
            ],
            phase: "essaimage",
            region: "84",
            department: "69",
            started: Some(2017),
            published_day: 2,
        },
        Case {
            id: 4,
            title: "Inclusion numérique : des conseillers itinérants dans les mairies rurales",
            summary: "Un bus équipé parcourt les communes pour aider aux démarches en ligne.",
            body: "Les conseillers accompagnent les habitants éloignés des services publics. \
                   Partenaires : La Poste, la caisse d'allocations familiales, les secrétaires \
                   de mairie.",
            actors: &["La Poste", "Caisse d'allocations familiales de la Creuse"],
            territory: "Creuse",
            levers: &["accelerer-grace-au-numerique"],
            fragilities: &["acces-au-numerique"],
            families: &["institutions", "collectivites-territoriales", "entreprises"],
            activities: &["mettre-en-relation"],
            phase: "experimentation",
            region: "75",
            department: "23",
            started: Some(2021),
            published_day: 9,
        },
        Case {
            id: 5,
            title: "Un projet alimentaire territorial pour des cantines bio et locales",
            summary: "Agriculteurs, cuisiniers et parents d'élèves relocalisent \
                      l'approvisionnement des restaurants scolaires.",
            body: "L'alimentation des enfants est devenue le point de départ d'une alliance \
                   entre la chambre d'agriculture, une légumerie d'insertion et les communes.",
            actors: &[
                "Chambre d'agriculture de l'Hérault",
                "Légumerie du Lodévois",
            ],
            territory: "Lodévois et Larzac",
            levers: &["definir-sa-strategie"],
            fragilities: &["transition-ecologique", "sante"],
            families: &["collectivites-territoriales", "entreprises", "citoyens"],
            activities: &["identifier-les-besoins-prioritaires"],
            phase: "consolidation",
            region: "76",
            department: "34",
            started: Some(2018),
            published_day: 1,
        },
        Case {
            id: 6,
            title: "Égalité femmes-hommes : un incubateur pour les créatrices d'entreprise \
                    rurales",
            summary: "Accompagnement, garde d'enfants et réseau de marraines pour lever les \
                      freins à l'entrepreneuriat des femmes.",
            body: "Le réseau d'accompagnement et des entreprises locales cofinancent le \
                   programme ; la région apporte son soutien.",
            actors: &["Réseau des créatrices des Côtes-d'Armor"],
            territory: "Côtes-d'Armor",
            levers: &["apprendre-a-faire-alliance"],
            fragilities: &["emploi", "precarite"],
            families: &["accompagnateurs", "entreprises"],
            activities: &["service-urgence-incubation"],
            phase: "emergence",
            region: "53",
            department: "22",
            started: None,
            published_day: 12,
        },
        Case {
            id: 7,
            title: "Habitat intergénérationnel : des étudiants logés chez des seniors",
            summary: "Un binôme où l'étudiant loue une chambre contre une présence et de petits \
                      services, suivi par une association.",
            body: "Le logement des étudiants est rare et cher ; beaucoup de retraités vivent \
                   seuls dans de grandes maisons. L'université et le bailleur social ont signé \
                   une convention.",
            actors: &["Association Toit partagé", "Université Paris Cité"],
            territory: "Paris",
            levers: &["comprendre-son-ecosysteme"],
            fragilities: &["logement", "isolement"],
            families: &["associations", "acteurs-academiques"],
            activities: &["mettre-en-relation"],
            phase: "consolidation",
            region: "11",
            department: "75",
            started: Some(2016),
            published_day: 3,
        },
        Case {
            id: 8,
            title: "Une maison de santé pluriprofessionnelle portée par la commune",
            summary: "Pour attirer des médecins, les élus ont réuni infirmiers, \
                      kinésithérapeutes et pharmaciens dans un même lieu.",
            body: "La désertification médicale menaçait le bourg. L'agence régionale de santé \
                   a soutenu le projet ; les professionnels paient un loyer modéré.",
            actors: &["Commune d'Aigurande", "Agence régionale de santé"],
            territory: "Aigurande",
            levers: &["definir-sa-strategie", "evaluer-sa-pertinence"],
            fragilities: &["sante"],
            families: &["collectivites-territoriales", "institutions"],
            activities: &["connaitre-les-enjeux-et-acteurs"],
            phase: "essaimage",
            region: "24",
            department: "36",
            started: Some(2012),
            published_day: 8,
        },
        Case {
            id: 9,
            title: "Une recyclerie solidaire au cœur du quartier",
            summary: "Collecte, réparation et revente d'objets, avec des salariés en insertion.",
            body: "Les bailleurs sociaux et la métropole ont mis à disposition un local ; des \
                   entreprises donnent leurs invendus. Un atelier de réparation de vélos \
                   complète l'offre.",
            actors: &["Métropole européenne de Lille", "Les Ateliers du réemploi"],
            territory: "Roubaix",
            levers: &["transformer-son-modele-socio-economique"],
            fragilities: &["transition-ecologique", "emploi"],
            families: &["associations", "entreprises", "collectivites-territoriales"],
            activities: &["lieu-d-echanges-convivial"],
            phase: "experimentation",
            region: "32",
            department: "59",
            started: Some(2020),
            published_day: 7,
        },
        Case {
            id: 10,
            title: "Décrochage scolaire : les entreprises ouvrent leurs portes aux collégiens",
            summary: "Stages de découverte, parrainage et ateliers métiers pour redonner \
                      confiance aux élèves en difficulté.",
            body: "Le collège, l'association de parents et le club d'entreprises se retrouvent \
                   chaque trimestre ; l'Éducation nationale suit les résultats.",
            actors: &[
                "Club d'entreprises de l'étang de Berre",
                "Collège Jean-Moulin",
            ],
            territory: "Marignane",
            levers: &["apprendre-a-faire-alliance", "evaluer-sa-pertinence"],
            fragilities: &["education"],
            families: &["entreprises", "institutions", "associations"],
            activities: &["organiser-des-temps-de-rencontres"],
            phase: "experimentation",
            region: "93",
            department: "13",
            started: Some(2022),
            published_day: 10,
        },
        Case {
            id: 11,
            title: "Rénovation énergétique : un guichet unique contre la précarité",
            summary: "Un conseiller accompagne les ménages modestes, du diagnostic aux travaux.",
            body: "Les artisans du bâtiment, une fondation et l'intercommunalité mutualisent \
                   l'accompagnement. Les matériaux déposés sont revalorisés par une recyclerie \
                   locale.",
            actors: &["Fédération des artisans du bâtiment de Côte-d'Or"],
            territory: "Dijon Métropole",
            levers: &["comprendre-son-ecosysteme"],
            fragilities: &["precarite", "logement", "transition-ecologique"],
            families: &["entreprises", "collectivites-territoriales"],
            activities: &["accompagner-les-partenariats"],
            phase: "emergence",
            region: "27",
            department: "21",
            started: Some(2023),
            published_day: 4,
        },
        Case {
            id: 12,
            title: "Transport à la demande pour les aînés des hameaux",
            summary: "Un minibus réservé par téléphone conduit les personnes âgées au marché et \
                      chez le médecin.",
            body: "Les chauffeurs sont salariés d'une association intermédiaire ; le \
                   département finance le véhicule.",
            actors: &["Association intermédiaire du Livradois"],
            territory: "Ambert Livradois-Forez",
            levers: &["apprendre-a-faire-alliance"],
            fragilities: &["mobilite", "isolement"],
            families: &["associations", "collectivites-territoriales"],
            activities: &["mobiliser-les-acteurs"],
            phase: "essaimage",
            region: "84",
            department: "63",
            started: Some(2019),
            published_day: 6,
        },
    ]
    .iter()
    .map(Case::doc)
    .collect()
}

pub fn index() -> CaseIndex {
    let index = CaseIndex::in_memory().expect("index");
    index.rebuild(cases(), "v1").expect("rebuild");
    index
}

pub fn search(index: &CaseIndex, q: &CaseQuery) -> CaseResults {
    index.search(q).expect("search")
}

pub fn text(q: &str) -> CaseQuery {
    CaseQuery {
        q: q.into(),
        per_page: 100,
        ..CaseQuery::default()
    }
}

/// Les ids de la page, dans l'ordre.
pub fn ids(index: &CaseIndex, q: &CaseQuery) -> Vec<i64> {
    search(index, q).hits.iter().map(|h| h.id).collect()
}
