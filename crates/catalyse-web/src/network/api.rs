//! The network: the map's clusters, and members' public profiles.

use crate::auth::MaybeUser;
use crate::error::{ApiError, AppError, Problem};
use crate::network::map_query::{MapQuery, API_FILTERS};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalyse_core::network::{PlaceKind, Profile, TerritoryRef};
use catalyse_core::TerritoryLevel;
use catalyse_map::Layer;
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /api/v1/map/clusters`: clusters and single points of the view, as GeoJSON.
#[utoipa::path(
    get,
    path = "/api/v1/map/clusters",
    tag = "network",
    params(
        ("bbox" = Option<String>, Query, description = "The view: west,south,east,north in WGS84 degrees (Leaflet's toBBoxString); latitudes are clamped to ±90 and put in order, longitudes beyond ±180 wrap; default: the whole world", pattern = r"^-?[0-9]{1,3}(\.[0-9]{1,8})?,-?[0-9]{1,3}(\.[0-9]{1,8})?,-?[0-9]{1,3}(\.[0-9]{1,8})?,-?[0-9]{1,3}(\.[0-9]{1,8})?$", example = "-5.5,41.2,9.9,51.3"),
        ("zoom" = Option<u8>, Query, description = "Web Mercator zoom, 0 to 22 (above 20 counts as 20); default 5", minimum = 0, maximum = 22),
        ("layers" = Option<String>, Query, description = "Comma-separated layers among members, places, cases (the published case studies, « pratiques innovantes »), needs (the published open needs of territories, « ouvert » or « en relation »); default all four; empty: none", pattern = "^((members|places|cases|needs)(,(members|places|cases|needs))*)?$", example = "members,places,cases,needs"),
        ("family" = Option<String>, Query, description = "Actor family slug: members of that family, case studies it takes part in, needs that seek it (places never match); an unknown slug matches nothing"),
        ("activity" = Option<String>, Query, description = "Métier activity slug (members, case studies, needs that seek it); an unknown slug matches nothing"),
        ("lever" = Option<String>, Query, description = "Lever slug (members, case studies, needs); an unknown slug matches nothing"),
        ("region" = Option<String>, Query, description = "Région INSEE code; an unknown code matches nothing"),
        ("kind" = Option<String>, Query, description = "Place kind: cafe-solidaire, coworking, showroom, fablab, tiers-lieu; another value matches nothing"),
    ),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection: clusters (`cluster: true`, `count`, `members`, `places`, `cases`, `needs`, with `members + places + cases + needs == count`, `expansion_zoom`, `bbox`) and single points (`cluster: false`, `layer`: member, place, case or need, `id`, `name` (a need's title), `slug` (a need's page is `/besoins/{slug}`); then, when known: `family`, the member's actor family slug; `kind`, the place's kind slug; `phase`, the case study's phase slug; `status`, the need's status slug (ouvert or en-relation); `territory`, the name of the commune where the point is drawn, or of the larger territory a member works in or a case study or a need is about; `department`, the name of that commune's département; `members_only: true` for a profile only signed-in members see; `example: true` for a generated example case study or need, « données d'exemple »)", content_type = "application/geo+json", body = Object),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn clusters(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = MapQuery::parse(raw.as_deref(), API_FILTERS)
        .map_err(|e| ApiError(AppError::BadRequest(e)))?;
    let bbox = q.bbox.unwrap_or(catalyse_map::BBox::WORLD);
    let snapshot = state.network();
    // A filter value that names nothing matches nothing, as in the directory.
    let features = match q.filter(&state.numbering, user.is_some()) {
        Ok(filter) => snapshot.map.clusters(&bbox, q.zoom, &filter),
        Err(_) => vec![],
    };
    let mut body = String::with_capacity(64 + features.len() * 200);
    let (n, territories) = (&state.numbering, &state.territories);
    catalyse_map::feature_collection_json_with(&features, &mut body, |p, props| {
        match p.layer {
            Layer::Member => {
                if let Some(f) = n.family_slugs(p.families).next() {
                    props.str("family", f);
                }
            }
            Layer::Place => {
                if let Some(k) = PlaceKind::ALL.get(p.kind as usize) {
                    props.str("kind", k.as_str());
                }
            }
            Layer::Case => {
                if let Some(phase) = snapshot.case_phases.get(&p.id) {
                    props.str("phase", phase.as_str());
                }
                if snapshot.example_cases.contains(&p.id) {
                    props.bool("example", true);
                }
            }
            Layer::Need => {
                if let Some(n) = snapshot.needs.get(&p.id) {
                    props.str("status", n.status.as_str());
                    if n.is_example {
                        props.bool("example", true);
                    }
                }
            }
        }
        if let Some(t) = territories.all().get(p.territory as usize) {
            props.str("territory", &t.name);
            let department = match t.level {
                TerritoryLevel::Commune | TerritoryLevel::Epci => t.department.as_deref(),
                _ => None,
            };
            if let Some(d) = department.and_then(|d| territories.get(TerritoryLevel::Department, d))
            {
                props.str("department", &d.name);
            }
        }
        if !p.public {
            props.bool("members_only", true);
        }
    });
    let cache = if user.is_some() {
        "private, max-age=10"
    } else {
        "public, max-age=10"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, cache),
            (header::VARY, "Cookie"),
        ],
        body,
    )
        .into_response())
}

/// A member's public profile.
#[derive(Serialize, ToSchema)]
pub struct PublicMember {
    pub slug: String,
    pub name: String,
    pub organisation: String,
    pub actor_family: String,
    pub role: String,
    #[schema(value_type = Vec<Object>)]
    pub territories: Vec<TerritoryRef>,
    pub activities: Vec<String>,
    pub levers: Vec<String>,
    pub themes: Vec<String>,
    pub bio: String,
    pub links: Vec<String>,
    /// Address of the photo, if any.
    pub photo: Option<String>,
    pub url: String,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
}

pub fn public_member(base: &str, p: &Profile) -> Option<PublicMember> {
    let f = p.moderated.published.as_ref()?;
    Some(PublicMember {
        slug: p.slug.clone(),
        name: f.display_name.clone(),
        organisation: f.organisation.clone(),
        actor_family: f.actor_family.clone(),
        role: f.role.clone(),
        territories: f.territories.clone(),
        activities: f.activities.clone(),
        levers: f.levers.clone(),
        themes: f.themes.clone(),
        bio: f.bio.clone(),
        links: f.links.clone(),
        photo: f
            .photo
            .as_ref()
            .map(|_| format!("{base}/reseau/{}/photo", p.slug)),
        url: format!("{base}/reseau/{}", p.slug),
        is_example: p.is_example,
    })
}

/// One page of public members.
#[derive(Serialize, ToSchema)]
pub struct MemberPage {
    pub items: Vec<PublicMember>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberParams {
    /// Words to find in names, organisations and introductions (French analysis).
    pub q: Option<String>,
    /// Actor family slug.
    pub family: Option<String>,
    /// Activity slug.
    pub activity: Option<String>,
    /// Lever slug.
    pub lever: Option<String>,
    /// Région code.
    pub region: Option<String>,
    /// Département code.
    pub department: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 2147483647)]
    pub page: Option<i32>,
}

const PER_PAGE: u32 = 50;

/// `GET /api/v1/members`: public profiles only, whoever asks.
#[utoipa::path(
    get,
    path = "/api/v1/members",
    tag = "network",
    params(MemberParams),
    responses(
        (status = 200, body = MemberPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn members(
    State(state): State<AppState>,
    crate::api::ApiQuery(p): crate::api::ApiQuery<MemberParams>,
) -> Result<Json<MemberPage>, ApiError> {
    let page = crate::api::page_number(p.page)?;
    let opt = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let query = catalyse_search::members::MemberQuery {
        text: p.q.unwrap_or_default(),
        family: opt(p.family),
        activity: opt(p.activity),
        lever: opt(p.lever),
        region: opt(p.region),
        department: opt(p.department),
        include_private: false,
        page,
        per_page: PER_PAGE,
        // The API shows no facets: not counted.
        skip_facets: true,
    };
    let index = state.members.clone();
    let found = tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(|e| ApiError(AppError::Internal(e.into())))?
        .map_err(|e| ApiError(AppError::Internal(anyhow::anyhow!("{e}"))))?;
    let profiles = state
        .store
        .profiles_by_ids(&found.ids)
        .await
        .map_err(|e| ApiError(e.into()))?;
    let base = state.config.public_url();
    Ok(Json(MemberPage {
        items: profiles
            .iter()
            .filter(|p| p.is_public())
            .filter_map(|p| public_member(&base, p))
            .collect(),
        total: found.total,
        page,
        per_page: PER_PAGE,
    }))
}

/// `GET /api/v1/members/{slug}`: one public profile.
#[utoipa::path(
    get,
    path = "/api/v1/members/{slug}",
    tag = "network",
    params(("slug" = String, Path, description = "The member's slug")),
    responses(
        (status = 200, body = PublicMember),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn member(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<PublicMember>, ApiError> {
    let p = state
        .store
        .profile_by_slug(&slug)
        .await
        .map_err(|e| ApiError(e.into()))?
        .filter(Profile::is_public)
        .ok_or(ApiError(AppError::NotFound))?;
    public_member(&state.config.public_url(), &p)
        .map(Json)
        .ok_or(ApiError(AppError::NotFound))
}
