//! French territories: the search, each territory's portrait with its situation map, and
//! their API.

pub mod api;
pub mod pages;
pub mod pick;

use crate::i18n::Tr;
use crate::state::AppState;
use crate::Routes;
use axum::routing::get;
use axum::Router;
use catalyse_core::{Territory, TerritoryLevel};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/territoires", get(pages::search))
            .route("/territoires/{level}/{code}", get(pages::portrait))
            .route(
                "/territoires/{level}/{code}/situation.svg",
                get(pages::situation_svg),
            ),
        api: OpenApiRouter::new()
            .routes(routes!(api::search))
            .routes(routes!(api::territory)),
        ..Routes::default()
    }
}

/// The page of a territory, with its canonical slug.
pub fn url(t: &Territory) -> String {
    format!("/territoires/{}/{}-{}", t.level, t.code, t.slug())
}

pub fn level_label(t: Tr, level: TerritoryLevel) -> &'static str {
    t.s(match level {
        TerritoryLevel::Region => "territory.region",
        TerritoryLevel::Department => "territory.department",
        TerritoryLevel::Epci => "territory.epci",
        TerritoryLevel::Commune => "territory.commune",
    })
}

/// A territory's name, or its code when the geography does not know it.
pub fn name_or_code(state: &AppState, level: TerritoryLevel, code: &str) -> String {
    (state.territories.get(level, code)).map_or_else(|| code.to_string(), |t| t.name.clone())
}

/// A commune by its name and code (« Saint-Étienne (42218) »), or its code alone.
pub fn commune_name(state: &AppState, code: &str) -> String {
    match state.territories.get(TerritoryLevel::Commune, code) {
        Some(c) => format!("{} ({})", c.name, c.code),
        None => code.to_string(),
    }
}
