//! The public pages of the badges: the catalogue (`/badges`), one achievement
//! (`/badges/{slug}`, or its OB 3.0 `Achievement` as JSON for a client that asks
//! `Accept: application/json`) and its image (`/badges/{slug}/image.svg`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use catalyse_core::badges::vc;
use catalyse_store::StoredAchievement;
use serde_json::{json, Value};

use super::catalogue::{self, achievement_or_404, rule_words, Group, Names};
use super::image;
use super::issuer::{self, issuer};
use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;

/// An achievement in the catalogue.
pub struct Line {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub rule: String,
    pub holders: i64,
}

/// A group of the catalogue and its achievements.
pub struct GroupView {
    pub id: &'static str,
    pub title_key: &'static str,
    pub intro_key: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "badges_catalogue.html")]
struct CataloguePage<'a> {
    ctx: &'a PageCtx,
    groups: Vec<GroupView>,
}

/// `GET /badges`: every achievement awarded now, by group.
pub async fn catalogue(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let names = Names::read(&state).await?;
    let holders = catalogue::holders(&state).await?;
    let all = state.store.achievements(false).await?;
    let groups = Group::ALL
        .iter()
        .map(|g| GroupView {
            id: g.id(),
            title_key: g.title_key(),
            intro_key: g.intro_key(),
            lines: (all.iter())
                .filter(|a| Group::of(a.fields.rule.kind) == *g)
                .map(|a| Line {
                    slug: a.slug.clone(),
                    name: a.fields.name.clone(),
                    description: a.fields.description.clone(),
                    rule: rule_words(ctx.t, &a.fields.rule, &names),
                    holders: holders.get(&a.id).copied().unwrap_or(0),
                })
                .collect(),
        })
        .filter(|g| !g.lines.is_empty())
        .collect();
    render(&ctx, &CataloguePage { ctx: &ctx, groups })
}

#[derive(Template)]
#[template(path = "badges_achievement.html")]
struct AchievementPage<'a> {
    ctx: &'a PageCtx,
    a: &'a StoredAchievement,
    group: Group,
    criteria_html: String,
    rule: String,
    /// (slug, name).
    levers: Vec<(String, String)>,
    activities: Vec<(String, String)>,
    holders: i64,
}

/// Whether the client asks for JSON rather than a page (a browser's `Accept` names HTML).
pub fn wants_json(headers: &HeaderMap) -> bool {
    let accept = (headers.get(header::ACCEPT))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("json") && !accept.contains("text/html")
}

/// The OB 3.0 `Achievement` of a stored achievement, with its JSON-LD context.
pub fn achievement_json(state: &AppState, a: &StoredAchievement) -> Value {
    let config = &state.config;
    let mut v = vc::achievement(
        &issuer(config),
        &issuer::achievement_url(config, &a.slug),
        &a.slug,
        &a.fields,
        Some(&issuer::image_url(config, &a.slug)),
        &state.reference.levers,
        &catalogue::activities(state),
    );
    if let Some(obj) = v.as_object_mut() {
        let mut with_context = serde_json::Map::new();
        with_context.insert("@context".into(), json!(vc::CONTEXTS));
        with_context.extend(std::mem::take(obj));
        *obj = with_context;
    }
    v
}

/// `GET /badges/{slug}`: the page, or the `Achievement` as JSON.
pub async fn achievement(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let a = achievement_or_404(&state, &slug).await?;
    let vary = (header::VARY, HeaderValue::from_static("Accept"));
    if wants_json(&headers) {
        let body = serde_json::to_string_pretty(&achievement_json(&state, &a))
            .map_err(|e| AppError::Internal(e.into()))?;
        let json = (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Ok(([json, vary], body).into_response());
    }
    let names = Names::read(&state).await?;
    let holders = catalogue::holders(&state).await?;
    let page = AchievementPage {
        ctx: &ctx,
        group: Group::of(a.fields.rule.kind),
        criteria_html: crate::resources::index::markdown_in_section(&a.fields.criteria),
        rule: rule_words(ctx.t, &a.fields.rule, &names),
        levers: (a.fields.levers.iter())
            .map(|s| (s.clone(), names.lever(s).to_string()))
            .collect(),
        activities: (a.fields.activities.iter())
            .map(|s| (s.clone(), names.activity(s).to_string()))
            .collect(),
        holders: holders.get(&a.id).copied().unwrap_or(0),
        a: &a,
    };
    let mut resp = render(&ctx, &page)?;
    resp.headers_mut().insert(vary.0, vary.1);
    Ok(resp)
}

/// `GET /badges/{slug}/image.svg`: the achievement's image, kept an hour by any cache.
pub async fn image(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let a = achievement_or_404(&state, &slug).await?;
    let svg = image::svg(&a.fields.name, Group::of(a.fields.rule.kind));
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        svg,
    )
        .into_response())
}
