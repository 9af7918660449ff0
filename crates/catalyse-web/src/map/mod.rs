//! The network map (`/carte`): members and places as clusters on an interactive map, the
//! same as a list without JavaScript, and the points as GeoJSON. Not to be confused with the
//! observatory's choropleths (`catalyse_formats::choropleth`).

pub mod pages;

use crate::Routes;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Routes {
    Routes::pages(
        Router::new()
            .route("/carte", get(pages::map))
            .route("/carte/liste", get(pages::list))
            .route("/carte/noms.json", get(pages::names))
            .route("/carte/points.geojson", get(pages::points)),
    )
}
