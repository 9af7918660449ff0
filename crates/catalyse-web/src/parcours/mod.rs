//! Parcours d'expérience « co-construction territoriale »: cohorts of territory teams over
//! months. The public pages and the members' view (`pages`), who may see what and a
//! participant's progress (`service`), `/mon-parcours` (`mine`), deliverables handed in
//! (`handin`), the kit's modules a cohort follows (`modules`), the API (`api`), the
//! cohort's space of exchanges (`space`, `posts`) with its mails of answers (`replies`) and
//! its weekly digest (`digest`), the seed's pilot as an example (`examples`); the animators'
//! pages (`admin`, its table `admin_table` and its forms `admin_forms`).

pub mod admin;
pub mod admin_forms;
pub mod admin_table;
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
            .route("/mon-parcours", get(mine::page))
            .route(
                "/admin/parcours",
                get(admin::list).post(admin_forms::create),
            )
            .route(
                "/admin/parcours/{slug}",
                get(admin::cohort_page).post(admin_forms::edit),
            )
            .route("/admin/parcours/{slug}/export.csv", get(admin::export))
            .route(
                "/admin/parcours/{slug}/equipes",
                post(admin_forms::add_team),
            )
            .route("/admin/parcours/{slug}/membres", post(admin_forms::enrol))
            .route(
                "/admin/parcours/{slug}/membres/retirer",
                post(admin_forms::unenrol),
            )
            .route(
                "/admin/parcours/{slug}/seances",
                post(admin_forms::add_session),
            )
            .route(
                "/admin/parcours/{slug}/livrables",
                post(admin_forms::add_deliverable),
            )
            .route(
                "/admin/parcours/{slug}/presences",
                post(admin_forms::attendance),
            )
            .route("/admin/parcours/{slug}/remises", post(admin_forms::record)),
        api: OpenApiRouter::new()
            .routes(routes!(api::cohorts))
            .routes(routes!(api::cohort_detail)),
        machine: Router::new(),
    }
}
