//! Administration of accounts: list, change roles, read the audit trail. Admins only.

use crate::auth::{Admin, CsrfForm};
use crate::error::AppError;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::{Page, Role, User};
use catalyse_store::{AuditEntry, StoreError};
use chrono::Utc;
use serde::Deserialize;

const PER_PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "accounts/admin_users.html")]
struct Users<'a> {
    ctx: &'a PageCtx,
    users: Page<User>,
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
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<u32>,
    etat: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    page: u32,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let users = state.store.list_users(page.max(1), PER_PAGE).await?;
    if page > 1 && users.items.is_empty() {
        return Err(AppError::NotFound);
    }
    let view = Users {
        ctx,
        users,
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
    page(
        &state,
        &ctx,
        q.page.unwrap_or(1),
        notice,
        None,
        StatusCode::OK,
    )
    .await
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
            1,
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
            page(&state, &ctx, 1, None, Some(msg), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
