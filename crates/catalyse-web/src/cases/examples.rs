//! Example case studies, generated and labelled « données d'exemple »: spread over the
//! départements (in communes, and some in their intercommunalité, département or région), in
//! every phase, with fragilities, levers, activities, actors of every family, a funding mix
//! that adds up to 100 %, figures, contacts among the example members and links to example
//! resources. Deterministic: the same seed gives the same cases. For the demonstration (150)
//! and the benchmarks (`catalyse cases generate`, any number).

use catalyse_core::cases::{CaseActor, CaseFields, CaseFigure, FundingShare, FundingSource, Phase};
use catalyse_core::network::TerritoryRef;
use catalyse_core::text::de;
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_store::{ExampleCase, Store};
use chrono::{Datelike, Utc};
use std::collections::{BTreeMap, HashMap};

/// How many example cases the demonstration has.
pub const DEMO_CASES: usize = 150;

/// The setting that remembers the demonstration's cases were loaded.
const DONE: &str = "demo_cases_loaded";

/// A kind of initiative: its title, what it answers and how.
struct Project {
    title: &'static str,
    /// What the territory lacked (one sentence, without the final full stop).
    need: &'static str,
    /// What the alliance does, after « pour » (one clause).
    action: &'static str,
    fragilities: &'static [&'static str],
    levers: &'static [&'static str],
    activities: &'static [&'static str],
    /// Actor families, the first one carries the project.
    families: &'static [&'static str],
    /// Its main figure: label, unit, lowest and highest value.
    figure: (&'static str, &'static str, u32, u32),
}

const PROJECTS: [Project; 16] = [
    Project {
        title: "Un garage solidaire pour retrouver le chemin de l'emploi",
        need: "Sans voiture en état de rouler, bien des personnes en recherche d'emploi ne peuvent pas se rendre à un entretien ni accepter un poste éloigné",
        action: "ouvrir un garage solidaire qui répare à prix coûtant les véhicules des personnes en insertion et leur prête une voiture le temps d'une embauche",
        fragilities: &["mobilite", "emploi"],
        levers: &["transformer-son-modele-socio-economique", "apprendre-a-faire-alliance"],
        activities: &["mobiliser-les-acteurs", "piloter-des-experimentations"],
        families: &["associations", "entreprises", "collectivites-territoriales", "institutions"],
        figure: ("Véhicules réparés", "véhicules", 40, 400),
    },
    Project {
        title: "Une plateforme de mobilité solidaire en milieu rural",
        need: "Loin des lignes de bus, les habitants sans permis ou sans voiture renoncent à des soins, à une formation ou à un emploi",
        action: "organiser le covoiturage et le transport solidaire par des chauffeurs bénévoles, réservables par téléphone",
        fragilities: &["mobilite", "isolement"],
        levers: &["comprendre-son-ecosysteme", "accelerer-grace-au-numerique"],
        activities: &["identifier-les-besoins-prioritaires", "mettre-en-relation"],
        families: &["collectivites-territoriales", "associations", "citoyens", "entreprises"],
        figure: ("Trajets solidaires réalisés", "trajets", 300, 6000),
    },
    Project {
        title: "Une épicerie sociale et solidaire",
        need: "Des familles aux revenus modestes renoncent aux produits frais, faute de moyens et d'un commerce de proximité",
        action: "ouvrir une épicerie où chacun paie selon ses revenus, approvisionnée par des producteurs locaux et des invendus de la grande distribution",
        fragilities: &["precarite", "isolement"],
        levers: &["transformer-son-modele-socio-economique", "definir-sa-strategie"],
        activities: &["lieu-d-echanges-convivial", "mobiliser-les-acteurs"],
        families: &["associations", "entreprises", "collectivites-territoriales", "citoyens"],
        figure: ("Foyers accueillis", "foyers", 60, 900),
    },
    Project {
        title: "Des ateliers numériques pour les aînés",
        need: "Avec la dématérialisation des démarches, des personnes âgées isolées ne peuvent plus faire seules leurs démarches ni garder le lien avec leurs proches",
        action: "animer des ateliers numériques dans les lieux que fréquentent les aînés, avec des jeunes en service civique et des salariés bénévoles",
        fragilities: &["acces-au-numerique", "vieillissement", "isolement"],
        levers: &["accelerer-grace-au-numerique", "apprendre-a-faire-alliance"],
        activities: &["former-aux-nouvelles-pratiques", "organiser-des-temps-de-rencontres"],
        families: &["associations", "entreprises", "collectivites-territoriales", "citoyens"],
        figure: ("Personnes formées", "personnes", 50, 1200),
    },
    Project {
        title: "Un tiers-lieu pour travailler et se retrouver",
        need: "Après la fermeture des derniers commerces, le bourg manquait d'un lieu où travailler, se former et se rencontrer",
        action: "reprendre un bâtiment vacant pour en faire un tiers-lieu : espace de travail partagé, café associatif et ateliers",
        fragilities: &["isolement", "emploi"],
        levers: &["definir-sa-strategie", "transformer-son-modele-socio-economique"],
        activities: &["espace-de-co-working", "lieu-d-echanges-convivial", "organiser-des-temps-de-rencontres"],
        families: &["citoyens", "collectivites-territoriales", "entreprises", "accompagnateurs"],
        figure: ("Visiteurs par an", "visiteurs", 800, 15000),
    },
    Project {
        title: "Une maison de santé ouverte sur son quartier",
        need: "Le départ en retraite de plusieurs médecins laissait des habitants sans médecin traitant",
        action: "réunir des professionnels de santé dans une maison pluriprofessionnelle qui mène aussi des actions de prévention avec les associations du quartier",
        fragilities: &["sante"],
        levers: &["comprendre-son-ecosysteme", "apprendre-a-faire-alliance"],
        activities: &["connaitre-les-enjeux-et-acteurs", "mobiliser-les-acteurs"],
        families: &["collectivites-territoriales", "institutions", "associations"],
        figure: ("Patients suivis", "patients", 900, 9000),
    },
    Project {
        title: "Une recyclerie créatrice d'emplois",
        need: "Les encombrants partaient en déchetterie alors que des personnes éloignées de l'emploi cherchaient une activité",
        action: "collecter, réparer et revendre les objets dans une recyclerie qui emploie des salariés en insertion",
        fragilities: &["transition-ecologique", "emploi"],
        levers: &["transformer-son-modele-socio-economique", "evaluer-sa-pertinence"],
        activities: &["piloter-des-experimentations", "evaluer-les-experimentations"],
        families: &["entreprises", "collectivites-territoriales", "associations", "institutions"],
        figure: ("Tonnes d'objets réemployées", "tonnes", 20, 600),
    },
    Project {
        title: "Un habitat intergénérationnel",
        need: "Des aînés vivaient seuls dans de grands logements pendant que des étudiants et de jeunes actifs peinaient à se loger",
        action: "mettre en relation aînés et jeunes pour une cohabitation solidaire, avec une charte et un suivi par une association",
        fragilities: &["logement", "vieillissement", "isolement"],
        levers: &["apprendre-a-faire-alliance", "qualifier-son-innovation"],
        activities: &["mettre-en-relation", "accompagner-les-partenariats"],
        families: &["associations", "collectivites-territoriales", "acteurs-academiques", "citoyens"],
        figure: ("Binômes formés", "binômes", 10, 250),
    },
    Project {
        title: "Un pôle territorial de coopération économique",
        need: "Des entreprises de l'économie sociale et solidaire travaillaient chacune de leur côté, sans mutualiser ni se faire connaître",
        action: "créer un pôle qui mutualise fonctions support, locaux et réponses aux marchés publics",
        fragilities: &["emploi"],
        levers: &["definir-sa-strategie", "apprendre-a-faire-alliance"],
        activities: &["accompagner-les-partenariats", "service-urgence-incubation"],
        families: &["entreprises", "accompagnateurs", "collectivites-territoriales", "associations"],
        figure: ("Emplois créés ou maintenus", "emplois", 5, 120),
    },
    Project {
        title: "Une alliance école-entreprises contre le décrochage",
        need: "Dans les quartiers prioritaires, trop de collégiens quittaient l'école sans projet ni réseau pour trouver un stage",
        action: "proposer du tutorat, des stages et des visites d'entreprises à chaque collégien qui le souhaite",
        fragilities: &["education", "emploi"],
        levers: &["apprendre-a-faire-alliance", "evaluer-sa-pertinence"],
        activities: &["mettre-en-relation", "evaluer-les-experimentations"],
        families: &["institutions", "entreprises", "associations", "acteurs-academiques"],
        figure: ("Jeunes accompagnés", "jeunes", 30, 700),
    },
    Project {
        title: "Un réseau de visiteurs bénévoles contre l'isolement des aînés",
        need: "Des personnes âgées ne voyaient parfois personne pendant des semaines",
        action: "former des bénévoles qui rendent visite chaque semaine aux aînés isolés que leur signalent la mairie et les soignants",
        fragilities: &["isolement", "vieillissement"],
        levers: &["comprendre-son-ecosysteme", "qualifier-son-innovation"],
        activities: &["identifier-les-besoins-prioritaires", "mobiliser-les-acteurs"],
        families: &["associations", "citoyens", "collectivites-territoriales", "institutions"],
        figure: ("Personnes âgées visitées", "personnes", 20, 500),
    },
    Project {
        title: "Une navette solidaire vers les lieux de soins",
        need: "Sans transport, des patients reportaient leurs rendez-vous médicaux à l'hôpital ou chez le spécialiste",
        action: "faire circuler une navette à la demande vers l'hôpital et les cabinets médicaux, conduite par des salariés en insertion",
        fragilities: &["mobilite", "sante"],
        levers: &["definir-sa-strategie", "accelerer-grace-au-numerique"],
        activities: &["piloter-des-experimentations", "mobiliser-les-acteurs"],
        families: &["collectivites-territoriales", "institutions", "associations", "entreprises"],
        figure: ("Transports vers les soins", "trajets", 200, 4000),
    },
    Project {
        title: "Un chantier d'insertion en maraîchage biologique",
        need: "Des personnes éloignées de l'emploi manquaient d'une première expérience, et les cantines de produits locaux",
        action: "cultiver des légumes biologiques dans un chantier d'insertion qui livre les cantines et un marché de producteurs",
        fragilities: &["emploi", "transition-ecologique", "precarite"],
        levers: &["transformer-son-modele-socio-economique", "evaluer-sa-pertinence"],
        activities: &["piloter-des-experimentations", "former-aux-nouvelles-pratiques"],
        families: &["associations", "collectivites-territoriales", "entreprises", "institutions"],
        figure: ("Salariés en insertion", "salariés", 8, 60),
    },
    Project {
        title: "Un service public de la rénovation énergétique des logements",
        need: "Des ménages modestes vivaient dans des logements mal isolés, sans savoir à qui s'adresser pour les rénover",
        action: "ouvrir un guichet unique qui accompagne les ménages de l'audit aux travaux, avec les artisans du territoire",
        fragilities: &["logement", "transition-ecologique", "precarite"],
        levers: &["comprendre-son-ecosysteme", "definir-sa-strategie"],
        activities: &["connaitre-les-enjeux-et-acteurs", "accompagner-les-partenariats"],
        families: &["collectivites-territoriales", "entreprises", "accompagnateurs", "institutions"],
        figure: ("Logements rénovés", "logements", 30, 900),
    },
    Project {
        title: "Un fab lab ouvert aux jeunes",
        need: "Les jeunes du territoire n'avaient accès ni aux outils de fabrication numérique ni aux métiers qui les utilisent",
        action: "équiper un fab lab où les jeunes apprennent à concevoir et fabriquer, encadrés par des entreprises et un lycée",
        fragilities: &["education", "acces-au-numerique"],
        levers: &["accelerer-grace-au-numerique", "qualifier-son-innovation"],
        activities: &["fablab", "former-aux-nouvelles-pratiques", "showroom"],
        families: &["acteurs-academiques", "entreprises", "collectivites-territoriales", "associations"],
        figure: ("Jeunes accueillis", "jeunes", 40, 1500),
    },
    Project {
        title: "Un café des aidants",
        need: "Les proches qui accompagnent une personne malade ou en perte d'autonomie s'épuisaient sans lieu pour en parler",
        action: "réunir chaque mois les aidants autour d'un café, avec un professionnel, et leur ouvrir des solutions de répit",
        fragilities: &["sante", "isolement", "vieillissement"],
        levers: &["qualifier-son-innovation", "evaluer-sa-pertinence"],
        activities: &["lieu-d-echanges-convivial", "organiser-des-temps-de-rencontres"],
        families: &["associations", "institutions", "citoyens"],
        figure: ("Aidants accueillis", "aidants", 15, 400),
    },
];

/// A small deterministic generator (SplitMix64), as for the example network; the example
/// needs draw from it too.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub(crate) fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len())]
    }
}

/// « à Lyon », « au Havre », « aux Abymes », « à La Rochelle ».
pub fn a(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        format!("au {rest}")
    } else if let Some(rest) = name.strip_prefix("Les ") {
        format!("aux {rest}")
    } else {
        format!("à {name}")
    }
}

/// « 3 149 », with the narrow no-break space French puts between thousands.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The name of an actor of `family` near `commune` (the collectivité is the case's own
/// territory when it is larger than a commune).
fn actor_name(family: &str, commune: &str, place: &Territory, rng: &mut Rng) -> String {
    let de = de(commune);
    match family {
        "collectivites-territoriales" => match place.level {
            TerritoryLevel::Commune => format!("{} {de}", rng.pick(&["Mairie", "CCAS"])),
            TerritoryLevel::Epci => place.name.clone(),
            TerritoryLevel::Department => format!("Conseil départemental — {}", place.name),
            TerritoryLevel::Region => format!("Conseil régional — {}", place.name),
        },
        "associations" => format!(
            "{} {de}",
            rng.pick(&[
                "Association Les Liens",
                "Foyer rural",
                "Entraide solidaire",
                "Association Vivre ensemble"
            ])
        ),
        "entreprises" => format!(
            "{} {de}",
            rng.pick(&[
                "Coopérative artisanale",
                "Entreprise d'insertion",
                "Groupement d'employeurs",
                "SCIC Énergies citoyennes"
            ])
        ),
        "accompagnateurs" => format!(
            "{} {de}",
            rng.pick(&["Pôle d'accompagnement", "Incubateur solidaire"])
        ),
        "institutions" => rng
            .pick(&[
                "Caisse d'allocations familiales".to_string(),
                "Agence régionale de santé".to_string(),
                format!("Agence France Travail {de}"),
            ])
            .clone(),
        "acteurs-academiques" => format!(
            "{} {de}",
            rng.pick(&["Lycée des métiers", "Laboratoire de sciences sociales"])
        ),
        _ => format!(
            "{} {de}",
            rng.pick(&["Collectif d'habitants", "Réseau de bénévoles"])
        ),
    }
}

fn role(family: &str) -> &'static str {
    match family {
        "collectivites-territoriales" => "met à disposition des locaux et cofinance",
        "associations" => "anime l'action au quotidien",
        "entreprises" => "mécénat de compétences et matériel",
        "accompagnateurs" => "accompagnement méthodologique",
        "institutions" => "cofinancement et orientation des publics",
        "acteurs-academiques" => "évaluation de l'impact",
        _ => "bénévolat et relais auprès des habitants",
    }
}

/// 1 to 4 sources whose shares, in steps of 5 %, add up to 100 %.
fn funding(rng: &mut Rng) -> Vec<FundingShare> {
    let mut sources = FundingSource::ALL.to_vec();
    let n = 1 + rng.below(4);
    let mut chosen = Vec::with_capacity(n);
    for _ in 0..n {
        chosen.push(sources.remove(rng.below(sources.len())));
    }
    let mut units = vec![1u8; n];
    for _ in n..20 {
        let i = rng.below(n);
        units[i] += 1;
    }
    chosen
        .into_iter()
        .zip(units)
        .map(|(source, u)| FundingShare {
            source,
            percent: u * 5,
        })
        .collect()
}

/// The geography as the generators of examples draw from it: the communes with a position
/// grouped by a parent (the larger ones when a group has some), and every territory by its key.
pub(crate) struct Places<'a> {
    /// By the parent's code, in its order.
    pub(crate) groups: Vec<(&'a str, Vec<&'a Territory>)>,
    by_key: HashMap<(TerritoryLevel, &'a str), &'a Territory>,
}

impl<'a> Places<'a> {
    pub(crate) fn new(
        territories: &'a [Territory],
        parent: fn(&Territory) -> Option<&str>,
    ) -> Places<'a> {
        let mut groups: BTreeMap<&str, Vec<&Territory>> = BTreeMap::new();
        for t in territories
            .iter()
            .filter(|t| t.level == TerritoryLevel::Commune && t.lat.is_some())
        {
            if let Some(p) = parent(t) {
                groups.entry(p).or_default().push(t);
            }
        }
        for list in groups.values_mut() {
            if list.iter().any(|c| c.population.unwrap_or(0) >= 1000) {
                list.retain(|c| c.population.unwrap_or(0) >= 1000);
            }
        }
        Places {
            groups: groups.into_iter().collect(),
            by_key: territories
                .iter()
                .map(|t| ((t.level, t.code.as_str()), t))
                .collect(),
        }
    }

    /// Where an example of `commune` is, by `draw` (0 to 9): the commune itself, or for 6
    /// and 7 its intercommunalité, 8 its département, 9 its région (when the geography has
    /// them).
    pub(crate) fn place(&self, commune: &'a Territory, draw: usize) -> &'a Territory {
        let larger = |level, code: &Option<String>| {
            code.as_deref()
                .and_then(|c| self.by_key.get(&(level, c)).copied())
        };
        match draw {
            6 | 7 => larger(TerritoryLevel::Epci, &commune.epci),
            8 => larger(TerritoryLevel::Department, &commune.department),
            9 => larger(TerritoryLevel::Region, &commune.region),
            _ => None,
        }
        .unwrap_or(commune)
    }
}

/// What the generator draws from: the geography and the reference slugs, the example
/// members to name as contacts and the example resources to link.
pub struct Inputs<'a> {
    pub territories: &'a [Territory],
    pub levers: Vec<String>,
    pub fragilities: Vec<String>,
    pub contacts: Vec<i64>,
    pub resources: Vec<String>,
}

/// `count` example cases, numbered from `first` (so that batches differ), as of `this_year`.
pub fn examples(
    inputs: &Inputs,
    first: usize,
    count: usize,
    seed: u64,
    this_year: i32,
) -> Vec<ExampleCase> {
    let places = Places::new(inputs.territories, |t| t.department.as_deref());
    if places.groups.is_empty() {
        return vec![];
    }
    let mut rng = Rng(seed
        .wrapping_add(first as u64)
        .wrapping_mul(0x2545_F491_4F6C_DD1D));
    (first..first + count)
        .map(|n| {
            let project = &PROJECTS[rng.below(PROJECTS.len())];
            let (_, communes) = &places.groups[rng.below(places.groups.len())];
            let commune = *rng.pick(communes);
            let place = places.place(commune, n % 10);
            generate_one(inputs, project, commune, place, n, this_year, &mut rng)
        })
        .collect()
}

fn generate_one(
    inputs: &Inputs,
    project: &Project,
    commune: &Territory,
    place: &Territory,
    n: usize,
    this_year: i32,
    rng: &mut Rng,
) -> ExampleCase {
    let phase = Phase::ALL[n % Phase::ALL.len()];
    let (where_, title) = match place.level {
        TerritoryLevel::Commune => (
            a(&place.name),
            format!("{} {}", project.title, a(&place.name)),
        ),
        level => (
            match level {
                TerritoryLevel::Epci => {
                    format!("à l'échelle de l'intercommunalité « {} »", place.name)
                }
                TerritoryLevel::Department => {
                    format!("à l'échelle départementale ({})", place.name)
                }
                _ => format!("à l'échelle régionale ({})", place.name),
            },
            format!("{} — {}", project.title, place.name),
        ),
    };
    let started = match phase {
        Phase::Emergence => this_year - 1 - rng.below(2) as i32,
        Phase::Experimentation => this_year - 2 - rng.below(4) as i32,
        Phase::Consolidation => this_year - 4 - rng.below(8) as i32,
        Phase::Essaimage => this_year - 7 - rng.below(12) as i32,
    };
    let actors: Vec<CaseActor> = project
        .families
        .iter()
        .take(2 + rng.below(project.families.len() - 1))
        .enumerate()
        .map(|(i, family)| CaseActor {
            name: actor_name(family, &commune.name, place, rng),
            family: family.to_string(),
            role: if i == 0 {
                "porte le projet".into()
            } else {
                role(family).into()
            },
        })
        .collect();
    let families: Vec<String> = {
        let mut f: Vec<String> = actors.iter().map(|a| a.family.clone()).collect();
        f.sort();
        f.dedup();
        f
    };
    let known = |list: &[&str], known: &[String]| -> Vec<String> {
        list.iter()
            .filter(|s| known.iter().any(|k| k == *s))
            .map(|s| s.to_string())
            .collect()
    };
    let mut levers = known(project.levers, &inputs.levers);
    if rng.below(3) == 0 && !inputs.levers.is_empty() {
        levers.push(rng.pick(&inputs.levers).clone());
    }
    let fragilities = known(project.fragilities, &inputs.fragilities);
    let funding = funding(rng);
    // A project that is only emerging counts its partners, not yet its results.
    let (label, unit, low, high) = if phase == Phase::Emergence {
        (
            "Partenaires réunis pour le diagnostic",
            "partenaires",
            3,
            12,
        )
    } else {
        project.figure
    };
    let value = (low + rng.below((high - low) as usize + 1) as u32) as f64;
    let year = (started + 1).min(this_year - 1).max(started);
    let mut figures = vec![CaseFigure {
        label: label.into(),
        value,
        unit: unit.into(),
        year: Some(this_year - 1),
    }];
    if phase != Phase::Emergence {
        figures.push(CaseFigure {
            label: "Bénévoles mobilisés".into(),
            value: (5 + rng.below(60)) as f64,
            unit: "bénévoles".into(),
            year: Some(this_year - 1),
        });
        figures.push(CaseFigure {
            label: "Budget annuel".into(),
            value: (20 + rng.below(400)) as f64 * 1000.0,
            unit: "€".into(),
            year: Some(year),
        });
    }
    let alliance = actors
        .iter()
        .map(|a| format!("**{}** ({})", a.name, a.role))
        .collect::<Vec<_>>()
        .join(", ");
    let sources = funding
        .iter()
        .map(|s| format!("{} : {} %", s.source.label_fr(), s.percent))
        .collect::<Vec<_>>()
        .join(" ; ");
    let next = match phase {
        Phase::Emergence => "Le projet en est au diagnostic partagé et à la recherche de ses premiers partenaires.",
        Phase::Experimentation => "Une première expérimentation est en cours ; son évaluation est prévue au bout d'un an.",
        Phase::Consolidation => "Le modèle est stabilisé ; l'alliance cherche maintenant à pérenniser ses financements.",
        Phase::Essaimage => "La démarche est reprise sur d'autres territoires, avec un guide de transfert et l'appui de l'équipe d'origine.",
    };
    let summary = format!(
        "{} acteurs se sont alliés {where_} pour {}.",
        ["Deux", "Trois", "Quatre", "Cinq"][actors.len().clamp(2, 5) - 2],
        project.action
    );
    let results = format!(
        "{label} : {} {unit} en {}. {next}",
        thousands(value as u64),
        this_year - 1
    );
    let body = format!(
        "## Le besoin\n\n{}.\n\n## L'alliance\n\n{alliance}.\n\n## Ce qui a changé\n\n\
         {results}\n\n*Récit d'exemple, généré pour la démonstration de Catalyse : il ne décrit \
         aucune initiative réelle.*",
        project.need
    );
    let contacts = if inputs.contacts.is_empty() {
        vec![]
    } else {
        (0..1 + rng.below(2))
            .map(|_| *rng.pick(&inputs.contacts))
            .collect()
    };
    let resources = if inputs.resources.is_empty() {
        vec![]
    } else {
        (0..rng.below(3))
            .map(|_| rng.pick(&inputs.resources).clone())
            .collect()
    };
    let mut fields = CaseFields {
        title,
        summary,
        body,
        territory: TerritoryRef {
            level: place.level,
            code: place.code.clone(),
        },
        started_year: Some(started),
        phase,
        fragilities,
        levers,
        families,
        activities: project.activities.iter().map(|s| s.to_string()).collect(),
        actors,
        funding,
        model: format!(
            "Financement — {sources}. S'y ajoutent des apports en nature (locaux, temps \
             bénévole, mécénat de compétences)."
        ),
        results,
        figures,
        contacts,
        resources,
        images: vec![],
        source: "Données d'exemple générées par Catalyse (fictives)".into(),
        licence: "CC BY 4.0".into(),
    };
    fields.normalise();
    ExampleCase {
        fields,
        created_by: None,
    }
}

/// The ids of up to `max` published example members (the cases' contacts).
async fn example_members(store: &dyn Store, max: usize) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut after = 0;
    while ids.len() < max {
        let page = store.published_profiles(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.user_id;
        ids.extend(
            page.iter()
                .filter(|p| p.is_example && p.is_public())
                .map(|p| p.user_id),
        );
    }
    ids.truncate(max);
    Ok(ids)
}

/// The demonstration's example resources that exist (`exemple-1` …).
async fn example_resources(store: &dyn Store) -> anyhow::Result<Vec<String>> {
    let mut slugs = Vec::new();
    for i in 1..=crate::ops::demo::EXAMPLE_RESOURCES {
        let slug = format!("exemple-{i}");
        if let Some(r) = store.resource_by_slug(&slug).await? {
            if r.is_example {
                slugs.push(slug);
            }
        }
    }
    Ok(slugs)
}

/// Adds `count` example cases to the store (in batches); returns how many.
pub async fn generate(
    store: &dyn Store,
    territories: &[Territory],
    count: usize,
    seed: u64,
) -> anyhow::Result<usize> {
    let inputs = Inputs {
        territories,
        levers: store.levers().await?.into_iter().map(|l| l.slug).collect(),
        fragilities: catalyse_core::dataset::SurveyModel::shipped()?
            .fragilities
            .into_iter()
            .map(|f| f.slug)
            .collect(),
        contacts: example_members(store, 2000).await?,
        resources: example_resources(store).await?,
    };
    let this_year = Utc::now().year();
    crate::ops::demo::in_batches(
        count,
        "cases",
        |first, n| examples(&inputs, first, n, seed, this_year),
        |batch| async move { store.insert_example_cases(&batch, Utc::now()).await },
    )
    .await
}

/// The demonstration's example cases, once (not again at the next start).
pub async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    crate::ops::demo::once(store, DONE, "cases", |territories| async move {
        generate(store, &territories, DEMO_CASES, 2019).await
    })
    .await
}

#[cfg(test)]
pub(crate) mod tests;
