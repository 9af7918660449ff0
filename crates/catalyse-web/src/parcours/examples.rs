//! The seed's pilot, as an example: « testé avec 12 territoires pilotes durant 9 mois », ending
//! with the « Journée conclusive du parcours » of 26 March 2019 (the seed's date). Its teams,
//! people, sessions, attendance, deliverables and exchanges are generated: the cohort, its
//! events and its space say « données d'exemple ».

use catalyse_core::agenda::{Event, EventKind, EventStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::parcours::{CohortFields, CohortRole, DeliverableFields};
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{NewSubmission, Store};
use chrono::{NaiveDate, TimeZone, Utc};

/// The settings key set once the pilot is loaded.
const DONE: &str = "demo_parcours_loaded";

/// The example pilot's slug.
pub const PILOT: &str = "pilote-co-construction-territoriale";

/// A day: year, month, day.
type Day = (i32, u32, u32);

/// A session: step, kind, title, day, Paris hour, online.
type SessionRow = (i32, EventKind, &'static str, Day, u32, bool);

const SESSIONS: [SessionRow; 9] = [
    (
        1,
        EventKind::TempsCollectif,
        "Lancement du parcours : les 7 leviers d'un projet novateur",
        (2018, 7, 5),
        10,
        false,
    ),
    (
        2,
        EventKind::Temoignage,
        "Témoignages de pionniers et de décideurs",
        (2018, 9, 13),
        14,
        true,
    ),
    (
        3,
        EventKind::TempsIndividuel,
        "Temps individuel : le portrait de son territoire",
        (2018, 10, 11),
        10,
        true,
    ),
    (
        4,
        EventKind::VisiteApprenante,
        "Visite apprenante d'une alliance territoriale",
        (2018, 11, 15),
        9,
        false,
    ),
    (
        5,
        EventKind::MiseEnSituation,
        "Mise en situation : animer un premier tour de table",
        (2018, 12, 13),
        14,
        false,
    ),
    (
        6,
        EventKind::CoDeveloppement,
        "Co-développement entre pairs : lever un blocage",
        (2019, 1, 17),
        14,
        true,
    ),
    (
        7,
        EventKind::TempsCollectif,
        "Temps collectif : construire sa feuille de route",
        (2019, 2, 14),
        10,
        false,
    ),
    (
        8,
        EventKind::CoDeveloppement,
        "Co-développement : préparer le retour d'expérience",
        (2019, 3, 7),
        14,
        true,
    ),
    (
        9,
        EventKind::Journee,
        "Journée conclusive du parcours « co-construction territoriale »",
        (2019, 3, 26),
        9,
        false,
    ),
];

/// Its deliverables: step, title, description, due date.
const DELIVERABLES: [(i32, &str, &str, Day); 4] = [
    (
        3,
        "Portrait de territoire",
        "Les fragilités, les ressources et les acteurs du territoire, en deux pages.",
        (2018, 10, 31),
    ),
    (
        4,
        "Cartographie des acteurs",
        "Qui fait quoi sur le territoire, par famille d'acteurs.",
        (2018, 11, 30),
    ),
    (
        7,
        "Feuille de route de co-construction",
        "Les objectifs, les partenaires à mobiliser et les étapes des six mois à venir.",
        (2019, 2, 28),
    ),
    (
        9,
        "Retour d'expérience",
        "Ce que l'équipe a appris, à partager à la journée conclusive.",
        (2019, 3, 26),
    ),
];

fn paris(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Europe::Paris
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Loads the pilot once (not again at the next start, nor if an animator deleted it).
pub async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    crate::ops::demo::once(store, DONE, "parcours", |territories| async move {
        load(store, &territories).await
    })
    .await
}

/// The pilot: 12 example teams, each in the commune of its first example member, with up
/// to two participants; the example animator; the sessions, attendance and hand-ins.
pub async fn load(
    store: &dyn Store,
    territories: &[catalyse_core::Territory],
) -> anyhow::Result<usize> {
    if store.cohort(PILOT).await?.is_some() {
        return Ok(0);
    }
    let now = Utc::now();
    let cohort = store
        .create_cohort(
            &CohortFields {
                slug: PILOT.into(),
                title: "Parcours d'expérience « co-construction territoriale » — pilote".into(),
                summary: "Douze territoires pilotes pendant neuf mois : temps collectifs et \
                          individuels, témoignages, visites apprenantes, mises en situation et \
                          co-développement entre pairs."
                    .into(),
                description: "Le programme décrit un parcours « co-construit avec le CGET, en \
                              partenariat avec la FNCE et Malakoff Médéric Humanis », « testé avec \
                              12 territoires pilotes » durant 9 mois et conclu par une journée le \
                              26 mars.\n\nCette cohorte en est une **illustration générée** : ses \
                              équipes, ses participants, ses séances (hors la date de la journée \
                              conclusive), ses présences, ses livrables et ses échanges sont \
                              des données d'exemple."
                    .into(),
                starts_on: day(2018, 7, 1),
                ends_on: day(2019, 3, 26),
                modules: vec!["sept-leviers".into(), "metier-catalyseur".into()],
            },
            true,
            now,
        )
        .await?;
    let name_of = |level: TerritoryLevel, code: &str| {
        territories
            .iter()
            .find(|t| t.level == level && t.code == code)
            .map(|t| t.name.clone())
    };
    // Example members with a commune, one commune per team.
    let profiles = store.published_profiles(0, 400).await?;
    let mut teams: Vec<(TerritoryRef, String, Vec<i64>)> = Vec::new();
    for p in profiles.iter().filter(|p| p.is_example) {
        let Some(f) = p.moderated.published.as_ref() else {
            continue;
        };
        let Some(t) = f
            .territories
            .iter()
            .find(|t| t.level == TerritoryLevel::Commune)
        else {
            continue;
        };
        if let Some(team) = teams.iter_mut().find(|x| x.2.len() < 2 && x.0 != *t) {
            team.2.push(p.user_id);
        } else if teams.len() < 12 && !teams.iter().any(|x| x.0 == *t) {
            let name = name_of(t.level, &t.code).unwrap_or_else(|| t.code.clone());
            teams.push((t.clone(), name, vec![p.user_id]));
        }
        if teams.len() == 12 && teams.iter().all(|x| x.2.len() == 2) {
            break;
        }
    }
    let mut team_ids = Vec::new();
    for (territory, name, people) in &teams {
        let team = store.add_team(cohort.id, name, territory).await?;
        for user in people {
            store
                .enrol(
                    cohort.id,
                    *user,
                    CohortRole::Participant,
                    Some(team.id),
                    now,
                )
                .await?;
        }
        team_ids.push((team.id, people.clone()));
    }
    let animator = store
        .search_users(
            &catalyse_store::UserSearch {
                text: String::new(),
                role: Some(Role::Moderator),
            },
            1,
            5,
        )
        .await?
        .items
        .into_iter()
        .find(|u| u.is_example)
        .map(|u| u.id);
    if let Some(animator) = animator {
        store
            .enrol(cohort.id, animator, CohortRole::Animateur, None, now)
            .await?;
    }
    for (i, (step, kind, title, (y, m, d), hour, online)) in SESSIONS.iter().enumerate() {
        let mut e = Event::scheduled(
            format!("{PILOT}-{step}"),
            *kind,
            title.to_string(),
            paris(*y, *m, *d, *hour),
            if *kind == EventKind::Journee {
                420
            } else {
                180
            },
            now,
        );
        e.status = EventStatus::Held;
        e.is_example = true;
        e.description = "Séance du parcours pilote (données d'exemple).".into();
        if *online {
            e.online_url = Some("https://visio.exemple.invalid/parcours".into());
        } else if let Some((t, _, _)) = teams.get(i % teams.len().max(1)) {
            e.commune = Some(t.code.clone());
        }
        let s = store.add_session(cohort.id, &e, *step, now).await?;
        // Most came; some missed a session (a generated pattern, not a record).
        for (k, (_, people)) in team_ids.iter().enumerate() {
            for (j, user) in people.iter().enumerate() {
                if (k * 7 + j * 3 + i * 5) % 6 != 0 {
                    store
                        .set_member_attendance(s.event.id, *user, true, now)
                        .await?;
                }
            }
        }
    }
    for (n, (step, title, text, (y, m, d))) in DELIVERABLES.iter().enumerate() {
        let deliverable = store
            .add_deliverable(
                cohort.id,
                &DeliverableFields {
                    title: title.to_string(),
                    description: text.to_string(),
                    step: *step,
                    due_on: Some(day(*y, *m, *d)),
                },
            )
            .await?;
        for (k, (team, _)) in team_ids.iter().enumerate() {
            if (k + n) % 5 != 4 {
                store
                    .submit(
                        deliverable.id,
                        *team,
                        None,
                        &NewSubmission::Recorded("Remis en séance (données d'exemple).".into()),
                        paris(*y, *m, *d, 18),
                    )
                    .await?;
            }
        }
    }
    exchanges(store, cohort.id, &team_ids, animator).await?;
    Ok(1)
}

/// An example exchange: who wrote it (`None`: the animator; `Some(n)`: the first participant
/// of the n-th team), the message it answers (its index here), the day and Paris hour, the
/// text.
type PostRow = (Option<usize>, Option<usize>, Day, u32, &'static str);

const POSTS: [PostRow; 10] = [
    (
        None,
        None,
        (2018, 7, 6),
        9,
        "Bienvenue dans l'espace d'échanges de la cohorte ! Entre deux séances, posez ici vos \
         questions, partagez vos ressources et les nouvelles de vos territoires.\n\nPour la \
         séance de septembre, relisez **le levier 1**, « Qualifier son innovation ».",
    ),
    (
        Some(0),
        Some(0),
        (2018, 7, 9),
        18,
        "Merci ! Nous avons commencé à lister les acteurs du territoire pour le portrait : \
         élus, associations, entreprises du bassin d'emploi.",
    ),
    (
        Some(1),
        Some(0),
        (2018, 7, 10),
        12,
        "Même chose chez nous. Une question : le portrait peut-il reprendre un diagnostic \
         existant, celui du contrat de ville par exemple ?",
    ),
    (
        None,
        Some(0),
        (2018, 7, 11),
        10,
        "Oui : partez de ce qui existe et complétez-le avec ce que vous apprendrez en séance — \
         les fragilités, les ressources, et surtout qui fait déjà quoi.",
    ),
    (
        Some(2),
        None,
        (2018, 11, 19),
        17,
        "Retour de la **visite apprenante** : ce qui m'a frappée, c'est la place donnée aux \
         habitants dès le départ. Quelqu'un a-t-il noté la grille d'entretien de l'équipe \
         qui nous accueillait ?",
    ),
    (
        Some(3),
        Some(4),
        (2018, 11, 20),
        9,
        "Je l'ai notée, je la partage à la prochaine séance. En attendant, le centre de \
         ressources a une fiche sur l'animation d'un premier tour de table.",
    ),
    (
        Some(4),
        None,
        (2019, 1, 21),
        11,
        "Après le co-développement de jeudi, nous avons une date pour réunir les partenaires \
         autour de la feuille de route. Merci au groupe pour ses conseils :\n\n\
         - inviter les entreprises par leur club local ;\n\
         - commencer par un diagnostic partagé ;\n\
         - tenir en une demi-journée.",
    ),
    (
        Some(0),
        Some(6),
        (2019, 1, 22),
        8,
        "Bravo ! Tenez-nous au courant : nous en sommes au même point.",
    ),
    (
        None,
        None,
        (2019, 3, 11),
        9,
        "La **journée conclusive** approche (le 26 mars). Chaque équipe présentera son retour \
         d'expérience en cinq minutes : ce qui a marché, ce qui a bloqué, ce que vous feriez \
         autrement.",
    ),
    (
        Some(1),
        Some(8),
        (2019, 3, 12),
        14,
        "Bien noté. Pouvons-nous montrer deux ou trois photos de notre premier atelier ?",
    ),
];

/// A few messages and answers in the pilot's space, so that the demo's is not empty; the
/// space's page says they are example data, as the cohort's does.
async fn exchanges(
    store: &dyn Store,
    cohort: i64,
    teams: &[(i64, Vec<i64>)],
    animator: Option<i64>,
) -> anyhow::Result<()> {
    let first: Vec<i64> = teams
        .iter()
        .filter_map(|(_, p)| p.first().copied())
        .collect();
    let mut ids: Vec<i64> = Vec::new();
    for (who, parent, (y, m, d), hour, text) in POSTS {
        let author = match who {
            Some(n) => first.get(n % first.len().max(1)).copied(),
            None => animator.or_else(|| first.first().copied()),
        };
        let Some(author) = author else {
            return Ok(());
        };
        let parent = parent.and_then(|i| ids.get(i).copied());
        let p = store
            .add_post(cohort, parent, author, text, paris(y, m, d, hour))
            .await?;
        ids.push(p.id);
    }
    Ok(())
}
