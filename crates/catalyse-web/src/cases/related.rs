//! Cases shown elsewhere on the platform (a territory's portrait, a lever's page, a member's
//! page, the Atom feed): a query on the case index, then those cases read by id, so that a
//! page never loads every case.

use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;
use catalyse_core::cases::Case;
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_search::cases::{CaseQuery, CaseSort};

/// The public cases the index finds for `q` (its first page), as the store has them, in
/// the index's order: what a page lists without loading every case.
pub async fn found(state: &AppState, q: CaseQuery) -> Result<(Vec<Case>, usize), AppError> {
    let index = state.cases.clone();
    let found = tokio::task::spawn_blocking(move || index.search(&q))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let cases = state.store.cases_by_ids(&ids).await?;
    // The index may lag a write by a moment: only what is public now.
    let cases = cases.into_iter().filter(Case::is_public).collect();
    Ok((cases, found.total))
}
/// Cases listed on another area's page.
const SHOWN: u32 = 10;

/// One case in such a list.
pub struct RelatedCase {
    pub slug: String,
    pub title: String,
    /// Its territory's name, if the geography knows it.
    pub place: String,
    pub is_example: bool,
}

/// A short list of public cases (the newest), how many there are in all, and where to see
/// them all: what `templates/cases/related.html` shows.
pub struct Related {
    pub title: String,
    pub items: Vec<RelatedCase>,
    pub total: usize,
    /// « 3 pratiques publiées ».
    pub count: String,
    pub none: String,
    /// The search that lists them all, and its link's text.
    pub more: Option<(String, String)>,
}

async fn related(
    state: &AppState,
    q: CaseQuery,
    title: String,
    none: String,
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
            Some(RelatedCase {
                slug: c.slug.clone(),
                title: f.title.clone(),
                // Read here, not through the pages (which list members): no module circle.
                place: state
                    .territories
                    .get(f.territory.level, &f.territory.code)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                is_example: c.is_example,
            })
        })
        .collect();
    Ok(Related {
        title,
        items,
        total,
        count: ctx.t.n("cases_more.count", total),
        none,
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
    let index = &state.territories;
    let mut q = CaseQuery::default();
    let search = |key: &str, code: &str| format!("/pratiques?{key}={code}");
    let more = match t.level {
        TerritoryLevel::Region => {
            q.region = Some(t.code.clone());
            Some((
                search("region", &t.code),
                ctx.t.f("cases_more.territory_all", &t.name),
            ))
        }
        TerritoryLevel::Department => {
            q.department = Some(t.code.clone());
            Some((
                search("departement", &t.code),
                ctx.t.f("cases_more.territory_all", &t.name),
            ))
        }
        level => {
            q.territories.push(format!("{}:{}", level, t.code));
            if level == TerritoryLevel::Epci {
                q.territories.extend(
                    index
                        .children(level, &t.code)
                        .iter()
                        .filter(|c| c.level == TerritoryLevel::Commune)
                        .map(|c| format!("{}:{}", c.level, c.code)),
                );
            }
            t.department
                .as_deref()
                .and_then(|d| index.get(TerritoryLevel::Department, d))
                .map(|d| {
                    (
                        search("departement", &d.code),
                        ctx.t.f("cases_more.territory_department", &d.name),
                    )
                })
        }
    };
    related(
        state,
        q,
        ctx.t.s("cases_more.territory_title").to_string(),
        ctx.t.s("cases_more.territory_none").to_string(),
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
        ctx.t.s("cases_more.lever_title").to_string(),
        ctx.t.s("cases_more.lever_none").to_string(),
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
        ctx.t.s("cases_more.member_title").to_string(),
        ctx.t.s("cases_more.member_none").to_string(),
        ctx,
        None,
    )
    .await
}
