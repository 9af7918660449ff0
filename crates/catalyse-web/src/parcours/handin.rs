//! Deliverables handed in by a team's participant — a file, checked by its content as the
//! resource centre's documents are, or a link — and opened again by the cohort only.
//! Whatever is wrong (too large, cut off, a type the platform does not take, no file and no
//! link, a bad link) is said on the cohort's page, and nothing is written: the file is
//! stored only once everything is valid, and the row follows in one statement.

use super::pages::with_error;
use super::service::{cohort, Access};
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::files::FileKind;
use crate::pages::PageCtx;
use crate::state::AppState;
use crate::upload::MultipartForm;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::parcours::{check_link, HandIn};
use catalyse_core::resource::StoredFile;
use catalyse_store::NewSubmission;
use chrono::Utc;

/// `POST /parcours/{slug}/livrables/{id}`: a participant hands in her team's deliverable.
pub async fn submit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let c = cohort(&state, &slug).await?;
    let access = Access::of(&state, Some(&user), &c).await?;
    let Access::Participant { team_id } = access else {
        return Err(AppError::Forbidden);
    };
    let deliverables = state.store.deliverables(c.id).await?;
    if !deliverables.iter().any(|d| d.id == id) {
        return Err(AppError::NotFound);
    }
    let t = ctx.t;
    let link = form.field("link").trim().to_string();
    let file = form.file("file");
    let has_file = file.is_some();
    let checked: Result<NewSubmission, String> = if let Some(p) = form.problem {
        Err(p.message(t, state.config.upload_max_mb))
    } else if form.empty_file("file") {
        Err(t.s("parcours.empty_file").to_string())
    } else if has_file && !link.is_empty() {
        Err(t.s("parcours.file_or_link").to_string())
    } else if let Some(f) = file {
        match FileKind::detect(&f.bytes) {
            None => Err(t.s("parcours.bad_type").to_string()),
            Some(kind) => Ok(NewSubmission::File(StoredFile {
                sha256: String::new(),
                name: file_name(&f.file_name, kind),
                content_type: kind.content_type().to_string(),
                size: f.bytes.len() as i64,
            })),
        }
    } else if !link.is_empty() {
        check_link(&link).map(NewSubmission::Link)
    } else {
        Err(t.s("parcours.nothing_handed").to_string())
    };
    let mut handed = match checked {
        Ok(h) => h,
        Err(e) => return with_error(&state, &ctx, c, access, id, e).await,
    };
    if let (NewSubmission::File(stored), Some(f)) = (&mut handed, file) {
        let bytes = f.bytes.clone();
        stored.sha256 = state.files.put(bytes).await.map_err(AppError::Internal)?;
    }
    let s = state
        .store
        .submit(id, team_id, Some(user.id), &handed, Utc::now())
        .await?;
    tracing::info!(
        cohort = c.id,
        deliverable = id,
        team = team_id,
        submission = s.id,
        "deliverable handed in"
    );
    let team = crate::badges::rules::team_members(&state, c.id, team_id).await;
    crate::badges::rules::after(&state, team).await;
    Ok(Redirect::to(&format!("/parcours/{slug}?etat=remis#livrable-{id}")).into_response())
}

/// The name a file is downloaded under: the one the browser gave, without its folders or
/// control characters, or « livrable.<ext> ».
fn file_name(given: &str, kind: FileKind) -> String {
    let name: String = given
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    if name.trim().is_empty() {
        format!("livrable.{}", kind.extension())
    } else {
        name
    }
}

/// `GET /parcours/{slug}/remises/{id}`: a file handed in, for the cohort's participants and
/// animators only (never cached by a shared cache).
pub async fn file(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let c = cohort(&state, &slug).await?;
    if !Access::of(&state, Some(&user), &c).await?.inside() {
        return Err(AppError::NotFound);
    }
    let s = state
        .store
        .submission(id)
        .await?
        .filter(|s| s.kind == HandIn::Fichier)
        .ok_or(AppError::NotFound)?;
    // The submission must be of this cohort's deliverables.
    if !state
        .store
        .deliverables(c.id)
        .await?
        .iter()
        .any(|d| d.id == s.deliverable_id)
    {
        return Err(AppError::NotFound);
    }
    let f = s.file.as_ref().ok_or(AppError::NotFound)?;
    let bytes = state
        .files
        .get(&f.sha256)
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    let ext = FileKind::from_content_type(&f.content_type)
        .map(|k| k.extension())
        .unwrap_or("bin");
    let utf8_name =
        percent_encoding::utf8_percent_encode(&f.name, percent_encoding::NON_ALPHANUMERIC);
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"livrable-{id}.{ext}\"; filename*=UTF-8''{utf8_name}"
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
