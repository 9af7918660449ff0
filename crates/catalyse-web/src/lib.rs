//! The HTTP layer of Catalyse: router, pages, JSON API, authentication, assets, operations.
//! `prepare` opens the store and loads the reference data; `launch` serves until shutdown.

pub mod api;
pub mod assets;
pub mod auth;
pub mod backup;
pub mod config;
pub mod demo;
pub mod error;
pub mod files;
pub mod i18n;
pub mod import;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod network;
pub mod network_examples;
pub mod ops;
pub mod pages;
pub mod photo;
pub mod ratelimit;
pub mod resources;
pub mod state;
pub mod upload;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::territory::Geography;
use catalyse_store::{ConnectOptions, Store};
pub use config::Config;
pub use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Which geography to load at start: the shipped one, or a smaller one (tests).
pub enum GeographySource {
    Shipped,
    Given(Geography),
}

/// Brings a store up to date: reference frame, geography (only when its file changed) and,
/// on a new database with demo on, the example content.
pub async fn load_reference_data(
    store: &dyn Store,
    geography: GeographySource,
    demo: bool,
) -> anyhow::Result<()> {
    let frame = ReferenceFrame::shipped().context("reference frame")?;
    if store.load_reference(&frame).await? {
        tracing::info!("reference frame loaded (levers, métier, actor families, programme)");
    }
    load_webinar_cycle(store).await?;
    let kit = catalyse_core::resource::Kit::shipped().context("resource kit")?;
    let kit: Vec<_> = kit.resource.iter().map(|e| e.fields()).collect();
    if store
        .load_kit(
            &kit,
            &catalyse_core::resource::Kit::shipped_checksum(),
            chrono::Utc::now(),
        )
        .await?
    {
        tracing::info!(documents = kit.len(), "resource kit loaded");
    }
    let geo = match geography {
        GeographySource::Shipped => {
            let shipped = Geography::shipped_checksum();
            let current = store.reference_checksum("geography").await?;
            let population = store.dataset_checksum(POPULATION).await?;
            if current.as_deref() == Some(shipped.as_str())
                && population.as_deref() == Some(shipped.as_str())
            {
                None
            } else {
                Some(Geography::shipped().context("geography")?)
            }
        }
        GeographySource::Given(g) => Some(g),
    };
    if let Some(geo) = geo {
        let started = std::time::Instant::now();
        if store.load_geography(&geo).await? {
            tracing::info!(
                territories = geo.territories.len(),
                seconds = started.elapsed().as_secs_f32(),
                "French territorial geography loaded"
            );
        }
        if store.dataset_checksum(POPULATION).await?.as_deref() != Some(geo.checksum.as_str()) {
            let (meta, import) = population_dataset(&geo);
            store
                .replace_dataset(&meta, &import, chrono::Utc::now())
                .await?;
            tracing::info!("population dataset derived from the geography");
        }
    }
    if demo {
        demo::load_example_survey(store).await?;
        demo::load_example_resources(store).await?;
        demo::load_example_webinars(store).await?;
        // The example accounts and network only go into a database without accounts: a
        // real platform (or one filled by `catalyse network generate`) gets none.
        if let Some((email, password)) = demo::load(store).await? {
            network_examples::load_demo(store).await?;
            tracing::warn!(
                "example content loaded (données d'exemple). Example administrator: {email} / \
                 {password} — shown once; set CATALYSE_DEMO=false for a real platform"
            );
        }
    }
    Ok(())
}

/// The slug of the population dataset derived from the official geography.
pub const POPULATION: &str = "population";

/// The municipal population of every territory, as the official geography gives it.
fn population_dataset(
    geo: &Geography,
) -> (
    catalyse_store::NewDataset,
    catalyse_core::dataset::DatasetImport,
) {
    use catalyse_core::dataset::{rank, DatasetImport, Indicator, IndicatorValue};
    let mut values: Vec<(String, IndicatorValue)> = geo
        .territories
        .iter()
        .filter_map(|t| {
            Some((
                "population-municipale".to_string(),
                IndicatorValue {
                    territory_level: t.level,
                    territory_code: t.code.clone(),
                    group: String::new(),
                    year: 2026,
                    value: t.population? as f64,
                    rank: 0,
                    peers: 0,
                },
            ))
        })
        .collect();
    rank(&mut values);
    (
        catalyse_store::NewDataset {
            slug: POPULATION.into(),
            title: "Population municipale".into(),
            description: "Population municipale de chaque commune, EPCI, département et région, \
                          telle que la diffuse le Code officiel géographique 2026 (populations \
                          légales de l'INSEE ; départements et régions : somme de leurs \
                          communes). L'année indiquée est celle du millésime de la géographie."
                .into(),
            is_example: false,
            checksum: geo.checksum.clone(),
        },
        DatasetImport {
            source:
                "INSEE, populations légales, via @etalab/decoupage-administratif 6.0.0 (COG 2026)"
                    .into(),
            licence: "Licence Ouverte / Open Licence (Etalab)".into(),
            indicators: vec![Indicator {
                slug: "population-municipale".into(),
                name: "Population municipale".into(),
                unit: "habitants".into(),
            }],
            values,
        },
    )
}

/// The 2019 webinar cycle from the seed: the series `webinaires-mensuels` and its 12 sessions.
async fn load_webinar_cycle(store: &dyn Store) -> anyhow::Result<()> {
    use catalyse_core::agenda::{Event, EventKind, EventStatus, Series, WebinarCycle};
    let cycle = WebinarCycle::shipped().context("webinar cycle")?;
    let rule = catalyse_core::events::MonthlyRule::webinar_cycle();
    let series = Series {
        slug: cycle.series.slug.clone(),
        title: cycle.series.title.clone(),
        description: cycle.series.description.clone(),
        kind: EventKind::Webinaire,
        rule: rule.describe_fr(),
    };
    let now = chrono::Utc::now();
    let mut events = Vec::with_capacity(cycle.session.len());
    for s in &cycle.session {
        let start = s
            .date
            .and_time(rule.time)
            .and_local_timezone(rule.tz)
            .earliest()
            .context("webinar start")?
            .with_timezone(&chrono::Utc);
        events.push(Event {
            id: 0,
            slug: format!("webinaire-{}", s.date),
            series: Some(series.slug.clone()),
            kind: EventKind::Webinaire,
            title: s.theme.clone(),
            description: format!("Webinaire mensuel : {}.", s.theme),
            levers: s.levers.clone(),
            themes: vec![],
            starts_at: start.to_rfc3339(),
            duration_minutes: rule.duration_minutes as i32,
            timezone: rule.tz.name().to_string(),
            online_url: None,
            commune: None,
            address: None,
            speakers: vec![],
            capacity: None,
            registration_opens: None,
            registration_closes: None,
            status: if start < now {
                EventStatus::Held
            } else {
                EventStatus::Scheduled
            },
            replay_url: None,
            resources: vec![],
            is_example: false,
            updated_at: now.to_rfc3339(),
        });
    }
    if store
        .load_events(
            "webinars-2019",
            &WebinarCycle::shipped_checksum(),
            &[series],
            &events,
            now,
        )
        .await?
    {
        tracing::info!(sessions = events.len(), "2019 webinar cycle loaded");
    }
    Ok(())
}

/// Opens the configured database, applies migrations and loads reference data.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let url = config.database_url();
    let store = catalyse_store::connect(&url, &ConnectOptions::default())
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                catalyse_store::redact_url(&url)
            )
        })?;
    load_reference_data(store.as_ref(), GeographySource::Shipped, config.demo).await?;
    let state = AppState::load(store, config).await?;
    release_freed_memory();
    Ok(state)
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

/// Caps glibc's malloc arenas (one per thread by default, each keeping its own free memory).
/// Call before starting threads.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// The whole application as a router.
pub fn app(state: AppState) -> Router {
    use pages::{
        account, admin, admin_datasets, admin_events, admin_resources, carte, events, home, join,
        legal, my_profile, observatory, reference, registrations, reseau, resources, territories,
    };
    // Read up to twice the file limit, so that a file too large is answered with a page that
    // says so (see `upload.rs`); beyond that the connection is cut.
    let upload_limit = state.config.upload_max_bytes() * 2 + 64 * 1024;
    let pages = Router::new()
        .route("/", get(home::home))
        .route("/leviers", get(reference::levers))
        .route("/leviers/{slug}", get(reference::lever))
        .route("/programme", get(reference::programme))
        .route("/metier", get(reference::metier))
        .route("/observatoire", get(observatory::home))
        .route("/observatoire/cartes", get(observatory::gallery))
        .route("/observatoire/{slug}", get(observatory::dataset))
        .route(
            "/observatoire/{slug}/donnees.csv",
            get(observatory::download_csv),
        )
        .route(
            "/observatoire/{slug}/donnees.json",
            get(observatory::download_json),
        )
        .route(
            "/observatoire/{slug}/indicateurs/{indicator}",
            get(observatory::indicator),
        )
        .route(
            "/observatoire/{slug}/indicateurs/{indicator}/carte.svg",
            get(observatory::map_svg),
        )
        .route("/ressources", get(resources::search))
        .route("/ressources/kit", get(resources::kit))
        .route("/ressources/flux.atom", get(resources::atom))
        .route("/ressources/{slug}", get(resources::resource))
        .route("/ressources/{slug}/fichier", get(resources::file))
        .route("/webinaires", get(events::webinars))
        .route("/evenements", get(events::list))
        .route("/evenements/calendrier.ics", get(events::calendar))
        .route("/evenements/flux.atom", get(events::atom))
        .route(
            "/evenements/series/{slug}/calendrier.ics",
            get(events::series_calendar),
        )
        .route("/evenements/{slug}", get(events::event))
        .route(
            "/evenements/{slug}/inscription",
            get(registrations::form_page).post(registrations::register),
        )
        .route("/inscriptions/{token}", get(registrations::show))
        .route(
            "/inscriptions/{token}/confirmer",
            post(registrations::confirm),
        )
        .route("/inscriptions/{token}/annuler", post(registrations::cancel))
        .route(
            "/evenements/{slug}/calendrier.ics",
            get(events::event_calendar),
        )
        .route("/territoires", get(territories::search))
        .route("/territoires/{level}/{code}", get(territories::portrait))
        .route(
            "/territoires/{level}/{code}/situation.svg",
            get(territories::situation_svg),
        )
        // The network of pioneers (pages/join.rs, my_profile.rs, reseau.rs, carte.rs)
        .route("/rejoindre", get(join::form).post(join::join))
        .route(
            "/rejoindre/confirmer",
            get(join::verify_form).post(join::verify),
        )
        .route(
            "/mon-profil",
            get(my_profile::show)
                .post(my_profile::save)
                // A phone photo is several megabytes: not the 1 MiB of other forms.
                .layer(DefaultBodyLimit::max(my_profile::BODY_LIMIT)),
        )
        .route("/mon-profil/donnees.json", get(my_profile::export))
        .route("/mon-profil/supprimer", post(my_profile::delete))
        .route("/reseau", get(reseau::directory))
        .route("/reseau/chiffres", get(reseau::figures))
        .route("/reseau/membres.csv", get(reseau::export_csv))
        .route("/reseau/photos/{file}", get(reseau::photo_by_hash))
        .route("/reseau/{slug}", get(reseau::member))
        .route("/reseau/{slug}/photo", get(reseau::photo))
        .route("/reseau/{slug}/contact", post(reseau::contact))
        .route("/carte", get(carte::map))
        .route("/carte/liste", get(carte::list))
        .route("/carte/points.geojson", get(carte::points))
        .route("/connexion", get(account::login_form).post(account::login))
        .route("/deconnexion", post(account::logout))
        .route(
            "/mot-de-passe-oublie",
            get(account::forgot_form).post(account::forgot),
        )
        .route(
            "/reinitialiser",
            get(account::reset_form).post(account::reset),
        )
        .route("/admin/comptes", get(admin::users))
        .route("/admin/comptes/{id}/role", post(admin::set_role))
        // Network moderation and places (pages/moderation.rs, pages/places.rs)
        .route("/admin/moderation", get(pages::moderation::queue))
        .route("/admin/moderation/journal", get(pages::moderation::journal))
        .route(
            "/admin/moderation/membres/{user_id}",
            post(pages::moderation::decide_member),
        )
        .route(
            "/admin/moderation/lieux/{id}",
            post(pages::moderation::decide_place),
        )
        .route("/admin/signalements", get(pages::moderation::reports))
        .route("/admin/signalements/{id}", post(pages::moderation::resolve))
        .route(
            "/reseau/{slug}/signaler",
            get(pages::moderation::report_member_form).post(pages::moderation::report_member),
        )
        .route("/lieux", get(pages::places::list))
        .route(
            "/lieux/nouveau",
            get(pages::places::new_form).post(pages::places::create),
        )
        .route("/lieux/{slug}", get(pages::places::place))
        .route(
            "/lieux/{slug}/modifier",
            get(pages::places::edit_form).post(pages::places::update),
        )
        .route(
            "/lieux/{slug}/signaler",
            get(pages::moderation::report_place_form).post(pages::moderation::report_place),
        )
        .route("/admin/evenements", get(admin_events::list))
        .route(
            "/admin/evenements/nouveau",
            get(admin_events::new_form).post(admin_events::create),
        )
        .route(
            "/admin/evenements/series/{slug}/planifier",
            get(admin_events::plan_form).post(admin_events::plan),
        )
        .route(
            "/admin/evenements/{slug}",
            get(admin_events::edit_form).post(admin_events::save),
        )
        .route(
            "/admin/evenements/{slug}/annuler",
            post(admin_events::cancel),
        )
        .route(
            "/admin/evenements/{slug}/presences",
            post(admin_events::attendance),
        )
        .route(
            "/admin/evenements/{slug}/participants.csv",
            get(admin_events::participants_csv),
        )
        .route("/admin/ressources", get(admin_resources::list))
        .route(
            "/admin/ressources/nouvelle",
            get(admin_resources::new_form)
                .post(admin_resources::create)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/admin/ressources/{id}",
            get(admin_resources::edit_form)
                .post(admin_resources::update)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/admin/ressources/{id}/etat",
            post(admin_resources::set_state),
        )
        .route(
            "/admin/donnees",
            get(admin_datasets::page)
                .post(admin_datasets::upload)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/mentions-legales", get(legal::mentions))
        .route("/accessibilite", get(legal::accessibility))
        .route("/donnees-personnelles", get(legal::personal_data))
        .route("/langue/{code}", get(pages::switch_language))
        .route("/static/{file}", get(pages::static_asset))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_layer,
        ));
    Router::new()
        .nest("/api/v1", api::router())
        .route(
            "/oai",
            get(pages::oai_endpoint::get).post(pages::oai_endpoint::post),
        )
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics_with_token))
        .merge(pages)
        // After every route: a known address asked with another method gets a page.
        .method_not_allowed_fallback(pages::method_not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), middleware::record_metrics))
        .layer(axum::middleware::from_fn(middleware::etag))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(axum::middleware::from_fn(middleware::refuse_long_uri))
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
        }).on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` resolves, then drains and closes the store.
pub async fn launch(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = state.store.clone();
    let janitor = tokio::spawn(housekeeping(state.clone()));
    let watcher = tokio::spawn(watch_observatory(state.clone()));
    let reminders = tokio::spawn(send_reminders(state.clone()));
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

/// Every few seconds: picks up datasets imported by the command line or another instance.
async fn watch_observatory(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(OBSERVATORY_REFRESH_SECONDS));
    loop {
        tick.tick().await;
        match state.refresh_observatory().await {
            Ok(true) => tracing::info!("observatory reloaded after an import"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "observatory refresh failed"),
        }
        match network::refresh(&state).await {
            Ok(true) => tracing::info!("network reloaded after a change elsewhere"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "network refresh failed"),
        }
        match resources::refresh(&state).await {
            Ok(true) => tracing::debug!("search index rebuilt after a change to the resources"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "search index refresh failed"),
        }
    }
}

/// Every minute: the event reminders that are due (see `pages::registrations`).
async fn send_reminders(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match pages::registrations::send_due_reminders(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "event reminders sent"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "event reminders failed"),
        }
    }
}

/// How soon an import made elsewhere shows on this instance.
pub const OBSERVATORY_REFRESH_SECONDS: u64 = 5;

/// Every few minutes: forget expired sessions and old rate-limit entries.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    let mut rounds: u64 = 0;
    loop {
        tick.tick().await;
        let now = chrono::Utc::now();
        // Once an hour (the first time 5 minutes after the start): files nothing uses.
        rounds += 1;
        if rounds % 12 == 2 {
            match state
                .files
                .sweep_unused(state.store.as_ref(), now - chrono::Duration::hours(1))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "unused files deleted"),
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "unused-file sweep failed"),
            }
        }
        let idle = now - chrono::Duration::minutes(state.config.session_idle_minutes);
        let absolute = now - chrono::Duration::hours(state.config.session_absolute_hours);
        match state.store.purge_sessions(idle, absolute).await {
            Ok(n) if n > 0 => tracing::debug!(sessions = n, "expired sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session clean-up failed"),
        }
        // Accounts whose address was never proved go after a week (the email says so).
        match state
            .store
            .purge_unverified(now - chrono::Duration::days(7))
            .await
        {
            Ok(n) if n > 0 => tracing::info!(accounts = n, "unverified accounts removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "unverified account clean-up failed"),
        }
        match state.store.purge_rate_limits(now).await {
            Ok(n) if n > 0 => tracing::debug!(keys = n, "expired rate-limit entries removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "rate-limit clean-up failed"),
        }
        release_freed_memory();
    }
}
