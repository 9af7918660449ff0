//! Territories: search by name, postcode or INSEE code, and a portrait for every region,
//! department, EPCI and commune at `/territoires/{level}/{code}-{slug}`.

use super::{level_label, url};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::{Page, Territory, TerritoryIndex, TerritoryLevel};
use serde::Deserialize;

const PER_PAGE: u32 = 20;

/// What tells two homonyms apart in a list: the department (name and code), or the region.
pub fn context(index: &TerritoryIndex, t: &Territory) -> String {
    let parent = t
        .department
        .as_ref()
        .and_then(|d| index.get(TerritoryLevel::Department, d))
        .or_else(|| {
            t.region
                .as_ref()
                .and_then(|r| index.get(TerritoryLevel::Region, r))
        });
    match parent {
        Some(p) if p.level == TerritoryLevel::Department => format!("{} ({})", p.name, p.code),
        Some(p) => p.name.clone(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "territories/territories.html")]
struct Search<'a> {
    ctx: &'a PageCtx,
    q: String,
    results: Option<Page<Row>>,
}

/// A search result as listed.
struct Row {
    name: String,
    url: String,
    level: &'static str,
    context: String,
    postcodes: String,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<u32>,
}

pub async fn search(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(p): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let q: String = p.q.unwrap_or_default().chars().take(100).collect();
    let results = (!q.trim().is_empty()).then(|| {
        let found =
            state
                .territories
                .search(&q, None, p.page.unwrap_or(1).clamp(1, 10_000), PER_PAGE);
        Page {
            items: found
                .items
                .iter()
                .map(|t| Row {
                    name: t.name.clone(),
                    url: url(t),
                    level: level_label(ctx.t, t.level),
                    context: context(&state.territories, t),
                    postcodes: t
                        .postcodes
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect(),
            total: found.total,
            page: found.page,
            per_page: found.per_page,
        }
    });
    // A single exact answer (a full INSEE code, say) goes straight to its portrait.
    if let Some(r) = &results {
        if r.total == 1 && r.page == 1 {
            return Ok(Redirect::to(&r.items[0].url).into_response());
        }
    }
    render(
        &ctx,
        &Search {
            ctx: &ctx,
            q,
            results,
        },
    )
}

impl Search<'_> {
    fn page_url(&self, page: u32) -> String {
        format!(
            "/territoires?q={}&page={page}",
            percent_encoding::utf8_percent_encode(&self.q, percent_encoding::NON_ALPHANUMERIC)
        )
    }
}

#[derive(Template)]
#[template(path = "territories/territory.html")]
struct Portrait<'a> {
    ctx: &'a PageCtx,
    t: &'a Territory,
    level: &'static str,
    parents: Vec<Link>,
    /// Share of each parent's population, in per cent, with the parent's name.
    shares: Vec<(String, String)>,
    communes: usize,
    groups: Vec<(String, Vec<Link>)>,
    values: Vec<ValueLine>,
    surveys: Vec<SurveyView>,
    /// Where it lies in France: the map's URL and its text alternative.
    locator: Option<(String, String)>,
    /// Members of the network active here (or in a territory inside), that the viewer may
    /// see, and how many there are.
    members: Vec<crate::network::members::Card>,
    members_total: usize,
    /// The public cases of this territory and of those inside it.
    related_cases: crate::related::Related,
    /// The open needs of this territory and of those inside it.
    related_needs: crate::related::Related,
}

/// A survey's answers for the territory: ranked bars for one group, and a table for all.
struct SurveyView {
    title: String,
    dataset: String,
    is_example: bool,
    chart: String,
    groups: Vec<String>,
    /// (indicator name, one formatted value per group)
    rows: Vec<(String, Vec<String>)>,
}

/// One figure the observatory knows for the territory.
struct ValueLine {
    dataset: String,
    indicator: String,
    name: String,
    group: String,
    value: String,
    unit: String,
    year: i32,
    rank: String,
    is_example: bool,
}

struct Link {
    name: String,
    url: String,
    level: &'static str,
}

fn link(t: Tr, territory: &Territory) -> Link {
    Link {
        name: territory.name.clone(),
        url: url(territory),
        level: level_label(t, territory.level),
    }
}

pub async fn portrait(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((level, code_slug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let level: TerritoryLevel = level.parse().map_err(|_| AppError::NotFound)?;
    let code = code_slug
        .split('-')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    let index = &state.territories;
    let t = index.get(level, &code).ok_or(AppError::NotFound)?;
    let canonical = url(t);
    if format!("/territoires/{}/{}", level, code_slug) != canonical {
        return Ok(Redirect::permanent(&canonical).into_response());
    }
    let parents = index.parents(t);
    let shares = parents
        .iter()
        .filter(|p| p.level != TerritoryLevel::Epci)
        .filter_map(|p| match (t.population, p.population) {
            (Some(a), Some(b)) if b > 0 => Some((
                p.name.clone(),
                format_share(ctx.t, a as f64 * 100.0 / b as f64),
            )),
            _ => None,
        })
        .collect();
    let children = index.children(level, &t.code);
    let communes = match level {
        TerritoryLevel::Region => index
            .children(level, &t.code)
            .iter()
            .map(|d| {
                index
                    .children(TerritoryLevel::Department, &d.code)
                    .iter()
                    .filter(|c| c.level == TerritoryLevel::Commune)
                    .count()
            })
            .sum(),
        _ => children
            .iter()
            .filter(|c| c.level == TerritoryLevel::Commune)
            .count(),
    };
    let mut groups: Vec<(String, Vec<Link>)> = vec![];
    for child_level in TerritoryLevel::ALL {
        let list: Vec<Link> = children
            .iter()
            .filter(|c| c.level == child_level)
            .map(|c| link(ctx.t, c))
            .collect();
        if !list.is_empty() {
            let key = match child_level {
                TerritoryLevel::Region => "territory.regions_title",
                TerritoryLevel::Department => "territory.departments_title",
                TerritoryLevel::Epci => "territory.epcis_title",
                TerritoryLevel::Commune => "territory.communes_title",
            };
            groups.push((ctx.t.f(key, list.len()), list));
        }
    }
    let (grouped, plain): (Vec<_>, Vec<_>) = state
        .observatory()
        .territory_values(level, &t.code)
        .into_iter()
        .partition(|v| !v.value.group.is_empty());
    let surveys = survey_views(ctx.t, grouped);
    let values = plain
        .into_iter()
        .map(|v| ValueLine {
            rank: crate::format::format_rank(ctx.t, &v.value),
            value: crate::format::format_value(ctx.t.lang, v.value.value),
            dataset: v.dataset.slug,
            indicator: v.indicator.slug,
            name: v.indicator.name,
            group: v.value.group,
            unit: v.indicator.unit,
            year: v.value.year,
            is_example: v.dataset.is_example,
        })
        .collect();
    let locator = state.maps.locate(t).map(|(_, code)| {
        (
            format!("/territoires/{}/{}/situation.svg", t.level, t.code),
            locator_text(ctx.t, index, t, code),
        )
    });
    let signed_in = ctx.user.is_some();
    let (members_total, ids) = state.network().active_in(level, &t.code, signed_in, 12);
    let members = crate::network::members::cards(&state, &ids, signed_in).await?;
    let related_cases = crate::cases::related::of_territory(&state, &ctx, t).await?;
    let related_needs = crate::needs::related::of_territory(&state, &ctx, t).await?;
    let page = Portrait {
        ctx: &ctx,
        related_cases,
        related_needs,
        locator,
        members,
        members_total,
        values,
        surveys,
        t,
        level: level_label(ctx.t, level),
        parents: parents.iter().map(|p| link(ctx.t, p)).collect(),
        shares,
        communes,
        groups,
    };
    render(&ctx, &page)
}

/// « L'Ain (en foncé) sur la carte des départements de France » and the like.
pub(crate) fn locator_text(
    t: Tr,
    index: &TerritoryIndex,
    territory: &Territory,
    highlighted: &str,
) -> String {
    match territory.level {
        TerritoryLevel::Region | TerritoryLevel::Department => {
            t.s("territory.locator_self").replace("{}", &territory.name)
        }
        level => {
            let department = index
                .get(TerritoryLevel::Department, highlighted)
                .map(|d| d.name.as_str())
                .unwrap_or(highlighted);
            let key = if level == TerritoryLevel::Commune && marker(index, territory).is_some() {
                "territory.locator_commune"
            } else {
                "territory.locator_department"
            };
            t.s(key)
                .replace("{name}", &territory.name)
                .replace("{department}", department)
        }
    }
}

/// Where a commune lies in its département, as fractions (west to east, north to south) of
/// the span of its département's town halls: the commune's point on the locator.
fn marker(index: &TerritoryIndex, t: &Territory) -> Option<(f64, f64)> {
    if t.level != TerritoryLevel::Commune {
        return None;
    }
    let (lat, lon) = (t.lat?, t.lon?);
    let (mut s, mut w, mut n, mut e) = (lat, lon, lat, lon);
    for c in index.children(TerritoryLevel::Department, t.department.as_deref()?) {
        if let (Some(la), Some(lo)) = (c.lat, c.lon) {
            (s, n, w, e) = (s.min(la), n.max(la), w.min(lo), e.max(lo));
        }
    }
    let fraction = |v: f64, from: f64, to: f64| {
        if to - from > 1e-9 {
            (v - from) / (to - from)
        } else {
            0.5
        }
    };
    Some((fraction(lon, w, e), fraction(n - lat + s, s, n)))
}

/// `GET /territoires/{level}/{code}/situation.svg`: France with the territory (or, for an
/// EPCI, its department) highlighted; a commune is a point on its department.
pub async fn situation_svg(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((level, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let level: TerritoryLevel = level.parse().map_err(|_| AppError::NotFound)?;
    let t = state
        .territories
        .get(level, &code.to_ascii_uppercase())
        .ok_or(AppError::NotFound)?;
    let (shapes, highlighted) = state.maps.locate(t).ok_or(AppError::NotFound)?;
    let text = locator_text(ctx.t, &state.territories, t, highlighted);
    let label = state
        .territories
        .get(
            if level == TerritoryLevel::Region {
                TerritoryLevel::Region
            } else {
                TerritoryLevel::Department
            },
            highlighted,
        )
        .map(|h| h.name.clone())
        .unwrap_or_default();
    let svg = match marker(&state.territories, t) {
        Some((fx, fy)) => catalyse_formats::choropleth::locator_marked(
            shapes,
            &label,
            &text,
            &shapes.attribution,
            &catalyse_formats::choropleth::Marker {
                code: highlighted,
                fx,
                fy,
                label: &t.name,
            },
        ),
        None => catalyse_formats::choropleth::locator(
            shapes,
            highlighted,
            &label,
            &text,
            &shapes.attribution,
        ),
    };
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "image/svg+xml; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}

/// One view per survey dataset: the latest year, bars for « citoyens » (or the first group).
fn survey_views(t: Tr, values: Vec<catalyse_core::dataset::TerritoryValue>) -> Vec<SurveyView> {
    use crate::format::format_value;
    use std::collections::BTreeMap;
    let mut by_dataset: BTreeMap<String, Vec<catalyse_core::dataset::TerritoryValue>> =
        BTreeMap::new();
    for v in values {
        by_dataset
            .entry(v.dataset.slug.clone())
            .or_default()
            .push(v);
    }
    by_dataset
        .into_values()
        .filter_map(|mut vs| {
            let year = vs.iter().map(|v| v.value.year).max()?;
            vs.retain(|v| v.value.year == year);
            let mut groups: Vec<String> = vs.iter().map(|v| v.value.group.clone()).collect();
            groups.sort();
            groups.dedup();
            let group = groups
                .iter()
                .find(|g| g.as_str() == "citoyens")
                .or(groups.first())?
                .clone();
            let shown = |v: f64, unit: &str| {
                format!(
                    "{}{}",
                    format_value(t.lang, v),
                    if unit == "%" {
                        "\u{a0}%".to_string()
                    } else {
                        format!(" {unit}")
                    }
                )
            };
            let mut bars: Vec<(String, f64, String)> = vs
                .iter()
                .filter(|v| v.value.group == group)
                .map(|v| {
                    (
                        short_name(&v.indicator.name),
                        v.value.value,
                        shown(v.value.value, &v.indicator.unit),
                    )
                })
                .collect();
            bars.sort_by(|a, b| b.1.total_cmp(&a.1));
            let mut indicators: Vec<(String, String)> = vs
                .iter()
                .map(|v| (v.indicator.slug.clone(), short_name(&v.indicator.name)))
                .collect();
            indicators.sort();
            indicators.dedup();
            let rows = indicators
                .iter()
                .map(|(slug, name)| {
                    let cells = groups
                        .iter()
                        .map(|g| {
                            vs.iter()
                                .find(|v| &v.indicator.slug == slug && &v.value.group == g)
                                .map(|v| shown(v.value.value, &v.indicator.unit))
                                .unwrap_or_default()
                        })
                        .collect();
                    (name.clone(), cells)
                })
                .collect();
            let first = vs.first()?;
            let title = format!("{} — {group}, {year}", first.dataset.title);
            Some(SurveyView {
                chart: catalyse_formats::choropleth::bar_chart(&title, &bars),
                title,
                dataset: first.dataset.slug.clone(),
                is_example: first.dataset.is_example,
                groups,
                rows,
            })
        })
        .collect()
}

/// « Part citant « Isolement » comme fragilité prioritaire » → « Isolement ».
fn short_name(name: &str) -> String {
    match (name.find('«'), name.find('»')) {
        (Some(a), Some(b)) if b > a => name[a + '«'.len_utf8()..b].trim().to_string(),
        _ => name.to_string(),
    }
}

fn format_share(t: Tr, pct: f64) -> String {
    let s = if pct >= 10.0 {
        format!("{pct:.0}")
    } else if pct >= 1.0 {
        format!("{pct:.1}")
    } else {
        format!("{pct:.2}")
    };
    match t.lang {
        crate::i18n::Lang::Fr => format!("{}\u{a0}%", s.replace('.', ",")),
        crate::i18n::Lang::En => format!("{s}%"),
    }
}
