//! `/carte`: the interactive map of the network (Leaflet, self-hosted, the platform's own
//! boundaries as base layer; clusters come from `/api/v1/map/clusters`), and `/carte/liste`:
//! the same view as an accessible list, with the same parameters and the same points.

use crate::error::AppError;
use crate::network::snapshot::{MapQuery, FRANCE, PAGE_FILTERS};
use crate::pages::{render, render_status, PageCtx, Pager};
use crate::state::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use catalyse_map::{Layer, MapPoint};

/// Points per page of the list.
const PER_PAGE: usize = 50;

#[derive(Template)]
#[template(path = "map/map.html")]
struct MapPage<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    q: MapQuery,
    regions: Vec<(String, String)>,
    error: Option<String>,
    tiles: String,
    tiles_attribution: String,
    leaflet_js: String,
    leaflet_css: String,
    carte_js: String,
    carte_css: String,
    regions_url: String,
    departments_url: String,
    list_link: String,
}

impl MapPage<'_> {
    fn bbox(&self) -> String {
        let b = self
            .q
            .bbox
            .unwrap_or(catalyse_map::BBox::new(-5.5, 41.2, 9.9, 51.3));
        format!("{:.5},{:.5},{:.5},{:.5}", b.west, b.south, b.east, b.north)
    }
}

fn parse(raw: Option<&str>) -> (MapQuery, Option<String>) {
    match MapQuery::parse(raw, PAGE_FILTERS) {
        Ok(q) => (q, None),
        Err(e) => (
            MapQuery {
                members: true,
                places: true,
                zoom: 5,
                page: 1,
                ..MapQuery::default()
            },
            Some(e),
        ),
    }
}

pub async fn map(
    State(state): State<AppState>,
    ctx: PageCtx,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (q, error) = parse(raw.as_deref());
    let error = error.or_else(|| q.filter(&state.numbering, false).err());
    let a = &state.assets;
    let page = MapPage {
        ctx: &ctx,
        state: &state,
        list_link: format!("/carte/liste?{}", q.to_query(None)),
        q,
        regions: crate::network::members::regions(&state),
        error,
        tiles: state.config.map_tiles_url.clone().unwrap_or_default(),
        tiles_attribution: state
            .config
            .map_tiles_attribution
            .clone()
            .unwrap_or_default(),
        leaflet_js: a.url("leaflet.js").into(),
        leaflet_css: a.url("leaflet.css").into(),
        carte_js: a.url("carte.js").into(),
        carte_css: a.url("carte.css").into(),
        regions_url: a.url("carte-regions.geojson").into(),
        departments_url: a.url("carte-departements.geojson").into(),
    };
    render(&ctx, &page)
}

/// One line of the list.
struct Row {
    name: String,
    href: String,
    layer: &'static str,
    detail: String,
}

#[derive(Template)]
#[template(path = "map/map_list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    q: MapQuery,
    regions: Vec<(String, String)>,
    error: Option<String>,
    total: usize,
    rows: Vec<Row>,
    pager: Pager,
    map_link: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (q, mut error) = parse(raw.as_deref());
    let snapshot = state.network();
    let bbox = q.bbox.unwrap_or(FRANCE);
    let page = q.page.max(1);
    // A filter that names nothing lists nothing, and says why.
    let (total, points) = match q.filter(&state.numbering, ctx.user.is_some()) {
        Ok(filter) => snapshot.map.list(
            &bbox,
            &filter,
            (page as usize - 1).saturating_mul(PER_PAGE),
            PER_PAGE,
        ),
        Err(e) => {
            error = error.or(Some(e));
            (0, vec![])
        }
    };
    let rows = points
        .into_iter()
        .map(|p| row(&state, &snapshot, p))
        .collect();
    let pager = Pager::new(page, total, PER_PAGE as u32, |n| {
        format!("/carte/liste?{}", q.to_query(Some(n)))
    });
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let listing = ListPage {
        ctx: &ctx,
        state: &state,
        map_link: format!("/carte?{}", q.to_query(None)),
        q,
        regions: crate::network::members::regions(&state),
        error,
        total,
        rows,
        pager,
    };
    render_status(&ctx, status, &listing)
}

fn row(state: &AppState, snap: &crate::network::snapshot::Snapshot, p: &MapPoint) -> Row {
    match p.layer {
        Layer::Member => Row {
            name: p.name.to_string(),
            href: format!("/reseau/{}", p.slug),
            layer: "member",
            detail: state
                .numbering
                .families
                .get(p.family as usize)
                .map(|f| crate::network::members::family_name(state, f))
                .unwrap_or_default(),
        },
        Layer::Place => Row {
            name: p.name.to_string(),
            href: format!("/lieux/{}", p.slug),
            layer: "place",
            detail: {
                let kind = catalyse_core::network::PlaceKind::ALL
                    .get(p.kind as usize)
                    .map(|k| k.label_fr())
                    .unwrap_or("");
                let commune = snap
                    .place_communes
                    .get(&p.id)
                    .and_then(|c| {
                        state
                            .territories
                            .get(catalyse_core::TerritoryLevel::Commune, c)
                    })
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                format!("{kind} — {commune}")
            },
        },
    }
}

/// `GET /carte/points.geojson`: every public point of the map, as open data, streamed in
/// chunks from the snapshot of the moment.
pub async fn points(State(state): State<AppState>) -> Result<Response, AppError> {
    const CHUNK: usize = 10_000;
    let snapshot = state.network();
    let base = state.config.public_url();
    let chunks = futures_util::stream::unfold(Some(0usize), move |offset| {
        let (snapshot, base) = (snapshot.clone(), base.clone());
        async move {
            let offset = offset?;
            let (total, page) =
                snapshot
                    .map
                    .list(&FRANCE, &catalyse_map::Filter::default(), offset, CHUNK);
            let mut out = String::with_capacity(page.len() * 200 + 64);
            if offset == 0 {
                out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
            }
            for (i, p) in page.iter().enumerate() {
                if offset + i > 0 {
                    out.push(',');
                }
                let href = match p.layer {
                    Layer::Member => format!("{base}/reseau/{}", p.slug),
                    Layer::Place => format!("{base}/lieux/{}", p.slug),
                };
                let props = serde_json::json!({
                    "layer": p.layer.as_str(),
                    "name": &*p.name,
                    "slug": &*p.slug,
                    "url": href,
                });
                out.push_str(&format!(
                    "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{:.5},{:.5}]}},\"properties\":{props}}}",
                    p.lon, p.lat
                ));
            }
            let next = offset + page.len();
            let more = !page.is_empty() && next < total;
            if !more {
                out.push_str("]}");
            }
            Some((
                Ok::<_, std::convert::Infallible>(bytes::Bytes::from(out)),
                more.then_some(next),
            ))
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalyse-carte-points.geojson\"",
            ),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        // Fused: the compression layer may poll again after the end.
        axum::body::Body::from_stream(futures_util::StreamExt::fuse(chunks)),
    )
        .into_response())
}
