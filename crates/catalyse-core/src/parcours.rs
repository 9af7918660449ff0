//! Parcours d'expérience « co-construction territoriale »: a cohort of territory teams over
//! months, its sessions (events of the kinds the seed lists: temps collectifs et individuels,
//! témoignages, visites apprenantes, mises en situation, co-développement), the deliverables
//! expected at each step, and the kit's modules it asks for. No I/O here: the model, the rules
//! of what is valid, and a participant's progress with what she should do next.

use crate::agenda::Event;
use crate::network::{check_len, check_lines, problem, FieldProblem, TerritoryRef};
use crate::resource::StoredFile;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

crate::slug_enum! {
    /// What a person does in a cohort.
    pub enum CohortRole ("rôle inconnu") {
        Participant = "participant", "Participant·e";
        Animateur = "animateur", "Animateur·rice";
    }
}

crate::slug_enum! {
    /// How a deliverable reached the cohort: a file or a link handed in on the platform, or
    /// recorded by an animator when it was handed in another way (on paper, by mail).
    pub enum HandIn ("remise inconnue") {
        Fichier = "fichier", "Fichier";
        Lien = "lien", "Lien";
        Constate = "constate", "Remis hors plateforme (constaté par l'animation)";
    }
}

/// What describes a cohort, as created or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CohortFields {
    pub slug: String,
    pub title: String,
    /// One or two sentences, plain text.
    pub summary: String,
    /// Markdown, sanitised when shown.
    pub description: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Slugs of the kit's modules (`/formation`) the participants follow.
    pub modules: Vec<String>,
}

impl CohortFields {
    pub fn normalise(&mut self) {
        for s in [&mut self.slug, &mut self.title, &mut self.summary] {
            *s = s.trim().to_string();
        }
        self.description = self.description.replace("\r\n", "\n").trim().to_string();
        crate::network::dedup(&mut self.modules);
    }

    /// What is wrong, in French, field by field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if !is_slug(&self.slug) {
            problem(
                &mut out,
                "slug",
                "L'adresse courte : de 3 à 80 lettres minuscules sans accent, chiffres et tirets.",
            );
        }
        check_len(&mut out, "title", "Le titre", &self.title, 3, 160);
        check_len(&mut out, "summary", "Le résumé", &self.summary, 0, 400);
        check_lines(
            &mut out,
            "description",
            "La description",
            &self.description,
            8000,
        );
        if self.ends_on < self.starts_on {
            problem(
                &mut out,
                "ends_on",
                "La date de fin doit suivre la date de début.",
            );
        }
        out
    }
}

/// A lower-case slug of 3 to 80 characters: letters, digits and single hyphens.
pub fn is_slug(s: &str) -> bool {
    (3..=80).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// A cohort as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    pub id: i64,
    pub fields: CohortFields,
    pub is_example: bool,
    pub updated_at: DateTime<Utc>,
}

/// A territory team: a territory and its members (enrolments name their team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: i64,
    pub cohort_id: i64,
    /// As shown (« Communauté de communes du Pays de Lure »).
    pub name: String,
    pub territory: TerritoryRef,
}

/// A person in a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    pub cohort_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub role: CohortRole,
    /// Participants belong to a team; animators to none.
    pub team_id: Option<i64>,
    /// Whether she is emailed when someone answers her in the cohort's space.
    pub notify_replies: bool,
    /// Whether she gets the weekly digest of the cohort's space.
    pub weekly_digest: bool,
}

/// A session: an event of the cohort at a step (1 for the first month's…).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub step: i32,
    pub event: Event,
}

/// What a deliverable is, as created or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverableFields {
    pub title: String,
    /// Plain text: what to hand in and how it will be used.
    pub description: String,
    pub step: i32,
    pub due_on: Option<NaiveDate>,
}

impl DeliverableFields {
    pub fn normalise(&mut self) {
        self.title = self.title.trim().to_string();
        self.description = self.description.replace("\r\n", "\n").trim().to_string();
    }

    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        check_len(
            &mut out,
            "title",
            "Le titre du livrable",
            &self.title,
            3,
            160,
        );
        check_lines(
            &mut out,
            "description",
            "La description du livrable",
            &self.description,
            2000,
        );
        if !(1..=60).contains(&self.step) {
            problem(&mut out, "step", "L'étape est un nombre entre 1 et 60.");
        }
        out
    }
}

/// A deliverable expected from each team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deliverable {
    pub id: i64,
    pub cohort_id: i64,
    pub fields: DeliverableFields,
}

/// A deliverable handed in by a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub id: i64,
    pub deliverable_id: i64,
    pub team_id: i64,
    /// Who handed it in (or the animator who recorded it); `None` once her account is gone.
    pub user_id: Option<i64>,
    pub kind: HandIn,
    pub link: Option<String>,
    pub file: Option<StoredFile>,
    /// What the animator noted when recording it.
    pub note: String,
    pub submitted_at: DateTime<Utc>,
}

/// What a participant has done of what her cohort asks, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Progress {
    pub sessions_done: usize,
    pub sessions_total: usize,
    pub deliverables_done: usize,
    pub deliverables_total: usize,
    pub modules_done: usize,
    pub modules_total: usize,
}

impl Progress {
    pub fn done(&self) -> usize {
        self.sessions_done + self.deliverables_done + self.modules_done
    }

    pub fn total(&self) -> usize {
        self.sessions_total + self.deliverables_total + self.modules_total
    }

    /// Whole percent, rounded down (100 only when everything is done; 0 of 0 is 0).
    pub fn percent(&self) -> u32 {
        match self.total() {
            0 => 0,
            t => (self.done() * 100 / t) as u32,
        }
    }

    /// Everything done: the parcours is complete for her (Open Badges use it).
    pub fn complete(&self) -> bool {
        self.total() > 0 && self.done() == self.total()
    }
}

/// One thing still to do, in the order « à faire ensuite » lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Todo {
    /// A session to come: be there (and prepare what its description asks).
    Session {
        slug: String,
        title: String,
        starts_at: DateTime<Utc>,
    },
    /// A deliverable her team has not handed in yet.
    Deliverable {
        id: i64,
        title: String,
        step: i32,
        due_on: Option<NaiveDate>,
    },
    /// A module of the kit she has not completed.
    Module { slug: String, title: String },
}

/// What one participant's progress is read from.
pub struct ProgressInput<'a> {
    pub sessions: &'a [Session],
    /// Ids of the events she attended.
    pub attended: &'a [i64],
    pub deliverables: &'a [Deliverable],
    /// Ids of the deliverables her team handed in.
    pub handed_in: &'a [i64],
    /// The cohort's modules: slug, title, whether she completed it.
    pub modules: &'a [(String, String, bool)],
    pub now: DateTime<Utc>,
}

/// A participant's progress, and what to do next: sessions to come by date, then her team's
/// missing deliverables by due date (those without one last) and step, then modules in the
/// cohort's order. A session that has passed without her counts as not done but is no longer
/// « to do »: it cannot be attended any more. Cancelled sessions count for nothing.
pub fn progress(input: &ProgressInput<'_>) -> (Progress, Vec<Todo>) {
    use crate::agenda::EventStatus;
    let mut p = Progress::default();
    let mut todo = Vec::new();
    let mut sessions: Vec<&Session> = input
        .sessions
        .iter()
        .filter(|s| s.event.status != EventStatus::Cancelled)
        .collect();
    sessions.sort_by_key(|s| s.event.starts_at);
    for s in sessions {
        p.sessions_total += 1;
        if input.attended.contains(&s.event.id) {
            p.sessions_done += 1;
        } else if s.event.starts_at > input.now {
            todo.push(Todo::Session {
                slug: s.event.slug.clone(),
                title: s.event.title.clone(),
                starts_at: s.event.starts_at,
            });
        }
    }
    let mut missing: Vec<&Deliverable> = Vec::new();
    for d in input.deliverables {
        p.deliverables_total += 1;
        if input.handed_in.contains(&d.id) {
            p.deliverables_done += 1;
        } else {
            missing.push(d);
        }
    }
    missing.sort_by_key(|d| {
        (
            d.fields.due_on.is_none(),
            d.fields.due_on,
            d.fields.step,
            d.id,
        )
    });
    todo.extend(missing.into_iter().map(|d| Todo::Deliverable {
        id: d.id,
        title: d.fields.title.clone(),
        step: d.fields.step,
        due_on: d.fields.due_on,
    }));
    for (slug, title, done) in input.modules {
        p.modules_total += 1;
        if *done {
            p.modules_done += 1;
        } else {
            todo.push(Todo::Module {
                slug: slug.clone(),
                title: title.clone(),
            });
        }
    }
    (p, todo)
}

/// An http(s) address of at most 500 characters, for a deliverable handed in as a link.
pub fn check_link(link: &str) -> Result<String, String> {
    let link = link.trim();
    let ok = (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() <= 500
        && link.len() > "https://".len()
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(link.to_string())
    } else {
        Err("Indiquez une adresse web complète, commençant par https://.".into())
    }
}

#[cfg(test)]
mod tests;
