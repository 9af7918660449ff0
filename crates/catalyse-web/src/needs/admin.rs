//! `GET /admin/besoins`: the animators' view of the needs of territories. The open needs no
//! one answered yet, the longest waiting first; the open needs for which the suggestion
//! engine finds no one (nor any case); the open needs counted by région, each count a link
//! to the `/besoins` search that lists them. Moderators and administrators; read-only.

use super::index::{query_string, search};
use super::related::open_statuses;
use super::status::status_label;
use crate::auth::Moderator;
use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use catalyse_core::needs::Need;
use catalyse_core::TerritoryLevel;
use catalyse_search::needs::{NeedFilters, NeedQuery, NeedSort};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;

/// Needs the first list shows.
const WAITING_SHOWN: u32 = 20;
/// Open needs the engine is asked about, the longest waiting first: each question scans
/// every member, so a page asks about a bounded number (one page of the index).
pub const CHECKED: u32 = catalyse_search::MAX_PER_PAGE;

/// One need in a list.
pub struct Line {
    pub href: String,
    pub title: String,
    pub place: String,
    pub status: &'static str,
    /// « 12 jours » since it was published.
    pub waiting: String,
    /// When it was published (ISO 8601), for the `<time>` element.
    pub since_iso: String,
    pub is_example: bool,
}

/// One région's open needs.
pub struct RegionLine {
    pub name: String,
    pub count: i64,
    /// The `/besoins` search that lists them.
    pub href: String,
}

#[derive(Template)]
#[template(path = "needs/admin.html")]
struct Board<'a> {
    ctx: &'a PageCtx,
    /// Open, with no offer nor request, the longest waiting first.
    waiting: Vec<Line>,
    waiting_total: i64,
    /// Open, and the engine finds no one for them.
    unanswered: Vec<Line>,
    /// How many open needs the engine was asked about, and how many there are.
    checked: usize,
    open_total: i64,
    regions: Vec<RegionLine>,
    /// The search of all open needs.
    all_href: String,
}

/// The `/besoins` search of the open needs with these filters, the longest waiting first.
fn search_href(filters: NeedFilters) -> String {
    let q = NeedQuery {
        filters: NeedFilters {
            statuses: open_statuses(),
            ..filters
        },
        sort: NeedSort::LongestWaiting,
        ..Default::default()
    };
    format!("/besoins?{}", query_string(&q, 1))
}

fn line(state: &AppState, ctx: &PageCtx, n: &Need, now: DateTime<Utc>) -> Option<Line> {
    let f = n.public_fields()?;
    let since = n.moderated.published_at.unwrap_or(n.created_at);
    Some(Line {
        href: format!("/besoins/{}", n.slug),
        title: f.title.clone(),
        place: crate::related::place(state, &f.territory),
        status: status_label(ctx.t, n.status),
        waiting: ctx.t.n("needs_admin.days", (now - since).num_days().max(0)),
        since_iso: since.to_rfc3339(),
        is_example: n.is_example,
    })
}

/// `GET /admin/besoins`
pub async fn board(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let (waiting, waiting_total) = state.store.uncontacted_needs(WAITING_SHOWN).await?;
    let waiting = (waiting.iter())
        .filter_map(|n| line(&state, &ctx, n, now))
        .collect();

    // One search of the open needs: the longest waiting (asked about), the count per région.
    let q = NeedQuery {
        filters: NeedFilters {
            statuses: open_statuses(),
            ..Default::default()
        },
        sort: NeedSort::LongestWaiting,
        page: 1,
        per_page: CHECKED,
        ..Default::default()
    };
    let found = search(&state, &q).await?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    // The index may lag a write by a moment: only what is open now.
    let open: Vec<Need> = (state.store.needs_by_ids(&ids).await?)
        .into_iter()
        .filter(Need::is_open)
        .collect();
    let checked = open.len();
    let unanswered = super::suggestions::without_suggestion(&state, open).await?;
    let unanswered = (unanswered.iter())
        .filter_map(|n| line(&state, &ctx, n, now))
        .collect();

    let count = |code: &str| {
        (found.facets.regions.iter())
            .find(|(v, _)| v == code)
            .map_or(0, |(_, n)| *n as i64)
    };
    let mut regions: Vec<RegionLine> = (state.territories.all().iter())
        .filter(|t| t.level == TerritoryLevel::Region)
        .map(|t| RegionLine {
            name: t.name.clone(),
            count: count(&t.code),
            href: search_href(NeedFilters {
                regions: vec![t.code.clone()],
                ..Default::default()
            }),
        })
        .collect();
    // Where most wait first; the others in the geography's order.
    regions.sort_by_key(|r| Reverse(r.count));
    let page = Board {
        ctx: &ctx,
        waiting,
        waiting_total,
        unanswered,
        checked,
        open_total: found.total as i64,
        regions,
        all_href: search_href(NeedFilters::default()),
    };
    render(&ctx, &page)
}
