//! What the pages of autodiagnostics share about a private link: the questionnaire it
//! names, the draft it holds (read against the questionnaire as it is now), and the page a
//! link that is not valid gets.

use axum::http::StatusCode;
use axum::response::Response;
use catalyse_core::diagnostics::token::Draft;
use catalyse_core::diagnostics::{Answers, Questionnaire};

use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;

/// The questionnaire `slug`, or 404.
pub fn questionnaire<'a>(state: &'a AppState, slug: &str) -> Result<&'a Questionnaire, AppError> {
    state.diagnostics.get(slug).ok_or(AppError::NotFound)
}

/// The draft a link holds, if it is one of this questionnaire's.
pub fn open(state: &AppState, q: &Questionnaire, token: &str) -> Option<Draft> {
    (state.diagnostics.sealer.open(token)).filter(|d| d.questionnaire == q.slug)
}

/// The answers a draft holds, read against the questionnaire as it is now: answers that no
/// longer fit it (a question reworded since, say) are left out.
pub fn answers_of(q: &Questionnaire, d: &Draft) -> Answers {
    let mut answers = Answers::new();
    for (id, v) in &d.answers {
        if let Some(Ok(Some(a))) = q.question(id).map(|x| x.read(v)) {
            answers.insert(id.clone(), a);
        }
    }
    q.prune(&mut answers);
    answers
}

/// The page a link that is not (or no longer) valid gets.
pub fn invalid_link(ctx: &PageCtx) -> Response {
    crate::error::error_response(
        ctx.t,
        StatusCode::NOT_FOUND,
        "diagnostics.invalid_title",
        ctx.t.s("diagnostics.invalid_text"),
    )
}
