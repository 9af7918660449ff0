//! The observatory: datasets, their indicators, values by territory, and downloads that
//! anyone can reuse (CSV in the import format, JSON).

use crate::error::AppError;
use crate::format::format_value;
use crate::i18n::Tr;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use crate::territories::{level_label, url as territory_url};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalyse_core::dataset::{Dataset, Indicator, IndicatorValue};
use catalyse_core::text::fold;
use catalyse_core::{Page, TerritoryLevel};
use serde::Deserialize;

const PER_PAGE: usize = 100;

#[derive(Template)]
#[template(path = "observatory/observatory.html")]
struct Home<'a> {
    ctx: &'a PageCtx,
    datasets: Vec<Dataset>,
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let datasets = state.observatory().datasets().cloned().collect();
    render(
        &ctx,
        &Home {
            ctx: &ctx,
            datasets,
        },
    )
}

#[derive(Template)]
#[template(path = "observatory/maps.html")]
struct Gallery<'a> {
    ctx: &'a PageCtx,
    /// (dataset title, is example, its maps)
    maps: Vec<(String, bool, Vec<MapEntry>)>,
}

/// (indicator name, URL of its map page, level label, URL of the map alone as SVG)
type MapEntry = (String, String, &'static str, String);

/// `GET /observatoire/cartes`: « la diversité des territoires en cartes », every map there is.
pub async fn gallery(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let obs = state.observatory();
    let maps = obs
        .datasets()
        .filter_map(|d| {
            let entries: Vec<MapEntry> = obs
                .dataset(&d.slug)?
                .1
                .iter()
                .flat_map(|(i, _)| {
                    obs.levels(&d.slug, &i.slug)
                        .into_iter()
                        .filter(|l| state.maps.for_level(*l).is_some())
                        .map(move |level| {
                            let base = format!("/observatoire/{}/indicateurs/{}", d.slug, i.slug);
                            (
                                i.name.clone(),
                                format!("{base}?niveau={level}"),
                                level_label(ctx.t, level),
                                format!("{base}/carte.svg?niveau={level}"),
                            )
                        })
                })
                .collect();
            (!entries.is_empty()).then(|| (d.title.clone(), d.is_example, entries))
        })
        .collect();
    render(&ctx, &Gallery { ctx: &ctx, maps })
}

#[derive(Template)]
#[template(path = "observatory/dataset.html")]
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
    let obs = state.observatory();
    let (d, indicators) = obs.dataset(&slug).ok_or(AppError::NotFound)?;
    render(
        &ctx,
        &DatasetPage {
            ctx: &ctx,
            updated: d.updated_at.date_naive().to_string(),
            d: d.clone(),
            indicators: indicators.iter().map(|(i, _)| i.clone()).collect(),
        },
    )
}

#[derive(Template)]
#[template(path = "observatory/indicator.html")]
struct IndicatorPage<'a> {
    ctx: &'a PageCtx,
    d: Dataset,
    indicator: Indicator,
    levels: Vec<(TerritoryLevel, &'static str, bool)>,
    /// The population groups of a survey, with the one mapped.
    groups: Vec<(String, bool)>,
    rows: Page<Row>,
    level: TerritoryLevel,
    sort: Sort,
    map: Option<MapView>,
    /// Ranked bars of what the map shows, when there are few enough territories to read.
    chart: Option<String>,
}

/// A choropleth with its legend, ready for the page.
pub struct MapView {
    pub svg: String,
    pub caption: String,
    pub legend: Vec<(&'static str, String)>,
    pub attribution: String,
}

/// What a map or a chart of one indicator shows at one level: the latest year, and one
/// population group (the one asked for, else « citoyens », else the first).
struct Shown<'a> {
    year: i32,
    group: String,
    values: Vec<&'a IndicatorValue>,
}

fn shown<'a>(values: &[&'a IndicatorValue], group: Option<&str>) -> Option<Shown<'a>> {
    let year = values.iter().map(|v| v.year).max()?;
    let mut groups: Vec<&str> = values
        .iter()
        .filter(|v| v.year == year)
        .map(|v| v.group.as_str())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let group = group
        .and_then(|g| groups.iter().find(|x| **x == g))
        .or_else(|| groups.iter().find(|x| **x == "citoyens"))
        .or(groups.first())?
        .to_string();
    let values = values
        .iter()
        .filter(|v| v.year == year && v.group == group)
        .copied()
        .collect();
    Some(Shown {
        year,
        group,
        values,
    })
}

fn unit_suffix(unit: &str) -> String {
    match unit {
        "" => String::new(),
        "%" => "\u{a0}%".to_string(),
        u => format!(" {u}"),
    }
}

fn caption(t: Tr, d: &Dataset, indicator: &Indicator, level: TerritoryLevel, s: &Shown) -> String {
    let mut caption = format!("{} — {} {}", indicator.name, level_label(t, level), s.year);
    if !s.group.is_empty() {
        caption.push_str(&format!(" — {}", s.group));
    }
    if d.is_example {
        caption.push_str(&format!(" — {}", t.s("demo.label")));
    }
    caption
}

/// The map of one indicator at the region or department level.
fn map_view(
    state: &AppState,
    t: Tr,
    d: &Dataset,
    indicator: &Indicator,
    s: &Shown,
    level: TerritoryLevel,
    standalone: bool,
) -> Option<MapView> {
    let shapes = state.maps.for_level(level)?;
    let classes = catalyse_formats::choropleth::classes(
        &s.values.iter().map(|v| v.value).collect::<Vec<_>>(),
    );
    let unit = unit_suffix(&indicator.unit);
    let areas = s
        .values
        .iter()
        .map(|v| {
            let territory = state.territories.get(level, &v.territory_code);
            let name = territory
                .map(|t| t.name.clone())
                .unwrap_or_else(|| v.territory_code.clone());
            (
                v.territory_code.clone(),
                catalyse_formats::choropleth::AreaValue {
                    label: format!("{name} : {}{unit}", format_value(t.lang, v.value)),
                    value: Some(v.value),
                    href: territory.map(territory_url).unwrap_or_default(),
                },
            )
        })
        .collect();
    let caption = caption(t, d, indicator, level, s);
    // A downloaded map carries its credits; on the page they stand under it.
    let footer = standalone.then(|| {
        format!(
            "{} — {} : {}",
            shapes.attribution,
            t.s("observatory.source"),
            d.source
        )
    });
    let svg = catalyse_formats::choropleth::render(
        shapes,
        &classes,
        &areas,
        &caption,
        t.s("observatory.no_data"),
        footer.as_deref(),
    );
    // Bounds do not overlap: a value on a bound belongs to the lower class, so the classes
    // after the first start « above » it.
    let legend = classes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let key = if i == 0 || c.from == c.to {
                "observatory.range"
            } else {
                "observatory.range_above"
            };
            let range = t
                .s(key)
                .replace("{from}", &format_value(t.lang, c.from))
                .replace("{to}", &format_value(t.lang, c.to));
            (c.colour, format!("{range}{unit}"))
        })
        .chain(std::iter::once((
            catalyse_formats::choropleth::NO_DATA_FILL,
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

/// Above this many territories, bars would be too many to read: the map and table serve.
const MAX_BARS: usize = 30;

fn bars(
    state: &AppState,
    t: Tr,
    d: &Dataset,
    indicator: &Indicator,
    s: &Shown,
    level: TerritoryLevel,
) -> Option<String> {
    if s.values.len() > MAX_BARS || s.values.is_empty() {
        return None;
    }
    let unit = unit_suffix(&indicator.unit);
    let mut bars: Vec<(String, f64, String)> = s
        .values
        .iter()
        .map(|v| {
            let name = state
                .territories
                .get(level, &v.territory_code)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| v.territory_code.clone());
            (
                name,
                v.value,
                format!("{}{unit}", format_value(t.lang, v.value)),
            )
        })
        .collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(catalyse_formats::choropleth::bar_chart(
        &caption(t, d, indicator, level, s),
        &bars,
    ))
}

struct Row {
    rank: i32,
    name: String,
    url: String,
    value: String,
    year: i32,
}

/// How the table is ordered: `?tri=rang|territoire|valeur&ordre=asc|desc`.
#[derive(Clone, Copy, PartialEq)]
pub enum SortKey {
    Rank,
    Territory,
    Value,
}

#[derive(Clone, Copy)]
pub struct Sort {
    key: SortKey,
    descending: bool,
}

impl Sort {
    fn parse(key: Option<&str>, order: Option<&str>) -> Sort {
        let key = match key {
            Some("territoire") => SortKey::Territory,
            Some("valeur") => SortKey::Value,
            _ => SortKey::Rank,
        };
        let descending = match order {
            Some("desc") => true,
            Some("asc") => false,
            // Values read best from the highest; ranks and names from the first.
            _ => key == SortKey::Value,
        };
        Sort { key, descending }
    }

    fn param(key: SortKey) -> &'static str {
        match key {
            SortKey::Rank => "rang",
            SortKey::Territory => "territoire",
            SortKey::Value => "valeur",
        }
    }

    /// The `aria-sort` of a column header.
    fn aria(&self, key: SortKey) -> &'static str {
        match (self.key == key, self.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }
}

#[derive(Deserialize)]
pub struct IndicatorQuery {
    niveau: Option<String>,
    page: Option<u32>,
    groupe: Option<String>,
    tri: Option<String>,
    ordre: Option<String>,
}

impl IndicatorPage<'_> {
    fn base_url(&self) -> String {
        let mut url = format!(
            "/observatoire/{}/indicateurs/{}?niveau={}",
            self.d.slug, self.indicator.slug, self.level
        );
        if let Some((g, _)) = self.groups.iter().find(|(_, on)| *on) {
            url.push_str("&groupe=");
            url.push_str(
                &percent_encoding::utf8_percent_encode(g, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
        }
        url
    }

    fn page_url(&self, page: u32) -> String {
        format!(
            "{}&tri={}&ordre={}&page={page}",
            self.base_url(),
            Sort::param(self.sort.key),
            if self.sort.descending { "desc" } else { "asc" }
        )
    }

    /// The link of a column header: sorts by it, or reverses the order if it already does.
    fn sort_url(&self, key: &str) -> String {
        let key = Sort::parse(Some(key), None).key;
        let default = Sort::parse(Some(Sort::param(key)), None).descending;
        let descending = if self.sort.key == key {
            !self.sort.descending
        } else {
            default
        };
        format!(
            "{}&tri={}&ordre={}",
            self.base_url(),
            Sort::param(key),
            if descending { "desc" } else { "asc" }
        )
    }

    fn aria_sort(&self, key: &str) -> &'static str {
        self.sort.aria(Sort::parse(Some(key), None).key)
    }
}

/// The level asked for if the indicator has it, else its first.
fn chosen_level(present: &[TerritoryLevel], asked: Option<&str>) -> Option<TerritoryLevel> {
    asked
        .and_then(|n| n.parse().ok())
        .filter(|l| present.contains(l))
        .or_else(|| present.first().copied())
}

pub async fn indicator(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, indicator)): Path<(String, String)>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, AppError> {
    let obs = state.observatory();
    let (d, indicator, _) = obs.indicator(&slug, &indicator).ok_or(AppError::NotFound)?;
    let present = obs.levels(&slug, &indicator.slug);
    let level = chosen_level(&present, q.niveau.as_deref()).ok_or(AppError::NotFound)?;
    let values = obs.values(&slug, &indicator.slug, Some(level));
    let has_groups = values.iter().any(|v| !v.group.is_empty());
    let s = shown(&values, q.groupe.as_deref());
    // The table gives what the map shows: one population group of a survey.
    let of_group: Vec<&IndicatorValue> = match &s {
        Some(s) if has_groups => values
            .iter()
            .filter(|v| v.group == s.group)
            .copied()
            .collect(),
        _ => values.clone(),
    };
    let sort = Sort::parse(q.tri.as_deref(), q.ordre.as_deref());
    let name = |v: &IndicatorValue| state.territories.get(v.territory_level, &v.territory_code);
    let mut ordered = of_group;
    match sort.key {
        // The store's order: latest year, group, rank.
        SortKey::Rank => {}
        SortKey::Value => ordered.sort_by(|a, b| a.value.total_cmp(&b.value)),
        SortKey::Territory => {
            let mut keyed: Vec<(String, &IndicatorValue)> = ordered
                .iter()
                .map(|v| {
                    let key = name(v).map(|t| fold(&t.name)).unwrap_or_default();
                    (key, *v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            ordered = keyed.into_iter().map(|(_, v)| v).collect();
        }
    }
    if sort.descending {
        ordered.reverse();
    }
    let page = q.page.unwrap_or(1).max(1);
    let rows = Page {
        items: ordered
            .iter()
            .skip((page as usize - 1) * PER_PAGE)
            .take(PER_PAGE)
            .map(|v| {
                let t = name(v);
                Row {
                    rank: v.rank,
                    name: t
                        .map(|t| t.name.clone())
                        .unwrap_or_else(|| v.territory_code.clone()),
                    url: t.map(territory_url).unwrap_or_default(),
                    value: format_value(ctx.t.lang, v.value),
                    year: v.year,
                }
            })
            .collect(),
        total: ordered.len() as i64,
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
    let groups = match &s {
        Some(s) if has_groups => {
            let mut all: Vec<&str> = values.iter().map(|v| v.group.as_str()).collect();
            all.sort_unstable();
            all.dedup();
            all.into_iter()
                .map(|g| (g.to_string(), g == s.group))
                .collect()
        }
        _ => vec![],
    };
    let map = s
        .as_ref()
        .and_then(|s| map_view(&state, ctx.t, d, indicator, s, level, false));
    let chart = s
        .as_ref()
        .and_then(|s| bars(&state, ctx.t, d, indicator, s, level));
    let page = IndicatorPage {
        ctx: &ctx,
        d: d.clone(),
        indicator: indicator.clone(),
        levels,
        groups,
        rows,
        level,
        sort,
        map,
        chart,
    };
    render(&ctx, &page)
}

/// `GET /observatoire/{slug}/indicateurs/{indicator}/carte.svg?niveau=…&groupe=…`: the map
/// alone, with its credits, to download and reuse.
pub async fn map_svg(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, indicator)): Path<(String, String)>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, AppError> {
    let obs = state.observatory();
    let (d, indicator, _) = obs.indicator(&slug, &indicator).ok_or(AppError::NotFound)?;
    let level = q
        .niveau
        .as_deref()
        .and_then(|n| n.parse().ok())
        .unwrap_or(TerritoryLevel::Department);
    let values = obs.values(&slug, &indicator.slug, Some(level));
    let map = shown(&values, q.groupe.as_deref())
        .and_then(|s| map_view(&state, ctx.t, d, indicator, &s, level, true))
        .ok_or(AppError::NotFound)?;
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

/// `GET /observatoire/{slug}/donnees.csv`: every value, in the import format plus names.
pub async fn download_csv(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let obs = state.observatory();
    let (d, indicators) = obs.dataset(&slug).ok_or(AppError::NotFound)?;
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
    for (i, values) in indicators {
        for v in values {
            let name = state
                .territories
                .get(v.territory_level, &v.territory_code)
                .map(|t| t.name.clone())
                .unwrap_or_default();
            // Names, groups and sources come from imported files: written so that none
            // runs as a spreadsheet formula (numbers stay numbers).
            w.write_record(catalyse_core::text::csv_record([
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
            ]))
            .map_err(csv_err)?;
        }
    }
    crate::pages::csv_download(w, &format!("{slug}.csv"), false)
}

/// `GET /observatoire/{slug}/donnees.json`: the dataset, its indicators and their values.
pub async fn download_json(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let obs = state.observatory();
    let (d, indicators) = obs.dataset(&slug).ok_or(AppError::NotFound)?;
    let out: Vec<_> = indicators
        .iter()
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
