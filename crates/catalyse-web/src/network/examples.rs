//! Example members and places, generated and labelled « données d'exemple »: spread like the
//! French population (metropolitan and overseas communes, weighted by their population), in
//! every actor family, with plausible activities and levers. For the demonstration (about 350
//! members) and for the map benchmark (any number).

use catalyse_core::network::{PlaceFields, PlaceKind, ProfileFields, TerritoryRef, Visibility};
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_store::{ExampleMember, Store};
use chrono::Utc;

const FIRST: [&str; 40] = [
    "Camille",
    "Dominique",
    "Claude",
    "Alix",
    "Sacha",
    "Morgane",
    "Yann",
    "Nadia",
    "Karim",
    "Sophie",
    "Julien",
    "Aurélie",
    "Thomas",
    "Léa",
    "Mathieu",
    "Inès",
    "Nicolas",
    "Chloé",
    "Hugo",
    "Manon",
    "Antoine",
    "Sarah",
    "Lucas",
    "Emma",
    "Pierre",
    "Fatou",
    "Mehdi",
    "Anne",
    "Bruno",
    "Céline",
    "Éric",
    "Gaëlle",
    "Hélène",
    "Jérôme",
    "Laure",
    "Marc",
    "Noémie",
    "Olivier",
    "Pauline",
    "Rémi",
];
const LAST: [&str; 40] = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
];
const ROLES: [&str; 8] = [
    "Chargée de mission",
    "Directeur",
    "Coordinatrice",
    "Élu délégué",
    "Animatrice de réseau",
    "Chef de projet",
    "Responsable partenariats",
    "Bénévole",
];
const THEMES: [&str; 10] = [
    "mobilité",
    "alimentation",
    "emploi",
    "isolement",
    "numérique",
    "transition écologique",
    "santé",
    "logement",
    "jeunesse",
    "culture",
];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn organisation(family: &str, commune: &str, rng: &mut Rng) -> String {
    let pick = |rng: &mut Rng, list: &[&str]| list[rng.below(list.len())].to_string();
    match family {
        "collectivites-territoriales" => {
            pick(rng, &["Mairie de", "Communauté de communes de", "CCAS de"]) + " " + commune
        }
        "associations" => {
            pick(
                rng,
                &[
                    "Association Les Liens de",
                    "Collectif Vivre à",
                    "Foyer rural de",
                ],
            ) + " "
                + commune
        }
        "entreprises" => {
            pick(rng, &["Coopérative", "SCIC", "Entreprise d'insertion"]) + " " + commune
        }
        "accompagnateurs" => {
            pick(rng, &["Pôle d'accompagnement de", "Incubateur de"]) + " " + commune
        }
        "institutions" => {
            pick(rng, &["Caisse d'allocations de", "Agence territoriale de"]) + " " + commune
        }
        "acteurs-academiques" => {
            pick(rng, &["Laboratoire d'études de", "Campus de"]) + " " + commune
        }
        _ => String::new(),
    }
}

/// The communes with a position, and their population (the weights of the spread).
pub fn weighted_communes(all: &[Territory]) -> Vec<&Territory> {
    all.iter()
        .filter(|t| t.level == TerritoryLevel::Commune && t.lat.is_some() && t.lon.is_some())
        .collect()
}

/// Where the communes are and how many live there (no position: not a number, never drawn).
fn weights(communes: &[&Territory]) -> Vec<(f64, f64, u64)> {
    (communes.iter())
        .map(|c| {
            (
                c.lon.unwrap_or(f64::NAN),
                c.lat.unwrap_or(f64::NAN),
                c.population.unwrap_or(0).max(0) as u64,
            )
        })
        .collect()
}

/// `count` example members, numbered from `first` (so that batches do not collide).
pub fn members(
    communes: &[&Territory],
    reference: &crate::state::Reference,
    first: usize,
    count: usize,
    seed: u64,
) -> Vec<ExampleMember> {
    let spots =
        catalyse_map::spread_like_population(&weights(communes), count, seed ^ first as u64);
    let activities: Vec<&str> = reference
        .metier
        .iter()
        .flat_map(|f| f.activities.iter().map(|a| a.slug.as_str()))
        .collect();
    let mut rng = Rng(seed.wrapping_add(first as u64).wrapping_mul(31));
    spots
        .into_iter()
        .enumerate()
        .map(|(i, (c, _, _))| {
            let n = first + i;
            let commune = communes[c];
            let family = &reference.actor_families[n % reference.actor_families.len()].slug;
            let name = format!(
                "{} {}",
                FIRST[rng.below(FIRST.len())],
                LAST[rng.below(LAST.len())]
            );
            let mut acts: Vec<String> = (0..1 + rng.below(3))
                .map(|_| activities[rng.below(activities.len())].to_string())
                .collect();
            acts.dedup();
            let mut levers: Vec<String> = (0..1 + rng.below(2))
                .map(|_| {
                    reference.levers[rng.below(reference.levers.len())]
                        .slug
                        .clone()
                })
                .collect();
            levers.dedup();
            let territory = if rng.below(5) == 0 {
                commune.epci.as_ref().map(|e| TerritoryRef {
                    level: TerritoryLevel::Epci,
                    code: e.clone(),
                })
            } else {
                None
            }
            .unwrap_or(TerritoryRef {
                level: TerritoryLevel::Commune,
                code: commune.code.clone(),
            });
            let mut fields = ProfileFields {
                display_name: name,
                organisation: organisation(family, &commune.name, &mut rng),
                actor_family: family.clone(),
                role: ROLES[rng.below(ROLES.len())].into(),
                territories: vec![territory],
                activities: acts,
                levers,
                themes: vec![THEMES[rng.below(THEMES.len())].into()],
                bio: format!(
                    "Profil d'exemple, généré pour la démonstration (données d'exemple) : \
                     catalyseur territorial à {}.",
                    commune.name
                ),
                links: vec![],
                photo: None,
            };
            fields.normalise();
            ExampleMember {
                email: format!("exemple-{n}@exemple.invalid"),
                fields,
                visibility: if n % 10 == 9 {
                    Visibility::Members
                } else {
                    Visibility::Public
                },
            }
        })
        .collect()
}

/// `count` example places in populous communes.
pub fn places(communes: &[&Territory], count: usize, seed: u64) -> Vec<PlaceFields> {
    catalyse_map::spread_like_population(&weights(communes), count, seed.wrapping_add(7))
        .into_iter()
        .enumerate()
        .map(|(i, (c, _, _))| {
            let kind = PlaceKind::ALL[i % PlaceKind::ALL.len()];
            let commune = communes[c];
            PlaceFields {
                name: format!(
                    "{} {} (exemple)",
                    kind.label_fr(),
                    catalyse_core::text::de(&commune.name)
                ),
                kind,
                commune: commune.code.clone(),
                address: String::new(),
                description: "Lieu d'exemple, généré pour la démonstration (données d'exemple)."
                    .into(),
                managers: vec![],
                website: None,
            }
        })
        .collect()
}

/// Adds `members` example members and `places` example places to the store, in batches.
pub async fn generate(
    store: &dyn Store,
    territories: &[Territory],
    reference: &crate::state::Reference,
    members_count: usize,
    places_count: usize,
    seed: u64,
) -> anyhow::Result<(usize, usize)> {
    let communes = weighted_communes(territories);
    anyhow::ensure!(
        !communes.is_empty(),
        "no commune with a position to spread examples"
    );
    // Continue the numbering after the examples already there.
    let mut first = 0;
    while store
        .user_by_email(&catalyse_core::Email::parse(&format!(
            "exemple-{first}@exemple.invalid"
        ))?)
        .await?
        .is_some()
    {
        first += 10_000;
    }
    let now = Utc::now();
    let mut done = 0;
    const BATCH: usize = 20_000;
    while done < members_count {
        let n = BATCH.min(members_count - done);
        let batch = members(&communes, reference, first + done, n, seed);
        store.insert_example_members(&batch, now).await?;
        done += n;
        if members_count > BATCH {
            tracing::info!(done, total = members_count, "example members");
        }
    }
    let list = places(&communes, places_count, seed);
    store.insert_example_places(&list, now).await?;
    store
        .set_setting(
            crate::network::snapshot::VERSION_KEY,
            &crate::tokens::random_token(),
        )
        .await?;
    Ok((done, list.len()))
}

/// How many example members and places the demonstration has.
pub const DEMO_MEMBERS: usize = 350;
pub const DEMO_PLACES: usize = 40;

/// The demonstration's example network, once.
pub async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    if store.setting("demo_network_loaded").await?.is_some() {
        return Ok(());
    }
    let reference = crate::state::Reference {
        levers: store.levers().await?,
        metier: store.metier().await?,
        actor_families: store.actor_families().await?,
        milestones: vec![],
    };
    let territories = store.territories().await?;
    let (m, p) = generate(
        store,
        &territories,
        &reference,
        DEMO_MEMBERS,
        DEMO_PLACES,
        2019,
    )
    .await?;
    store
        .set_setting("demo_network_loaded", &Utc::now().to_rfc3339())
        .await?;
    tracing::info!(
        members = m,
        places = p,
        "example network loaded (données d'exemple)"
    );
    Ok(())
}
