//! Example needs, generated and labelled « données d'exemple »: spread over every région that
//! has communes with a position (overseas included), in communes and some in their
//! intercommunalité, département or région, over the fragilities, levers, families sought,
//! activities and horizons; mostly « ouvert », some « en relation », a few « résolu » or
//! « clos », each with its dated trail; a third expressed by an example member of the same
//! région. The texts say what a structure would like to do and whom it looks for, never a
//! fact or a figure about the place. Deterministic: the same seed (and day) gives the same
//! needs. For the demonstration (120) and the benchmarks (`catalyse needs generate`).

use crate::cases::examples::{a, Places, Rng};
use catalyse_core::needs::{Horizon, NeedEvent, NeedFields, NeedStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_store::{ExampleNeed, Store};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How many example needs the demonstration has.
pub const DEMO_NEEDS: usize = 120;

/// The setting that remembers the demonstration's needs were loaded.
const DONE: &str = "demo_needs_loaded";

/// What every example says of itself.
pub const EXAMPLE_NOTE: &str =
    "*Besoin d'exemple, généré pour la démonstration de Catalyse : il ne décrit aucune situation réelle.*";

/// A kind of need: what a structure would like to do and whom it looks for.
struct Kind {
    title: &'static str,
    /// After « Nous souhaitons » (one clause, no final full stop).
    want: &'static str,
    /// Whom it looks for (one or two sentences).
    seek: &'static str,
    fragility: &'static str,
    levers: &'static [&'static str],
    /// The actor families sought.
    families: &'static [&'static str],
    activities: &'static [&'static str],
}

const KINDS: [Kind; 17] = [
    Kind {
        title: "Organiser un transport solidaire vers les lieux de soins",
        want: "organiser un transport solidaire pour les habitants sans voiture qui doivent se rendre à des rendez-vous médicaux",
        seek: "Nous cherchons une structure qui a déjà monté un service de chauffeurs bénévoles et pourrait partager son organisation, ainsi qu'un appui pour en construire le modèle économique.",
        fragility: "mobilite",
        levers: &["transformer-son-modele-socio-economique", "apprendre-a-faire-alliance"],
        families: &["associations", "entreprises", "collectivites-territoriales"],
        activities: &["mobiliser-les-acteurs", "accompagner-les-partenariats"],
    },
    Kind {
        title: "Rompre l'isolement des aînés qui vivent seuls",
        want: "mettre en place des visites régulières auprès des personnes âgées qui vivent seules à leur domicile",
        seek: "Nous aimerions échanger avec des acteurs qui ont formé des bénévoles à ces visites, et trouver des partenaires pour repérer les personnes concernées.",
        fragility: "isolement",
        levers: &["comprendre-son-ecosysteme", "apprendre-a-faire-alliance"],
        families: &["associations", "institutions", "citoyens"],
        activities: &["identifier-les-besoins-prioritaires", "former-aux-nouvelles-pratiques"],
    },
    Kind {
        title: "Accompagner les habitants dans leurs démarches en ligne",
        want: "ouvrir des permanences d'aide aux démarches administratives en ligne",
        seek: "Nous cherchons des partenaires pour former des médiateurs numériques, et des entreprises prêtes à prêter ou donner du matériel.",
        fragility: "acces-au-numerique",
        levers: &["accelerer-grace-au-numerique", "definir-sa-strategie"],
        families: &["entreprises", "associations", "institutions"],
        activities: &["former-aux-nouvelles-pratiques", "mettre-en-relation"],
    },
    Kind {
        title: "Créer des passerelles vers l'emploi pour les jeunes",
        want: "rapprocher les jeunes éloignés de l'emploi des entreprises qui recrutent près de chez eux",
        seek: "Nous cherchons des entreprises prêtes à accueillir des stages de découverte, et une structure d'accompagnement pour suivre les jeunes dans la durée.",
        fragility: "emploi",
        levers: &["apprendre-a-faire-alliance", "evaluer-sa-pertinence"],
        families: &["entreprises", "accompagnateurs", "institutions"],
        activities: &["mettre-en-relation", "piloter-des-experimentations"],
    },
    Kind {
        title: "Faire venir et garder des professionnels de santé",
        want: "réunir élus, soignants et habitants pour imaginer comment faire venir et garder des professionnels de santé",
        seek: "Nous cherchons des territoires qui ont déjà mené cette démarche, et un accompagnement pour animer la concertation.",
        fragility: "sante",
        levers: &["comprendre-son-ecosysteme", "definir-sa-strategie"],
        families: &["institutions", "accompagnateurs", "collectivites-territoriales"],
        activities: &["organiser-des-temps-de-rencontres", "connaitre-les-enjeux-et-acteurs"],
    },
    Kind {
        title: "Ouvrir une épicerie solidaire",
        want: "ouvrir une épicerie solidaire où chacun paie selon ses moyens",
        seek: "Nous cherchons des producteurs locaux, des bénévoles, et des conseils sur le modèle économique d'une telle épicerie.",
        fragility: "precarite",
        levers: &["transformer-son-modele-socio-economique", "qualifier-son-innovation"],
        families: &["entreprises", "citoyens", "associations"],
        activities: &["lieu-d-echanges-convivial", "mobiliser-les-acteurs"],
    },
    Kind {
        title: "Accompagner la rénovation énergétique des logements",
        want: "aider les ménages modestes à rénover leur logement, de l'audit jusqu'aux travaux",
        seek: "Nous cherchons des artisans, un acteur qui connaît les aides publiques, et le retour d'expérience d'un guichet de la rénovation.",
        fragility: "logement",
        levers: &["comprendre-son-ecosysteme", "definir-sa-strategie"],
        families: &["entreprises", "accompagnateurs", "institutions"],
        activities: &["connaitre-les-enjeux-et-acteurs", "accompagner-les-partenariats"],
    },
    Kind {
        title: "Prévenir le décrochage scolaire",
        want: "proposer du tutorat et des découvertes de métiers aux collégiens qui en ont le plus besoin",
        seek: "Nous cherchons des entreprises, des étudiants bénévoles, et un partenaire pour évaluer l'action.",
        fragility: "education",
        levers: &["apprendre-a-faire-alliance", "evaluer-sa-pertinence"],
        families: &["entreprises", "acteurs-academiques", "associations"],
        activities: &["mobiliser-les-acteurs", "evaluer-les-experimentations"],
    },
    Kind {
        title: "Lancer une recyclerie",
        want: "collecter, réparer et revendre les objets qui partent aujourd'hui en déchetterie",
        seek: "Nous cherchons une structure d'insertion, des locaux, et des conseils pour le modèle économique.",
        fragility: "transition-ecologique",
        levers: &["transformer-son-modele-socio-economique", "qualifier-son-innovation"],
        families: &["entreprises", "associations", "collectivites-territoriales"],
        activities: &["piloter-des-experimentations", "service-urgence-incubation"],
    },
    Kind {
        title: "Faire vivre un tiers-lieu",
        want: "transformer un bâtiment vacant en tiers-lieu : espace de travail partagé, café associatif et ateliers",
        seek: "Nous cherchons des porteurs de projets pour l'animer, et un accompagnement sur sa gouvernance.",
        fragility: "isolement",
        levers: &["definir-sa-strategie", "transformer-son-modele-socio-economique"],
        families: &["citoyens", "accompagnateurs", "entreprises"],
        activities: &["espace-de-co-working", "lieu-d-echanges-convivial"],
    },
    Kind {
        title: "Développer l'habitat intergénérationnel",
        want: "mettre en relation des aînés qui ont une chambre libre et des jeunes qui cherchent à se loger",
        seek: "Nous cherchons une association qui a déjà organisé cette cohabitation, et des relais auprès des étudiants.",
        fragility: "vieillissement",
        levers: &["apprendre-a-faire-alliance", "qualifier-son-innovation"],
        families: &["associations", "acteurs-academiques", "citoyens"],
        activities: &["mettre-en-relation", "accompagner-les-partenariats"],
    },
    Kind {
        title: "Ouvrir un atelier de fabrication numérique aux jeunes",
        want: "équiper un atelier de fabrication numérique ouvert aux jeunes et aux écoles",
        seek: "Nous cherchons un établissement de formation, des entreprises, et des bénévoles pour encadrer les ateliers.",
        fragility: "education",
        levers: &["accelerer-grace-au-numerique", "qualifier-son-innovation"],
        families: &["acteurs-academiques", "entreprises", "associations"],
        activities: &["fablab", "former-aux-nouvelles-pratiques"],
    },
    Kind {
        title: "Soutenir les proches aidants",
        want: "offrir aux proches aidants un lieu d'écoute et des solutions de répit",
        seek: "Nous cherchons des professionnels de santé et des associations pour animer des rencontres régulières.",
        fragility: "sante",
        levers: &["qualifier-son-innovation", "evaluer-sa-pertinence"],
        families: &["institutions", "associations", "citoyens"],
        activities: &["organiser-des-temps-de-rencontres", "lieu-d-echanges-convivial"],
    },
    Kind {
        title: "Faciliter les déplacements vers l'emploi",
        want: "proposer des solutions de mobilité (prêt de véhicules, covoiturage, aide au permis) aux personnes qui reprennent un emploi",
        seek: "Nous cherchons un garage solidaire, des employeurs partenaires, et un appui pour coordonner les acteurs.",
        fragility: "mobilite",
        levers: &["comprendre-son-ecosysteme", "apprendre-a-faire-alliance"],
        families: &["entreprises", "associations", "institutions"],
        activities: &["mobiliser-les-acteurs", "mettre-en-relation"],
    },
    Kind {
        title: "Créer un jardin partagé nourricier",
        want: "cultiver avec les habitants un jardin dont les récoltes profitent aux familles modestes",
        seek: "Nous cherchons un terrain, des jardiniers expérimentés, et un partenaire pour la distribution des récoltes.",
        fragility: "transition-ecologique",
        levers: &["apprendre-a-faire-alliance", "definir-sa-strategie"],
        families: &["citoyens", "collectivites-territoriales", "associations"],
        activities: &["mobiliser-les-acteurs", "organiser-des-temps-de-rencontres"],
    },
    Kind {
        title: "Faire le diagnostic partagé des acteurs de l'emploi",
        want: "dresser, avec ses acteurs, la carte de ce qui existe déjà pour l'emploi avant de lancer de nouvelles actions",
        seek: "Nous cherchons une méthode de diagnostic partagé, et des acteurs prêts à y contribuer.",
        fragility: "emploi",
        levers: &["comprendre-son-ecosysteme", "evaluer-sa-pertinence"],
        families: &["accompagnateurs", "acteurs-academiques", "institutions"],
        activities: &["connaitre-les-enjeux-et-acteurs", "identifier-les-besoins-prioritaires"],
    },
    Kind {
        title: "Former les petites associations aux outils numériques",
        want: "aider les associations locales à s'approprier des outils numériques simples pour communiquer et s'organiser",
        seek: "Nous cherchons des bénévoles compétents, des entreprises prêtes au mécénat de compétences, et des formations adaptées.",
        fragility: "acces-au-numerique",
        levers: &["accelerer-grace-au-numerique", "transformer-son-modele-socio-economique"],
        families: &["entreprises", "accompagnateurs", "acteurs-academiques"],
        activities: &["former-aux-nouvelles-pratiques", "favoriser-l-essaimage"],
    },
];

/// An example member who may express a need in her région.
#[derive(Debug, Clone)]
pub struct ExampleAuthor {
    pub user_id: i64,
    pub region: String,
    pub organisation: String,
    pub family: String,
}

/// What the generator draws from: the geography, the reference slugs, the example members.
pub struct Inputs<'a> {
    pub territories: &'a [Territory],
    pub levers: Vec<String>,
    pub families: Vec<String>,
    pub fragilities: Vec<String>,
    pub authors: Vec<ExampleAuthor>,
}

/// The families of the fictional structures that express needs, the likelier twice.
const EXPRESSING: [&str; 6] = [
    "collectivites-territoriales",
    "collectivites-territoriales",
    "associations",
    "associations",
    "citoyens",
    "accompagnateurs",
];

/// A fictional structure of this family (no real name).
fn organisation(family: &str, rng: &mut Rng) -> &'static str {
    let names: &[&'static str] = match family {
        "collectivites-territoriales" => {
            &["Service de développement local", "Service des solidarités"]
        }
        "associations" => &[
            "Association Vivre ensemble",
            "Association Les Liens",
            "Centre social",
        ],
        "entreprises" => &["Coopérative d'activités", "Entreprise d'insertion"],
        "accompagnateurs" => &["Pôle d'accompagnement", "Incubateur solidaire"],
        "institutions" => &["Antenne d'un service public"],
        "acteurs-academiques" => &["Laboratoire de sciences sociales"],
        _ => &["Collectif d'habitants", "Réseau de bénévoles"],
    };
    names[rng.below(names.len())]
}

/// When the structure would like to start.
fn horizon_sentence(h: Horizon) -> &'static str {
    match h {
        Horizon::TroisMois => "Nous aimerions démarrer dans les trois prochains mois.",
        Horizon::SixMois => "Nous aimerions démarrer d'ici six mois.",
        Horizon::UnAn => "Nous aimerions démarrer dans l'année.",
        Horizon::SansEcheance => "Nous n'avons pas encore fixé d'échéance.",
    }
}

/// Mostly open; some in touch, a few resolved or closed.
fn status(rng: &mut Rng) -> NeedStatus {
    match rng.below(20) {
        0..=12 => NeedStatus::Ouvert,
        13..=16 => NeedStatus::EnRelation,
        17 | 18 => NeedStatus::Resolu,
        _ => NeedStatus::Clos,
    }
}

/// The steps after publication at `at` that lead to `status`, before `now`.
fn trail(
    status: NeedStatus,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<NeedEvent> {
    let span = (now - at).num_hours().max(3);
    let when = |part: i64| at + Duration::hours(span * part / 3);
    let contact = NeedEvent {
        at: when(1),
        status: NeedStatus::EnRelation,
        note: rng
            .pick(&["Proposition d'aide reçue", "Mise en relation demandée"])
            .to_string(),
    };
    match status {
        NeedStatus::Ouvert => vec![],
        NeedStatus::EnRelation => vec![contact],
        NeedStatus::Resolu => vec![
            contact,
            NeedEvent {
                at: when(2),
                status,
                note: "Besoin résolu : une solution a été trouvée avec les acteurs rencontrés"
                    .into(),
            },
        ],
        NeedStatus::Clos => vec![NeedEvent {
            at: when(2),
            status,
            note: "Clos sans suite : le projet est reporté".into(),
        }],
    }
}

/// `count` example needs, numbered from `first` (so that batches differ), expressed over the
/// 540 days before `now`.
pub fn examples(
    inputs: &Inputs,
    first: usize,
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> Vec<ExampleNeed> {
    let places = Places::new(inputs.territories, |t| t.region.as_deref());
    if places.groups.is_empty() {
        return vec![];
    }
    let mut authors: HashMap<&str, Vec<&ExampleAuthor>> = HashMap::new();
    for a in &inputs.authors {
        authors.entry(a.region.as_str()).or_default().push(a);
    }
    let mut rng = Rng(seed
        .wrapping_add(first as u64)
        .wrapping_mul(0x2545_F491_4F6C_DD1D));
    (first..first + count)
        .map(|n| {
            // Every région in turn, so that each has its share.
            let (region, communes) = &places.groups[n % places.groups.len()];
            let commune = *rng.pick(communes);
            let place = places.place(commune, rng.below(10));
            let kind = &KINDS[rng.below(KINDS.len())];
            let here = authors.get(region).map_or(&[][..], Vec::as_slice);
            one(inputs, kind, here, place, now, &mut rng)
        })
        .collect()
}

/// One need of this kind at `place`, by one of the example members `here` (its région's)
/// or a fictional structure.
fn one(
    inputs: &Inputs,
    kind: &Kind,
    here: &[&ExampleAuthor],
    place: &Territory,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> ExampleNeed {
    let known = |list: &[&str], known: &[String]| -> Vec<String> {
        list.iter()
            .filter(|s| known.iter().any(|k| k == *s))
            .map(|s| s.to_string())
            .collect()
    };
    // A third are expressed by an example member of the région, under her structure.
    let author = (rng.below(3) == 0 && !here.is_empty()).then(|| *rng.pick(here));
    let (organisation, author_family) = match author {
        Some(a) => (a.organisation.clone(), a.family.clone()),
        None => {
            let family = rng.pick(&EXPRESSING).to_string();
            (organisation(&family, rng).to_string(), family)
        }
    };
    // The families sought are other than hers.
    let families: Vec<String> = known(kind.families, &inputs.families)
        .into_iter()
        .filter(|f| *f != author_family)
        .collect();
    let mut levers = known(kind.levers, &inputs.levers);
    if rng.below(3) == 0 {
        levers.truncate(1);
    }
    let horizon = *rng.pick(&Horizon::ALL);
    let title = match place.level {
        TerritoryLevel::Commune => format!("{} {}", kind.title, a(&place.name)),
        _ => format!("{} — {}", kind.title, place.name),
    };
    let opener = rng.pick(&[
        "Nous souhaitons",
        "Notre structure voudrait",
        "Nous aimerions",
    ]);
    let description = format!(
        "{opener} {}. {}\n\n{}\n\n{EXAMPLE_NOTE}",
        kind.want,
        kind.seek,
        horizon_sentence(horizon)
    );
    let mut fields = NeedFields {
        title,
        description,
        territory: TerritoryRef {
            level: place.level,
            code: place.code.clone(),
        },
        organisation,
        author_family,
        fragility: known(&[kind.fragility], &inputs.fragilities)
            .pop()
            .unwrap_or_default(),
        levers,
        families,
        activities: kind.activities.iter().map(|s| s.to_string()).collect(),
        horizon,
    };
    fields.normalise();
    let at =
        now - Duration::days(5 + rng.below(535) as i64) - Duration::hours(rng.below(24) as i64);
    let status = status(rng);
    ExampleNeed {
        trail: trail(status, at, now, rng),
        fields,
        status,
        at,
        author_id: author.map(|a| a.user_id),
    }
}

/// Up to `max` public example members, with the région of their first territory.
async fn example_authors(
    store: &dyn Store,
    territories: &[Territory],
    max: usize,
) -> anyhow::Result<Vec<ExampleAuthor>> {
    let region_of: HashMap<(TerritoryLevel, &str), &str> = territories
        .iter()
        .filter_map(|t| {
            let region = match t.level {
                TerritoryLevel::Region => t.code.as_str(),
                _ => t.region.as_deref()?,
            };
            Some(((t.level, t.code.as_str()), region))
        })
        .collect();
    let mut out = Vec::new();
    let mut after = 0;
    while out.len() < max {
        let page = store.published_profiles(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.user_id;
        out.extend(
            page.iter()
                .filter(|p| p.is_example && p.is_public())
                .filter_map(|p| {
                    let f = p.moderated.published.as_ref()?;
                    let t = f.territories.first()?;
                    Some(ExampleAuthor {
                        user_id: p.user_id,
                        region: region_of.get(&(t.level, t.code.as_str()))?.to_string(),
                        organisation: f.organisation.clone(),
                        family: f.actor_family.clone(),
                    })
                }),
        );
    }
    out.truncate(max);
    Ok(out)
}

/// Adds `count` example needs to the store (in batches); returns how many.
pub async fn generate(
    store: &dyn Store,
    territories: &[Territory],
    count: usize,
    seed: u64,
) -> anyhow::Result<usize> {
    let frame = catalyse_core::ReferenceFrame::shipped()?;
    let inputs = Inputs {
        territories,
        levers: frame.levers.into_iter().map(|l| l.slug).collect(),
        families: frame.actor_families.into_iter().map(|f| f.slug).collect(),
        fragilities: catalyse_core::dataset::SurveyModel::shipped()?
            .fragilities
            .into_iter()
            .map(|f| f.slug)
            .collect(),
        authors: example_authors(store, territories, 2000).await?,
    };
    crate::ops::demo::in_batches(
        count,
        "needs",
        |first, n| examples(&inputs, first, n, seed, Utc::now()),
        |batch| async move { store.insert_example_needs(&batch, Utc::now()).await },
    )
    .await
}

/// The demonstration's example needs, once (not again at the next start).
pub async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    crate::ops::demo::once(store, DONE, "needs", |territories| async move {
        generate(store, &territories, DEMO_NEEDS, 2019).await
    })
    .await
}

#[cfg(test)]
mod tests;
