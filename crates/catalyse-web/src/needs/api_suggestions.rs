//! `/api/v1/needs/{slug}/suggestions`: who could help with a public need, and why — the
//! ranking of the need's page, with the reasons as data (`kind` and slugs) beside the French
//! sentence. Visitors get public profiles only; a signed-in caller (her session cookie) also
//! the profiles reserved to members, as on the pages.

use super::suggestions::{ranked, Looker, Shown};
use crate::auth::MaybeUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalyse_core::needs::suggest::{Reason, WEIGHTS};
use catalyse_core::text::Lang;
use serde::Serialize;
use utoipa::ToSchema;

/// Members the API proposes.
pub const API_MEMBERS: usize = 20;
/// Case studies the API proposes.
pub const API_CASES: usize = 10;

/// A member who could help.
#[derive(Serialize, ToSchema)]
pub struct SuggestedMember {
    /// Her profile's slug (`/api/v1/members/{slug}` when it is public).
    pub slug: String,
    pub name: String,
    pub organisation: String,
    pub url: String,
    /// Out of `max_score`.
    pub score: f32,
    /// Every factor that added points, as data.
    pub reasons: Vec<Reason>,
    /// The reasons in one French sentence.
    pub sentence: String,
    /// Generated example data (« données d'exemple »), not a real actor.
    pub is_example: bool,
    /// Her profile is seen by signed-in members only.
    pub members_only: bool,
}

/// A case study on the need's fragility.
#[derive(Serialize, ToSchema)]
pub struct SuggestedCase {
    /// `/api/v1/cases/{slug}`.
    pub slug: String,
    pub title: String,
    pub url: String,
    /// Out of `max_score`.
    pub score: f32,
    pub reasons: Vec<Reason>,
    pub sentence: String,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
}

/// The members best first, then the cases best first, with how they are scored.
#[derive(Serialize, ToSchema)]
pub struct NeedSuggestions {
    /// The need's slug.
    pub need: String,
    pub members: Vec<SuggestedMember>,
    pub cases: Vec<SuggestedCase>,
    pub max_score: MaxScore,
    /// The rules of the ranking in French, one sentence a line (« Pourquoi ces
    /// suggestions ? »).
    pub explanation: Vec<String>,
}

/// The most a member, or a case, may score.
#[derive(Serialize, ToSchema)]
pub struct MaxScore {
    pub member: f32,
    pub case: f32,
}

impl From<Shown> for NeedSuggestions {
    fn from(s: Shown) -> Self {
        NeedSuggestions {
            need: s.slug,
            members: s
                .members
                .into_iter()
                .map(|m| SuggestedMember {
                    slug: m.slug,
                    name: m.name,
                    organisation: m.organisation,
                    url: m.url,
                    score: m.score,
                    reasons: m.reasons,
                    sentence: m.sentence,
                    is_example: m.is_example,
                    members_only: m.members_only,
                })
                .collect(),
            cases: s
                .cases
                .into_iter()
                .map(|c| SuggestedCase {
                    slug: c.slug,
                    title: c.title,
                    url: c.url,
                    score: c.score,
                    reasons: c.reasons,
                    sentence: c.sentence,
                    is_example: c.is_example,
                })
                .collect(),
            max_score: MaxScore {
                member: WEIGHTS.member_total(),
                case: WEIGHTS.case_total(),
            },
            explanation: s.why,
        }
    }
}

/// Who could help with a public need: members of the network (public profiles; with a
/// session, those reserved to members too) and case studies on the same fragility, best
/// first, each with its score and reasons. The need's author and the members already in
/// touch about it are never proposed, nor members who opted out.
#[utoipa::path(get, path = "/api/v1/needs/{slug}/suggestions", tag = "needs",
    params(("slug" = String, Path, description = "The need's slug")),
    responses(
        (status = 200, description = "The suggestions", body = NeedSuggestions),
        (status = 404, description = "No such public need", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn suggestions(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let need = super::suggestions::public_need(&state, &slug).await?;
    let looker = Looker::of(user.as_ref(), &need);
    let base = state.config.public_url();
    let shown = ranked(
        &state,
        &need,
        looker,
        Lang::Fr,
        &base,
        API_MEMBERS,
        API_CASES,
    )
    .await?;
    let cache = if user.is_some() {
        "private, max-age=10"
    } else {
        "public, max-age=10"
    };
    Ok((
        [(header::CACHE_CONTROL, cache), (header::VARY, "Cookie")],
        Json(NeedSuggestions::from(shown)),
    )
        .into_response())
}
