//! Start-up: opens the configured store, applies migrations and brings the reference data up
//! to date (reference frame, kit, geography, the 2019 webinar cycle, the training kit's
//! modules, and the example content
//! when demo is on).

use crate::config::Config;
use crate::ops::demo;
use crate::state::AppState;
use anyhow::Context;
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::territory::Geography;
use catalyse_store::{ConnectOptions, Store};
use std::sync::Arc;

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
    let kit = kit.documents();
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
    load_reference_cases(store).await?;
    // After the kit and the 2019 cycle: its modules link them.
    crate::formation::load_shipped(store).await?;
    // After the reference frame and the kit's modules: one achievement per lever, module and
    // activity.
    crate::badges::catalogue::load_shipped(store).await?;
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
            crate::network::examples::load_demo(store).await?;
            tracing::warn!(
                "example content loaded (données d'exemple). Example administrator: {email} / \
                 {password} — shown once; set CATALYSE_DEMO=false for a real platform"
            );
        }
        // After the example network and resources: its members and resources are linked.
        crate::cases::examples::load_demo(store).await?;
        // After the example network: some of its members express needs.
        crate::needs::examples::load_demo(store).await?;
        // After the example network and accounts: its members make the pilot's teams.
        crate::parcours::examples::load_demo(store).await?;
        // After the pilot: some of its participants followed the kit.
        crate::badges::examples::load_demo(store).await?;
    }
    Ok(())
}

/// The settings key holding the checksum of the reference cases loaded last.
const REFERENCE_CASES: &str = "reference_cases_checksum";

/// The four experiences of the seed (`data/reference/cases.toml`), when the file changed:
/// created, or brought back to the file, by slug (the case index follows `cases_version`).
async fn load_reference_cases(store: &dyn Store) -> anyhow::Result<()> {
    use catalyse_core::cases::shipped;
    let sum = shipped::shipped_checksum();
    if store.setting(REFERENCE_CASES).await?.as_deref() == Some(sum.as_str()) {
        return Ok(());
    }
    let cases: Vec<catalyse_store::ReferenceCase> = shipped::shipped()
        .map_err(anyhow::Error::msg)
        .context("reference cases")?
        .into_iter()
        .map(|c| catalyse_store::ReferenceCase {
            slug: c.slug,
            fields: c.fields,
        })
        .collect();
    let written = store
        .insert_reference_cases(&cases, chrono::Utc::now())
        .await?;
    store.set_setting(REFERENCE_CASES, &sum).await?;
    if written > 0 {
        tracing::info!(
            written,
            "reference cases loaded (the seed's four experiences)"
        );
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
            series: Some(series.slug.clone()),
            description: format!("Webinaire mensuel : {}.", s.theme),
            levers: s.levers.clone(),
            timezone: rule.tz.name().to_string(),
            status: if start < now {
                EventStatus::Held
            } else {
                EventStatus::Scheduled
            },
            ..Event::scheduled(
                format!("webinaire-{}", s.date),
                EventKind::Webinaire,
                s.theme.clone(),
                start,
                rule.duration_minutes as i32,
                now,
            )
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
    let state = state(store, config).await?;
    crate::release_freed_memory();
    Ok(state)
}

/// The application's state over `store`: the services, then what is derived from the store
/// (the resources' and members' search indexes, the network in memory), rebuilt if stale.
pub async fn state(store: Arc<dyn Store>, config: Config) -> anyhow::Result<AppState> {
    let state = AppState::new(store, config).await?;
    // The issuer's first key is made on the first start, not when the first badge is earned:
    // `did.json` publishes it from the start, and a folder that cannot be written shows now.
    crate::badges::keys::KeyRing::load_or_create(&state.config)?;
    crate::resources::index::start(&state).await?;
    crate::cases::index::refresh(&state).await?;
    crate::needs::index::refresh(&state).await?;
    if state.config.demo {
        crate::ops::demo::attach_example_files(&state).await?;
    }
    crate::network::live::start(&state).await?;
    if state.config.demo {
        // The example accounts receive what they earned (it needs the issuer's keys).
        crate::badges::examples::award_demo(&state).await?;
        // Example results shared with the observatory (it needs the questionnaires).
        let d = &state.diagnostics;
        let added = crate::diagnostics::examples::load(
            state.store.as_ref(),
            &d.all,
            &state.reference.levers,
        );
        if added.await? > 0 {
            state.refresh_observatory().await?;
        }
    }
    Ok(state)
}
