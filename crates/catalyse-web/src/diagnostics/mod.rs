//! Autodiagnostics along the 7 levers: the questionnaires (`data/reference/diagnostics/`,
//! read by `catalyse_core::diagnostics::file`, checked at start), taken one block a page
//! without an account (`flow`: the answers travel in a sealed private link, `links`;
//! nothing is kept on the server), the result with its chart and recommendations (`result`,
//! `chart`, `recommend`), a member's saved diagnostics (`mine`), the anonymous statistics
//! given with consent (`statistics`) and the observatory's datasets made of them
//! (`computed`), the API (`api`) and the demo's examples (`examples`).

pub mod api;
pub mod chart;
pub mod computed;
pub mod examples;
pub mod flow;
pub mod links;
pub mod mine;
pub mod recommend;
pub mod result;
pub mod statistics;

use axum::routing::{get, post};
use axum::Router;
use catalyse_core::diagnostics::file::{self, Known};
use catalyse_core::diagnostics::token::Sealer;
use catalyse_core::diagnostics::Questionnaire;
use std::path::Path;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::Routes;

/// The questionnaires, and what seals their private links.
pub struct Diagnostics {
    pub all: Vec<Questionnaire>,
    pub sealer: Sealer,
    /// The départements (code, name), in code order, for the last page.
    pub departments: Vec<(String, String)>,
}

impl Diagnostics {
    /// The shipped questionnaires, or those of `dir` (`CATALYSE_DIAGNOSTICS_DIR`), checked
    /// against the reference: an error names every file, line and mistake.
    pub fn load(
        dir: Option<&Path>,
        frame: &catalyse_core::ReferenceFrame,
        fragilities: &[catalyse_core::dataset::Fragility],
        territories: &catalyse_core::TerritoryIndex,
        link_secret: &[u8],
    ) -> anyhow::Result<Diagnostics> {
        let known = Known::new(frame, fragilities);
        let all = match dir {
            Some(d) => file::from_dir(d, &known)?,
            None => file::shipped(&known)?,
        };
        Ok(Diagnostics {
            all,
            sealer: Sealer::new(link_secret),
            departments: departments(territories),
        })
    }

    pub fn get(&self, slug: &str) -> Option<&Questionnaire> {
        self.all.iter().find(|q| q.slug == slug)
    }
}

/// The département codes and names, in code order, for the last page.
fn departments(territories: &catalyse_core::TerritoryIndex) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = (territories.all().iter())
        .filter(|t| t.level == catalyse_core::TerritoryLevel::Department)
        .map(|t| (t.code.clone(), t.name.clone()))
        .collect();
    out.sort();
    out
}

pub fn routes() -> Routes {
    Routes {
        pages: Router::new()
            .route("/diagnostic", get(flow::list))
            .route("/diagnostic/{slug}", get(flow::step).post(flow::submit))
            .route("/diagnostic/resultat/{token}", get(result::page))
            .route("/diagnostic/resultat/{token}/enregistrer", post(mine::save))
            .route("/mes-diagnostics", get(mine::list))
            .route("/mes-diagnostics/{id}", get(mine::open))
            .route("/mes-diagnostics/{id}/supprimer", post(mine::delete)),
        api: OpenApiRouter::new()
            .routes(routes!(api::list))
            .routes(routes!(api::one))
            .routes(routes!(api::respond)),
        machine: Router::new(),
    }
}
