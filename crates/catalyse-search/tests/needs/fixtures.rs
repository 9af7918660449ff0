//! FIXTURES DE TEST : dix besoins inventés pour ces tests (aucun n'a été exprimé par un vrai
//! territoire), écrits comme de vraies demandes : mobilité, isolement, emploi, santé,
//! numérique, logement, alimentation, éducation, réemploi. Les fragilités, leviers, familles
//! d'acteurs et activités sont les slugs du référentiel (`data/reference/*.toml`) ; régions,
//! départements et communes sont des codes INSEE, les EPCI des numéros pris pour l'exemple.
//!
//! Les territoires : en Normandie (28), la Seine-Maritime (76) avec Dieppe (3) et
//! Arques-la-Bataille (7), deux communes d'un même EPCI, et un besoin du département entier
//! (5) ; le Calvados (14) avec Caen (9) ; un besoin de la région entière (10). Ailleurs :
//! Ambert (1, 63), Sélestat (2, 67), le Kreiz-Breizh (4, un EPCI des Côtes-d'Armor),
//! Marseille (6, 13), Saint-Brieuc (8, 22).

use catalyse_core::needs::{Horizon, NeedStatus};
use catalyse_search::{NeedDoc, NeedIndex, NeedQuery, NeedResults};

/// 2024-01-01 00:00:00 UTC.
const BASE: i64 = 1_704_067_200;
const DAY: i64 = 86_400;

pub const DIEPPE_MARITIME: &str = "200011781";

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn code(c: &str) -> Option<String> {
    (!c.is_empty()).then(|| c.to_string())
}

struct Need<'a> {
    id: i64,
    title: &'a str,
    description: &'a str,
    organisation: &'a str,
    territory: &'a str,
    /// Région, département, EPCI, commune ; vide au-delà du niveau du besoin.
    codes: [&'a str; 4],
    fragility: &'a str,
    levers: &'a [&'a str],
    families: &'a [&'a str],
    activities: &'a [&'a str],
    horizon: Horizon,
    status: NeedStatus,
    /// Jours après `BASE` : l'ordre de publication n'est pas celui des ids.
    published_day: i64,
}

impl Need<'_> {
    fn doc(&self) -> NeedDoc {
        let [region, department, epci, commune] = self.codes;
        NeedDoc {
            id: self.id,
            slug: format!("besoin-{}", self.id),
            title: self.title.into(),
            description: self.description.into(),
            organisation: self.organisation.into(),
            territory_name: self.territory.into(),
            region: code(region),
            department: code(department),
            epci: code(epci),
            commune: code(commune),
            fragility: self.fragility.into(),
            levers: strings(self.levers),
            families: strings(self.families),
            activities: strings(self.activities),
            horizon: self.horizon,
            status: self.status,
            is_example: self.id % 4 == 0,
            published_at: BASE + self.published_day * DAY,
        }
    }
}

pub fn needs() -> Vec<NeedDoc> {
    use Horizon::*;
    use NeedStatus::*;
    [
        Need {
            id: 1,
            title: "Trouver des conducteurs bénévoles pour le transport des aînés",
            description: "Nos habitants âgés sans voiture ne peuvent plus aller au marché ni \
                          chez le médecin. Nous cherchons une association capable d'organiser \
                          la mobilité des aînés des hameaux.",
            organisation: "Mairie d'Ambert",
            territory: "Ambert",
            codes: ["84", "63", "246300701", "63003"],
            fragility: "mobilite",
            levers: &["apprendre-a-faire-alliance"],
            families: &["associations"],
            activities: &["mobiliser-les-acteurs"],
            horizon: TroisMois,
            status: Ouvert,
            published_day: 2,
        },
        Need {
            id: 2,
            title: "Rompre la solitude des personnes âgées pendant l'hiver",
            description: "Le **vieillissement** de la population du canton isole les plus \
                          fragiles. Nous voulons monter des visites à domicile et des ateliers \
                          numériques avec des bénévoles.",
            organisation: "Centre communal d'action sociale de Sélestat",
            territory: "Sélestat",
            codes: ["44", "67", "246700488", "67462"],
            fragility: "isolement",
            levers: &["comprendre-son-ecosysteme"],
            families: &["associations", "citoyens"],
            activities: &["organiser-des-temps-de-rencontres"],
            horizon: SixMois,
            status: EnRelation,
            published_day: 5,
        },
        Need {
            id: 3,
            title: "Un atelier de réparation de vélos pour les jeunes en insertion",
            description: "Les jeunes suivis par la mission locale veulent apprendre un métier. \
                          Nous cherchons une entreprise du cycle pour encadrer l'atelier et \
                          proposer des contrats.",
            organisation: "Mission locale du pays dieppois",
            territory: "Dieppe",
            codes: ["28", "76", DIEPPE_MARITIME, "76217"],
            fragility: "emploi",
            levers: &[
                "apprendre-a-faire-alliance",
                "transformer-son-modele-socio-economique",
            ],
            families: &["entreprises"],
            activities: &["accompagner-les-partenariats"],
            horizon: UnAn,
            status: Ouvert,
            published_day: 1,
        },
        Need {
            id: 4,
            title: "Égalité d'accès aux soins : faire venir un médecin",
            description: "Le désert médical s'étend et la santé des habitants se dégrade. Une \
                          maison pluriprofessionnelle est prête, il manque des praticiens.",
            organisation: "Communauté de communes du Kreiz-Breizh",
            territory: "Kreiz-Breizh",
            codes: ["53", "22", "242200707", ""],
            fragility: "sante",
            levers: &["definir-sa-strategie"],
            families: &["institutions", "collectivites-territoriales"],
            activities: &["identifier-les-besoins-prioritaires"],
            horizon: SansEcheance,
            status: Ouvert,
            published_day: 8,
        },
        Need {
            id: 5,
            title: "Accompagner les familles dans leurs démarches en ligne",
            description: "Les démarches dématérialisées excluent les foyers sans ordinateur. \
                          Nous voulons former des médiateurs dans chaque canton.",
            organisation: "Association Les Liens",
            territory: "Seine-Maritime",
            codes: ["28", "76", "", ""],
            fragility: "acces-au-numerique",
            levers: &["accelerer-grace-au-numerique"],
            families: &["associations", "accompagnateurs"],
            activities: &["former-aux-nouvelles-pratiques"],
            horizon: SixMois,
            status: Resolu,
            published_day: 3,
        },
        Need {
            id: 6,
            title: "Rénover les logements indignes du centre ancien",
            description: "Des propriétaires modestes ne peuvent financer les travaux. Nous \
                          cherchons des artisans du bâtiment et un financeur pour un chantier \
                          d'insertion.",
            organisation: "Ville de Marseille",
            territory: "Marseille",
            codes: ["93", "13", "200054807", "13055"],
            fragility: "logement",
            levers: &["transformer-son-modele-socio-economique"],
            families: &["entreprises", "institutions"],
            activities: &["mobiliser-les-acteurs"],
            horizon: UnAn,
            status: Ouvert,
            published_day: 9,
        },
        Need {
            id: 7,
            title: "Covoiturage vers les zones d'activité",
            description: "Sans transport en commun, les demandeurs d'emploi de nos villages \
                          refusent des offres. Une plateforme et des conducteurs réguliers \
                          changeraient tout.",
            organisation: "Club des entreprises de la vallée",
            territory: "Arques-la-Bataille",
            codes: ["28", "76", DIEPPE_MARITIME, "76026"],
            fragility: "mobilite",
            levers: &["apprendre-a-faire-alliance"],
            families: &["entreprises", "collectivites-territoriales"],
            activities: &["mettre-en-relation"],
            horizon: TroisMois,
            status: Clos,
            published_day: 4,
        },
        Need {
            id: 8,
            title: "Des jardins partagés pour mieux nourrir les enfants",
            description: "Le collège veut cultiver ses légumes avec les familles du quartier et \
                          réduire le gaspillage à la cantine.",
            organisation: "Collège Jean-Moulin",
            territory: "Saint-Brieuc",
            codes: ["53", "22", "200069409", "22278"],
            fragility: "transition-ecologique",
            levers: &["evaluer-sa-pertinence"],
            families: &["citoyens", "associations"],
            activities: &["lieu-d-echanges-convivial"],
            horizon: SansEcheance,
            status: Ouvert,
            published_day: 6,
        },
        Need {
            id: 9,
            title: "Soutien scolaire : des étudiants pour les collégiens en difficulté",
            description: "Le décrochage scolaire progresse. Nous cherchons une université ou \
                          une école prête à envoyer des étudiants tuteurs chaque semaine.",
            organisation: "Association de parents d'élèves",
            territory: "Caen",
            codes: ["28", "14", "241400415", "14118"],
            fragility: "education",
            levers: &["apprendre-a-faire-alliance"],
            families: &["acteurs-academiques"],
            activities: &["mettre-en-relation"],
            horizon: TroisMois,
            status: EnRelation,
            published_day: 7,
        },
        Need {
            id: 10,
            title: "Une recyclerie pour créer des emplois près de chez soi",
            description: "Réemployer les objets plutôt que les jeter, et embaucher des \
                          personnes en situation de précarité : un projet à bâtir avec des \
                          entreprises et des associations.",
            organisation: "Réseau régional de l'économie circulaire",
            territory: "Normandie",
            codes: ["28", "", "", ""],
            fragility: "precarite",
            levers: &["qualifier-son-innovation"],
            families: &["entreprises", "associations"],
            activities: &["piloter-des-experimentations"],
            horizon: UnAn,
            status: Ouvert,
            published_day: 10,
        },
    ]
    .iter()
    .map(Need::doc)
    .collect()
}

pub fn index() -> NeedIndex {
    let index = NeedIndex::in_memory().expect("index");
    index.rebuild(needs(), "v1").expect("rebuild");
    index
}

pub fn search(index: &NeedIndex, q: &NeedQuery) -> NeedResults {
    index.search(q).expect("search")
}

/// Tout ce que `q` trouve, sur une page.
pub fn all(q: NeedQuery) -> NeedQuery {
    NeedQuery { per_page: 100, ..q }
}

pub fn text(q: &str) -> NeedQuery {
    all(NeedQuery {
        q: q.into(),
        ..NeedQuery::default()
    })
}

/// Les ids de la page, dans l'ordre.
pub fn ids(index: &NeedIndex, q: &NeedQuery) -> Vec<i64> {
    search(index, q).hits.iter().map(|h| h.id).collect()
}
