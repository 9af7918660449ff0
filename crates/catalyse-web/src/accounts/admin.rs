//! Administration of accounts: list (searched by name or address, filtered by role, 50 a
//! page, by the database), change roles, read the audit trail. Admins only.

use crate::auth::{Admin, CsrfForm};
use crate::error::AppError;
use crate::pages::{page_param, render, render_status, PageCtx, Pager};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::{Page, Role, User};
use catalyse_store::{AuditEntry, StoreError, UserSearch};
use chrono::Utc;
use serde::Deserialize;

const PER_PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "accounts/admin_users.html")]
struct Users<'a> {
    ctx: &'a PageCtx,
    users: Page<User>,
    pager: Pager,
    /// The search as typed, and the role filter (`""`: every role).
    q: String,
    role: String,
    audit: Vec<AuditEntry>,
    notice: Option<String>,
    error: Option<String>,
}

impl Users<'_> {
    fn role_label(&self, r: &Role) -> &str {
        self.ctx.t.s(match r {
            Role::Member => "role.member",
            Role::Moderator => "role.moderator",
            Role::Admin => "role.admin",
        })
    }

    fn roles(&self) -> [Role; 3] {
        Role::ALL
    }

    fn when(&self, at: &chrono::DateTime<Utc>) -> String {
        self.ctx.when(at)
    }
}

/// The largest page number read (beyond, a page would be empty anyway).
const MAX_PAGE: u32 = 100_000;
/// The longest search kept.
const MAX_SEARCH: usize = 200;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    etat: Option<String>,
    q: Option<String>,
    role: Option<String>,
}

impl ListQuery {
    /// The search: text (cut to `MAX_SEARCH` characters) and role (an unknown one reads as
    /// any, as a filter that cannot match would only hide everything).
    fn search(&self) -> UserSearch {
        UserSearch {
            text: self
                .q
                .as_deref()
                .unwrap_or("")
                .trim()
                .chars()
                .take(MAX_SEARCH)
                .collect(),
            role: self.role.as_deref().and_then(|r| r.parse().ok()),
        }
    }
}

/// The list's address for page `page` of this search.
fn list_link(s: &UserSearch, page: u32) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if !s.text.is_empty() {
        q.append_pair("q", &s.text);
    }
    if let Some(r) = s.role {
        q.append_pair("role", r.as_str());
    }
    if page > 1 {
        q.append_pair("page", &page.to_string());
    }
    let q = q.finish();
    if q.is_empty() {
        "/admin/comptes".into()
    } else {
        format!("/admin/comptes?{q}")
    }
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    q: &ListQuery,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let search = q.search();
    let page = page_param(q.page.as_deref(), MAX_PAGE);
    let users = state.store.search_users(&search, page, PER_PAGE).await?;
    if page > 1 && users.items.is_empty() {
        return Err(AppError::NotFound);
    }
    let pager = Pager::new(page, users.total as usize, PER_PAGE, |p| {
        list_link(&search, p)
    });
    let view = Users {
        ctx,
        users,
        pager,
        q: search.text.clone(),
        role: search
            .role
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        audit: state.store.audit_log(20).await?,
        notice,
        error,
    };
    if status == StatusCode::OK {
        render(ctx, &view)
    } else {
        render_status(ctx, status, &view)
    }
}

pub async fn users(
    State(state): State<AppState>,
    Admin(_): Admin,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let notice =
        (q.etat.as_deref() == Some("role")).then(|| ctx.t.s("admin.notice_role").to_string());
    page(&state, &ctx, &q, notice, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, AppError> {
    let Ok(role) = form.role.parse::<Role>() else {
        let msg = ctx.t.s("admin.error_role").to_string();
        return page(
            &state,
            &ctx,
            &ListQuery::default(),
            None,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .store
        .set_role(id, role, Some(admin.id), Utc::now())
        .await
    {
        Ok(user) => {
            tracing::info!(admin = admin.id, user = user.id, role = %role, "role changed");
            Ok(Redirect::to("/admin/comptes?etat=role").into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            let msg = ctx.t.s("admin.error_last_admin").to_string();
            page(
                &state,
                &ctx,
                &ListQuery::default(),
                None,
                Some(msg),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
