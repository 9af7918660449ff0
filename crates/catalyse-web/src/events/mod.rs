//! Events and webinars: the agenda, each event with its calendar file, registrations with the
//! waiting list and reminders, a member's own registrations, the animators' pages, and their
//! API.

pub mod admin;
pub mod api;
pub mod mine;
pub mod pages;
pub mod registrations;
pub mod service;

use crate::Routes;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/webinaires", get(pages::webinars))
            .route("/evenements", get(pages::list))
            .route("/evenements/calendrier.ics", get(pages::calendar))
            .route("/evenements/flux.atom", get(pages::atom))
            .route(
                "/evenements/series/{slug}/calendrier.ics",
                get(pages::series_calendar),
            )
            .route("/evenements/{slug}", get(pages::event))
            .route(
                "/evenements/{slug}/calendrier.ics",
                get(pages::event_calendar),
            )
            .route(
                "/evenements/{slug}/inscription",
                get(registrations::form_page).post(registrations::register),
            )
            .route("/evenements/{slug}/inscription/annuler", post(mine::cancel))
            .route("/mon-profil/inscriptions", get(mine::list))
            .route("/inscriptions/{token}", get(registrations::show))
            .route(
                "/inscriptions/{token}/confirmer",
                post(registrations::confirm),
            )
            .route("/inscriptions/{token}/annuler", post(registrations::cancel))
            .route("/admin/evenements", get(admin::list))
            .route(
                "/admin/evenements/nouveau",
                get(admin::new_form).post(admin::create),
            )
            .route(
                "/admin/evenements/series/{slug}/planifier",
                get(admin::plan_form).post(admin::plan),
            )
            .route(
                "/admin/evenements/{slug}",
                get(admin::edit_form).post(admin::save),
            )
            .route("/admin/evenements/{slug}/annuler", post(admin::cancel))
            .route(
                "/admin/evenements/{slug}/presences",
                post(admin::attendance),
            )
            .route(
                "/admin/evenements/{slug}/participants.csv",
                get(admin::participants_csv),
            ),
        api: OpenApiRouter::new()
            .routes(routes!(api::events))
            .routes(routes!(api::event))
            .routes(routes!(api::register, api::unregister))
            .routes(routes!(api::series))
            .routes(routes!(api::occurrences)),
        ..Routes::default()
    }
}
