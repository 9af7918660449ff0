//! Why a member or a case is suggested: reasons as data (slugs, not positions) for the API,
//! and in plain French for the pages.

use super::{CaseSuggestion, MemberSuggestion, Names};
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
    /// The reason in French, as a fragment of a sentence (« pratique « Piloter des
    /// expérimentations » »).
    pub fn text_fr(&self, names: &Names) -> String {
        match self {
            Reason::Family { family, sought } => format!(
                "{} ({})",
                names.family_singular(family),
                if *sought {
                    "famille d'acteurs recherchée"
                } else {
                    "famille d'acteurs complémentaire"
                }
            ),
            Reason::Distance { km: 0 } => "à moins de 1 km".to_string(),
            Reason::Distance { km } => format!("à {km} km"),
            Reason::Activities { activities } => {
                format!(
                    "pratique {}",
                    quoted(activities, |s| names.activities.label(s))
                )
            }
            Reason::Levers { levers } => format!(
                "{} {}",
                plural(levers.len(), "levier", "leviers"),
                quoted(levers, |s| names.levers.label(s))
            ),
            Reason::Cases { count, fragility } => format!(
                "{count} {} sur la fragilité « {} »",
                plural(*count as usize, "cas documenté", "cas documentés"),
                names.fragilities.label(fragility)
            ),
            Reason::Recent { days: 0 } => "dernière activité aujourd'hui".to_string(),
            Reason::Recent { days: 1 } => "dernière activité hier".to_string(),
            Reason::Recent { days } => format!("dernière activité il y a {days} jours"),
            Reason::SameFragility { fragility } => {
                format!("même fragilité « {} »", names.fragilities.label(fragility))
            }
            Reason::Families { families } => format!(
                "{} {}",
                plural(families.len(), "famille d'acteurs", "familles d'acteurs"),
                quoted(families, |s| names.families.label(s))
            ),
        }
    }
}

impl MemberSuggestion {
    /// The reasons in one French sentence, the family and the distance first: « Association
    /// à 12 km · pratique « Piloter des expérimentations » · 2 cas documentés sur la fragilité
    /// « Mobilité » ».
    pub fn sentence_fr(&self, names: &Names) -> String {
        let km = self
            .reasons
            .iter()
            .find(|r| matches!(r, Reason::Distance { .. }))
            .map(|r| r.text_fr(names));
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
                .map(|r| r.text_fr(names)),
        );
        sentence(parts)
    }
}

impl CaseSuggestion {
    /// The reasons in one French sentence: « Même fragilité « Mobilité » · à 30 km · levier
    /// « Apprendre à faire alliance » ».
    pub fn sentence_fr(&self, names: &Names) -> String {
        sentence(self.reasons.iter().map(|r| r.text_fr(names)).collect())
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

/// Labels in French quotes, the last two joined by « et »: « A », « B » et « C ».
fn quoted<'a>(slugs: &'a [String], label: impl Fn(&'a str) -> &'a str) -> String {
    let q: Vec<String> = slugs.iter().map(|s| format!("« {} »", label(s))).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} et {last}", rest.join(", ")),
        _ => q.concat(),
    }
}
