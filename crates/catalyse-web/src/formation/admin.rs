//! The animators' pages of the kit (`/admin/formation`): the modules, where each comes from
//! (the shipped file, or edited by an animator), and a module's form — its text and its units,
//! edited, added, removed and reordered without JavaScript, checked (the resources and
//! sessions it links must exist) before anything is written. A shipped module an animator
//! edited keeps her edits when the platform starts again; the form offers to go back to the
//! file's version. Animators (moderators) and administrators only; nothing here shows what
//! members wrote or did.

use super::admin_form::{self, field, Draft, Errors};
use super::pages::module_or_404;
use crate::auth::{CsrfForm, Moderator};
use crate::error::AppError;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::agenda::EventStatus;
use catalyse_core::formation::{shipped, Module, UnitContent, UnitKind};
use catalyse_core::resource::ResourceState;
use catalyse_store::{StoreError, StoredModule};
use chrono::Utc;
use serde::Deserialize;

/// A module in the list.
pub struct Row {
    pub slug: String,
    pub title: String,
    pub units: usize,
    pub minutes: String,
    pub is_example: bool,
    pub shipped: bool,
    pub edited: Option<String>,
}

#[derive(Template)]
#[template(path = "formation/admin_list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    rows: Vec<Row>,
}

/// `GET /admin/formation`.
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(_): Moderator,
) -> Result<Response, AppError> {
    let rows = (state.store.formation_modules().await?)
        .into_iter()
        .map(|s| Row {
            slug: s.module.slug.clone(),
            title: s.module.title.clone(),
            units: s.module.units.len(),
            minutes: super::duration(ctx.t, s.module.minutes()),
            is_example: s.module.is_example,
            shipped: s.shipped,
            edited: s.edited_at.map(|at| ctx.when(&at)),
        })
        .collect();
    render(&ctx, &ListPage { ctx: &ctx, rows })
}

#[derive(Template)]
#[template(path = "formation/admin_edit.html")]
struct EditPage<'a> {
    ctx: &'a PageCtx,
    s: &'a StoredModule,
    d: Draft,
    errors: Errors,
    saved: bool,
    /// The shipped file has a version of this module to go back to.
    in_file: bool,
    kinds: [UnitKind; 4],
}

impl EditPage<'_> {
    fn f(&self, i: &usize, name: &str) -> String {
        field(*i, name)
    }

    /// `aria-describedby` of a field: its hint (if any) then its errors.
    fn described(&self, id: &str, hint: bool) -> String {
        let mut ids = vec![];
        if hint {
            ids.push(format!("{id}-aide"));
        }
        if self.errors.has(id) {
            ids.push(format!("{id}-erreur"));
        }
        ids.join(" ")
    }

    fn kind_label(&self, k: &UnitKind) -> &'static str {
        super::pages::kind_key(*k)
    }

    fn edited(&self) -> Option<String> {
        self.s.edited_at.map(|at| self.ctx.when(&at))
    }
}

#[derive(Deserialize)]
pub struct Saved {
    enregistre: Option<String>,
}

fn in_file(slug: &str) -> bool {
    shipped::shipped().is_ok_and(|ms| ms.iter().any(|m| m.slug == slug))
}

/// `GET /admin/formation/{module}`.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(_): Moderator,
    Path(slug): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response, AppError> {
    let s = module_or_404(&state, &slug).await?;
    let page = EditPage {
        ctx: &ctx,
        d: admin_form::draft_of(&s),
        s: &s,
        errors: Errors::default(),
        saved: q.enregistre.is_some(),
        in_file: in_file(&slug),
        kinds: UnitKind::ALL,
    };
    render(&ctx, &page)
}

/// What in the module links a resource that is not published or a session that does not
/// exist, was cancelled or has not taken place.
async fn missing_targets(
    state: &AppState,
    t: crate::i18n::Tr,
    m: &Module,
    slots: &[usize],
) -> Result<Errors, AppError> {
    let mut errors = Errors::default();
    let now = Utc::now();
    for (u, i) in m.units.iter().zip(slots) {
        let problem = match &u.content {
            UnitContent::Resource { slug } => match state.store.resource_by_slug(slug).await? {
                None => Some(t.f("formation_admin.no_resource", slug)),
                Some(r) if r.state != ResourceState::Published => {
                    Some(t.f("formation_admin.unpublished", slug))
                }
                Some(_) => None,
            },
            UnitContent::Replay { event } => match state.store.event(event).await? {
                None => Some(t.f("formation_admin.no_event", event)),
                Some(e) if e.status == EventStatus::Cancelled || e.starts_at > now => {
                    Some(t.f("formation_admin.not_held", event))
                }
                Some(_) => None,
            },
            _ => None,
        };
        if let Some(p) = problem {
            errors.push(field(*i, "cible"), format!("Unité {} : {p}", i + 1));
        }
    }
    Ok(errors)
}

/// `POST /admin/formation/{module}`: the whole module, checked, then written at once.
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(user): Moderator,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let s = module_or_404(&state, &slug).await?;
    let d = admin_form::read(&fields);
    let again = |d: Draft, errors: Errors, status: StatusCode| {
        let page = EditPage {
            ctx: &ctx,
            s: &s,
            d,
            errors,
            saved: false,
            in_file: in_file(&slug),
            kinds: UnitKind::ALL,
        };
        render_status(&ctx, status, &page)
    };
    let checked = match admin_form::check(&slug, &d) {
        Ok(c) => c,
        Err(e) => return again(d, e, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let missing = missing_targets(&state, ctx.t, &checked.module, &checked.slots).await?;
    if !missing.is_empty() {
        return again(d, missing, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let now = Utc::now();
    match (state.store)
        .edit_formation_module(&slug, d.revision, &checked.module, user.id, now)
        .await
    {
        Ok(_) => {
            // A module's badge follows its title.
            crate::badges::catalogue::reload_after_kit_edit(&state).await;
            Ok(Redirect::to(&format!("/admin/formation/{slug}?enregistre=1")).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            let mut e = Errors::default();
            e.push("", ctx.t.s("formation_admin.conflict"));
            again(d, e, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Reset {
    revision: i64,
}

/// `POST /admin/formation/{module}/version-livree`: back to the shipped file's version.
pub async fn reset(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    Path(slug): Path<String>,
    CsrfForm(r): CsrfForm<Reset>,
) -> Result<Response, AppError> {
    let shipped = shipped::shipped()
        .map_err(|e| AppError::Internal(e.into()))?
        .into_iter()
        .find(|m| m.slug == slug)
        .ok_or(AppError::NotFound)?;
    match (state.store)
        .reset_formation_module(&slug, r.revision, &shipped, user.id, Utc::now())
        .await
    {
        Ok(_) => {
            crate::badges::catalogue::reload_after_kit_edit(&state).await;
            Ok(Redirect::to(&format!("/admin/formation/{slug}?enregistre=1")).into_response())
        }
        Err(StoreError::Conflict { .. }) => Err(AppError::Conflict(
            "ce module a été modifié entre-temps : rechargez la page".into(),
        )),
        Err(e) => Err(e.into()),
    }
}
