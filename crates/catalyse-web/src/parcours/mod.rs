//! Parcours d'expérience « co-construction territoriale »: cohorts of territory teams over
//! months. The public pages and the members' view (`pages`), who may see what and a
//! participant's progress (`service`), `/mon-parcours` (`mine`), deliverables handed in
//! (`handin`), the kit's modules a cohort follows (`modules`), the API (`api`), the
//! cohort's space of exchanges (`space`, `posts`) with its mails of answers (`replies`) and
//! its weekly digest (`digest`), and the seed's pilot as an example (`examples`).

pub mod api;
pub mod digest;
pub mod examples;
pub mod handin;
pub mod mine;
pub mod modules;
pub mod pages;
pub mod posts;
pub mod replies;
pub mod service;
pub mod space;

use crate::{Config, Routes};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes(config: &Config) -> Routes {
    let upload = DefaultBodyLimit::max(crate::upload::body_limit(config));
    Routes {
        pages: Router::new()
            .route("/parcours", get(pages::list))
            .route("/parcours/{slug}", get(pages::cohort_view))
            .route("/parcours/{slug}/calendrier.ics", get(pages::calendar))
            .route(
                "/parcours/{slug}/livrables/{id}",
                post(handin::submit).layer(upload),
            )
            .route("/parcours/{slug}/remises/{id}", get(handin::file))
            .route(
                "/parcours/{slug}/echanges",
                get(space::view).post(space::post),
            )
            .route("/parcours/{slug}/echanges/reglages", post(space::settings))
            .route("/mon-parcours", get(mine::page)),
        api: OpenApiRouter::new()
            .routes(routes!(api::cohorts))
            .routes(routes!(api::cohort_detail)),
        machine: Router::new(),
    }
}
