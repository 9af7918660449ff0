//! Footer pages: legal notice, accessibility statement, personal data.

use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "reference/legal.html")]
struct Legal<'a> {
    ctx: &'a PageCtx,
    which: &'a str,
    publisher: Option<String>,
    contact: Option<String>,
    hosting: Option<String>,
    session_hours: i64,
}

async fn legal(state: AppState, ctx: PageCtx, which: &str) -> Result<Response, AppError> {
    let c = &state.config;
    let page = Legal {
        ctx: &ctx,
        which,
        publisher: c.publisher.clone(),
        contact: c.contact_email.clone(),
        hosting: c.hosting.clone(),
        session_hours: c.session_absolute_hours,
    };
    render(&ctx, &page)
}

pub async fn mentions(State(s): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    legal(s, ctx, "mentions").await
}

pub async fn accessibility(State(s): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    legal(s, ctx, "accessibilite").await
}

pub async fn personal_data(State(s): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    legal(s, ctx, "donnees").await
}
