//! Accounts: sign in and out, forgotten passwords, and the administrators' list of accounts.

pub mod admin;
pub mod dashboard;
pub mod pages;

use crate::Routes;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Routes {
    Routes::pages(
        Router::new()
            .route("/connexion", get(pages::login_form).post(pages::login))
            .route("/deconnexion", post(pages::logout))
            .route(
                "/mot-de-passe-oublie",
                get(pages::forgot_form).post(pages::forgot),
            )
            .route("/reinitialiser", get(pages::reset_form).post(pages::reset))
            .route("/admin", get(dashboard::dashboard))
            .route("/admin/comptes", get(admin::users))
            .route("/admin/comptes/{id}/role", post(admin::set_role)),
    )
}
