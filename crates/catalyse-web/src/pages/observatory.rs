//! The observatory: datasets, their indicators, values by territory, and downloads that
//! anyone can reuse (CSV in the import format, JSON).

use super::territories::{level_label, url as territory_url};
use super::{render, PageCtx};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalyse_core::dataset::{Dataset, Indicator, IndicatorValue};
use catalyse_core::{Page, TerritoryLevel};
use serde::Deserialize;

const PER_PAGE: usize = 100;

/// A value written for people: « 1 234 », « 12,5 » (French) or « 12.5 ».
pub fn format_value(lang: Lang, v: f64) -> String {
    let s = if v.fract() == 0.0 && v.abs() < 1e15 {
        let n = v as i64;
        let digits = n.abs().to_string();
        let sep = if lang == Lang::Fr { '\u{202f}' } else { ',' };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    } else {
        let s = format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string();
        if lang == Lang::Fr {
            s.replace('.', ",")
        } else {
            s
        }
    };
    s
}

/// « 3e sur 101 départements »
pub fn format_rank(t: Tr, v: &IndicatorValue) -> String {
    let plural = t.s(match v.territory_level {
        TerritoryLevel::Region => "territory.regions",
        TerritoryLevel::Department => "territory.departments",
        TerritoryLevel::Epci => "territory.epcis",
        TerritoryLevel::Commune => "territory.communes",
    });
    let ord = match (t.lang, v.rank) {
        (Lang::Fr, 1) => "1er".to_string(),
        (Lang::Fr, n) => format!("{n}e"),
        (Lang::En, n) => format!("#{n}"),
    };
    t.s("observatory.rank")
        .replace("{rank}", &ord)
        .replace("{peers}", &format_value(t.lang, v.peers as f64))
        .replace("{level}", plural)
}

#[derive(Template)]
#[template(path = "observatory.html")]
struct Home<'a> {
    ctx: &'a PageCtx,
    datasets: Vec<Dataset>,
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let datasets = state.store.datasets().await?;
    render(
        &ctx,
        &Home {
            ctx: &ctx,
            datasets,
        },
    )
}

#[derive(Template)]
#[template(path = "maps.html")]
struct Gallery<'a> {
    ctx: &'a PageCtx,
    /// (dataset title, is example, its maps)
    maps: Vec<(String, bool, Vec<MapEntry>)>,
}

/// (indicator name, URL of its map page, level label)
type MapEntry = (String, String, &'static str);

/// `GET /observatoire/cartes`: « la diversité des territoires en cartes », every map there is.
pub async fn gallery(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let datasets = state.store.datasets().await?;
    let levels = state.store.indicator_levels().await?;
    let maps = datasets
        .into_iter()
        .filter_map(|d| {
            let entries: Vec<MapEntry> = levels
                .iter()
                .filter(|(slug, _, level)| {
                    *slug == d.slug && state.maps.for_level(*level).is_some()
                })
                .map(|(_, i, level)| {
                    (
                        i.name.clone(),
                        format!(
                            "/observatoire/{}/indicateurs/{}?niveau={level}",
                            d.slug, i.slug
                        ),
                        level_label(ctx.t, *level),
                    )
                })
                .collect();
            (!entries.is_empty()).then_some((d.title, d.is_example, entries))
        })
        .collect();
    render(&ctx, &Gallery { ctx: &ctx, maps })
}

#[derive(Template)]
#[template(path = "dataset.html")]
struct DatasetPage<'a> {
    ctx: &'a PageCtx,
    d: Dataset,
    indicators: Vec<Indicator>,
    updated: String,
}

pub async fn dataset(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (d, indicators) = state
        .store
        .dataset(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let updated = d.updated_at.get(..10).unwrap_or("").to_string();
    render(
        &ctx,
        &DatasetPage {
            ctx: &ctx,
            d,
            indicators,
            updated,
        },
    )
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage<'a> {
    ctx: &'a PageCtx,
    d: Dataset,
    indicator: Indicator,
    levels: Vec<(TerritoryLevel, &'static str, bool)>,
    rows: Page<Row>,
    level: TerritoryLevel,
    has_groups: bool,
    map: Option<MapView>,
}

/// A choropleth with its legend, ready for the page.
pub struct MapView {
    pub svg: String,
    pub caption: String,
    pub legend: Vec<(&'static str, String)>,
    pub attribution: String,
}

/// The map of one indicator at the region or department level: the latest year, and one
/// population group (the first, for a survey).
fn map_view(
    state: &AppState,
    t: Tr,
    d: &Dataset,
    indicator: &Indicator,
    values: &[IndicatorValue],
    level: TerritoryLevel,
    standalone: bool,
) -> Option<MapView> {
    let shapes = state.maps.for_level(level)?;
    let of_level: Vec<&IndicatorValue> = values
        .iter()
        .filter(|v| v.territory_level == level)
        .collect();
    let year = of_level.iter().map(|v| v.year).max()?;
    let group = of_level
        .iter()
        .filter(|v| v.year == year)
        .map(|v| v.group.clone())
        .min()?;
    let chosen: Vec<&&IndicatorValue> = of_level
        .iter()
        .filter(|v| v.year == year && v.group == group)
        .collect();
    let classes = crate::maps::classes(&chosen.iter().map(|v| v.value).collect::<Vec<_>>());
    let unit = if indicator.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", indicator.unit)
    };
    let areas = chosen
        .iter()
        .map(|v| {
            let territory = state.territories.get(level, &v.territory_code);
            let name = territory
                .map(|t| t.name.clone())
                .unwrap_or_else(|| v.territory_code.clone());
            (
                v.territory_code.clone(),
                crate::maps::AreaValue {
                    label: format!("{name} : {}{unit}", format_value(t.lang, v.value)),
                    value: Some(v.value),
                    href: territory.map(territory_url).unwrap_or_default(),
                },
            )
        })
        .collect();
    let mut caption = format!("{} — {} {year}", indicator.name, level_label(t, level));
    if !group.is_empty() {
        caption.push_str(&format!(" — {group}"));
    }
    if d.is_example {
        caption.push_str(&format!(" — {}", t.s("demo.label")));
    }
    // A downloaded map carries its credits; on the page they stand under it.
    let footer = standalone.then(|| {
        format!(
            "{} — {} : {}",
            shapes.attribution,
            t.s("observatory.source"),
            d.source
        )
    });
    let svg = crate::maps::render(
        shapes,
        &classes,
        &areas,
        &caption,
        t.s("observatory.no_data"),
        footer.as_deref(),
    );
    let legend = classes
        .iter()
        .map(|c| {
            let range = t
                .s("observatory.range")
                .replace("{from}", &format_value(t.lang, c.from))
                .replace("{to}", &format_value(t.lang, c.to));
            (c.colour, format!("{range}{unit}"))
        })
        .chain(std::iter::once((
            crate::maps::NO_DATA,
            t.s("observatory.no_data").to_string(),
        )))
        .collect();
    Some(MapView {
        svg,
        caption,
        legend,
        attribution: shapes.attribution.clone(),
    })
}

struct Row {
    rank: i32,
    name: String,
    url: String,
    value: String,
    year: i32,
    group: String,
}

#[derive(Deserialize)]
pub struct IndicatorQuery {
    niveau: Option<String>,
    page: Option<u32>,
}

impl IndicatorPage<'_> {
    fn page_url(&self, page: u32) -> String {
        format!(
            "/observatoire/{}/indicateurs/{}?niveau={}&page={page}",
            self.d.slug, self.indicator.slug, self.level
        )
    }
}

pub async fn indicator(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, indicator)): Path<(String, String)>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, AppError> {
    let (d, indicator) = find_indicator(&state, &slug, &indicator).await?;
    let levels_of = state.store.indicator_levels().await?;
    let present: Vec<TerritoryLevel> = TerritoryLevel::ALL
        .into_iter()
        .filter(|l| {
            levels_of
                .iter()
                .any(|(ds, i, lv)| *ds == slug && i.slug == indicator.slug && lv == l)
        })
        .collect();
    let level = q
        .niveau
        .as_deref()
        .and_then(|n| n.parse().ok())
        .filter(|l| present.contains(l))
        .or_else(|| present.first().copied())
        .ok_or(AppError::NotFound)?;
    // Only the level shown is read: a commune-level indicator has some 35,000 values.
    let values = state
        .store
        .indicator_values(&slug, &indicator.slug, Some(level))
        .await?;
    let of_level: Vec<&IndicatorValue> = values.iter().collect();
    let page = q.page.unwrap_or(1).max(1);
    let rows = of_level
        .iter()
        .skip((page as usize - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|v| {
            let t = state.territories.get(v.territory_level, &v.territory_code);
            Row {
                rank: v.rank,
                name: t
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| v.territory_code.clone()),
                url: t.map(territory_url).unwrap_or_default(),
                value: format_value(ctx.t.lang, v.value),
                year: v.year,
                group: v.group.clone(),
            }
        })
        .collect();
    let rows = Page {
        items: rows,
        total: of_level.len() as i64,
        page,
        per_page: PER_PAGE as u32,
    };
    if page > 1 && rows.items.is_empty() {
        return Err(AppError::NotFound);
    }
    let levels = present
        .iter()
        .map(|l| (*l, level_label(ctx.t, *l), *l == level))
        .collect();
    let has_groups = of_level.iter().any(|v| !v.group.is_empty());
    let map = map_view(&state, ctx.t, &d, &indicator, &values, level, false);
    let page = IndicatorPage {
        ctx: &ctx,
        d,
        indicator,
        levels,
        rows,
        level,
        has_groups,
        map,
    };
    render(&ctx, &page)
}

/// `GET /observatoire/{slug}/indicateurs/{indicator}/carte.svg?niveau=…`: the map alone, with
/// its credits, to download and reuse.
pub async fn map_svg(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, indicator)): Path<(String, String)>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, AppError> {
    let (d, indicator) = find_indicator(&state, &slug, &indicator).await?;
    let level = q
        .niveau
        .as_deref()
        .and_then(|n| n.parse().ok())
        .unwrap_or(TerritoryLevel::Department);
    let values = state
        .store
        .indicator_values(&slug, &indicator.slug, Some(level))
        .await?;
    let map =
        map_view(&state, ctx.t, &d, &indicator, &values, level, true).ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{slug}-{}-{level}.svg\"",
                    indicator.slug
                ),
            ),
        ],
        map.svg,
    )
        .into_response())
}

/// A dataset and one of its indicators, or 404.
pub(crate) async fn find_indicator(
    state: &AppState,
    slug: &str,
    indicator: &str,
) -> Result<(Dataset, Indicator), AppError> {
    let (d, indicators) = state.store.dataset(slug).await?.ok_or(AppError::NotFound)?;
    let indicator = indicators
        .into_iter()
        .find(|i| i.slug == indicator)
        .ok_or(AppError::NotFound)?;
    Ok((d, indicator))
}

/// A dataset with every value of each of its indicators, for the downloads.
async fn dataset_with_values(
    state: &AppState,
    slug: &str,
) -> Result<(Dataset, Vec<(Indicator, Vec<IndicatorValue>)>), AppError> {
    let (d, indicators) = state.store.dataset(slug).await?.ok_or(AppError::NotFound)?;
    let mut out = Vec::with_capacity(indicators.len());
    for i in indicators {
        let values = state.store.indicator_values(slug, &i.slug, None).await?;
        out.push((i, values));
    }
    Ok((d, out))
}

/// `GET /observatoire/{slug}/donnees.csv`: every value, in the import format plus names.
pub async fn download_csv(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (d, indicators) = dataset_with_values(&state, &slug).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    w.write_record([
        "territory_level",
        "territory_code",
        "territory_name",
        "indicator",
        "value",
        "unit",
        "year",
        "group",
        "source",
        "licence",
    ])
    .map_err(csv_err)?;
    for (i, values) in &indicators {
        for v in values {
            let name = state
                .territories
                .get(v.territory_level, &v.territory_code)
                .map(|t| t.name.clone())
                .unwrap_or_default();
            w.write_record([
                v.territory_level.as_str(),
                &v.territory_code,
                &name,
                &i.name,
                &v.value.to_string(),
                &i.unit,
                &v.year.to_string(),
                &v.group,
                &d.source,
                &d.licence,
            ])
            .map_err(csv_err)?;
        }
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /observatoire/{slug}/donnees.json`: the dataset, its indicators and their values.
pub async fn download_json(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (d, indicators) = dataset_with_values(&state, &slug).await?;
    let out: Vec<_> = indicators
        .into_iter()
        .map(|(i, values)| serde_json::json!({ "indicator": i, "values": values }))
        .collect();
    let body = serde_json::json!({ "dataset": d, "indicators": out });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}.json\""),
            ),
        ],
        body.to_string(),
    )
        .into_response())
}
