//! Besoins des territoires: what a territory needs, said by a member or by a visitor who
//! confirms by mail, moderated before anyone sees it, then followed to « résolu » or « clos ».
//! Search with facets and a page per need (`pages`), the API (`api`), the full-text index
//! kept in step with the store (`index`). The form (`contribute`, its fields `form`), what
//! follows it (`manage`: a version submitted, status moves, « Mes besoins »), who may act
//! (`status`); moderators decide in `network::moderation`. Who could help and why:
//! `suggestions`, over the candidates in memory (`pool`), and its API (`api_suggestions`);
//! putting people in touch about a need: `contact`. The open needs on other areas' pages
//! (territory portraits, lever pages): `related`; the animators' view, `/admin/besoins`:
//! `admin`.
//! Where needs come from besides the form: example needs (`examples`), `catalyse needs
//! import` (`import`), and the drafts a webinar registration leaves for their author to
//! complete (`drafts`).

pub mod admin;
pub mod api;
pub mod api_suggestions;
pub mod contact;
pub mod contribute;
pub mod drafts;
pub mod examples;
pub mod form;
pub mod import;
pub mod index;
pub mod manage;
pub mod pages;
pub mod pool;
pub mod related;
pub mod status;
pub mod suggestions;

use crate::Routes;
use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The schemas the API's parameters refer to (responses bring their own).
#[derive(OpenApi)]
#[openapi(components(schemas(
    api::NeedApiSort,
    catalyse_core::needs::NeedStatus,
    catalyse_core::needs::Horizon
)))]
struct Schemas;

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/besoins", get(pages::list))
            .route(
                "/besoins/nouveau",
                get(contribute::new_form).post(contribute::create),
            )
            .route(
                "/besoins/confirmer",
                get(contribute::confirm_form).post(contribute::confirm),
            )
            .route("/besoins/{slug}", get(pages::need))
            .route(
                "/besoins/{slug}/modifier",
                get(contribute::edit_form).post(contribute::update),
            )
            .route("/besoins/{slug}/statut", post(manage::set_status))
            .route(
                "/besoins/{slug}/aider",
                get(contact::offer_form).post(contact::offer),
            )
            .route(
                "/besoins/{slug}/mise-en-relation",
                get(contact::request_form).post(contact::request),
            )
            .route("/mon-profil/besoins", get(manage::mine))
            .route("/admin/besoins", get(admin::board)),
        api: OpenApiRouter::with_openapi(Schemas::openapi())
            .routes(routes!(api::search))
            .routes(routes!(api::need))
            .routes(routes!(api_suggestions::suggestions)),
        machine: Router::new(),
    }
}
