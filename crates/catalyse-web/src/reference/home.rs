//! The home page: where to start (join, the map, the next webinar), what the platform holds
//! today, read from the data (the network's figures, the latest resources and members), the
//! pillars of the programme that the platform serves, and where the programme stands.

use crate::error::AppError;
use crate::events::pages::{when, CYCLE};
use crate::network::members::Card;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use catalyse_core::agenda::{Event, EventKind, EventStatus};
use catalyse_core::{Lever, Milestone, TerritoryLevel};
use catalyse_search::{SearchQuery, Sort};

/// A resource as the home page lists it.
pub struct Latest {
    pub slug: String,
    pub title: String,
    pub meta: String,
    pub is_example: bool,
}

#[derive(Template)]
#[template(path = "reference/home.html")]
struct Home<'a> {
    ctx: &'a PageCtx,
    levers: &'a [Lever],
    /// Milestones still to come, or the last ones when the programme is over.
    milestones: &'a [Milestone],
    upcoming: bool,
    /// The next webinar of the monthly cycle (or any webinar) and when, in words.
    webinar: Option<(Event, String)>,
    /// Public members, published places, published resources.
    members: usize,
    places: usize,
    resources: u64,
    latest: Vec<Latest>,
    newest: Vec<Card>,
    /// Régions (metropolitan and overseas), overseas collectivities, départements, EPCI,
    /// communes.
    counts: Vec<(&'static str, i64)>,
}

/// How far ahead the home page looks for the next webinar.
const WEBINAR_HORIZON_DAYS: i64 = 92;

/// The next scheduled webinar, the monthly cycle's first.
async fn next_webinar(state: &AppState) -> Result<Option<Event>, AppError> {
    let now = chrono::Utc::now();
    let soon = state
        .store
        .events(
            Some(now),
            Some(now + chrono::Duration::days(WEBINAR_HORIZON_DAYS)),
            Some(EventKind::Webinaire),
            None,
        )
        .await?;
    let scheduled = soon.iter().filter(|e| e.status == EventStatus::Scheduled);
    Ok(scheduled
        .clone()
        .find(|e| e.series.as_deref() == Some(CYCLE))
        .or_else(|| scheduled.clone().next())
        .cloned())
}

/// The territories the platform knows, as a reader counts them: the 18 régions apart from
/// the overseas collectivities that the geography files among them.
fn territory_counts(state: &AppState) -> Vec<(&'static str, i64)> {
    let (mut regions, mut collectivities) = (0, 0);
    for t in state.territories.all() {
        if t.level == TerritoryLevel::Region {
            if t.code.len() <= 2 {
                regions += 1;
            } else {
                collectivities += 1;
            }
        }
    }
    let count = |level| {
        state
            .territories
            .counts()
            .iter()
            .find(|(l, _)| *l == level)
            .map_or(0, |(_, n)| *n)
    };
    let mut out = vec![("territory.regions", regions)];
    if collectivities > 0 {
        out.push(("home.collectivities", collectivities));
    }
    out.extend([
        ("territory.departments", count(TerritoryLevel::Department)),
        ("territory.epcis", count(TerritoryLevel::Epci)),
        ("territory.communes", count(TerritoryLevel::Commune)),
    ]);
    out
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
    let found = state
        .search
        .search(&SearchQuery {
            sort: Sort::Newest,
            per_page: 4,
            ..SearchQuery::default()
        })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let latest = state
        .store
        .resources_by_ids(&ids)
        .await?
        .into_iter()
        .map(|r| Latest {
            meta: crate::resources::pages::meta_line(&r),
            slug: r.slug.clone(),
            title: r.title.clone(),
            is_example: r.is_example,
        })
        .collect();
    let network = state.network();
    let newest = crate::network::members::cards(&state, &network.figures.newest, false).await?;
    let webinar = next_webinar(&state).await?.map(|e| {
        let when = when(ctx.t.lang, &e);
        (e, when)
    });
    let page = Home {
        ctx: &ctx,
        levers: &state.reference.levers,
        milestones,
        upcoming,
        webinar,
        members: network.figures.public,
        places: network.places.len(),
        resources: found.total,
        latest,
        newest,
        counts: territory_counts(&state),
    };
    render(&ctx, &page)
}
