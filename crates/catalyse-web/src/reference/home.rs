//! The home page: the five pillars of the programme and where it stands.

use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use catalyse_core::{Lever, Milestone, TerritoryLevel};

#[derive(Template)]
#[template(path = "reference/home.html")]
struct Home<'a> {
    ctx: &'a PageCtx,
    levers: &'a [Lever],
    /// Milestones still to come, or the last ones when the programme is over.
    milestones: &'a [Milestone],
    upcoming: bool,
    counts: &'a [(TerritoryLevel, i64)],
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
    let all = &state.reference.milestones;
    let next = all.partition_point(|m| m.date < today);
    let (milestones, upcoming) = if next < all.len() {
        (&all[next..(next + 3).min(all.len())], true)
    } else {
        (&all[all.len().saturating_sub(3)..], false)
    };
    let page = Home {
        ctx: &ctx,
        levers: &state.reference.levers,
        milestones,
        upcoming,
        counts: state.territories.counts(),
    };
    render(&ctx, &page)
}
