//! The case base's public pages: `/pratiques` (French full-text search with facets, sort and
//! pages, without JavaScript) and `/pratiques/{slug}` (the case, its actors, model and
//! results, its territory on the locator, its linked resources and contacts, JSON-LD).

use crate::cases::index::{parse, query_string, FilterError, PAGE_NAMES, PER_PAGE};
use crate::error::AppError;
use crate::network::members::Card;
use crate::pages::{render, PageCtx};
use crate::resources::pages::{lever_name, Facet};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::Response;
use catalyse_core::cases::{Case, CaseFields};
use catalyse_core::resource::ResourceState;
use catalyse_core::{Page, Territory};
use catalyse_search::cases::{CaseHit, CaseQuery, CaseSort};

/// The name of a fragility, or its slug when the platform no longer lists it.
pub fn fragility_name(state: &AppState, slug: &str) -> String {
    state
        .fragilities
        .iter()
        .find(|f| f.slug == slug)
        .map_or_else(|| slug.to_string(), |f| f.name.clone())
}

/// The name of an actor family.
pub fn family_name(state: &AppState, slug: &str) -> String {
    state
        .reference
        .actor_families
        .iter()
        .find(|f| f.slug == slug)
        .map_or_else(|| slug.to_string(), |f| f.name.clone())
}

/// The name of a métier activity.
pub fn activity_name(state: &AppState, slug: &str) -> String {
    state
        .reference
        .metier
        .iter()
        .flat_map(|f| &f.activities)
        .find(|a| a.slug == slug)
        .map_or_else(|| slug.to_string(), |a| a.name.clone())
}

/// The territory of a case, if the geography knows it.
pub fn territory<'a>(state: &'a AppState, f: &CaseFields) -> Option<&'a Territory> {
    state.territories.get(f.territory.level, &f.territory.code)
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    filter: CaseQuery,
    error: Option<String>,
    results: Page<CaseHit>,
    facets: Vec<Facet>,
    /// The régions, then the départements (one of each may be chosen).
    regions: Vec<Facet>,
    pager: crate::pages::Pager,
}

impl ListPage<'_> {
    fn sort_is(&self, s: &str) -> bool {
        let i = PAGE_NAMES_SORTS.iter().position(|x| *x == s);
        i.is_some_and(|i| SORTS[i] == self.filter.sort)
    }
    fn phase_label(&self, slug: &str) -> String {
        phase_label(self.ctx, slug)
    }
}

const PAGE_NAMES_SORTS: [&str; 4] = ["pertinence", "recent", "titre", "debut"];
const SORTS: [CaseSort; 4] = [
    CaseSort::Relevance,
    CaseSort::Newest,
    CaseSort::Title,
    CaseSort::StartedYear,
];

/// « Expérimentation », in the page's language.
pub fn phase_label(ctx: &PageCtx, slug: &str) -> String {
    let key = format!("cases.phase_{}", slug.replace('-', "_"));
    let s = ctx.t.s(&key);
    if s == key {
        slug.to_string()
    } else {
        s.to_string()
    }
}

/// `GET /pratiques`: search, facets, results.
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (filter, error) = match parse(raw.as_deref().unwrap_or(""), &PAGE_NAMES) {
        Ok(f) => (f, None),
        Err(FilterError(e)) => (
            CaseQuery {
                page: 1,
                per_page: PER_PAGE,
                ..Default::default()
            },
            Some(e),
        ),
    };
    let found = crate::cases::index::search(&state, &filter).await?;
    let f = &found.facets;
    let facet = |param,
                 legend: &str,
                 values: &[(String, usize)],
                 chosen: &[String],
                 label: &dyn Fn(&str) -> String| {
        Facet::new(ctx.t, param, legend, values, chosen, label)
    };
    let facets = vec![
        facet(
            "levier",
            "cases.facet_lever",
            &f.levers,
            &filter.levers,
            &|v| lever_name(&state, v),
        ),
        facet(
            "fragilite",
            "cases.facet_fragility",
            &f.fragilities,
            &filter.fragilities,
            &|v| fragility_name(&state, v),
        ),
        facet(
            "famille",
            "cases.facet_family",
            &f.families,
            &filter.families,
            &|v| family_name(&state, v),
        ),
        facet(
            "phase",
            "cases.facet_phase",
            &f.phases,
            &filter.phases,
            &|v| phase_label(&ctx, v),
        ),
        facet(
            "activite",
            "cases.facet_activity",
            &f.activities,
            &filter.activities,
            &|v| activity_name(&state, v),
        ),
    ];
    let name = |level, code: &str| crate::territories::name_or_code(&state, level, code);
    let one = |v: &Option<String>| v.iter().cloned().collect::<Vec<_>>();
    let regions = vec![
        facet(
            "region",
            "cases.facet_region",
            &f.regions,
            &one(&filter.region),
            &|v| name(catalyse_core::TerritoryLevel::Region, v),
        ),
        facet(
            "departement",
            "cases.facet_department",
            &f.departments,
            &one(&filter.department),
            &|v| name(catalyse_core::TerritoryLevel::Department, v),
        ),
    ];
    let (results, pager) =
        crate::pages::hits_page(found.hits, found.total, filter.page, PER_PAGE, |p| {
            format!("/pratiques?{}", query_string(&filter, p))
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

/// A case as the viewer may see it: the public version, or for its author and moderators the
/// version they are working on (with a flag saying it is not public).
pub async fn visible(
    state: &AppState,
    ctx: &PageCtx,
    slug: &str,
) -> Result<(Case, CaseFields, bool), AppError> {
    let c = state
        .store
        .case_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(f) = c.public_fields() {
        return Ok((c.clone(), f.clone(), false));
    }
    let own = ctx
        .user
        .as_ref()
        .is_some_and(|u| c.created_by == Some(u.id));
    if own || ctx.is_moderator() {
        if let Some(f) = c.moderated.current() {
            let f = f.clone();
            return Ok((c, f, true));
        }
    }
    Err(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage<'a> {
    ctx: &'a PageCtx,
    c: Case,
    f: CaseFields,
    /// Not public: a draft, a version under review, or archived (shown to its author and
    /// moderators only).
    not_public: bool,
    place: Option<(String, String)>,
    locator: Option<(String, String)>,
    levers: Vec<(String, String)>,
    fragilities: Vec<(String, String)>,
    families: Vec<(String, String)>,
    activities: Vec<(String, String)>,
    /// (name, family, role)
    actors: Vec<(String, String, String)>,
    /// (source, percent)
    funding: Vec<(String, u8)>,
    body_html: String,
    model_html: String,
    results_html: String,
    resources: Vec<(String, String)>,
    contacts: Vec<Card>,
    json_ld: String,
    /// What its author and moderators see of where it stands (`manage`).
    status: super::status::Status,
}

impl CasePage<'_> {
    fn phase(&self) -> String {
        phase_label(self.ctx, self.f.phase.as_str())
    }
    fn figure_value(&self, v: &f64) -> String {
        crate::format::format_value(self.ctx.t.lang, *v)
    }
    fn figure_year(&self, y: &Option<i32>) -> String {
        y.map(|y| y.to_string()).unwrap_or_default()
    }
    /// The address of its n-th image (from 1), as the viewer sees it.
    fn image_src(&self, n: &usize) -> String {
        format!("/pratiques/{}/images/{n}", self.c.slug)
    }
}

/// `GET /pratiques/{slug}`
pub async fn case(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<crate::events::pages::NoticeQuery>,
) -> Result<Response, AppError> {
    let (c, f, not_public) = visible(&state, &ctx, &slug).await?;
    let status = super::status::Status::of(&ctx, &c, q.etat.as_deref());
    let t = territory(&state, &f);
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
    let levers = pairs(&f.levers, &|s| lever_name(&state, s));
    let fragilities = pairs(&f.fragilities, &|s| fragility_name(&state, s));
    let families = pairs(&f.families, &|s| family_name(&state, s));
    let activities = pairs(&f.activities, &|s| activity_name(&state, s));
    let actors = f
        .actors
        .iter()
        .map(|a| {
            (
                a.name.clone(),
                family_name(&state, &a.family),
                a.role.clone(),
            )
        })
        .collect();
    let funding = f
        .funding
        .iter()
        .map(|s| (s.source.label_fr().to_string(), s.percent))
        .collect();
    let mut resources = Vec::new();
    for r in &f.resources {
        if let Some(r) = state.store.resource_by_slug(r).await? {
            if r.state == ResourceState::Published {
                resources.push((r.slug.clone(), r.title.clone()));
            }
        }
    }
    let contacts = crate::network::members::cards(&state, &f.contacts, ctx.user.is_some()).await?;
    let base = state.config.public_url();
    let md = crate::resources::index::markdown_in_section;
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "additionalType": "https://schema.org/Project",
        "name": f.title,
        "abstract": f.summary,
        "url": format!("{base}/pratiques/{}", c.slug),
        "inLanguage": "fr",
        "keywords": fragilities.iter().map(|(_, n)| n.clone()).chain(levers.iter().map(|(_, n)| n.clone())).collect::<Vec<_>>(),
        "contributor": f.actors.iter().map(|a| serde_json::json!({"@type": "Organization", "name": a.name})).collect::<Vec<_>>(),
    });
    if let Some(t) = t {
        ld["spatialCoverage"] = serde_json::json!({"@type": "Place", "name": t.name});
        if let (Some(lat), Some(lon)) = (t.lat, t.lon) {
            ld["spatialCoverage"]["geo"] =
                serde_json::json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon});
        }
    }
    if let Some(y) = f.started_year {
        ld["temporalCoverage"] = serde_json::json!(format!("{y}/.."));
    }
    if !f.licence.is_empty() {
        ld["license"] = serde_json::json!(f.licence);
    }
    if let Some(at) = c.moderated.published_at {
        ld["datePublished"] = serde_json::json!(at.date_naive().to_string());
    }
    let page = CasePage {
        ctx: &ctx,
        not_public,
        place,
        locator,
        levers,
        fragilities,
        families,
        activities,
        actors,
        funding,
        body_html: md(&f.body),
        model_html: md(&f.model),
        results_html: md(&f.results),
        resources,
        contacts,
        json_ld: crate::pages::json_ld(&ld),
        status,
        c,
        f,
    };
    render(&ctx, &page)
}
