//! Cases shown elsewhere on the platform (a territory's portrait, a lever's page, a member's
//! page, the Atom feed), in the shape every area lists on another's page
//! (`crate::related`): a query on the case index, then those cases read by id.

use crate::error::AppError;
use crate::pages::PageCtx;
use crate::related::{Item, Related, SHOWN};
use crate::state::AppState;
use catalyse_core::cases::Case;
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_search::cases::{CaseQuery, CaseSort};

/// The public cases the index finds for `q` (its first page), as the store has them, in
/// the index's order: what a page lists without loading every case.
pub async fn found(state: &AppState, q: CaseQuery) -> Result<(Vec<Case>, usize), AppError> {
    let index = state.cases.clone();
    let store = state.store.clone();
    crate::related::found(
        move || {
            let found = index.search(&q)?;
            Ok((found.hits.iter().map(|h| h.id).collect(), found.total))
        },
        |ids| async move { store.cases_by_ids(&ids).await },
        Case::is_public,
    )
    .await
}

async fn related(
    state: &AppState,
    q: CaseQuery,
    (title, none): (&str, &str),
    ctx: &PageCtx,
    more: Option<(String, String)>,
) -> Result<Related, AppError> {
    let q = CaseQuery {
        sort: CaseSort::Newest,
        page: 1,
        per_page: SHOWN,
        ..q
    };
    let (cases, total) = found(state, q).await?;
    let items = cases
        .iter()
        .filter_map(|c| {
            let f = c.public_fields()?;
            Some(Item {
                href: format!("/pratiques/{}", c.slug),
                title: f.title.clone(),
                place: crate::related::place(state, &f.territory),
                status: String::new(),
                is_example: c.is_example,
            })
        })
        .collect();
    Ok(Related {
        id: "pratiques-liees",
        title: ctx.t.s(title).to_string(),
        items,
        total,
        count: ctx.t.n("cases_more.count", total),
        none: ctx.t.s(none).to_string(),
        more,
    })
}

/// The public cases of a territory and of the territories inside it: a région's or a
/// département's by the index's filters, an EPCI's (its own and its communes') or a
/// commune's by their exact place; the link goes to the région's or département's search.
pub async fn of_territory(
    state: &AppState,
    ctx: &PageCtx,
    t: &Territory,
) -> Result<Related, AppError> {
    let mut q = CaseQuery::default();
    match t.level {
        TerritoryLevel::Region => q.region = Some(t.code.clone()),
        TerritoryLevel::Department => q.department = Some(t.code.clone()),
        level => {
            q.territories.push(format!("{}:{}", level, t.code));
            if level == TerritoryLevel::Epci {
                q.territories.extend(
                    (state.territories.children(level, &t.code).iter())
                        .filter(|c| c.level == TerritoryLevel::Commune)
                        .map(|c| format!("{}:{}", c.level, c.code)),
                );
            }
        }
    }
    let more = crate::related::searched(state, t).map(|(key, s, own)| {
        let label = match own {
            true => "cases_more.territory_all",
            false => "cases_more.territory_department",
        };
        (
            format!("/pratiques?{key}={}", s.code),
            ctx.t.f(label, &s.name),
        )
    });
    related(
        state,
        q,
        ("cases_more.territory_title", "cases_more.territory_none"),
        ctx,
        more,
    )
    .await
}

/// The newest public cases that use a lever.
pub async fn of_lever(state: &AppState, ctx: &PageCtx, slug: &str) -> Result<Related, AppError> {
    let q = CaseQuery {
        levers: vec![slug.to_string()],
        ..Default::default()
    };
    let more = form_urlencoded::Serializer::new(String::new())
        .append_pair("levier", slug)
        .finish();
    related(
        state,
        q,
        ("cases_more.lever_title", "cases_more.lever_none"),
        ctx,
        Some((
            format!("/pratiques?{more}"),
            ctx.t.s("cases_more.lever_all").to_string(),
        )),
    )
    .await
}

/// The public cases a member documented or is a contact of.
pub async fn of_member(state: &AppState, ctx: &PageCtx, user_id: i64) -> Result<Related, AppError> {
    let q = CaseQuery {
        people: vec![user_id],
        ..Default::default()
    };
    related(
        state,
        q,
        ("cases_more.member_title", "cases_more.member_none"),
        ctx,
        None,
    )
    .await
}
