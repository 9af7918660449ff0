//! The need form's content: what was typed (kept to show the form again as it was), and the
//! checks that turn it into `NeedFields` with French messages tied to each field. A visitor
//! also gives the address her confirmation link goes to.

use crate::forms::FormErrors;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::territories::pick::{self, Ambiguity};
use catalyse_core::needs::{Horizon, NeedFields};
use catalyse_core::Email;
use std::collections::HashMap;

/// A form as sent (`application/x-www-form-urlencoded`): each field once.
pub type Sent = HashMap<String, String>;

fn field<'a>(form: &'a Sent, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// The slugs whose box `{prefix}_{slug}` was ticked (sent as `oui`), in the given order.
fn ticked<'a>(form: &Sent, prefix: &str, slugs: impl Iterator<Item = &'a str>) -> Vec<String> {
    slugs
        .filter(|s| field(form, &format!("{prefix}_{s}")) == "oui")
        .map(str::to_string)
        .collect()
}

/// The form as typed.
#[derive(Default, Clone)]
pub struct Typed {
    pub title: String,
    pub description: String,
    pub territory: String,
    pub territory_choice: String,
    pub territory_offered_for: String,
    pub organisation: String,
    pub author_family: String,
    pub fragility: String,
    pub levers: Vec<String>,
    pub families: Vec<String>,
    pub activities: Vec<String>,
    pub horizon: String,
    /// A visitor's address (never shown publicly).
    pub email: String,
    /// A visitor agreed to her address being kept for this need.
    pub consent: bool,
    /// The draft need it completes (a webinar registration's), and its link's token.
    pub draft: String,
    pub draft_token: String,
}

/// The form as sent.
pub fn read(state: &AppState, form: &Sent) -> Typed {
    let f = |name: &str| field(form, name).to_string();
    let r = &state.reference;
    Typed {
        title: f("title"),
        description: f("description"),
        territory: f("territory"),
        territory_choice: f("territoire_choix"),
        territory_offered_for: f("territoire_choix_pour"),
        organisation: f("organisation"),
        author_family: f("author_family"),
        fragility: f("fragility"),
        levers: ticked(form, "levier", r.levers.iter().map(|l| l.slug.as_str())),
        families: ticked(
            form,
            "famille",
            r.actor_families.iter().map(|x| x.slug.as_str()),
        ),
        activities: ticked(
            form,
            "activite",
            (r.metier.iter()).flat_map(|m| m.activities.iter().map(|a| a.slug.as_str())),
        ),
        horizon: f("horizon"),
        email: f("email"),
        consent: field(form, "consent") == "oui",
        draft: f("brouillon"),
        draft_token: f("jeton"),
    }
}

/// The form filled with a version, to edit it.
pub fn typed_from(state: &AppState, f: &NeedFields) -> Typed {
    Typed {
        title: f.title.clone(),
        description: f.description.clone(),
        territory: pick::line_of(&state.territories, &f.territory),
        organisation: f.organisation.clone(),
        author_family: f.author_family.clone(),
        fragility: f.fragility.clone(),
        levers: f.levers.clone(),
        families: f.families.clone(),
        activities: f.activities.clone(),
        horizon: f.horizon.as_str().to_string(),
        ..Typed::default()
    }
}

/// The order of the form's fields, for the error summary.
const ORDER: [&str; 12] = [
    "title",
    "description",
    "territory",
    "organisation",
    "author_family",
    "fragility",
    "levers",
    "families",
    "activities",
    "horizon",
    "email",
    "consent",
];

/// What the checks give: the fields (and a visitor's address), or the errors and the
/// territories to choose from.
pub type Checked = Result<(NeedFields, Option<Email>), (FormErrors, Option<Ambiguity>)>;

/// Checks the form; `visitor` asks for an address and her consent. A territory ticked among
/// candidates replaces the one typed. Nothing is written here.
pub fn check(state: &AppState, t: Tr, d: &mut Typed, visitor: bool) -> Checked {
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
    let horizon = d.horizon.parse::<Horizon>().ok();
    if horizon.is_none() {
        errors.push("horizon", t.s("needs_form.err_horizon"));
    }
    let mut email = None;
    if visitor {
        email = Email::parse(d.email.trim())
            .ok()
            .filter(|e| !catalyse_core::text::has_forbidden_chars(e.as_str()));
        if email.is_none() {
            errors.push("email", t.s("needs_form.err_email"));
        }
        if !d.consent {
            errors.push("consent", t.s("needs_form.err_consent"));
        }
    }
    let mut fields = NeedFields {
        title: d.title.clone(),
        description: d.description.clone(),
        territory,
        organisation: d.organisation.clone(),
        author_family: d.author_family.clone(),
        fragility: d.fragility.clone(),
        levers: d.levers.clone(),
        families: d.families.clone(),
        activities: d.activities.clone(),
        horizon: horizon.unwrap_or(Horizon::SansEcheance),
    };
    fields.normalise();
    let fragilities: Vec<&str> = state.fragilities.iter().map(|f| f.slug.as_str()).collect();
    let frame = crate::network::live::frame(state);
    for p in fields.problems(&frame, &fragilities) {
        // The territory's own message (unknown, several) says more than « indiquez-le ».
        if !(p.field == "territory" && errors.get("territory").is_some()) {
            errors.push(p.field, p.message);
        }
    }
    if errors.is_empty() {
        return Ok((fields, email));
    }
    errors.sort_by(&ORDER);
    Err((errors, choices))
}
