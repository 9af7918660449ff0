//! Open Badges 3.0: the achievements catalyseurs earn on the platform (a lever's webinar, the
//! cycle of the 7 levers, a module of the kit, a completed parcours, a métier activity
//! attested by an animator), the rules that award them, and the credentials that say so —
//! W3C Verifiable Credentials of type `OpenBadgeCredential`, signed as VC-JWT (EdDSA) by the
//! platform's `did:web` identity, revocable through a Bitstring Status List.
//!
//! Submodules: [`shipped`] (the definitions the platform ships), [`jws`] (Ed25519 keys and
//! compact JWS), [`did`] (the `did:web` identity and its DID document), [`vc`] (the issuer
//! profile and the `OpenBadgeCredential`, as JSON and as VC-JWT), [`status`] (the Bitstring
//! Status List) and [`verify`] (the checks the platform's `/verifier` page shows). No I/O:
//! times, keys and the status of a list come in as arguments.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub mod did;
pub mod jws;
pub mod shipped;
pub mod status;
#[cfg(test)]
mod tests;
pub mod vc;
pub mod verify;

pub use jws::SigningKey;
pub use shipped::{shipped, shipped_checksum};
pub use vc::{Issuer, StatusSlot, Subject};
pub use verify::{verify, Check, CheckName, Report};

crate::slug_enum! {
    /// How an achievement is earned.
    pub enum RuleKind ("règle inconnue") {
        /// Attended (or watched the replay of) a webinar on one lever (`target`: the lever).
        LeverWebinar = "lever-webinar", "Webinaire d'un levier suivi";
        /// Attended or watched webinars covering all 7 levers.
        LeverCycle = "lever-cycle", "Cycle des 7 leviers";
        /// Completed a module of the kit de formation (`target`: the module's slug).
        Module = "module", "Module du kit de formation terminé";
        /// Completed a cohort of the parcours (`target`: a cohort's slug, none for any).
        Cohort = "cohort", "Parcours terminé";
        /// A métier activity, attested by an animator (`target`: the activity's slug).
        Activity = "activity", "Activité du métier attestée par un animateur";
        /// Awarded by an animator, with a reason.
        Manual = "manual", "Attribué par un animateur";
    }
}

/// The rule of an achievement: its kind and what it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub kind: RuleKind,
    /// The lever, module, cohort or activity slug the rule is about, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// What an animator edits of an achievement (the OB 3.0 `Achievement`, less what the
/// platform derives: its id, type and issuer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AchievementFields {
    pub name: String,
    pub description: String,
    /// The criteria in words (OB 3.0 `criteria.narrative`, Markdown).
    pub criteria: String,
    pub rule: Rule,
    /// Slugs of the levers it is aligned to.
    #[serde(default)]
    pub levers: Vec<String>,
    /// Slugs of the métier activities it is aligned to.
    #[serde(default)]
    pub activities: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// What a person did that rules read: the levers of the webinars she attended or whose
/// replay she watched (as a unit of the kit), the modules she completed, the cohorts she
/// completed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub levers: BTreeSet<String>,
    pub modules: BTreeSet<String>,
    pub cohorts: BTreeSet<String>,
}

impl RuleKind {
    /// Whether the platform awards it by itself when the rule is met (attendance, modules,
    /// cohorts); métier activities and manual awards need an animator.
    pub fn automatic(self) -> bool {
        !matches!(self, RuleKind::Activity | RuleKind::Manual)
    }
}

impl Rule {
    /// Whether `facts` meet the rule. `all_levers` are the slugs of every lever of the frame
    /// (the cycle needs each of them; an empty frame meets no cycle). Rules that are not
    /// [automatic](RuleKind::automatic) are never met here.
    pub fn met(&self, facts: &Facts, all_levers: &[String]) -> bool {
        let target = self.target.as_deref();
        match self.kind {
            RuleKind::LeverWebinar => target.is_some_and(|t| facts.levers.contains(t)),
            RuleKind::LeverCycle => {
                !all_levers.is_empty() && all_levers.iter().all(|l| facts.levers.contains(l))
            }
            RuleKind::Module => target.is_some_and(|t| facts.modules.contains(t)),
            RuleKind::Cohort => match target {
                None => !facts.cohorts.is_empty(),
                Some(t) => facts.cohorts.contains(t),
            },
            RuleKind::Activity | RuleKind::Manual => false,
        }
    }
}
