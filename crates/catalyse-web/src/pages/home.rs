//! The home page: the five pillars of the programme and where it stands.

use super::{render, PageCtx};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use catalyse_core::{Lever, Milestone, TerritoryLevel};

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    ctx: &'a PageCtx,
    levers: Vec<Lever>,
    /// Milestones still to come, or the last ones when the programme is over.
    milestones: Vec<Milestone>,
    upcoming: bool,
    counts: Vec<(TerritoryLevel, i64)>,
}

impl Home<'_> {
    fn level_label(&self, level: &TerritoryLevel) -> &str {
        self.ctx.t.s(match level {
            TerritoryLevel::Region => "territory.regions",
            TerritoryLevel::Department => "territory.departments",
            TerritoryLevel::Epci => "territory.epcis",
            TerritoryLevel::Commune => "territory.communes",
        })
    }
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let today = chrono::Utc::now().date_naive();
    let all = state.store.milestones().await?;
    let upcoming: Vec<Milestone> = all
        .iter()
        .filter(|m| m.date >= today)
        .take(3)
        .cloned()
        .collect();
    let (milestones, upcoming) = if upcoming.is_empty() {
        (all.iter().rev().take(3).rev().cloned().collect(), false)
    } else {
        (upcoming, true)
    };
    let page = Home {
        ctx: &ctx,
        levers: state.store.levers().await?,
        milestones,
        upcoming,
        counts: state.store.territory_counts().await?,
    };
    render(&ctx, &page)
}
