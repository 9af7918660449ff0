//! Kit de formation « catalyseur territorial »: self-paced modules of ordered units, followed
//! one unit at a time without JavaScript (`/formation`, `/formation/{module}`,
//! `/formation/{module}/{n}`: `pages`), completed by a form per unit (`answer`: mark a
//! reading or a replay done, save a private reflection, answer a quiz). A member's progress
//! is kept in the database, a visitor's in a signed cookie on her device (`progress`).
//! Animators edit the modules at `/admin/formation` (`admin`, its form in `admin_form`); the
//! shipped modules (`data/reference/formation.toml`) are loaded at start by [`load_shipped`].
//! Other areas read a member's progress with [`progress_of`].

pub mod admin;
pub mod admin_form;
pub mod answer;
pub mod pages;
pub mod progress;

use crate::state::AppState;
use crate::Routes;
use anyhow::Context;
use axum::routing::{get, post};
use axum::Router;
use catalyse_store::{ModuleProgress, Store, StoreResult};

pub use progress::PROGRESS_COOKIE;

pub fn routes() -> Routes {
    Routes::pages(
        Router::new()
            .route("/formation", get(pages::index))
            .route("/formation/{module}", get(pages::module))
            .route(
                "/formation/{module}/{n}",
                get(pages::unit).post(answer::answer),
            )
            .route("/admin/formation", get(admin::list))
            .route(
                "/admin/formation/{module}",
                get(admin::edit_form).post(admin::edit),
            )
            .route(
                "/admin/formation/{module}/version-livree",
                post(admin::reset),
            ),
    )
}

/// A member's progress in every module, in the kit's order: slug, title, units done, units
/// in all, and when she completed it (every unit done) — for her progress page and badges.
pub async fn progress_of(state: &AppState, user_id: i64) -> StoreResult<Vec<ModuleProgress>> {
    state.store.formation_progress(user_id).await
}

/// Loads the shipped modules when the file changed since the last start (see
/// `catalyse_store::FormationStore` for the rule that keeps animators' edits).
pub async fn load_shipped(store: &dyn Store) -> anyhow::Result<()> {
    use catalyse_core::formation::shipped;
    let modules = shipped::shipped().context("kit de formation")?;
    let load = store
        .load_formation(&modules, &shipped::shipped_checksum(), chrono::Utc::now())
        .await?;
    if let Some(load) = load {
        tracing::info!(
            created = load.created,
            updated = load.updated,
            removed = load.removed,
            "kit de formation loaded"
        );
        for slug in &load.kept {
            tracing::warn!(
                module = %slug,
                "kit de formation: this module was edited by an animator, its shipped version \
                 is not applied (/admin/formation offers to go back to it)"
            );
        }
    }
    Ok(())
}

/// « 3 h 30 » in the page's language.
pub(crate) fn duration(t: crate::i18n::Tr, minutes: i64) -> String {
    match t.lang {
        crate::i18n::Lang::Fr => catalyse_core::formation::duration_fr(minutes),
        crate::i18n::Lang::En => {
            let (h, m) = (minutes / 60, minutes % 60);
            match (h, m) {
                (0, m) => format!("{m} min"),
                (h, 0) => format!("{h} h"),
                (h, m) => format!("{h} h {m:02} min"),
            }
        }
    }
}
