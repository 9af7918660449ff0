//! The achievements in the JSON API: `/api/v1/achievements` (those awarded now) and
//! `/api/v1/achievements/{slug}` (archived ones too, said so): what each is, how it is
//! earned, its image and how many hold it. Never who holds it.

use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::badges::Rule;
use catalyse_store::StoredAchievement;
use serde::Serialize;
use utoipa::ToSchema;

use super::catalogue::{self, rule_words, Names};
use super::issuer;
use crate::error::{ApiError, AppError, Problem};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// An achievement (an Open Badges 3.0 `Achievement`, as the platform describes it).
#[derive(Serialize, ToSchema)]
pub struct AchievementOut {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The criteria in words (Markdown).
    pub criteria: String,
    pub rule: Rule,
    /// The rule in a French sentence.
    pub rule_text: String,
    /// Slugs of the levers it is aligned to (`/api/v1/levers`).
    pub levers: Vec<String>,
    /// Slugs of the métier activities it is aligned to.
    pub activities: Vec<String>,
    pub tags: Vec<String>,
    /// Its image (SVG).
    pub image: String,
    /// How many people hold it (credentials not revoked).
    pub holders: i64,
    /// No longer awarded (its credentials stay valid).
    pub archived: bool,
    /// Its page, also its OB 3.0 `Achievement` id (asked with `Accept: application/json`,
    /// the `Achievement` itself).
    pub url: String,
}

fn out(state: &AppState, a: &StoredAchievement, names: &Names, holders: i64) -> AchievementOut {
    let f = &a.fields;
    AchievementOut {
        slug: a.slug.clone(),
        name: f.name.clone(),
        description: f.description.clone(),
        criteria: f.criteria.clone(),
        rule: f.rule.clone(),
        rule_text: rule_words(Tr::new(Lang::Fr), &f.rule, names),
        levers: f.levers.clone(),
        activities: f.activities.clone(),
        tags: f.tags.clone(),
        image: issuer::image_url(&state.config, &a.slug),
        holders,
        archived: a.archived,
        url: issuer::achievement_url(&state.config, &a.slug),
    }
}

/// The achievements awarded now, in the catalogue's order.
#[utoipa::path(get, path = "/api/v1/achievements", tag = "badges",
    responses((status = 200, description = "The achievements", body = Vec<AchievementOut>)))]
pub async fn achievements(
    State(state): State<AppState>,
) -> Result<Json<Vec<AchievementOut>>, ApiError> {
    let names = Names::read(&state).await?;
    let holders = catalogue::holders(&state).await?;
    let list = state.store.achievements(false).await?;
    Ok(Json(
        list.iter()
            .map(|a| out(&state, a, &names, holders.get(&a.id).copied().unwrap_or(0)))
            .collect(),
    ))
}

/// One achievement (an archived one too).
#[utoipa::path(get, path = "/api/v1/achievements/{slug}", tag = "badges",
    params(("slug" = String, Path, description = "The achievement's slug")),
    responses(
        (status = 200, description = "The achievement", body = AchievementOut),
        (status = 404, description = "No such achievement", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn achievement(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<AchievementOut>, ApiError> {
    let a = state
        .store
        .achievement(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let names = Names::read(&state).await?;
    let holders = catalogue::holders(&state).await?;
    let n = holders.get(&a.id).copied().unwrap_or(0);
    Ok(Json(out(&state, &a, &names, n)))
}
