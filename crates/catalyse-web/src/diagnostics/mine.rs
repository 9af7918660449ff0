//! A member's saved diagnostics (`/mes-diagnostics`): kept only when she asks, read by her
//! id only, gone with her account. Each reopens as a fresh private link (resumed where it
//! stopped, or its result).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::diagnostics::token::Draft;
use catalyse_core::User;
use catalyse_store::SavedFields;
use serde::Deserialize;

use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;

/// Saves the draft to the member's space (the copy it continues, if any); its id.
pub async fn keep(state: &AppState, user: &User, d: &Draft) -> Result<i64, AppError> {
    let mut fields = SavedFields {
        id: d.saved,
        questionnaire: d.questionnaire.clone(),
        response_hash: d.saved_hash(),
        answers: d.answers.clone(),
        department: d.department.clone(),
        finished: d.finished,
    };
    let now = chrono::Utc::now();
    match state.store.save_diagnostic(user.id, &fields, now).await {
        // The copy it continued was deleted since: a new one.
        Err(catalyse_store::StoreError::NotFound) if fields.id.is_some() => {
            fields.id = None;
            Ok(state.store.save_diagnostic(user.id, &fields, now).await?)
        }
        other => Ok(other?),
    }
}

pub struct Line {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub finished: bool,
}

#[derive(Template)]
#[template(path = "diagnostics/mine.html")]
struct MinePage<'a> {
    ctx: &'a PageCtx,
    lines: Vec<Line>,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
pub struct MineQuery {
    #[serde(default)]
    etat: String,
}

/// `GET /mes-diagnostics`
pub async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Query(query): Query<MineQuery>,
) -> Result<Response, AppError> {
    let lines = (state.store.saved_diagnostics(user.id).await?.into_iter())
        .map(|s| Line {
            id: s.id,
            title: state
                .diagnostics
                .get(&s.questionnaire)
                .map_or_else(|| s.questionnaire.clone(), |q| q.title.clone()),
            when: ctx.date(&s.updated_at.date_naive()),
            finished: s.finished,
        })
        .collect();
    let notice = match query.etat.as_str() {
        "enregistre" => "diagnostics.mine_saved",
        "supprime" => "diagnostics.mine_deleted",
        _ => "",
    };
    render(
        &ctx,
        &MinePage {
            ctx: &ctx,
            lines,
            notice,
        },
    )
}

/// `GET /mes-diagnostics/{id}`: one of hers, reopened as a fresh private link: its result
/// when finished, else where it stopped. Another's is not found.
pub async fn open(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let s = (state.store.saved_diagnostic(user.id, id).await?).ok_or(AppError::NotFound)?;
    let q = state
        .diagnostics
        .get(&s.questionnaire)
        .ok_or(AppError::NotFound)?;
    let mut d = Draft::new(&q.slug);
    d.answers = s.answers;
    d.department = s.department;
    d.saved = Some(s.id);
    let answers = super::links::answers_of(q, &d);
    d.finished = s.finished && q.first_unfinished(&answers).is_none();
    let token = state.diagnostics.sealer.seal(&d);
    let to = if d.finished {
        format!("/diagnostic/resultat/{token}")
    } else {
        format!("/diagnostic/{}?r={token}", q.slug)
    };
    Ok(Redirect::to(&to).into_response())
}

/// `POST /diagnostic/resultat/{token}/enregistrer`: saves a result to her space.
pub async fn save(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let Some(d) = state.diagnostics.sealer.open(&token).filter(|d| d.finished) else {
        return Ok(super::links::invalid_link(&ctx));
    };
    if state.diagnostics.get(&d.questionnaire).is_none() {
        return Ok(super::links::invalid_link(&ctx));
    }
    keep(&state, &user, &d).await?;
    Ok(Redirect::to("/mes-diagnostics?etat=enregistre").into_response())
}

/// `POST /mes-diagnostics/{id}/supprimer`
pub async fn delete(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !state.store.delete_saved_diagnostic(user.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/mes-diagnostics?etat=supprime").into_response())
}
