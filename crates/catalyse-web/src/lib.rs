//! The HTTP layer of Catalyse, one folder per area of the product.
//!
//! Each area (`accounts`, `reference`, `territories`, `observatory`, `resources`, `network`,
//! `map`, `events`, `cases`, `needs`, `parcours`, `formation`, `badges`, `ops`) owns its handlers, its
//! templates (`templates/<area>/`) and its routes: `routes()` returns its pages, its API with their
//! OpenAPI entries, and its machine endpoints, and [`app`] only merges them. Beside the
//! areas, the shared kit: `state`, `config`, `auth`, `error`, `i18n`, `pages` (rendering),
//! `related` (what an area lists on another's page), `forms`, `api` (problem+json, the
//! OpenAPI document), `mail`, `files`, `upload`, `ratelimit`, `middleware`, `metrics`,
//! `assets`. `boot` opens the store and loads the reference data; [`launch`] serves.

pub mod accounts;
pub mod api;
pub mod assets;
pub mod auth;
pub mod badges;
pub mod boot;
pub mod cases;
pub mod config;
pub mod csv_import;
pub mod diagnostics;
pub mod error;
pub mod events;
pub mod export;
pub mod files;
pub mod format;
pub mod formation;
pub mod forms;
pub mod i18n;
pub mod mail;
pub mod map;
pub mod metrics;
pub mod middleware;
pub mod needs;
pub mod network;
pub mod observatory;
pub mod ops;
pub mod page_cache;
pub mod pages;
pub mod parcours;
pub mod ratelimit;
pub mod read_path;
pub mod reference;
pub mod related;
pub mod resources;
pub mod state;
pub mod territories;
pub mod tokens;
pub mod upload;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::Router;
pub use boot::{load_reference_data, prepare, GeographySource, POPULATION};
use catalyse_store::Store;
pub use config::Config;
pub use ops::jobs::OBSERVATORY_REFRESH_SECONDS;
pub use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa_axum::router::OpenApiRouter;

/// What an area adds to the application.
pub struct Routes {
    /// Pages and forms, behind the CSRF protection.
    pub pages: Router<AppState>,
    /// The JSON API (full `/api/v1/…` paths), each route with its OpenAPI entry.
    pub api: OpenApiRouter<AppState>,
    /// Endpoints for machines (health, metrics, OAI-PMH), outside the CSRF protection.
    pub machine: Router<AppState>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            pages: Router::new(),
            api: OpenApiRouter::new(),
            machine: Router::new(),
        }
    }
}

impl Routes {
    /// An area with pages only.
    pub fn pages(pages: Router<AppState>) -> Routes {
        Routes {
            pages,
            ..Routes::default()
        }
    }

    fn merge(self, other: Routes) -> Routes {
        Routes {
            pages: self.pages.merge(other.pages),
            api: self.api.merge(other.api),
            machine: self.machine.merge(other.machine),
        }
    }
}

/// The whole application as a router: the areas merged, then the layers every request
/// goes through.
pub fn app(state: AppState) -> Router {
    app_with(state, Routes::default())
}

/// The application with `extra` routes among the areas' (the tests reach the layers so).
pub fn app_with(state: AppState, extra: Routes) -> Router {
    let config = &state.config;
    let areas = [
        reference::routes(),
        territories::routes(),
        observatory::routes(config),
        cases::routes(),
        needs::routes(),
        parcours::routes(config),
        resources::routes(config),
        events::routes(),
        formation::routes(),
        badges::routes::routes(),
        diagnostics::routes(),
        network::routes(),
        map::routes(),
        accounts::routes(),
        ops::routes(),
        pages::routes(),
        badges::routes_issuer::issuer_routes(),
        extra,
    ]
    .into_iter()
    .fold(Routes::default(), Routes::merge);
    let (api, document) = OpenApiRouter::with_openapi(api::document())
        .merge(areas.api)
        .split_for_parts();
    let pages = areas
        .pages
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_layer,
        ));
    Router::new()
        .merge(api::routes(api, document))
        .merge(areas.machine)
        .merge(pages)
        // After every route: a known address asked with another method gets a page.
        .method_not_allowed_fallback(pages::method_not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), middleware::record_metrics))
        // A handler that panics answers the 500 page, not a dropped connection.
        .layer(CatchPanicLayer::custom(pages::panic_page))
        .layer(axum::middleware::from_fn(middleware::refuse_long_uri))
        // Inside the ETag and the compression: they see the page in its final language.
        .layer(axum::middleware::from_fn(middleware::error_language))
        .layer(axum::middleware::from_fn(middleware::etag))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %middleware::redact_path(req.uri().path()), request_id = %id)
        })
        // One line per answer only when asked (`CATALYSE_LOG=info,tower_http=debug`): written
        // for every request it cost a third of a kept page's time. Server errors are always
        // logged (`on_failure`), with the request id of the span.
        .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Outside everything: a visitor's page kept in memory is answered from here as it was
        // sent, with a request id of its own, before any span, log or rendering.
        .layer(axum::middleware::from_fn_with_state(state.clone(), read_path::layer))
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` resolves, then drains and closes the store.
pub async fn launch(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = state.store.clone();
    let janitor = tokio::spawn(ops::jobs::housekeeping(state.clone()));
    let watcher = tokio::spawn(ops::jobs::watch_observatory(state.clone()));
    let reminders = tokio::spawn(ops::jobs::send_reminders(state.clone()));
    // `metrics_bind`: `/metrics` alone, without a token, on a second address.
    let metrics = match state.config.metrics_bind.as_deref().map(str::trim) {
        Some(addr) if !addr.is_empty() => {
            let l = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on metrics_bind {addr}"))?;
            tracing::info!(address = %addr, "metrics served on their own address");
            let router = ops::metrics_router(state.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(l, router).await {
                    tracing::warn!(error = %e, "metrics listener stopped");
                }
            }))
        }
        _ => None,
    };
    let router = app(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("server error")?;
    janitor.abort();
    watcher.abort();
    reminders.abort();
    if let Some(m) = metrics {
        m.abort();
    }
    store.close().await;
    Ok(())
}

/// Hands freed memory back to the system, so that the resident footprint is what the
/// platform holds, not what the first start (loading the geography) or a burst needed: glibc
/// keeps freed heap otherwise.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the OS; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
