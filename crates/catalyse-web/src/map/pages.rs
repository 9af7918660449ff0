//! `/carte`: the interactive map of the network (Leaflet, self-hosted, the platform's own
//! boundaries as base layer; clusters come from `/api/v1/map/clusters`): members, places, the
//! published case studies (« pratiques innovantes ») and the open needs of territories
//! (« besoins des territoires »). `/carte/liste`: the same view as an accessible list, with the
//! same parameters and the same points; example case studies and needs say « données
//! d'exemple » there as in the map's popups.

use crate::error::AppError;
use crate::needs::status::status_label;
use crate::network::map_query::{MapQuery, FRANCE, PAGE_FILTERS};
use crate::network::map_views::{bbox_param, overlap, METROPOLE};
use crate::pages::{render, render_status, PageCtx, Pager};
use crate::state::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use catalyse_core::cases::Phase;
use catalyse_core::needs::NeedStatus;
use catalyse_core::network::PlaceKind;
use catalyse_core::TerritoryLevel;
use catalyse_map::{BBox, Layer, MapPoint};

/// Points per page of the list.
const PER_PAGE: usize = 50;

#[derive(Template)]
#[template(path = "map/map.html")]
struct MapPage<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    q: MapQuery,
    /// The zoom the address gives, if it gives one: the view is then its bbox's centre at
    /// that zoom (as the map wrote it), else the whole bbox.
    zoom: Option<u8>,
    regions: Vec<(String, String)>,
    views: Vec<ViewLink>,
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
    /// The script's words in the page's language, as JSON.
    texts: String,
}

/// One entry of « Aller à » (mainland France, each overseas région): a plain link without
/// JavaScript, a move of the view with it.
struct ViewLink {
    name: String,
    href: String,
    bbox: String,
    current: bool,
}

impl MapPage<'_> {
    fn bbox(&self) -> String {
        bbox_param(&self.q.bbox.unwrap_or(METROPOLE))
    }
}

fn parse(state: &AppState, raw: Option<&str>) -> (MapQuery, Option<String>) {
    match MapQuery::parse(raw, PAGE_FILTERS) {
        Ok(mut q) => {
            q.bbox = view(state, &q);
            (q, None)
        }
        Err(e) => (
            MapQuery {
                members: true,
                places: true,
                cases: true,
                needs: true,
                zoom: 5,
                page: 1,
                ..MapQuery::default()
            },
            Some(e),
        ),
    }
}

/// The view of an address: its bbox, unless a région is chosen that the bbox does not reach
/// (or there is no bbox): then that région's bounds. So that choosing La Réunion shows La
/// Réunion, on the map as in the list, with or without JavaScript.
fn view(state: &AppState, q: &MapQuery) -> Option<BBox> {
    let region = (!q.region.is_empty())
        .then(|| {
            state
                .numbering
                .views
                .bounds(TerritoryLevel::Region, &q.region)
        })
        .flatten();
    match (q.bbox, region) {
        (Some(b), Some(r)) if !overlap(&b, &r) => Some(r),
        (None, Some(r)) => Some(r),
        (b, _) => b,
    }
}

/// `query` without its `zoom`: a link that shows a whole bbox, whatever the screen.
fn without_zoom(query: &str) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k != "zoom" {
            s.append_pair(&k, &v);
        }
    }
    s.finish()
}

/// The link to a view of `b` with the filters of `q` but the région's (a view is not a
/// filter: going to Mayotte with Bretagne chosen would show nothing).
fn view_link(q: &MapQuery, name: &str, b: BBox) -> ViewLink {
    let there = MapQuery {
        bbox: Some(b),
        region: String::new(),
        ..q.clone()
    };
    ViewLink {
        name: name.to_string(),
        href: format!("/carte?{}", without_zoom(&there.to_query(None))),
        bbox: bbox_param(&b),
        current: bbox_param(&q.bbox.unwrap_or(METROPOLE)) == bbox_param(&b),
    }
}

/// The words `carte.js` says, from the `carte_js` keys of the page's language.
fn texts(ctx: &PageCtx) -> String {
    const KEYS: &[&str] = &[
        "zoom_in",
        "zoom_out",
        "close",
        "member",
        "members",
        "place",
        "places",
        "case",
        "cases",
        "mixed_one",
        "mixed_many",
        "and",
        "in_view",
        "none",
        "no_layer",
        "failed",
        "zoom",
        "to_list",
        "member_type",
        "place_type",
        "case_type",
        "need",
        "needs",
        "need_type",
        "members_only",
        "names",
    ];
    let map: serde_json::Map<String, serde_json::Value> = KEYS
        .iter()
        .map(|k| {
            let v = ctx.t.s(&format!("carte_js.{k}")).to_string();
            (k.to_string(), v.into())
        })
        .chain(PlaceKind::ALL.iter().map(|k| {
            let v = ctx
                .t
                .s(&format!("carte_js.kind_{}", k.as_str()))
                .to_string();
            (format!("kind_{}", k.as_str()), v.into())
        }))
        .chain(Phase::ALL.iter().map(|p| {
            let k = format!("phase_{}", p.as_str());
            (k.clone(), ctx.t.s(&format!("carte.{k}")).to_string().into())
        }))
        .chain(NeedStatus::ALL.iter().map(|s| {
            let v = status_label(ctx.t, *s).to_string();
            (format!("status_{}", s.as_str()), v.into())
        }))
        .chain([("example".to_string(), ctx.t.s("demo.label").into())])
        .collect();
    serde_json::Value::Object(map).to_string()
}

pub async fn map(
    State(state): State<AppState>,
    ctx: PageCtx,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (q, error) = parse(&state, raw.as_deref());
    let error = error.or_else(|| q.filter(&state.numbering, false).err());
    let zoom = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .any(|(k, v)| k == "zoom" && !v.trim().is_empty())
        .then_some(q.zoom);
    let mut views = vec![view_link(&q, ctx.t.s("carte.metropole"), METROPOLE)];
    for (_, name, b) in &state.numbering.views.overseas {
        views.push(view_link(&q, name, *b));
    }
    let a = &state.assets;
    let page = MapPage {
        ctx: &ctx,
        state: &state,
        list_link: format!("/carte/liste?{}", q.to_query(None)),
        q,
        zoom,
        regions: crate::network::members::regions(&state),
        views,
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
        texts: texts(&ctx),
    };
    render(&ctx, &page)
}

/// `GET /carte/noms.json`: the place names the map draws (see
/// [`crate::network::map_views::MapViews::names_json`]); made at start from the geography.
pub async fn names(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        state.numbering.views.names_json.clone(),
    )
        .into_response()
}

/// One line of the list.
struct Row {
    name: String,
    href: String,
    layer: &'static str,
    detail: String,
    /// Generated example data, said « données d'exemple ».
    example: bool,
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
    let (q, mut error) = parse(&state, raw.as_deref());
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
        .map(|p| row(&state, &ctx, &snapshot, p))
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

fn row(
    state: &AppState,
    ctx: &PageCtx,
    snap: &crate::network::snapshot::Snapshot,
    p: &MapPoint,
) -> Row {
    let territory = || {
        state
            .territories
            .all()
            .get(p.territory as usize)
            .map(|t| t.name.as_str())
            .unwrap_or("")
    };
    let (href, layer, detail, example) = match p.layer {
        Layer::Member => (
            format!("/reseau/{}", p.slug),
            "member",
            state
                .numbering
                .family_slugs(p.families)
                .next()
                .map(|f| crate::network::members::family_name(state, f))
                .unwrap_or_default(),
            false,
        ),
        Layer::Case => {
            let phase = snap
                .case_phases
                .get(&p.id)
                .map(|ph| ctx.t.s(&format!("carte.phase_{}", ph.as_str())).to_string())
                .unwrap_or_default();
            (
                format!("/pratiques/{}", p.slug),
                "case",
                format!("{phase} — {}", territory()),
                snap.example_cases.contains(&p.id),
            )
        }
        Layer::Need => {
            let need = snap.needs.get(&p.id);
            let status = need
                .map(|n| status_label(ctx.t, n.status).to_string())
                .unwrap_or_default();
            (
                format!("/besoins/{}", p.slug),
                "need",
                format!("{status} — {}", territory()),
                need.is_some_and(|n| n.is_example),
            )
        }
        Layer::Place => {
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
            (
                format!("/lieux/{}", p.slug),
                "place",
                format!("{kind} — {commune}"),
                false,
            )
        }
    };
    Row {
        name: p.name.to_string(),
        href,
        layer,
        detail,
        example,
    }
}

/// `GET /carte/points.geojson`: the public points of the map, as open data, streamed in
/// chunks from the snapshot of the moment; the map's filters and `bbox` choose them (by
/// default every layer, everywhere). Members-only profiles never, whoever asks. Example case
/// studies and needs say `"example": true`.
pub async fn points(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    const CHUNK: usize = 10_000;
    let q = MapQuery::parse(raw.as_deref(), PAGE_FILTERS).map_err(AppError::BadRequest)?;
    let filter = q
        .filter(&state.numbering, false)
        .map_err(AppError::BadRequest)?;
    let bbox = q.bbox.unwrap_or(FRANCE);
    let snapshot = state.network();
    let base = state.config.public_url();
    let chunks = futures_util::stream::unfold(Some(0usize), move |offset| {
        let (snapshot, base) = (snapshot.clone(), base.clone());
        async move {
            let offset = offset?;
            let (total, page) = snapshot.map.list(&bbox, &filter, offset, CHUNK);
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
                    Layer::Case => format!("{base}/pratiques/{}", p.slug),
                    Layer::Need => format!("{base}/besoins/{}", p.slug),
                };
                let mut props = serde_json::json!({
                    "layer": p.layer.as_str(),
                    "name": &*p.name,
                    "slug": &*p.slug,
                    "url": href,
                });
                let example = match p.layer {
                    Layer::Case => snapshot.example_cases.contains(&p.id),
                    Layer::Need => snapshot.needs.get(&p.id).is_some_and(|n| n.is_example),
                    Layer::Member | Layer::Place => false,
                };
                if example {
                    props["example"] = true.into();
                }
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
