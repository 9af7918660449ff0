//! The needs' public pages: `/besoins` (French full-text search with facets, sort and pages,
//! without JavaScript) and `/besoins/{slug}` (the need, its territory on the locator, what it
//! seeks, its dated trail, who expressed it, the actions of its author and moderators, and
//! who could help).

use super::index::{parse, query_string, FilterError, PAGE_NAMES, PER_PAGE, SORTS};
use super::status::{horizon_label, status_label, Status};
use crate::cases::pages::{activity_name, family_name, fragility_name};
use crate::error::AppError;
use crate::network::members::Card;
use crate::pages::{render, PageCtx};
use crate::resources::pages::{lever_name, Facet};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::Response;
use catalyse_core::needs::{Horizon, Need, NeedFields, NeedStatus};
use catalyse_core::{Page, Territory, TerritoryLevel};
use catalyse_search::needs::{NeedFacet, NeedHit, NeedQuery};

/// The territory of a need, if the geography knows it.
pub fn territory<'a>(state: &'a AppState, f: &NeedFields) -> Option<&'a Territory> {
    state.territories.get(f.territory.level, &f.territory.code)
}

#[derive(Template)]
#[template(path = "needs/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    filter: NeedQuery,
    error: Option<String>,
    results: Page<NeedHit>,
    facets: Vec<Facet>,
    /// The régions, then the départements (one of each may be chosen).
    regions: Vec<Facet>,
    pager: crate::pages::Pager,
}

impl ListPage<'_> {
    fn sort_is(&self, s: &str) -> bool {
        let i = PAGE_NAMES.sorts.iter().position(|x| *x == s);
        i.is_some_and(|i| SORTS[i] == self.filter.sort)
    }
    fn status(&self, s: &NeedStatus) -> &str {
        status_label(self.ctx.t, *s)
    }
    fn horizon(&self, h: &Horizon) -> &str {
        horizon_label(self.ctx.t, *h)
    }
    fn published(&self, at: &i64) -> String {
        chrono::DateTime::from_timestamp(*at, 0)
            .map(|d| self.ctx.date(&d.date_naive()))
            .unwrap_or_default()
    }
}

/// `GET /besoins`: search, facets, results.
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (filter, error) = match parse(raw.as_deref().unwrap_or(""), &PAGE_NAMES) {
        Ok(f) => (f, None),
        Err(FilterError(e)) => (
            NeedQuery {
                page: 1,
                per_page: PER_PAGE,
                ..Default::default()
            },
            Some(e),
        ),
    };
    let found = super::index::search(&state, &filter).await?;
    let t = ctx.t;
    let facet = |which: NeedFacet, legend: &str, label: &dyn Fn(&str) -> String| {
        let param = PAGE_NAMES.facets[which as usize];
        let (values, chosen) = (found.facets.get(which), filter.filters.get(which));
        Facet::new(t, param, legend, values, chosen, label)
    };
    let status = |v: &str| {
        v.parse()
            .map_or(v.to_string(), |s| status_label(t, s).into())
    };
    let horizon = |v: &str| {
        v.parse()
            .map_or(v.to_string(), |h| horizon_label(t, h).into())
    };
    let facets = vec![
        facet(NeedFacet::Status, "needs.facet_status", &status),
        facet(NeedFacet::Fragility, "needs.facet_fragility", &|v| {
            fragility_name(&state, v)
        }),
        facet(NeedFacet::Lever, "needs.facet_lever", &|v| {
            lever_name(&state, v)
        }),
        facet(NeedFacet::Family, "needs.facet_family", &|v| {
            family_name(&state, v)
        }),
        facet(NeedFacet::Activity, "needs.facet_activity", &|v| {
            activity_name(&state, v)
        }),
        facet(NeedFacet::Horizon, "needs.facet_horizon", &horizon),
    ];
    let name = |level, code: &str| crate::territories::name_or_code(&state, level, code);
    let regions = vec![
        facet(NeedFacet::Region, "needs.facet_region", &|v| {
            name(TerritoryLevel::Region, v)
        }),
        facet(NeedFacet::Department, "needs.facet_department", &|v| {
            name(TerritoryLevel::Department, v)
        }),
    ];
    let (results, pager) =
        crate::pages::hits_page(found.hits, found.total, filter.page, PER_PAGE, |p| {
            format!("/besoins?{}", query_string(&filter, p))
        });
    let page = ListPage {
        ctx: &ctx,
        pager,
        filter,
        error,
        results,
        facets,
        regions,
    };
    crate::pages::render_search(&ctx, &page, page.error.is_some())
}

/// A need as the viewer may see it: the public version, or for its author and moderators the
/// version they are working on (with a flag saying it is not public).
pub async fn visible(
    state: &AppState,
    ctx: &PageCtx,
    slug: &str,
) -> Result<(Need, NeedFields, bool), AppError> {
    let n = state
        .store
        .need_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(f) = n.public_fields() {
        let f = f.clone();
        return Ok((n, f, false));
    }
    if super::status::can_edit(ctx.user.as_ref(), &n) {
        if let Some(f) = n.moderated.current() {
            let f = f.clone();
            return Ok((n, f, true));
        }
    }
    Err(AppError::NotFound)
}

/// One dated step of the trail, as the page shows it.
pub struct Step {
    pub at: String,
    pub at_iso: String,
    pub status: &'static str,
    pub note: String,
}

#[derive(Template)]
#[template(path = "needs/need.html")]
pub struct NeedPage<'a> {
    pub ctx: &'a PageCtx,
    pub n: Need,
    pub f: NeedFields,
    /// Not public: waiting for its first review, or for its author's confirmation (shown to
    /// its author and moderators only).
    pub not_public: bool,
    /// (address, name) of its territory's portrait.
    pub place: Option<(String, String)>,
    /// (image, text alternative) of the locator map.
    pub locator: Option<(String, String)>,
    /// (slug, name) of what it is about and what it seeks.
    pub fragility: (String, String),
    pub levers: Vec<(String, String)>,
    pub families: Vec<(String, String)>,
    pub activities: Vec<(String, String)>,
    /// The actor family of who expresses it, in words (empty when not said).
    pub author_family: String,
    /// The member who expressed it, when her profile is one the viewer may see.
    pub author: Option<Card>,
    pub description_html: String,
    pub trail: Vec<Step>,
    /// What its author and moderators see of where it stands, and may do.
    pub status: Status,
    /// Who could help (`needs::suggestions`, drawn by `needs/suggestions.html`).
    pub suggestions: super::suggestions::Shown,
}

impl NeedPage<'_> {
    fn status_now(&self) -> &str {
        status_label(self.ctx.t, self.n.status)
    }
    fn horizon(&self) -> &str {
        horizon_label(self.ctx.t, self.f.horizon)
    }
    /// When its version was published, in words.
    fn published(&self) -> Option<String> {
        (self.n.moderated.published_at).map(|at| self.ctx.date(&at.date_naive()))
    }
}

/// The page of a need, with `status` (what its author and moderators see).
pub async fn need_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    (n, f, not_public): (Need, NeedFields, bool),
    status: Status,
) -> Result<NeedPage<'a>, AppError> {
    let t = territory(state, &f);
    let place = t.map(|t| (crate::territories::url(t), t.name.clone()));
    let locator = t.and_then(|t| {
        state.maps.locate(t).map(|(_, code)| {
            (
                format!("/territoires/{}/{}/situation.svg", t.level, t.code),
                crate::territories::pages::locator_text(ctx.t, &state.territories, t, code),
            )
        })
    });
    let pairs = |v: &[String], name: &dyn Fn(&str) -> String| -> Vec<(String, String)> {
        v.iter().map(|s| (s.clone(), name(s))).collect()
    };
    let author = match n.author_id {
        Some(id) => crate::network::members::cards(state, &[id], ctx.user.is_some())
            .await?
            .pop(),
        None => None,
    };
    let trail = (n.trail.iter())
        .map(|e| Step {
            at: ctx.when(&e.at),
            at_iso: e.at.to_rfc3339(),
            status: status_label(ctx.t, e.status),
            note: e.note.clone(),
        })
        .collect();
    let suggestions = super::suggestions::for_need(state, ctx, &n).await?;
    Ok(NeedPage {
        ctx,
        not_public,
        place,
        locator,
        fragility: (f.fragility.clone(), fragility_name(state, &f.fragility)),
        levers: pairs(&f.levers, &|s| lever_name(state, s)),
        families: pairs(&f.families, &|s| family_name(state, s)),
        activities: pairs(&f.activities, &|s| activity_name(state, s)),
        author_family: match f.author_family.as_str() {
            "" => String::new(),
            slug => family_name(state, slug),
        },
        author,
        description_html: crate::resources::index::markdown_in_section(&f.description),
        trail,
        status,
        suggestions,
        n,
        f,
    })
}

/// `GET /besoins/{slug}`
pub async fn need(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<crate::events::pages::NoticeQuery>,
) -> Result<Response, AppError> {
    let shown = visible(&state, &ctx, &slug).await?;
    let status = Status::of(&ctx, &shown.0, q.etat.as_deref());
    let page = need_page(&state, &ctx, shown, status).await?;
    render(&ctx, &page)
}
