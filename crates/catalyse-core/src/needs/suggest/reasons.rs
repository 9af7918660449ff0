//! Why a member or a case is suggested: reasons as data (slugs, not positions) for the API,
//! and in plain words for the pages (French, or English).

use super::{CaseSuggestion, MemberSuggestion, Names};
use crate::text::Lang;
use serde::{Deserialize, Serialize};

/// One reason of a suggestion. Every factor that adds points to a suggestion gives its
/// reason, so the reasons explain the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The member's actor family: one the need seeks (`sought`), or another than its
    /// author's.
    Family { family: String, sought: bool },
    /// Between the centres of the need's territory and the member's (or the case's), as
    /// the crow flies, rounded to the kilometre.
    Distance { km: u32 },
    /// The métier activities sought that the member practises, or that the case
    /// illustrates.
    Activities { activities: Vec<String> },
    /// The levers sought that are the member's expertise, or that the case used.
    Levers { levers: Vec<String> },
    /// How many case studies the member is a contact of on the need's fragility.
    Cases { count: u32, fragility: String },
    /// Days since the member was last active.
    Recent { days: u32 },
    /// A case addresses the need's fragility (every suggested case does).
    SameFragility { fragility: String },
    /// The actor families sought that a case involves.
    Families { families: Vec<String> },
}

impl Reason {
    /// The reason as a fragment of a sentence (« pratique « Piloter des expérimentations » »;
    /// « practises “Piloter des expérimentations” »: the reference lists' names stay French).
    pub fn text(&self, names: &Names, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        let pick = |f: &'static str, e: &'static str| if fr { f } else { e };
        let quote = |slugs: &[String], label: &dyn Fn(&str) -> String| quoted(slugs, label, lang);
        match self {
            Reason::Family { family, sought } => format!(
                "{} ({})",
                names.family_singular(family),
                match (*sought, fr) {
                    (true, true) => "famille d'acteurs recherchée",
                    (false, true) => "famille d'acteurs complémentaire",
                    (true, false) => "actor family sought",
                    (false, false) => "complementary actor family",
                }
            ),
            Reason::Distance { km: 0 } => {
                pick("à moins de 1 km", "less than 1 km away").to_string()
            }
            Reason::Distance { km } if fr => format!("à {km} km"),
            Reason::Distance { km } => format!("{km} km away"),
            Reason::Activities { activities } => format!(
                "{} {}",
                pick("pratique", "practises"),
                quote(activities, &|s| names.activities.label(s).to_string())
            ),
            Reason::Levers { levers } => format!(
                "{} {}",
                plural(
                    levers.len(),
                    pick("levier", "lever"),
                    pick("leviers", "levers")
                ),
                quote(levers, &|s| names.levers.label(s).to_string())
            ),
            Reason::Cases { count, fragility } => {
                let label = quote(std::slice::from_ref(fragility), &|s| {
                    names.fragilities.label(s).to_string()
                });
                let n = *count as usize;
                if fr {
                    format!(
                        "{count} {} sur la fragilité {label}",
                        plural(n, "cas documenté", "cas documentés")
                    )
                } else {
                    format!(
                        "{count} {} on the fragility {label}",
                        plural(n, "documented case", "documented cases")
                    )
                }
            }
            Reason::Recent { days: 0 } => {
                pick("dernière activité aujourd'hui", "last active today").to_string()
            }
            Reason::Recent { days: 1 } => {
                pick("dernière activité hier", "last active yesterday").to_string()
            }
            Reason::Recent { days } if fr => format!("dernière activité il y a {days} jours"),
            Reason::Recent { days } => format!("last active {days} days ago"),
            Reason::SameFragility { fragility } => format!(
                "{} {}",
                pick("même fragilité", "same fragility"),
                quote(std::slice::from_ref(fragility), &|s| {
                    names.fragilities.label(s).to_string()
                })
            ),
            Reason::Families { families } => format!(
                "{} {}",
                plural(
                    families.len(),
                    pick("famille d'acteurs", "actor family"),
                    pick("familles d'acteurs", "actor families")
                ),
                quote(families, &|s| names.families.label(s).to_string())
            ),
        }
    }

    /// [`Reason::text`] in French.
    pub fn text_fr(&self, names: &Names) -> String {
        self.text(names, Lang::Fr)
    }
}

impl MemberSuggestion {
    /// The reasons in one sentence, the family and the distance first: « Association à 12 km
    /// · pratique « Piloter des expérimentations » · 2 cas documentés sur la fragilité
    /// « Mobilité » ».
    pub fn sentence(&self, names: &Names, lang: Lang) -> String {
        let km = self
            .reasons
            .iter()
            .find(|r| matches!(r, Reason::Distance { .. }))
            .map(|r| r.text(names, lang));
        let mut parts = Vec::new();
        if let Some(family) = self.reasons.iter().find_map(|r| match r {
            Reason::Family { family, .. } => Some(names.family_singular(family)),
            _ => None,
        }) {
            parts.push(match &km {
                Some(km) => format!("{family} {km}"),
                None => family.to_string(),
            });
        } else if let Some(km) = km {
            parts.push(km);
        }
        parts.extend(
            self.reasons
                .iter()
                .filter(|r| !matches!(r, Reason::Family { .. } | Reason::Distance { .. }))
                .map(|r| r.text(names, lang)),
        );
        sentence(parts)
    }

    /// [`MemberSuggestion::sentence`] in French.
    pub fn sentence_fr(&self, names: &Names) -> String {
        self.sentence(names, Lang::Fr)
    }
}

impl CaseSuggestion {
    /// The reasons in one sentence: « Même fragilité « Mobilité » · à 30 km · levier
    /// « Apprendre à faire alliance » ».
    pub fn sentence(&self, names: &Names, lang: Lang) -> String {
        sentence(self.reasons.iter().map(|r| r.text(names, lang)).collect())
    }

    /// [`CaseSuggestion::sentence`] in French.
    pub fn sentence_fr(&self, names: &Names) -> String {
        self.sentence(names, Lang::Fr)
    }
}

/// Fragments joined by « · », the first letter capitalised.
fn sentence(parts: Vec<String>) -> String {
    let text = parts.join(" · ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n > 1 {
        many
    } else {
        one
    }
}

/// Labels in quotes (« A » in French, “A” in English), the last two joined by « et » or
/// « and »: « A », « B » et « C ».
fn quoted(slugs: &[String], label: &dyn Fn(&str) -> String, lang: Lang) -> String {
    let (open, close, and) = match lang {
        Lang::Fr => ("« ", " »", "et"),
        Lang::En => ("“", "”", "and"),
    };
    let q: Vec<String> = slugs
        .iter()
        .map(|s| format!("{open}{}{close}", label(s)))
        .collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {and} {last}", rest.join(", ")),
        _ => q.concat(),
    }
}
