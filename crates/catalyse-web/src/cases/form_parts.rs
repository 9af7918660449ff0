//! The case form's content: what was typed (kept to show the form again), its rows, and the
//! checks that turn it into `CaseFields` with French messages tied to each field.

pub mod images;

use crate::error::AppError;
use crate::forms::FormErrors;
use crate::i18n::Tr;
use crate::pages::PageCtx;
use crate::state::AppState;
use crate::territories::pick::{self, Ambiguity};
use crate::upload::MultipartForm;
use catalyse_core::cases::{
    Case, CaseActor, CaseFields, CaseFigure, FundingShare, FundingSource, Phase, MAX_ACTORS,
    MAX_FIGURES,
};
use catalyse_core::resource::ResourceState;
use images::{Images, SentImage};

/// The licences a case may be shared under; the first is the default.
pub const LICENCES: [&str; 4] = [
    "CC BY 4.0",
    "CC BY-SA 4.0",
    "Licence Ouverte 2.0",
    "Tous droits réservés",
];

/// Images a submission may add at once.
pub const NEW_IMAGES: usize = 2;
#[derive(Default, Clone)]
pub struct ActorRow {
    pub name: String,
    pub family: String,
    pub role: String,
}

#[derive(Default, Clone)]
pub struct FundingRow {
    pub source: String,
    pub percent: String,
}

#[derive(Default, Clone)]
pub struct FigureRow {
    pub label: String,
    pub value: String,
    pub unit: String,
    pub year: String,
}

/// An image of the version being edited: its number (from 1), its text alternative as typed,
/// and whether it is to be removed.
#[derive(Default, Clone)]
pub struct ImageRow {
    pub n: usize,
    pub alt: String,
    pub remove: bool,
}

/// The form as typed.
#[derive(Default, Clone)]
pub struct Typed {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub territory: String,
    pub territory_choice: String,
    pub territory_offered_for: String,
    pub started_year: String,
    pub phase: String,
    pub fragilities: Vec<String>,
    pub levers: Vec<String>,
    pub families: Vec<String>,
    pub activities: Vec<String>,
    pub actors: Vec<ActorRow>,
    pub funding: Vec<FundingRow>,
    pub model: String,
    pub results: String,
    pub figures: Vec<FigureRow>,
    pub contacts: String,
    pub resources: String,
    pub images: Vec<ImageRow>,
    /// The text alternatives typed for the new images.
    pub new_alts: Vec<String>,
    /// The images sent with an earlier try of the form.
    pub sent: Vec<SentImage>,
    pub source: String,
    pub licence: String,
}

impl Typed {
    pub fn actor(&self, i: &usize) -> ActorRow {
        self.actors.get(*i).cloned().unwrap_or_default()
    }
    pub fn funding_row(&self, i: &usize) -> FundingRow {
        self.funding.get(*i).cloned().unwrap_or_default()
    }
    pub fn figure(&self, i: &usize) -> FigureRow {
        self.figures.get(*i).cloned().unwrap_or_default()
    }
    pub fn new_alt(&self, k: &usize) -> &str {
        self.new_alts.get(*k - 1).map_or("", String::as_str)
    }
}

/// How many rows of each list the form shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rows {
    pub actors: usize,
    pub funding: usize,
    pub figures: usize,
}

pub const ACTOR_ROWS: usize = 6;
pub const FUNDING_ROWS: usize = 4;
pub const FIGURE_ROWS: usize = 3;
/// Rows « ajouter des lignes » adds.
const MORE: usize = 3;

impl Default for Rows {
    fn default() -> Rows {
        Rows {
            actors: ACTOR_ROWS,
            funding: FUNDING_ROWS,
            figures: FIGURE_ROWS,
        }
    }
}

impl Rows {
    /// Enough rows for what is typed, and one free row.
    pub fn at_least(self, d: &Typed) -> Rows {
        Rows {
            actors: self.actors.max(d.actors.len() + 1).min(MAX_ACTORS),
            funding: self
                .funding
                .max(d.funding.len())
                .min(FundingSource::ALL.len()),
            figures: self.figures.max(d.figures.len() + 1).min(MAX_FIGURES),
        }
    }

    /// More rows of one list (« acteurs », « financement », « chiffres »).
    pub fn more(self, which: &str) -> Rows {
        let mut r = self;
        match which {
            "acteurs" => r.actors = (r.actors + MORE).min(MAX_ACTORS),
            "financement" => r.funding = (r.funding + MORE).min(FundingSource::ALL.len()),
            _ => r.figures = (r.figures + MORE).min(MAX_FIGURES),
        }
        r
    }
}

/// The list whose « ajouter des lignes » button was pressed, if one was.
pub fn more_rows(form: &MultipartForm) -> Option<&str> {
    let which = form.field("plus");
    ["acteurs", "financement", "chiffres"]
        .into_iter()
        .find(|w| *w == which)
}

/// A count of rows sent back by the form, within `default..=max`.
fn rows_field(form: &MultipartForm, name: &str, default: usize, max: usize) -> usize {
    form.field(name)
        .trim()
        .parse::<usize>()
        .map_or(default, |n| n.clamp(default, max))
}

/// The form as sent; `current` is the version edited (its images are listed by number).
pub fn read(state: &AppState, form: &MultipartForm, current: Option<&CaseFields>) -> (Typed, Rows) {
    let rows = Rows {
        actors: rows_field(form, "lignes_acteurs", ACTOR_ROWS, MAX_ACTORS),
        funding: rows_field(
            form,
            "lignes_financement",
            FUNDING_ROWS,
            FundingSource::ALL.len(),
        ),
        figures: rows_field(form, "lignes_chiffres", FIGURE_ROWS, MAX_FIGURES),
    };
    let f = |name: &str| form.field(name).to_string();
    let r = &state.reference;
    let d = Typed {
        title: f("title"),
        summary: f("summary"),
        body: f("body"),
        territory: f("territory"),
        territory_choice: f("territoire_choix"),
        territory_offered_for: f("territoire_choix_pour"),
        started_year: f("started_year"),
        phase: f("phase"),
        fragilities: form.ticked(
            "fragilite",
            state.fragilities.iter().map(|x| x.slug.as_str()),
        ),
        levers: form.ticked("levier", r.levers.iter().map(|l| l.slug.as_str())),
        families: form.ticked("famille", r.actor_families.iter().map(|x| x.slug.as_str())),
        activities: form.ticked(
            "activite",
            (r.metier.iter()).flat_map(|m| m.activities.iter().map(|a| a.slug.as_str())),
        ),
        actors: (0..rows.actors)
            .map(|i| ActorRow {
                name: f(&format!("acteur_{i}_nom")),
                family: f(&format!("acteur_{i}_famille")),
                role: f(&format!("acteur_{i}_role")),
            })
            .collect(),
        funding: (0..rows.funding)
            .map(|i| FundingRow {
                source: f(&format!("financement_{i}_source")),
                percent: f(&format!("financement_{i}_part")),
            })
            .collect(),
        model: f("model"),
        results: f("results"),
        figures: (0..rows.figures)
            .map(|i| FigureRow {
                label: f(&format!("chiffre_{i}_libelle")),
                value: f(&format!("chiffre_{i}_valeur")),
                unit: f(&format!("chiffre_{i}_unite")),
                year: f(&format!("chiffre_{i}_annee")),
            })
            .collect(),
        contacts: f("contacts"),
        resources: f("resources"),
        images: (1..=current.map_or(0, |c| c.images.len()))
            .map(|n| ImageRow {
                n,
                alt: f(&format!("image_{n}_alt")),
                remove: form.field(&format!("image_{n}_retirer")) == "oui",
            })
            .collect(),
        new_alts: (1..=NEW_IMAGES)
            .map(|k| f(&format!("nouvelle_image_{k}_alt")))
            .collect(),
        sent: images::read_sent(form),
        source: f("source"),
        licence: f("licence"),
    };
    (d, rows)
}

/// The form filled with a version, to edit it.
pub async fn typed_from(state: &AppState, f: &CaseFields) -> Result<Typed, AppError> {
    let territory = pick::line_of(&state.territories, &f.territory);
    let contacts: Vec<String> = state
        .store
        .profiles_by_ids(&f.contacts)
        .await?
        .into_iter()
        .map(|p| p.slug)
        .collect();
    Ok(Typed {
        title: f.title.clone(),
        summary: f.summary.clone(),
        body: f.body.clone(),
        territory,
        started_year: f.started_year.map(|y| y.to_string()).unwrap_or_default(),
        phase: f.phase.as_str().into(),
        fragilities: f.fragilities.clone(),
        levers: f.levers.clone(),
        families: f.families.clone(),
        activities: f.activities.clone(),
        actors: (f.actors.iter())
            .map(|a| ActorRow {
                name: a.name.clone(),
                family: a.family.clone(),
                role: a.role.clone(),
            })
            .collect(),
        funding: (f.funding.iter())
            .map(|s| FundingRow {
                source: s.source.as_str().into(),
                percent: s.percent.to_string(),
            })
            .collect(),
        model: f.model.clone(),
        results: f.results.clone(),
        figures: (f.figures.iter())
            .map(|x| FigureRow {
                label: x.label.clone(),
                value: x.value.to_string(),
                unit: x.unit.clone(),
                year: x.year.map(|y| y.to_string()).unwrap_or_default(),
            })
            .collect(),
        contacts: contacts.join(", "),
        resources: f.resources.join(", "),
        images: (f.images.iter().enumerate())
            .map(|(i, img)| ImageRow {
                n: i + 1,
                alt: img.alt.clone(),
                remove: false,
            })
            .collect(),
        new_alts: vec![String::new(); NEW_IMAGES],
        source: f.source.clone(),
        licence: f.licence.clone(),
        ..Typed::default()
    })
}

/// The order of the form's fields, for the error summary.
const ORDER: [&str; 20] = [
    "title",
    "summary",
    "body",
    "territory",
    "started_year",
    "phase",
    "fragilities",
    "levers",
    "families",
    "activities",
    "actors",
    "funding",
    "model",
    "results",
    "figures",
    "contacts",
    "resources",
    "images",
    "source",
    "licence",
];

/// A list typed with commas, semicolons, spaces or lines; each item may be an address whose
/// last segment is the slug (« /reseau/camille-martin »).
fn slugs(typed: &str) -> Vec<String> {
    typed
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(|s| s.trim().trim_end_matches('/'))
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit('/').next().unwrap_or(s).to_lowercase())
        .collect()
}

/// A number as people type it: « 1 250,5 » or « 1250.5 ».
fn number(typed: &str) -> Option<f64> {
    let s: String = typed
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A checked form.
pub struct Checked {
    /// The version to submit, or the errors in French tied to their fields and the
    /// territories to choose from.
    pub outcome: Result<CaseFields, (FormErrors, Option<Ambiguity>)>,
    /// The image files to store (JPEG), whichever the outcome: see [`images::Images`].
    pub files: Vec<Vec<u8>>,
}

/// A form as sent, with what its checks read besides.
pub struct Submission<'a> {
    pub state: &'a AppState,
    pub ctx: &'a PageCtx,
    /// The case edited; None for a new one.
    pub case: Option<&'a Case>,
    pub form: &'a MultipartForm,
    /// The largest image accepted, in MB.
    pub max_mb: u64,
}

/// Checks a form, `d` as read from it. A territory ticked among candidates replaces the one
/// typed; the good images become `d.sent`. Nothing is written here.
pub async fn check(sub: &Submission<'_>, d: &mut Typed) -> Result<Checked, AppError> {
    let (state, t) = (sub.state, sub.ctx.t);
    let current = sub.case.and_then(|c| c.moderated.current());
    let mut errors = FormErrors::default();
    let (territory, choices) = pick::territory(
        t,
        &state.territories,
        &mut d.territory,
        (
            "territoire_choix",
            &d.territory_choice,
            &d.territory_offered_for,
        ),
        &mut errors,
    );
    let started_year = match d.started_year.trim() {
        "" => None,
        y => y.parse::<i32>().ok().or_else(|| {
            errors.push("started_year", t.f("cases_form.err_year", y));
            None
        }),
    };
    let phase = d.phase.parse::<Phase>().ok();
    if phase.is_none() {
        errors.push("phase", t.s("cases_form.err_phase"));
    }
    let funding = funding(t, d, &mut errors);
    let figures = figures(t, d, &mut errors);
    let contacts = contacts(state, t, &d.contacts, &mut errors).await?;
    let resources = resources(state, t, &d.resources, &mut errors).await?;
    let licence_known =
        LICENCES.contains(&d.licence.as_str()) || current.is_some_and(|c| c.licence == d.licence);
    if !licence_known {
        errors.push("licence", t.s("cases_form.err_licence"));
    }
    let Images { images, files } = images::check(sub, d, &mut errors).await?;
    let mut fields = CaseFields {
        title: d.title.clone(),
        summary: d.summary.clone(),
        body: d.body.clone(),
        territory,
        started_year,
        phase: phase.unwrap_or(Phase::Emergence),
        fragilities: d.fragilities.clone(),
        levers: d.levers.clone(),
        families: d.families.clone(),
        actors: (d.actors.iter())
            .map(|a| CaseActor {
                name: a.name.clone(),
                family: a.family.clone(),
                role: a.role.clone(),
            })
            .collect(),
        activities: d.activities.clone(),
        funding,
        model: d.model.clone(),
        results: d.results.clone(),
        figures,
        contacts,
        resources,
        images,
        source: d.source.clone(),
        licence: d.licence.clone(),
    };
    fields.normalise();
    let fragilities: Vec<&str> = state.fragilities.iter().map(|f| f.slug.as_str()).collect();
    let frame = crate::network::live::frame(state);
    for p in fields.problems(&frame, &fragilities) {
        let already = errors.get(p.field).is_some();
        if !(already && matches!(p.field, "territory" | "licence")) {
            errors.push(p.field, p.message);
        }
    }
    if errors.is_empty() {
        return Ok(Checked {
            outcome: Ok(fields),
            files,
        });
    }
    errors.sort_by(&ORDER);
    Ok(Checked {
        outcome: Err((errors, choices)),
        files,
    })
}

fn funding(t: Tr, d: &Typed, errors: &mut FormErrors) -> Vec<FundingShare> {
    let mut out = vec![];
    for (i, row) in d.funding.iter().enumerate() {
        let n = i + 1;
        let (source, percent) = (row.source.trim(), row.percent.trim());
        if source.is_empty() && percent.is_empty() {
            continue;
        }
        let source = source.parse::<FundingSource>().ok();
        if source.is_none() {
            errors.push("funding", t.f("cases_form.err_funding_source", n));
        }
        let percent = percent.trim_end_matches('%').trim().parse::<u8>().ok();
        if percent.is_none() {
            errors.push("funding", t.f("cases_form.err_funding_percent", n));
        }
        if let (Some(source), Some(percent)) = (source, percent) {
            out.push(FundingShare { source, percent });
        }
    }
    out
}

fn figures(t: Tr, d: &Typed, errors: &mut FormErrors) -> Vec<CaseFigure> {
    let mut out = vec![];
    for (i, row) in d.figures.iter().enumerate() {
        let n = i + 1;
        let all = [&row.label, &row.value, &row.unit, &row.year];
        if all.iter().all(|s| s.trim().is_empty()) {
            continue;
        }
        let value = number(&row.value);
        if value.is_none() {
            errors.push("figures", t.f("cases_form.err_figure_value", n));
        }
        let year = match row.year.trim() {
            "" => None,
            y => y.parse::<i32>().ok().or_else(|| {
                errors.push("figures", t.f("cases_form.err_figure_year", n));
                None
            }),
        };
        out.push(CaseFigure {
            label: row.label.clone(),
            value: value.unwrap_or(0.0),
            unit: row.unit.clone(),
            year,
        });
    }
    out
}

/// The members to contact, by the slug of their published profile.
async fn contacts(
    state: &AppState,
    t: Tr,
    typed: &str,
    errors: &mut FormErrors,
) -> Result<Vec<i64>, AppError> {
    let mut out = vec![];
    for slug in slugs(typed) {
        match state.store.profile_by_slug(&slug).await? {
            Some(p) if p.moderated.published.is_some() => out.push(p.user_id),
            _ => errors.push("contacts", t.f("cases_form.err_contact", &slug)),
        }
    }
    Ok(out)
}

/// The linked resources, by slug: published ones only.
async fn resources(
    state: &AppState,
    t: Tr,
    typed: &str,
    errors: &mut FormErrors,
) -> Result<Vec<String>, AppError> {
    let mut out = vec![];
    for slug in slugs(typed) {
        match state.store.resource_by_slug(&slug).await? {
            Some(r) if r.state == ResourceState::Published => out.push(r.slug.clone()),
            _ => errors.push("resources", t.f("cases_form.err_resource", &slug)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_numbers_as_people_type_them() {
        assert_eq!(
            slugs("camille-martin, /reseau/Dom-Durand/\nhttps://x.fr/ressources/guide ; "),
            vec!["camille-martin", "dom-durand", "guide"]
        );
        assert_eq!(number("1 250,5"), Some(1250.5));
        assert_eq!(number("12.5"), Some(12.5));
        assert_eq!(number("beaucoup"), None);
        assert_eq!(number("inf"), None);
    }

    #[test]
    fn rows_grow_within_bounds() {
        let r = Rows::default().more("acteurs").more("chiffres");
        assert_eq!((r.actors, r.funding, r.figures), (9, 4, 6));
        let mut r = Rows::default();
        for _ in 0..20 {
            r = r.more("acteurs").more("financement");
        }
        assert_eq!(
            (r.actors, r.funding),
            (MAX_ACTORS, FundingSource::ALL.len())
        );
    }
}
