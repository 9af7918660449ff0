//! Les besoins des territoires: what a territory needs, said by a member or by a visitor who
//! confirms by email, reviewed by a moderator before anyone sees it, then followed from
//! « ouvert » to « en relation », « résolu » or « clos » with a dated trail. No I/O here: the
//! model and the rules of what is valid. The engine that proposes who could help is
//! [`suggest`].
//!
//! A need keeps its versions like a case does ([`Moderated`]): the published one, approved by
//! a moderator, and a draft waiting for review (or rejected).

pub mod suggest;

use crate::network::{
    check_len, check_lines, dedup, problem, unknown, FieldProblem, Moderated, TerritoryRef,
};
use crate::reference::ReferenceFrame;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::slug_enum! {
    /// Where a need stands. A need is « ouvert » once published; it moves to « en relation »
    /// when someone offers help or the platform puts its author in touch; its author (or a
    /// moderator) says when it is « résolu », or « clos » without a solution.
    pub enum NeedStatus ("statut inconnu") {
        Ouvert = "ouvert", "Ouvert";
        EnRelation = "en-relation", "En relation";
        Resolu = "resolu", "Résolu";
        Clos = "clos", "Clos";
    }
}

impl NeedStatus {
    /// Whether the need still waits for help (shown on maps, portraits and lever pages).
    pub fn is_open(self) -> bool {
        matches!(self, NeedStatus::Ouvert | NeedStatus::EnRelation)
    }

    /// Whether a need may move from `self` to `to`. « Résolu » and « clos » may be reopened
    /// (« ouvert ») by the author if the solution did not hold.
    pub fn may_become(self, to: NeedStatus) -> bool {
        use NeedStatus::*;
        match (self, to) {
            (a, b) if a == b => false,
            (Ouvert, EnRelation | Resolu | Clos) => true,
            (EnRelation, Ouvert | Resolu | Clos) => true,
            (Resolu | Clos, Ouvert) => true,
            _ => false,
        }
    }
}

crate::slug_enum! {
    /// When the territory would like an answer.
    pub enum Horizon ("échéance inconnue") {
        TroisMois = "3-mois", "Dans les 3 mois";
        SixMois = "6-mois", "Dans les 6 mois";
        UnAn = "1-an", "Dans l'année";
        SansEcheance = "sans-echeance", "Sans échéance";
    }
}

crate::slug_enum! {
    /// How a need reached the platform.
    pub enum NeedOrigin ("origine inconnue") {
        /// The form `/besoins/nouveau`.
        Formulaire = "formulaire", "Formulaire";
        /// The webinar registration's question « Quel est votre besoin ? ».
        Webinaire = "webinaire", "Inscription à un webinaire";
        /// `catalyse needs import`.
        Import = "import", "Import";
        /// Generated example data.
        Exemple = "exemple", "Données d'exemple";
    }
}

/// What describes a need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeedFields {
    pub title: String,
    /// Markdown, sanitised when shown.
    pub description: String,
    /// Where the need is: a commune, an EPCI, a département or a région, by level and code.
    pub territory: TerritoryRef,
    /// Who expresses it, as shown publicly (« Mairie de Saint-Jean », « Association Les
    /// Liens »); may be empty.
    pub organisation: String,
    /// Slug of the actor family of who expresses it, if said (it makes the suggestions
    /// complementary: another family than hers is sought first).
    pub author_family: String,
    /// Slug of the fragility it answers (`data/reference/survey.toml`).
    pub fragility: String,
    /// Slugs of the levers concerned (of the 7).
    pub levers: Vec<String>,
    /// Slugs of the actor families sought.
    pub families: Vec<String>,
    /// Slugs of the métier activities sought (of the 16).
    pub activities: Vec<String>,
    pub horizon: Horizon,
}

pub const MAX_DESCRIPTION_CHARS: usize = 5000;

impl NeedFields {
    /// Trims every text, removes repeated slugs, turns line ends of the description into `\n`.
    pub fn normalise(&mut self) {
        for s in [
            &mut self.title,
            &mut self.description,
            &mut self.organisation,
            &mut self.author_family,
            &mut self.fragility,
        ] {
            *s = s.replace("\r\n", "\n").trim().to_string();
        }
        self.description = self.description.replace('\t', "    ");
        self.territory.code = self.territory.code.trim().to_string();
        for list in [&mut self.levers, &mut self.families, &mut self.activities] {
            dedup(list);
        }
    }

    /// Every problem with the fields, in French, against the reference frame and the slugs of
    /// the observatory's fragilities. The territory's code is checked by the caller, who holds
    /// the geography.
    pub fn problems(&self, frame: &ReferenceFrame, fragilities: &[&str]) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let out = &mut out;
        check_len(out, "title", "Le titre", &self.title, 4, 160);
        let n = self.description.chars().count();
        if n < 20 {
            problem(
                out,
                "description",
                "Décrivez le besoin en quelques phrases (au moins 20 caractères).",
            );
        }
        check_lines(
            out,
            "description",
            "La description",
            &self.description,
            MAX_DESCRIPTION_CHARS,
        );
        if self.territory.code.is_empty() {
            problem(
                out,
                "territory",
                "Indiquez le territoire concerné (commune, intercommunalité, département ou région).",
            );
        }
        check_len(
            out,
            "organisation",
            "La structure",
            &self.organisation,
            0,
            160,
        );
        let families: Vec<&str> = frame
            .actor_families
            .iter()
            .map(|f| f.slug.as_str())
            .collect();
        if !self.author_family.is_empty() && !families.contains(&self.author_family.as_str()) {
            problem(
                out,
                "author_family",
                format!(
                    "La famille d'acteurs « {} » n'existe pas.",
                    self.author_family
                ),
            );
        }
        if self.fragility.is_empty() {
            problem(
                out,
                "fragility",
                "Choisissez la fragilité à laquelle le besoin se rapporte.",
            );
        } else if !fragilities.contains(&self.fragility.as_str()) {
            problem(
                out,
                "fragility",
                format!("La fragilité « {} » n'existe pas.", self.fragility),
            );
        }
        let levers: Vec<&str> = frame.levers.iter().map(|l| l.slug.as_str()).collect();
        if let Some(bad) = unknown(&self.levers, &levers) {
            problem(out, "levers", format!("Le levier « {bad} » n'existe pas."));
        }
        if let Some(bad) = unknown(&self.families, &families) {
            problem(
                out,
                "families",
                format!("La famille d'acteurs « {bad} » n'existe pas."),
            );
        }
        let activities: Vec<&str> = frame
            .metier
            .iter()
            .flat_map(|f| f.activities.iter().map(|a| a.slug.as_str()))
            .collect();
        if let Some(bad) = unknown(&self.activities, &activities) {
            problem(
                out,
                "activities",
                format!("L'activité « {bad} » n'existe pas."),
            );
        }
        if self.levers.is_empty() && self.families.is_empty() && self.activities.is_empty() {
            problem(
                out,
                "activities",
                "Dites ce que vous cherchez : au moins un levier, une famille d'acteurs ou une activité.",
            );
        }
        std::mem::take(out)
    }
}

/// One dated step of a need's life, shown on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeedEvent {
    pub at: DateTime<Utc>,
    pub status: NeedStatus,
    /// What happened, in French (« Mise en relation demandée avec Association X »).
    pub note: String,
}

/// A need as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub id: i64,
    pub slug: String,
    /// The member who expressed it; `None` for a visitor, for imported or example data, or
    /// once her account is deleted.
    pub author_id: Option<i64>,
    /// A visitor's address, never shown; relayed mails go to it.
    #[serde(skip)]
    pub author_email: Option<String>,
    /// When a visitor confirmed her address (members need not): until then the need is not
    /// sent to moderation.
    pub confirmed_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub moderated: Moderated<NeedFields>,
    pub status: NeedStatus,
    /// The dated trail, oldest first.
    pub trail: Vec<NeedEvent>,
    pub origin: NeedOrigin,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Need {
    /// Whether anyone may see it: approved once.
    pub fn is_public(&self) -> bool {
        self.moderated.published.is_some()
    }

    /// The version everyone sees, if it is public.
    pub fn public_fields(&self) -> Option<&NeedFields> {
        self.moderated.published.as_ref()
    }

    /// Whether the platform can write to its author: a member, or a visitor by the address she
    /// confirmed (imported and example needs may have neither).
    pub fn author_reachable(&self) -> bool {
        self.author_id.is_some() || self.author_email.is_some()
    }

    /// Whether it is public and still waits for help.
    pub fn is_open(&self) -> bool {
        self.is_public() && self.status.is_open()
    }
}

#[cfg(test)]
mod tests;
