//! `/admin/ressources`: animators and administrators create, edit, publish and archive the
//! resource centre's documents. Files are checked by their content; a rejected form leaves
//! nothing behind (no row, no file).

use super::service;
use crate::auth::{CsrfForm, Moderator};
use crate::error::AppError;
use crate::files::FileKind;
use crate::forms::FormErrors;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::upload::MultipartForm;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::resource::{Nature, Resource, ResourceFields, ResourceState, StoredFile};
use catalyse_store::{FileChange, ResourceChange, StoreError};
use chrono::Utc;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "resources/admin_resources.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    resources: Vec<Resource>,
}

pub async fn list(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let mut resources = state.store.resources(None).await?;
    resources.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    render(
        &ctx,
        &ListPage {
            ctx: &ctx,
            resources,
        },
    )
}

/// The form as typed, kept to show it again with its errors.
#[derive(Default, Clone)]
struct Draft {
    title: String,
    slug: String,
    summary: String,
    body: String,
    nature: String,
    subgroup: String,
    levers: Vec<String>,
    themes: String,
    authors: String,
    year: String,
    format: String,
    language: String,
    licence: String,
    url: String,
}

impl Draft {
    fn of(r: &Resource) -> Draft {
        Draft {
            title: r.title.clone(),
            slug: r.slug.clone(),
            summary: r.summary.clone(),
            body: r.body.clone(),
            nature: r.nature.to_string(),
            subgroup: r.subgroup.clone(),
            levers: r.levers.clone(),
            themes: r.themes.join(", "),
            authors: r.authors.join(", "),
            year: r.year.map(|y| y.to_string()).unwrap_or_default(),
            format: r.format.clone(),
            language: r.language.clone(),
            licence: r.licence.clone(),
            url: r.url.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "resources/admin_resource.html")]
struct EditPage<'a> {
    ctx: &'a PageCtx,
    /// None when creating.
    resource: Option<Resource>,
    d: Draft,
    errors: FormErrors,
    notice: Option<String>,
    history: Vec<ResourceChange>,
    levers: Vec<(String, String)>,
    max_mb: u64,
}

/// « brouillon », « publiée », « archivée ».
fn state_label(t: crate::i18n::Tr, s: ResourceState) -> &'static str {
    t.s(match s {
        ResourceState::Draft => "admin_res.state_draft",
        ResourceState::Published => "admin_res.state_published",
        ResourceState::Archived => "admin_res.state_archived",
    })
}

impl ListPage<'_> {
    fn state_label(&self, s: &ResourceState) -> &'static str {
        state_label(self.ctx.t, *s)
    }
}

impl EditPage<'_> {
    fn state_label(&self, s: &ResourceState) -> &'static str {
        state_label(self.ctx.t, *s)
    }

    /// The one-line text inputs: (name, label key, value, required).
    fn text_fields(&self) -> Vec<(&'static str, &'static str, String, bool)> {
        let d = &self.d;
        vec![
            ("title", "admin_res.f_title", d.title.clone(), true),
            ("slug", "admin_res.f_slug", d.slug.clone(), false),
            ("authors", "admin_res.f_authors", d.authors.clone(), true),
            ("year", "admin_res.f_year", d.year.clone(), false),
            ("format", "admin_res.f_format", d.format.clone(), false),
            (
                "language",
                "admin_res.f_language",
                d.language.clone(),
                false,
            ),
            ("licence", "admin_res.f_licence", d.licence.clone(), false),
            ("themes", "admin_res.f_themes", d.themes.clone(), false),
            ("url", "admin_res.f_url", d.url.clone(), false),
        ]
    }

    fn natures(&self) -> [Nature; 4] {
        Nature::ALL
    }
    fn lever_checked(&self, slug: &str) -> bool {
        self.d.levers.iter().any(|l| l == slug)
    }
    fn action(&self) -> String {
        match &self.resource {
            Some(r) => format!("/admin/ressources/{}", r.id),
            None => "/admin/ressources/nouvelle".into(),
        }
    }
    fn when(&self, at: &chrono::DateTime<Utc>) -> String {
        self.ctx.when(at)
    }
    fn changed(&self, c: &ResourceChange) -> String {
        c.changes.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn edit_page<'a>(state: &AppState, ctx: &'a PageCtx, resource: Option<Resource>) -> EditPage<'a> {
    EditPage {
        ctx,
        d: resource.as_ref().map(Draft::of).unwrap_or_else(|| Draft {
            language: "fr".into(),
            nature: Nature::BoiteAOutils.to_string(),
            ..Default::default()
        }),
        resource,
        errors: FormErrors::default(),
        notice: None,
        history: vec![],
        levers: state
            .reference
            .levers
            .iter()
            .map(|l| (l.slug.clone(), l.name.clone()))
            .collect(),
        max_mb: state.config.upload_max_mb,
    }
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    etat: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    render(&ctx, &edit_page(&state, &ctx, None))
}

pub async fn edit_form(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let r = state.store.resource(id).await?.ok_or(AppError::NotFound)?;
    let mut page = edit_page(&state, &ctx, Some(r));
    page.history = state.store.resource_history(id).await?;
    page.notice = q.etat.as_deref().and_then(|e| match e {
        "enregistree" => Some(ctx.t.s("admin_res.saved").to_string()),
        "etat" => Some(ctx.t.s("admin_res.state_changed").to_string()),
        _ => None,
    });
    render(&ctx, &page)
}

/// Reads and checks the form; the fields, and the file's kind, or the errors.
fn check(
    state: &AppState,
    ctx: &PageCtx,
    form: &MultipartForm,
    page: &mut EditPage<'_>,
) -> Option<(ResourceFields, Option<FileKind>)> {
    let t = ctx.t;
    let d = Draft {
        title: form.field("title").trim().to_string(),
        slug: form.field("slug").trim().to_string(),
        summary: form.field("summary").trim().to_string(),
        body: form.field("body").trim().to_string(),
        nature: form.field("nature").to_string(),
        subgroup: form.field("subgroup").to_string(),
        levers: form.ticked(
            "levier",
            state.reference.levers.iter().map(|l| l.slug.as_str()),
        ),
        themes: form.field("themes").trim().to_string(),
        authors: form.field("authors").trim().to_string(),
        year: form.field("year").trim().to_string(),
        format: form.field("format").trim().to_string(),
        language: form.field("language").trim().to_string(),
        licence: form.field("licence").trim().to_string(),
        url: form.field("url").trim().to_string(),
    };
    let e = &mut page.errors;
    if let Some(p) = form.problem {
        e.push("file", p.message(t, state.config.upload_max_mb));
    } else if form.empty_file("file") {
        e.push("file", t.s("admin_res.empty_file"));
    }
    if d.title.is_empty() {
        e.push("title", t.s("admin_res.no_title"));
    } else if d.title.chars().count() > 300 {
        e.push("title", t.s("admin_res.title_too_long"));
    }
    let slug = catalyse_core::text::slugify(if d.slug.is_empty() { &d.title } else { &d.slug });
    if slug.is_empty() && !d.title.is_empty() {
        e.push("slug", t.s("admin_data.no_slug"));
    }
    let nature = d.nature.parse::<Nature>().ok();
    match nature {
        None => e.push("nature", t.s("admin_res.bad_nature")),
        Some(n) if !d.subgroup.is_empty() && n.subgroup_label(&d.subgroup).is_none() => {
            e.push("subgroup", t.s("admin_res.bad_subgroup"))
        }
        _ => {}
    }
    let list = |s: &str| -> Vec<String> {
        s.split([',', '\n', ';'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    };
    let authors = list(&d.authors);
    if authors.is_empty() {
        e.push("authors", t.s("admin_res.no_author"));
    }
    let this_year = chrono::Datelike::year(&Utc::now());
    let year = if d.year.is_empty() {
        None
    } else {
        match d.year.parse::<i32>() {
            Ok(y) if (1900..=this_year + 1).contains(&y) => Some(y),
            _ => {
                e.push(
                    "year",
                    t.s("admin_res.bad_year")
                        .replace("{}", &(this_year + 1).to_string()),
                );
                None
            }
        }
    };
    let language = if d.language.is_empty() {
        "fr".to_string()
    } else {
        d.language.to_lowercase()
    };
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
        e.push("language", t.s("admin_res.bad_language"));
    }
    let url = if d.url.is_empty() {
        None
    } else if (d.url.starts_with("https://") || d.url.starts_with("http://"))
        && !d.url.contains(char::is_whitespace)
        && d.url.len() <= 2000
    {
        Some(d.url.clone())
    } else {
        e.push("url", t.s("admin_res.bad_url"));
        None
    };
    if d.summary.chars().count() > 3000 {
        e.push("summary", t.s("admin_res.summary_too_long"));
    }
    if d.body.chars().count() > 200_000 {
        e.push("body", t.s("admin_res.body_too_long"));
    }
    let kind = match form.file("file") {
        Some(f) => match FileKind::detect(&f.bytes) {
            Some(k) => Some(k),
            None => {
                e.push("file", t.s("admin_res.bad_file"));
                None
            }
        },
        None => None,
    };
    let format = if d.format.is_empty() {
        kind.map(|k| k.label().to_string())
            .unwrap_or_else(|| "Document".into())
    } else {
        d.format.chars().take(60).collect()
    };
    page.d = d.clone();
    if !page.errors.is_empty() {
        return None;
    }
    Some((
        ResourceFields {
            slug,
            title: d.title,
            summary: d.summary,
            body: d.body,
            nature: nature?,
            subgroup: d.subgroup,
            levers: d.levers,
            themes: list(&d.themes),
            authors,
            year,
            format,
            language,
            licence: d.licence.chars().take(200).collect(),
            url,
            is_example: page.resource.as_ref().is_some_and(|r| r.is_example),
        },
        kind,
    ))
}

/// Stores the uploaded file, if any, once the form is valid.
async fn store_file(
    state: &AppState,
    form: &MultipartForm,
    kind: Option<FileKind>,
) -> Result<Option<StoredFile>, AppError> {
    let (Some(kind), Some(f)) = (kind, form.file("file")) else {
        return Ok(None);
    };
    let sha256 = state
        .files
        .put(f.bytes.clone())
        .await
        .map_err(AppError::Internal)?;
    let name: String = f
        .file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Ok(Some(StoredFile {
        sha256,
        name: if name.is_empty() {
            format!("document.{}", kind.extension())
        } else {
            name
        },
        content_type: kind.content_type().to_string(),
        size: f.bytes.len() as i64,
    }))
}

fn conflict(page: &mut EditPage<'_>, ctx: &PageCtx) {
    page.errors.push("slug", ctx.t.s("admin_res.slug_taken"));
}

pub async fn create(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    ctx: PageCtx,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let mut page = edit_page(&state, &ctx, None);
    let Some((fields, kind)) = check(&state, &ctx, &form, &mut page) else {
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let publish = form.field("action") == "publier";
    let file = store_file(&state, &form, kind).await?;
    let state_wanted = if publish {
        ResourceState::Published
    } else {
        ResourceState::Draft
    };
    match service::create(&state, &fields, state_wanted, file.as_ref(), user.id).await {
        Ok(r) => Ok(
            Redirect::to(&format!("/admin/ressources/{}?etat=enregistree", r.id)).into_response(),
        ),
        Err(StoreError::Conflict { .. }) => {
            conflict(&mut page, &ctx);
            render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn update(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    ctx: PageCtx,
    Path(id): Path<i64>,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let before = state.store.resource(id).await?.ok_or(AppError::NotFound)?;
    let mut page = edit_page(&state, &ctx, Some(before.clone()));
    let Some((fields, kind)) = check(&state, &ctx, &form, &mut page) else {
        page.history = state.store.resource_history(id).await?;
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let file = store_file(&state, &form, kind).await?;
    let change = match (&file, form.field("remove_file") == "oui") {
        (Some(f), _) => FileChange::Replace(f.clone()),
        (None, true) => FileChange::Remove,
        (None, false) => FileChange::Keep,
    };
    match service::update(&state, &before, &fields, &change, file.as_ref(), user.id).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/ressources/{id}?etat=enregistree")).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            conflict(&mut page, &ctx);
            page.history = state.store.resource_history(id).await?;
            render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    #[serde(default)]
    etat: String,
}

pub async fn set_state(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<StateForm>,
) -> Result<Response, AppError> {
    let wanted = match form.etat.as_str() {
        "publier" => ResourceState::Published,
        "archiver" => ResourceState::Archived,
        "brouillon" => ResourceState::Draft,
        _ => return Err(AppError::BadRequest("état inconnu".into())),
    };
    service::set_state(&state, id, wanted, user.id).await?;
    Ok(Redirect::to(&format!("/admin/ressources/{id}?etat=etat")).into_response())
}
