//! The addresses of the achievements' side of Open Badges: the catalogue and its images,
//! a member's badges, the animators' pages, and the API of achievements. (The issuer's
//! identity, the credentials' pages and the verifier are routed with them by the issuer's
//! side.)

use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{admin, api, mine, pages};
use crate::Routes;

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/badges", get(pages::catalogue))
            .route("/badges/{slug}", get(pages::achievement))
            .route("/badges/{slug}/image.svg", get(pages::image))
            .route("/mes-badges", get(mine::mine))
            .route("/mes-badges/{id}/public", post(mine::set_public))
            .route("/mes-badges/{id}/did", post(mine::reissue_to_did))
            .route("/admin/badges", get(admin::list).post(admin::create))
            .route("/admin/badges/nouveau", get(admin::new_form))
            .route("/admin/badges/attribuer", post(admin::award))
            .route(
                "/admin/badges/{slug}",
                get(admin::edit_form).post(admin::edit),
            )
            .route("/admin/badges/{slug}/archiver", post(admin::archive))
            .route("/admin/badges/attestations/{id}", get(admin::credential))
            .route(
                "/admin/badges/attestations/{id}/revoquer",
                post(admin::revoke),
            ),
        api: OpenApiRouter::new()
            .routes(routes!(api::achievements))
            .routes(routes!(api::achievement)),
        machine: Router::new(),
    }
}
