//! The network of pioneers: joining, one's profile, the directory and its figures, contact
//! between members, places run by members, moderation of profiles, places and reports, the
//! example network, and their API. `live` holds the network as the pages read it.

pub mod api;
pub mod examples;
pub mod join;
pub mod live;
pub mod map_query;
pub mod map_views;
pub mod members;
pub mod moderation;
pub mod photo;
pub mod places;
pub mod places_api;
pub mod profile;
pub mod relay;
pub mod service;
pub mod snapshot;

use crate::Routes;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/rejoindre", get(join::form).post(join::join))
            .route(
                "/rejoindre/confirmer",
                get(join::verify_form).post(join::verify),
            )
            .route(
                "/mon-profil",
                get(profile::show)
                    .post(profile::save)
                    // A phone photo is several megabytes: not the 1 MiB of other forms.
                    .layer(DefaultBodyLimit::max(profile::BODY_LIMIT)),
            )
            .route("/mon-profil/donnees.json", get(profile::export))
            .route("/mon-profil/supprimer", post(profile::delete))
            .route(
                "/mon-profil/alertes",
                post(moderation::alerts::save_preference),
            )
            .route("/reseau", get(members::directory))
            .route("/reseau/chiffres", get(members::figures))
            .route("/reseau/membres.csv", get(members::export_csv))
            .route("/reseau/photos/{file}", get(members::photo_by_hash))
            .route("/reseau/{slug}", get(members::member))
            .route("/reseau/{slug}/photo", get(members::photo))
            .route("/reseau/{slug}/contact", post(members::contact))
            .route(
                "/reseau/{slug}/signaler",
                get(moderation::report_member_form).post(moderation::report_member),
            )
            .route("/lieux", get(places::list))
            .route("/lieux/nouveau", get(places::new_form).post(places::create))
            .route("/lieux/{slug}", get(places::place))
            .route(
                "/lieux/{slug}/modifier",
                get(places::edit_form).post(places::update),
            )
            .route(
                "/lieux/{slug}/signaler",
                get(moderation::report_place_form).post(moderation::report_place),
            )
            .route("/admin/moderation", get(moderation::queue))
            .route("/admin/moderation/journal", get(moderation::journal))
            .route(
                "/admin/moderation/membres/{user_id}",
                post(moderation::decide_member),
            )
            .route(
                "/admin/moderation/lieux/{id}",
                post(moderation::decide_place),
            )
            .route(
                "/admin/moderation/pratiques/{id}",
                post(moderation::decide_case),
            )
            .route(
                "/admin/moderation/besoins/{id}",
                post(moderation::decide_need),
            )
            .route("/admin/signalements", get(moderation::reports))
            .route("/admin/signalements/{id}", post(moderation::resolve)),
        api: OpenApiRouter::new()
            .routes(routes!(api::clusters))
            .routes(routes!(api::members))
            .routes(routes!(api::member))
            .routes(routes!(places_api::places))
            .routes(routes!(places_api::place)),
        ..Routes::default()
    }
}
