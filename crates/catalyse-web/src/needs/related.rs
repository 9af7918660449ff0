//! The open needs (« ouvert », « en relation ») shown elsewhere on the platform: on a
//! territory's portrait (its own and those of the territories inside it) and on a lever's
//! page, in the shape every area lists on another's page (`crate::related`): a query on the
//! need index, newest first, then those needs read by id, kept if still open.

use super::index::query_string;
use super::status::status_label;
use crate::error::AppError;
use crate::pages::PageCtx;
use crate::related::{Item, Related, SHOWN};
use crate::state::AppState;
use catalyse_core::needs::{Need, NeedStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_search::needs::{NeedFilters, NeedQuery, NeedSort};

/// The statuses of a need that still waits for help, as the index and `/besoins` name them.
pub fn open_statuses() -> Vec<String> {
    [NeedStatus::Ouvert, NeedStatus::EnRelation]
        .map(|s| s.as_str().to_string())
        .into()
}

/// The open needs the index finds for `q` (filters only: its text, sort and page are set
/// here), newest first, as the store has them now.
async fn related(
    state: &AppState,
    ctx: &PageCtx,
    q: NeedQuery,
    (title, none): (&str, &str),
    more: Option<(NeedFilters, String)>,
) -> Result<Related, AppError> {
    let q = NeedQuery {
        q: String::new(),
        sort: NeedSort::Newest,
        page: 1,
        per_page: SHOWN,
        ..q
    };
    let (index, store) = (state.needs.clone(), state.store.clone());
    let (needs, total) = crate::related::found(
        move || {
            let found = index.search(&q)?;
            Ok((found.hits.iter().map(|h| h.id).collect(), found.total))
        },
        |ids| async move { store.needs_by_ids(&ids).await },
        Need::is_open,
    )
    .await?;
    let items = needs
        .iter()
        .filter_map(|n| {
            let f = n.public_fields()?;
            Some(Item {
                href: format!("/besoins/{}", n.slug),
                title: f.title.clone(),
                place: crate::related::place(state, &f.territory),
                status: status_label(ctx.t, n.status).to_string(),
                is_example: n.is_example,
            })
        })
        .collect();
    // The search that lists them all: the same filters, the same order, on `/besoins`.
    let more = more.map(|(filters, label)| {
        let all = NeedQuery {
            filters,
            sort: NeedSort::Newest,
            ..Default::default()
        };
        (format!("/besoins?{}", query_string(&all, 1)), label)
    });
    Ok(Related {
        id: "besoins-lies",
        title: ctx.t.s(title).to_string(),
        items,
        total,
        count: ctx.t.n("needs_more.count", total),
        none: ctx.t.s(none).to_string(),
        more,
    })
}

/// The open needs of a territory and of the territories inside it (a département's portrait
/// lists its communes' needs too). The link goes to the région's or département's search
/// (an EPCI's and a commune's: their département's).
pub async fn of_territory(
    state: &AppState,
    ctx: &PageCtx,
    t: &Territory,
) -> Result<Related, AppError> {
    let mut filters = NeedFilters {
        statuses: open_statuses(),
        ..Default::default()
    };
    let q = NeedQuery {
        filters: filters.clone(),
        within: vec![TerritoryRef {
            level: t.level,
            code: t.code.clone(),
        }],
        ..Default::default()
    };
    let more = crate::related::searched(state, t).map(|(_, s, own)| {
        match s.level {
            TerritoryLevel::Region => filters.regions = vec![s.code.clone()],
            _ => filters.departments = vec![s.code.clone()],
        }
        let label = match own {
            true => "needs_more.territory_all",
            false => "needs_more.territory_department",
        };
        (filters, ctx.t.f(label, &s.name))
    });
    let words = ("needs_more.territory_title", "needs_more.territory_none");
    related(state, ctx, q, words, more).await
}

/// The newest open needs that seek a lever.
pub async fn of_lever(state: &AppState, ctx: &PageCtx, slug: &str) -> Result<Related, AppError> {
    let filters = NeedFilters {
        statuses: open_statuses(),
        levers: vec![slug.to_string()],
        ..Default::default()
    };
    let q = NeedQuery {
        filters: filters.clone(),
        ..Default::default()
    };
    let more = Some((filters, ctx.t.s("needs_more.lever_all").to_string()));
    let words = ("needs_more.lever_title", "needs_more.lever_none");
    related(state, ctx, q, words, more).await
}
