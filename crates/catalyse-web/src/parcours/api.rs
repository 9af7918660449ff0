//! The cohorts' public part: `/api/v1/cohorts` and `/api/v1/cohorts/{slug}` (what it is, its
//! territories, its sessions; never its people nor what they hand in).

use super::service::cohort;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::agenda::{EventKind, EventStatus};
use catalyse_core::parcours::Cohort;
use catalyse_core::TerritoryLevel;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A cohort as listed.
#[derive(Serialize, ToSchema)]
pub struct CohortSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Generated example data, not a real cohort.
    pub is_example: bool,
    /// How many territory teams.
    pub teams: usize,
    /// Its page.
    pub url: String,
}

/// A territory team, by its territory.
#[derive(Serialize, ToSchema)]
pub struct CohortTeam {
    pub name: String,
    pub territory_level: TerritoryLevel,
    pub territory_code: String,
    /// The territory's official name, when the platform's geography knows it.
    pub territory_name: Option<String>,
}

/// A session of the cohort (an event of `/api/v1/events`).
#[derive(Serialize, ToSchema)]
pub struct CohortSession {
    pub slug: String,
    pub title: String,
    pub kind: EventKind,
    pub status: EventStatus,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    /// The step of the parcours it belongs to (1 for the first).
    pub step: i32,
    /// INSEE code of the commune where it takes place, if not online.
    pub commune: Option<String>,
    pub online: bool,
}

/// A cohort's public part.
#[derive(Serialize, ToSchema)]
pub struct CohortDetail {
    #[serde(flatten)]
    pub summary: CohortSummary,
    /// Markdown.
    pub description: String,
    pub territories: Vec<CohortTeam>,
    pub sessions: Vec<CohortSession>,
    /// Slugs of the kit's modules it follows (`/formation/{slug}`).
    pub modules: Vec<String>,
    /// Its sessions as an iCalendar feed.
    pub calendar: String,
}

fn summary(state: &AppState, c: &Cohort, teams: usize) -> CohortSummary {
    let f = &c.fields;
    CohortSummary {
        slug: f.slug.clone(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        starts_on: f.starts_on,
        ends_on: f.ends_on,
        is_example: c.is_example,
        teams,
        url: format!("{}/parcours/{}", state.config.public_url(), f.slug),
    }
}

/// Every cohort, the latest start first.
#[utoipa::path(get, path = "/api/v1/cohorts", tag = "parcours",
    responses((status = 200, description = "The cohorts", body = Vec<CohortSummary>)))]
pub async fn cohorts(State(state): State<AppState>) -> Result<Json<Vec<CohortSummary>>, ApiError> {
    let mut out = Vec::new();
    for c in state.store.cohorts().await? {
        let teams = state.store.teams(c.id).await?.len();
        out.push(summary(&state, &c, teams));
    }
    Ok(Json(out))
}

/// One cohort's public part: what it is, its territories, its calendar.
#[utoipa::path(get, path = "/api/v1/cohorts/{slug}", tag = "parcours",
    params(("slug" = String, Path, description = "The cohort's slug")),
    responses(
        (status = 200, description = "The cohort", body = CohortDetail),
        (status = 404, description = "No such cohort", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn cohort_detail(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<CohortDetail>, ApiError> {
    let c = cohort(&state, &slug).await?;
    let teams = state.store.teams(c.id).await?;
    let sessions = state.store.sessions(c.id).await?;
    Ok(Json(CohortDetail {
        summary: summary(&state, &c, teams.len()),
        description: c.fields.description.clone(),
        territories: teams
            .iter()
            .map(|t| CohortTeam {
                name: t.name.clone(),
                territory_level: t.territory.level,
                territory_code: t.territory.code.clone(),
                territory_name: state
                    .territories
                    .get(t.territory.level, &t.territory.code)
                    .map(|x| x.name.clone()),
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|s| CohortSession {
                slug: s.event.slug,
                title: s.event.title,
                kind: s.event.kind,
                status: s.event.status,
                starts_at: s.event.starts_at,
                duration_minutes: s.event.duration_minutes,
                step: s.step,
                online: s.event.online_url.is_some(),
                commune: s.event.commune,
            })
            .collect(),
        modules: c.fields.modules.clone(),
        calendar: format!(
            "{}/parcours/{}/calendrier.ics",
            state.config.public_url(),
            c.fields.slug
        ),
    }))
}
