//! Documenting a case: `/pratiques/nouvelle` for members, `/pratiques/{slug}/modifier` for its
//! author and moderators. One server-rendered multipart form (it carries images), without
//! JavaScript: rows of actors, funding and figures are a fixed number, and « ajouter des
//! lignes » is a submit button that shows the form again with more (Enter in a field sends the
//! form, not that: see the template). Every version goes to moderation; nothing is written
//! while anything is wrong, but for the good image files, kept for the next try
//! (`form_parts::images`).

use super::form_parts::images::{self as form_images, SentImage};
use super::form_parts::{self as parts, Rows, Typed, LICENCES, NEW_IMAGES};
use super::status::can_edit;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::territories::pick::Ambiguity;
use crate::upload::{MultipartForm, UploadProblem};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::cases::{Case, FundingSource, Phase};
use catalyse_core::User;

/// Images larger than this are refused before decoding (the platform's upload limit lowers it).
pub const IMAGE_MAX_MB: u64 = 10;
/// The body limit of the form's routes: the new images at their largest, twice (so that one
/// somewhat too large is answered with the form and a message, see `upload.rs`), and the text.
pub const BODY_LIMIT: usize = 2 * NEW_IMAGES * IMAGE_MAX_MB as usize * 1024 * 1024 + 512 * 1024;

#[derive(Template)]
#[template(path = "cases/form.html")]
struct FormPage<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    /// None when documenting a new case.
    case: Option<Case>,
    d: Typed,
    rows: Rows,
    errors: FormErrors,
    choices: Option<Ambiguity>,
    max_mb: u64,
}

impl FormPage<'_> {
    fn action(&self) -> String {
        match &self.case {
            Some(c) => format!("/pratiques/{}/modifier", c.slug),
            None => "/pratiques/nouvelle".into(),
        }
    }
    fn title(&self) -> String {
        match &self.case {
            Some(c) => self.ctx.t.f(
                "cases_form.edit_title",
                c.moderated.current().map_or(c.slug.as_str(), |f| &f.title),
            ),
            None => self.ctx.t.s("cases_form.new_title").to_string(),
        }
    }
    fn phases(&self) -> Vec<(&'static str, String)> {
        Phase::ALL
            .iter()
            .map(|p| {
                let label = super::pages::phase_label(self.ctx, p.as_str());
                (p.as_str(), label)
            })
            .collect()
    }
    /// (slug, name, ticked) of a list of boxes.
    fn boxes<'b>(
        &self,
        all: impl Iterator<Item = (&'b str, &'b str)>,
        ticked: &[String],
    ) -> Vec<(&'b str, &'b str, bool)> {
        all.map(|(slug, name)| (slug, name, ticked.iter().any(|t| t == slug)))
            .collect()
    }
    fn fragilities(&self) -> Vec<(&str, &str, bool)> {
        let all = self.state.fragilities.iter();
        self.boxes(
            all.map(|f| (f.slug.as_str(), f.name.as_str())),
            &self.d.fragilities,
        )
    }
    fn levers(&self) -> Vec<(&str, &str, bool)> {
        let all = self.state.reference.levers.iter();
        self.boxes(
            all.map(|l| (l.slug.as_str(), l.name.as_str())),
            &self.d.levers,
        )
    }
    fn families(&self) -> Vec<(&str, &str, bool)> {
        self.boxes(self.family_options().into_iter(), &self.d.families)
    }
    /// (slug, name) of the actor families, for the actors' rows.
    fn family_options(&self) -> Vec<(&str, &str)> {
        (self.state.reference.actor_families.iter())
            .map(|f| (f.slug.as_str(), f.name.as_str()))
            .collect()
    }
    fn activities(&self) -> Vec<(&str, &str, bool)> {
        let all = (self.state.reference.metier.iter())
            .flat_map(|m| m.activities.iter())
            .map(|a| (a.slug.as_str(), a.name.as_str()));
        self.boxes(all, &self.d.activities)
    }
    /// Whether more funding rows may be added (one per source at most).
    fn more_funding(&self) -> bool {
        self.rows.funding < FundingSource::ALL.len()
    }
    /// The numbers of the new images' inputs.
    fn new_slots(&self) -> std::ops::RangeInclusive<usize> {
        1..=NEW_IMAGES
    }
    fn sources(&self) -> Vec<(&'static str, &'static str)> {
        FundingSource::ALL
            .iter()
            .map(|s| (s.as_str(), s.label_fr()))
            .collect()
    }
    fn licences(&self) -> &'static [&'static str] {
        &LICENCES
    }
    /// How a sent image is named: by its description, if it has one.
    fn sent_label<'b>(&self, s: &'b SentImage) -> &'b str {
        match s.alt.trim() {
            "" => self.ctx.t.s("cases_form.image_sent_no_alt"),
            alt => alt,
        }
    }
    /// The address of an image of the version being edited (1 for the first).
    fn image_src(&self, n: &usize) -> String {
        match &self.case {
            Some(c) => format!("/pratiques/{}/images/{n}?version=brouillon", c.slug),
            None => String::new(),
        }
    }
}

fn image_max_mb(state: &AppState) -> u64 {
    IMAGE_MAX_MB.min(state.config.upload_max_mb.max(1))
}

fn page<'a>(
    ctx: &'a PageCtx,
    state: &'a AppState,
    case: Option<Case>,
    d: Typed,
    rows: Rows,
) -> FormPage<'a> {
    FormPage {
        ctx,
        state,
        case,
        d,
        rows,
        errors: FormErrors::default(),
        choices: None,
        max_mb: image_max_mb(state),
    }
}

/// `GET /pratiques/nouvelle`: the author is the first contact, if she has a profile.
pub async fn new_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let mut d = Typed {
        licence: LICENCES[0].into(),
        ..Typed::default()
    };
    if let Some(p) = state.store.profile(user.id).await? {
        d.contacts = p.slug;
    }
    render(&ctx, &page(&ctx, &state, None, d, Rows::default()))
}

/// The case to edit, if the person may.
async fn editable(state: &AppState, user: &User, slug: &str) -> Result<Case, AppError> {
    let found = state.store.case_by_slug(slug).await?;
    crate::auth::to_change(found, |c| can_edit(Some(user), c))
}

/// `GET /pratiques/{slug}/modifier`: the version she works on (her draft, else the published).
pub async fn edit_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let c = editable(&state, &user, &slug).await?;
    let d = match c.moderated.current() {
        Some(f) => parts::typed_from(&state, f).await?,
        None => Typed::default(),
    };
    let rows = Rows::default().at_least(&d);
    render(&ctx, &page(&ctx, &state, Some(c), d, rows))
}

/// `POST /pratiques/nouvelle`
/// (A visitor's post is read to its end before she is sent to sign in: a refusal sent while
/// the browser is still sending can reach it as a reset connection instead of the page.)
pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    uri: axum::http::Uri,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let Some(user) = ctx.user.clone() else {
        return Ok(crate::auth::sign_in_first(uri.path()));
    };
    submit(&state, &ctx, &user, None, form).await
}

/// `POST /pratiques/{slug}/modifier`
pub async fn update(
    State(state): State<AppState>,
    ctx: PageCtx,
    uri: axum::http::Uri,
    Path(slug): Path<String>,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let Some(user) = ctx.user.clone() else {
        return Ok(crate::auth::sign_in_first(uri.path()));
    };
    let c = editable(&state, &user, &slug).await?;
    submit(&state, &ctx, &user, Some(c), form).await
}

async fn submit(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    case: Option<Case>,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let current = case.as_ref().and_then(|c| c.moderated.current());
    let (mut d, rows) = parts::read(state, &form, current);
    let max_mb = image_max_mb(state);
    if let Some(p) = form.problem {
        // Cut off or too large: nothing is checked nor written; one message, on the images.
        let mut errors = FormErrors::default();
        errors.push(
            "images",
            match p {
                UploadProblem::TooLarge => t.f("cases_form.err_image_size", max_mb),
                UploadProblem::Unreadable => p.message(t, max_mb),
            },
        );
        return again(ctx, state, case, d, rows, errors, None);
    }
    let sub = parts::Submission {
        state,
        ctx,
        case: case.as_ref(),
        form: &form,
        max_mb,
    };
    if let Some(more) = parts::more_rows(&form) {
        // « Ajouter des lignes »: the form again, as typed, with more rows; nothing checked
        // but the files chosen, kept when good (see `form_images`).
        let mut errors = FormErrors::default();
        form_images::keep_new(&sub, &mut d, &mut errors).await?;
        if !errors.is_empty() {
            return again(ctx, state, case, d, rows.more(more), errors, None);
        }
        return render(ctx, &page(ctx, state, case, d, rows.more(more)));
    }
    let checked = parts::check(&sub, &mut d).await?;
    let fields = match checked.outcome {
        Ok(fields) => fields,
        Err((errors, choices)) => {
            // Its good images are kept for the next try (`form_images`): stored now, carried
            // by the form; left unused, the hourly sweep of unused files takes them.
            form_images::store(state, checked.files).await?;
            return again(ctx, state, case, d, rows, errors, choices);
        }
    };
    let after = super::manage::submit(state, user, case.as_ref(), &fields, checked.files).await?;
    Ok(Redirect::to(&format!("/pratiques/{}?etat=envoye", after.slug)).into_response())
}

/// The form again, as sent, with what is wrong in it (422).
fn again(
    ctx: &PageCtx,
    state: &AppState,
    case: Option<Case>,
    d: Typed,
    rows: Rows,
    errors: FormErrors,
    choices: Option<Ambiguity>,
) -> Result<Response, AppError> {
    let mut p = page(ctx, state, case, d, rows);
    p.errors = errors;
    p.choices = choices;
    render_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, &p)
}
