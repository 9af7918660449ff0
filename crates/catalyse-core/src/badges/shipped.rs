//! The achievements the platform ships, derived from the reference frame and the kit's
//! modules: one per lever webinar, the cycle of the 7 levers, one per module, the parcours,
//! one per métier activity. Texts in French; the loader stores them once per change of
//! [`shipped_checksum`].

use sha2::{Digest, Sha256};

use super::{AchievementFields, Rule, RuleKind};
use crate::reference::{Activity, Lever};

/// Slug of the cycle of the 7 levers.
pub const CYCLE_SLUG: &str = "cycle-des-7-leviers";
/// Slug of the parcours « co-construction territoriale ».
pub const PARCOURS_SLUG: &str = "parcours-co-construction-territoriale";

/// Slug of the achievement of a lever's webinar.
pub fn lever_slug(lever: &str) -> String {
    format!("webinaire-{lever}")
}

/// Slug of the achievement of a module of the kit.
pub fn module_slug(module: &str) -> String {
    format!("module-{module}")
}

/// Slug of the achievement of a métier activity.
pub fn activity_slug(activity: &str) -> String {
    format!("activite-{activity}")
}

fn tags(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

/// The shipped definitions, in this order: the lever webinars (in the order of `levers`),
/// the cycle, the modules, the parcours, the métier activities. `modules` are
/// `(slug, title)` pairs.
pub fn shipped(
    levers: &[Lever],
    modules: &[(String, String)],
    activities: &[Activity],
) -> Vec<(String, AchievementFields)> {
    let mut out = Vec::new();
    for lever in levers {
        out.push((
            lever_slug(&lever.slug),
            AchievementFields {
                name: format!("Webinaire « {} »", lever.name),
                description: format!(
                    "A suivi un webinaire de la plateforme « l'innovation territoriale en \
                     actions ! » consacré au levier « {} », en direct ou en replay.",
                    lever.name
                ),
                criteria: format!(
                    "Avoir assisté à un webinaire sur le levier « {} », ou en avoir regardé le \
                     replay comme unité du kit de formation. Le badge est délivré \
                     automatiquement par la plateforme, d'après la présence enregistrée ou le \
                     replay marqué comme vu.",
                    lever.name
                ),
                rule: Rule {
                    kind: RuleKind::LeverWebinar,
                    target: Some(lever.slug.clone()),
                },
                levers: vec![lever.slug.clone()],
                activities: Vec::new(),
                tags: tags(&["webinaire", "levier"]),
            },
        ));
    }
    let list: String = levers.iter().map(|l| format!("\n- {}", l.name)).collect();
    out.push((
        CYCLE_SLUG.to_string(),
        AchievementFields {
            name: "Cycle des 7 leviers".into(),
            description: "A suivi le cycle complet des webinaires sur les 7 leviers d'un projet \
                          novateur, en direct ou en replay."
                .into(),
            criteria: format!(
                "Avoir assisté à des webinaires, ou en avoir regardé les replays, couvrant \
                 chacun des 7 leviers :\n{list}\n\nLe badge est délivré automatiquement par la \
                 plateforme quand le dernier levier est couvert."
            ),
            rule: Rule {
                kind: RuleKind::LeverCycle,
                target: None,
            },
            levers: levers.iter().map(|l| l.slug.clone()).collect(),
            activities: Vec::new(),
            tags: tags(&["webinaire", "cycle", "leviers"]),
        },
    ));
    for (slug, title) in modules {
        out.push((
            module_slug(slug),
            AchievementFields {
                name: format!("Module « {title} »"),
                description: format!(
                    "A terminé le module « {title} » du kit de formation « catalyseur \
                     territorial »."
                ),
                criteria: format!(
                    "Avoir terminé toutes les unités du module « {title} » du kit de formation \
                     « catalyseur territorial » (lectures, vidéos, quiz réussis, réflexions \
                     rendues). Le badge est délivré automatiquement par la plateforme."
                ),
                rule: Rule {
                    kind: RuleKind::Module,
                    target: Some(slug.clone()),
                },
                levers: Vec::new(),
                activities: Vec::new(),
                tags: tags(&["formation", "module"]),
            },
        ));
    }
    out.push((
        PARCOURS_SLUG.to_string(),
        AchievementFields {
            name: "Parcours « co-construction territoriale »".into(),
            description: "A suivi jusqu'au bout le parcours d'expérience « co-construction \
                          territoriale » : temps collectifs et individuels, témoignages, visites \
                          apprenantes, mises en situation et co-développement entre pairs, au \
                          sein d'une cohorte de territoires."
                .into(),
            criteria: "Avoir terminé une cohorte du parcours d'expérience « co-construction \
                       territoriale », c'est-à-dire avoir été présent·e à chacune de ses séances, \
                       avoir remis avec son équipe les livrables attendus à chaque étape et \
                       terminé les modules du kit de formation qu'elle demande. Le badge est délivré automatiquement \
                       par la plateforme quand tout est fait."
                .into(),
            rule: Rule {
                kind: RuleKind::Cohort,
                target: None,
            },
            levers: Vec::new(),
            activities: Vec::new(),
            tags: tags(&["parcours", "co-construction"]),
        },
    ));
    for activity in activities {
        out.push((
            activity_slug(&activity.slug),
            AchievementFields {
                name: activity.name.clone(),
                description: format!(
                    "Exerce l'activité « {} » du métier de catalyseur territorial, attestée par \
                     un animateur de la plateforme.",
                    activity.name
                ),
                criteria: format!(
                    "Un animateur de la plateforme atteste, sur la foi d'une réalisation \
                     concrète (action menée, livrable, témoignage de partenaires), que la \
                     personne exerce l'activité « {} » du métier de catalyseur territorial. La \
                     raison de l'attribution est conservée.",
                    activity.name
                ),
                rule: Rule {
                    kind: RuleKind::Activity,
                    target: Some(activity.slug.clone()),
                },
                levers: Vec::new(),
                activities: vec![activity.slug.clone()],
                tags: tags(&["métier", "activité"]),
            },
        ));
    }
    out
}

/// SHA-256 (hex) of a stable serialisation of `defs` (the slugs and every field, in order),
/// so that the loader can skip a start where nothing changed.
pub fn shipped_checksum(defs: &[(String, AchievementFields)]) -> String {
    let mut h = Sha256::new();
    h.update(b"catalyse-badges-shipped-v1\0");
    // Serialising plain structs, strings and vectors cannot fail.
    h.update(serde_json::to_vec(defs).unwrap_or_default());
    hex::encode(h.finalize())
}
