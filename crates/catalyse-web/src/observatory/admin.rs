//! `/admin/donnees`: observatory datasets uploaded as CSV by animators and administrators.
//! The file is checked whole; a bad line is named with its number and nothing is written.

use crate::auth::Moderator;
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::observatory::import::{import_dataset, DatasetUpload, ImportError};
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::upload::MultipartForm;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::dataset::{Dataset, LineError};
use serde::Deserialize;

/// Bad lines listed on the page; the count gives the rest.
const SHOWN_LINES: usize = 100;

#[derive(Template)]
#[template(path = "observatory/admin_datasets.html")]
struct DatasetsAdmin<'a> {
    ctx: &'a PageCtx,
    datasets: Vec<Dataset>,
    errors: FormErrors,
    /// The file's bad lines, the first [`SHOWN_LINES`] of them, and how many in all.
    lines: Vec<LineError>,
    line_count: usize,
    notice: Option<String>,
    title: String,
    slug: String,
    description: String,
    is_example: bool,
    max_mb: u64,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    importe: Option<String>,
}

fn view<'a>(state: &AppState, ctx: &'a PageCtx) -> DatasetsAdmin<'a> {
    DatasetsAdmin {
        ctx,
        datasets: state.observatory().datasets().cloned().collect(),
        errors: FormErrors::default(),
        lines: vec![],
        line_count: 0,
        notice: None,
        title: String::new(),
        slug: String::new(),
        description: String::new(),
        is_example: false,
        max_mb: state.config.upload_max_mb,
    }
}

pub async fn page(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut v = view(&state, &ctx);
    if let Some(slug) = q.importe {
        if let Some(d) = v.datasets.iter().find(|d| d.slug == slug) {
            v.notice = Some(ctx.t.f("admin_data.imported", &d.title));
        }
    }
    render(&ctx, &v)
}

pub async fn upload(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    ctx: PageCtx,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let mut v = view(&state, &ctx);
    v.title = form.field("title").trim().to_string();
    v.slug = form.field("slug").trim().to_string();
    v.description = form.field("description").trim().to_string();
    v.is_example = form.field("example") == "oui";
    if let Some(p) = form.problem {
        v.errors.push("file", p.message(t, v.max_mb));
    }
    if v.title.is_empty() {
        v.errors.push("title", t.s("admin_data.no_title"));
    }
    if v.title.chars().count() > 200 {
        v.errors.push("title", t.s("admin_data.title_too_long"));
    }
    let file = form.file("file");
    let text = match file {
        None if form.problem.is_none() => {
            v.errors.push("file", t.s("admin_data.no_file"));
            None
        }
        None => None,
        Some(f) => match std::str::from_utf8(&f.bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                v.errors.push("file", t.s("admin_data.not_utf8"));
                None
            }
        },
    };
    let (Some(text), true) = (text, v.errors.is_empty()) else {
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &v);
    };
    let slug = if v.slug.is_empty() {
        v.title.clone()
    } else {
        v.slug.clone()
    };
    let upload = DatasetUpload {
        slug,
        title: v.title.clone(),
        description: v.description.clone(),
        is_example: v.is_example,
        text,
    };
    match import_dataset(&state, upload).await {
        Ok(done) => {
            let slug =
                catalyse_core::text::slugify(if v.slug.is_empty() { &v.title } else { &v.slug });
            tracing::info!(
                user = user.id,
                dataset = %slug,
                indicators = done.indicators,
                values = done.values,
                "dataset imported"
            );
            Ok(Redirect::to(&format!("/admin/donnees?importe={slug}")).into_response())
        }
        Err(ImportError::Lines(lines)) => {
            v.errors
                .push("file", t.n("admin_data.bad_lines", lines.len()));
            v.line_count = lines.len();
            v.lines = lines.into_iter().take(SHOWN_LINES).collect();
            render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &v)
        }
        Err(ImportError::Reserved(slug)) => {
            v.errors
                .push("slug", t.s(crate::observatory::import::reserved_key(&slug)));
            render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &v)
        }
        Err(ImportError::NoSlug) => {
            v.errors.push("slug", t.s("admin_data.no_slug"));
            render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &v)
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}
