//! Les pratiques innovantes: case studies of territorial alliances, documented by members and
//! reviewed by a moderator before anyone sees them. No I/O here: the model and the rules of
//! what is valid.
//!
//! A case keeps its versions like a place does ([`Moderated`]): the published one, approved by
//! a moderator, and a draft waiting for review (or rejected). Archiving withdraws a case from
//! every public view without deleting it.

pub mod shipped;

use crate::network::{
    check_len, check_lines, dedup, problem, unknown, FieldProblem, Moderated, TerritoryRef,
};
use crate::reference::ReferenceFrame;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

crate::slug_enum! {
    /// Where an initiative stands in its life.
    pub enum Phase ("phase inconnue") {
        Emergence = "emergence", "Émergence";
        Experimentation = "experimentation", "Expérimentation";
        Consolidation = "consolidation", "Consolidation";
        Essaimage = "essaimage", "Essaimage";
    }
}

crate::slug_enum! {
    /// Where the money of an initiative comes from.
    pub enum FundingSource ("source de financement inconnue") {
        Etat = "etat", "État";
        Collectivites = "collectivites", "Collectivités territoriales";
        Europe = "europe", "Union européenne";
        Fondations = "fondations", "Fondations";
        Entreprises = "entreprises", "Entreprises (mécénat, partenariats)";
        RecettesPropres = "recettes-propres", "Recettes propres";
        Citoyens = "citoyens", "Citoyens (dons, financement participatif)";
        Autre = "autre", "Autre";
    }
}

/// One share of the funding mix, in percent of the whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundingShare {
    pub source: FundingSource,
    pub percent: u8,
}

/// An actor of the alliance, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseActor {
    pub name: String,
    /// Slug of its actor family (`data/reference/actor_families.toml`).
    pub family: String,
    /// What it does in the alliance.
    pub role: String,
}

/// A result in figures: « 120 personnes accompagnées en 2018 ».
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFigure {
    pub label: String,
    pub value: f64,
    pub unit: String,
    pub year: Option<i32>,
}

/// An image of the case, kept in the file store like profile photos (by the SHA-256 of its
/// content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseImage {
    /// The file store's key: the SHA-256 (hex) of the image.
    pub file: String,
    /// Its text alternative, required.
    pub alt: String,
}

/// What describes a case study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFields {
    pub title: String,
    pub summary: String,
    /// Markdown, sanitised when shown.
    pub body: String,
    /// Where it happens: a commune, an EPCI, a département or a région, by level and code
    /// (the code alone is ambiguous: région 01 and département 01 differ).
    pub territory: TerritoryRef,
    pub started_year: Option<i32>,
    pub phase: Phase,
    /// Slugs of the fragilities addressed (`data/reference/survey.toml`).
    pub fragilities: Vec<String>,
    /// Slugs of the levers (of the 7).
    pub levers: Vec<String>,
    /// Slugs of the actor families involved.
    pub families: Vec<String>,
    pub actors: Vec<CaseActor>,
    /// Slugs of the métier activities it illustrates (of the 16).
    pub activities: Vec<String>,
    /// The funding mix; its shares add up to 100 when any is given.
    pub funding: Vec<FundingShare>,
    /// The socio-economic model, in words.
    pub model: String,
    /// The results, in words.
    pub results: String,
    pub figures: Vec<CaseFigure>,
    /// User ids of the members to contact about it.
    pub contacts: Vec<i64>,
    /// Slugs of linked resources of the centre.
    pub resources: Vec<String>,
    pub images: Vec<CaseImage>,
    pub source: String,
    pub licence: String,
}

pub const MAX_FRAGILITIES: usize = 5;
pub const MAX_LEVERS: usize = 7;
pub const MAX_ACTORS: usize = 30;
pub const MAX_FIGURES: usize = 12;
pub const MAX_IMAGES: usize = 6;
pub const MAX_CONTACTS: usize = 10;
pub const MAX_RESOURCES: usize = 20;
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_MODEL_CHARS: usize = 4000;
pub const FIRST_YEAR: i32 = 1950;

impl CaseFields {
    /// Trims every text, removes repeated slugs, contacts and images, turns tabs of the body
    /// into spaces and its line ends into `\n`.
    pub fn normalise(&mut self) {
        for s in [
            &mut self.title,
            &mut self.summary,
            &mut self.body,
            &mut self.model,
            &mut self.results,
            &mut self.source,
            &mut self.licence,
        ] {
            *s = s.replace("\r\n", "\n").trim().to_string();
        }
        self.body = self.body.replace('\t', "    ");
        self.territory.code = self.territory.code.trim().to_string();
        for list in [
            &mut self.fragilities,
            &mut self.levers,
            &mut self.families,
            &mut self.activities,
            &mut self.resources,
        ] {
            dedup(list);
        }
        for a in &mut self.actors {
            for s in [&mut a.name, &mut a.family, &mut a.role] {
                *s = s.trim().to_string();
            }
        }
        self.actors
            .retain(|a| !(a.name.is_empty() && a.family.is_empty() && a.role.is_empty()));
        for f in &mut self.figures {
            f.label = f.label.trim().to_string();
            f.unit = f.unit.trim().to_string();
        }
        for i in &mut self.images {
            i.file = i.file.trim().to_string();
            i.alt = i.alt.trim().to_string();
        }
        let mut seen = HashSet::new();
        self.images.retain(|i| seen.insert(i.file.clone()));
        let mut seen = HashSet::new();
        self.contacts.retain(|c| seen.insert(*c));
    }

    /// Every problem with the fields, in French, against the reference frame and the slugs of
    /// the observatory's fragilities, this year. The territory's code and the contacts,
    /// resources and images (that they exist) are checked by the caller, who holds them.
    pub fn problems(&self, frame: &ReferenceFrame, fragilities: &[&str]) -> Vec<FieldProblem> {
        self.problems_in(frame, fragilities, Utc::now().year())
    }

    /// [`CaseFields::problems`] in the year `this_year`.
    pub fn problems_in(
        &self,
        frame: &ReferenceFrame,
        fragilities: &[&str],
        this_year: i32,
    ) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let out = &mut out;
        check_len(out, "title", "Le titre", &self.title, 4, 160);
        let n = self.summary.chars().count();
        if n < 20 {
            problem(
                out,
                "summary",
                "Le résumé : au moins 20 caractères, s'il vous plaît.",
            );
        }
        check_lines(out, "summary", "Le résumé", &self.summary, 600);
        check_lines(out, "body", "Le récit", &self.body, MAX_BODY_CHARS);
        if self.territory.code.is_empty() {
            problem(
                out,
                "territory",
                "Indiquez le territoire de l'initiative (commune, intercommunalité, département ou région).",
            );
        }
        let years = FIRST_YEAR..=this_year + 1;
        if let Some(y) = self.started_year.filter(|y| !years.contains(y)) {
            problem(
                out,
                "started_year",
                format!(
                    "L'année de démarrage ({y}) doit être comprise entre {FIRST_YEAR} et {}.",
                    this_year + 1
                ),
            );
        }
        if self.fragilities.is_empty() {
            problem(
                out,
                "fragilities",
                "Choisissez au moins une fragilité à laquelle l'initiative répond.",
            );
        } else if self.fragilities.len() > MAX_FRAGILITIES {
            problem(
                out,
                "fragilities",
                format!("{MAX_FRAGILITIES} fragilités au plus."),
            );
        }
        if let Some(bad) = unknown(&self.fragilities, fragilities) {
            problem(
                out,
                "fragilities",
                format!("La fragilité « {bad} » n'existe pas."),
            );
        }
        let levers: Vec<&str> = frame.levers.iter().map(|l| l.slug.as_str()).collect();
        if self.levers.is_empty() {
            problem(out, "levers", "Choisissez au moins un levier.");
        } else if self.levers.len() > MAX_LEVERS {
            problem(out, "levers", format!("{MAX_LEVERS} leviers au plus."));
        }
        if let Some(bad) = unknown(&self.levers, &levers) {
            problem(out, "levers", format!("Le levier « {bad} » n'existe pas."));
        }
        let families: Vec<&str> = frame
            .actor_families
            .iter()
            .map(|f| f.slug.as_str())
            .collect();
        if let Some(bad) = unknown(&self.families, &families) {
            problem(
                out,
                "families",
                format!("La famille d'acteurs « {bad} » n'existe pas."),
            );
        }
        self.actor_problems(out, &families);
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
        self.funding_problems(out);
        check_lines(
            out,
            "model",
            "Le modèle socio-économique",
            &self.model,
            MAX_MODEL_CHARS,
        );
        check_lines(
            out,
            "results",
            "Les résultats",
            &self.results,
            MAX_MODEL_CHARS,
        );
        self.figure_problems(out, years);
        if self.contacts.len() > MAX_CONTACTS {
            problem(
                out,
                "contacts",
                format!("{MAX_CONTACTS} personnes à contacter au plus."),
            );
        }
        if self.resources.len() > MAX_RESOURCES {
            problem(
                out,
                "resources",
                format!("{MAX_RESOURCES} ressources liées au plus."),
            );
        }
        self.image_problems(out);
        check_len(out, "source", "La source", &self.source, 0, 300);
        if self.licence.is_empty() {
            problem(
                out,
                "licence",
                "Indiquez la licence sous laquelle le récit est partagé.",
            );
        } else {
            check_len(out, "licence", "La licence", &self.licence, 1, 120);
        }
        std::mem::take(out)
    }

    fn actor_problems(&self, out: &mut Vec<FieldProblem>, families: &[&str]) {
        if self.actors.len() > MAX_ACTORS {
            problem(out, "actors", format!("{MAX_ACTORS} acteurs au plus."));
        }
        for (i, a) in self.actors.iter().enumerate() {
            let n = i + 1;
            check_len(
                out,
                "actors",
                &format!("Le nom de l'acteur n° {n}"),
                &a.name,
                2,
                120,
            );
            check_len(
                out,
                "actors",
                &format!("Le rôle de l'acteur n° {n}"),
                &a.role,
                0,
                200,
            );
            if a.family.is_empty() {
                problem(
                    out,
                    "actors",
                    format!("Choisissez la famille de l'acteur n° {n}."),
                );
            } else if !families.contains(&a.family.as_str()) {
                problem(
                    out,
                    "actors",
                    format!(
                        "La famille « {} » de l'acteur n° {n} n'existe pas.",
                        a.family
                    ),
                );
            }
        }
    }

    fn funding_problems(&self, out: &mut Vec<FieldProblem>) {
        let mut seen = HashSet::new();
        if let Some(twice) = self.funding.iter().find(|s| !seen.insert(s.source)) {
            problem(
                out,
                "funding",
                format!(
                    "La source « {} » apparaît deux fois dans le financement.",
                    twice.source.label_fr()
                ),
            );
        }
        if let Some(s) = self
            .funding
            .iter()
            .find(|s| s.percent == 0 || s.percent > 100)
        {
            problem(
                out,
                "funding",
                format!(
                    "La part « {} » doit être comprise entre 1 et 100 %.",
                    s.source.label_fr()
                ),
            );
        }
        let total: u32 = self.funding.iter().map(|s| u32::from(s.percent)).sum();
        if !self.funding.is_empty() && total != 100 {
            problem(
                out,
                "funding",
                format!("Les parts du financement font {total} % au lieu de 100 %."),
            );
        }
    }

    fn figure_problems(&self, out: &mut Vec<FieldProblem>, years: std::ops::RangeInclusive<i32>) {
        if self.figures.len() > MAX_FIGURES {
            problem(out, "figures", format!("{MAX_FIGURES} chiffres au plus."));
        }
        for (i, f) in self.figures.iter().enumerate() {
            let n = i + 1;
            check_len(
                out,
                "figures",
                &format!("Le libellé du chiffre n° {n}"),
                &f.label,
                2,
                160,
            );
            check_len(
                out,
                "figures",
                &format!("L'unité du chiffre n° {n}"),
                &f.unit,
                0,
                40,
            );
            if !f.value.is_finite() {
                problem(
                    out,
                    "figures",
                    format!("La valeur du chiffre n° {n} n'est pas un nombre."),
                );
            }
            if let Some(y) = f.year.filter(|y| !years.contains(y)) {
                problem(
                    out,
                    "figures",
                    format!(
                        "L'année du chiffre n° {n} ({y}) doit être comprise entre {} et {}.",
                        years.start(),
                        years.end()
                    ),
                );
            }
        }
    }

    fn image_problems(&self, out: &mut Vec<FieldProblem>) {
        if self.images.len() > MAX_IMAGES {
            problem(out, "images", format!("{MAX_IMAGES} images au plus."));
        }
        for (i, img) in self.images.iter().enumerate() {
            let n = i + 1;
            if img.file.is_empty() {
                problem(out, "images", format!("L'image n° {n} n'a pas de fichier."));
            }
            if img.alt.is_empty() {
                problem(
                    out,
                    "images",
                    format!("Décrivez l'image n° {n} (texte alternatif) pour qui ne la voit pas."),
                );
            } else {
                check_len(
                    out,
                    "images",
                    &format!("Le texte alternatif de l'image n° {n}"),
                    &img.alt,
                    1,
                    250,
                );
            }
        }
    }

    /// The file store keys of its images.
    pub fn image_files(&self) -> impl Iterator<Item = &str> {
        self.images.iter().map(|i| i.file.as_str())
    }
}

/// A case study as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: i64,
    pub slug: String,
    /// The member who documented it; `None` for data shipped with the platform or once her
    /// account is deleted.
    pub created_by: Option<i64>,
    #[serde(flatten)]
    pub moderated: Moderated<CaseFields>,
    /// When it was withdrawn from public view, if it was.
    pub archived_at: Option<DateTime<Utc>>,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
    /// One of the experiences the seed documents (shipped with the platform).
    pub is_reference: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Case {
    /// Whether anyone may see it: approved once, and not archived.
    pub fn is_public(&self) -> bool {
        self.moderated.published.is_some() && self.archived_at.is_none()
    }

    /// The version everyone sees, if it is public.
    pub fn public_fields(&self) -> Option<&CaseFields> {
        self.moderated
            .published
            .as_ref()
            .filter(|_| self.is_public())
    }
}

#[cfg(test)]
mod tests;
