//! What every handler can reach: the store, the configuration and the shared services.

use crate::assets::Assets;
use crate::config::Config;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::ratelimit::Limits;
use catalyse_core::observatory::Observatory;
use catalyse_core::{ActorFamily, Lever, MetierFamily, Milestone, PasswordPolicy, TerritoryIndex};
use catalyse_store::Store;
use lettre::message::Mailbox;
use std::sync::{Arc, RwLock};

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// The reference frame, read once at start: it only changes when the binary's data files do.
pub struct Reference {
    pub levers: Vec<Lever>,
    pub metier: Vec<MetierFamily>,
    pub actor_families: Vec<ActorFamily>,
    pub milestones: Vec<Milestone>,
}

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub reference: Reference,
    /// The geography in memory, for instant search and lookups.
    pub territories: TerritoryIndex,
    pub config: Config,
    pub assets: Assets,
    pub mailer: Mailer,
    pub mail_from: Mailbox,
    pub limits: Limits,
    pub passwords: PasswordPolicy,
    pub metrics: Metrics,
    pub csp: axum::http::HeaderValue,
    pub maps: catalyse_formats::choropleth::Maps,
    /// Signs the links of registration emails (kept in the database's settings).
    pub link_secret: Vec<u8>,
    /// The resource centre's full-text index (derived from the store).
    pub search: Arc<catalyse_search::SearchIndex>,
    /// Uploaded documents.
    pub files: crate::files::FileStore,
    /// The store's resources version the search index was last built from (see
    /// `resources::refresh`).
    pub resources_seen: std::sync::Mutex<String>,
    /// The observatory's datasets and values in memory, replaced whole after an import or
    /// a change of the needs (see [`Inner::refresh_observatory`]).
    observatory: RwLock<ObservatorySnapshot>,
    /// How the map numbers families, activities, levers and régions.
    pub numbering: crate::network::snapshot::Numbering,
    /// The network directory's full-text index (derived from the store).
    pub members: Arc<catalyse_search::members::MemberIndex>,
    /// The case base's full-text index (derived from the store; `cases::index`).
    pub cases: Arc<catalyse_search::cases::CaseIndex>,
    /// The needs' full-text index (derived from the store; `needs::index`).
    pub needs: Arc<catalyse_search::needs::NeedIndex>,
    /// The fragilities a case or a survey answer names (`data/reference/survey.toml`).
    pub fragilities: Vec<catalyse_core::dataset::Fragility>,
    /// The network in memory (map, figures, the suggestions' pool), replaced whole after a
    /// change.
    network: RwLock<Arc<crate::network::snapshot::Snapshot>>,
    /// How the suggestion engine numbers the reference, and the centres of territories.
    pub matching: crate::needs::pool::Matching,
    /// Visitors' pages as last rendered (see `page_cache`).
    pub pages: crate::page_cache::PageCache,
    /// The autodiagnostics' questionnaires and what seals their private links.
    pub diagnostics: crate::diagnostics::Diagnostics,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Reads the reference frame and the geography from the store, and sets up the services;
    /// `boot::state` then builds what is derived (search indexes, the network in memory).
    pub async fn new(store: Arc<dyn Store>, config: Config) -> anyhow::Result<AppState> {
        let reference = Reference {
            levers: store.levers().await?,
            metier: store.metier().await?,
            actor_families: store.actor_families().await?,
            milestones: store.milestones().await?,
        };
        let territories = TerritoryIndex::new(store.territories().await?);
        let (mailer, mail_from) = Mailer::from_config(&config)?;
        let csp = config
            .content_security_policy()
            .map_err(anyhow::Error::msg)?
            .parse()?;
        let search = Arc::new(
            catalyse_search::SearchIndex::open(&config.data_dir.join("index"))
                .map_err(|e| anyhow::anyhow!("search index: {e}"))?,
        );
        let files = crate::files::FileStore::from_config(&config)?;
        let members = Arc::new(
            catalyse_search::members::MemberIndex::open(&config.data_dir.join("members-index"))
                .map_err(|e| anyhow::anyhow!("member index: {e}"))?,
        );
        let cases = Arc::new(
            catalyse_search::cases::CaseIndex::open(&config.data_dir.join("cases-index"))
                .map_err(|e| anyhow::anyhow!("case index: {e}"))?,
        );
        let needs = Arc::new(
            catalyse_search::needs::NeedIndex::open(&config.data_dir.join("needs-index"))
                .map_err(|e| anyhow::anyhow!("need index: {e}"))?,
        );
        let fragilities = catalyse_core::dataset::SurveyModel::shipped()?.fragilities;
        let numbering = crate::network::snapshot::Numbering::new(
            &reference.levers,
            &reference.metier,
            &reference.actor_families,
            &territories,
        );
        let matching = crate::needs::pool::Matching::new(
            (
                &reference.levers,
                &reference.metier,
                &reference.actor_families,
            ),
            &fragilities,
            &territories,
        )?;
        let link_secret = match store.setting(LINK_SECRET).await? {
            Some(s) => s,
            None => {
                let s = crate::tokens::random_token();
                store.set_setting(LINK_SECRET, &s).await?;
                s
            }
        }
        .into_bytes();
        // The questionnaires are checked against the shipped frame they were written for
        // (the store's is loaded from it).
        let frame = catalyse_core::ReferenceFrame::shipped()?;
        let diagnostics = crate::diagnostics::Diagnostics::load(
            config.diagnostics_dir.as_deref(),
            &frame,
            &fragilities,
            &territories,
            &link_secret,
        )?;
        let computed = Computed {
            diagnostics: &diagnostics,
            levers: &reference.levers,
            territories: &territories,
        };
        let observatory = RwLock::new(load_observatory(store.as_ref(), &computed).await?);
        let state = AppState(Arc::new(Inner {
            diagnostics,
            link_secret,
            search,
            files,
            resources_seen: std::sync::Mutex::new(String::new()),
            limits: Limits::from_config(&config)?,
            observatory,
            numbering,
            matching,
            members,
            cases,
            needs,
            fragilities,
            network: RwLock::new(Arc::new(crate::network::snapshot::Snapshot::empty())),
            pages: crate::page_cache::PageCache::new(
                config.page_cache_seconds,
                config.page_cache_mb,
            ),
            store,
            reference,
            territories,
            assets: Assets::embedded(),
            mailer,
            mail_from,
            passwords: PasswordPolicy::shipped(),
            metrics: Metrics::new(),
            csp,
            maps: catalyse_formats::choropleth::Maps::embedded()?,
            config,
        }));
        Ok(state)
    }
}

impl Inner {
    /// The network as last built.
    pub fn network(&self) -> Arc<crate::network::snapshot::Snapshot> {
        self.network
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_network(&self, snapshot: Arc<crate::network::snapshot::Snapshot>) {
        *self.network.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
        self.pages.invalidate();
    }

    /// The observatory as last loaded.
    pub fn observatory(&self) -> Arc<Observatory> {
        self.observatory
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .data
            .clone()
    }

    /// Brings the observatory up to date with the store: reloaded whole when its imported
    /// datasets changed since the last load (an import by this instance, the command line or
    /// another instance), only the needs' dataset recomputed when the needs changed
    /// (`needs_version`). Cheap when nothing changed: two small reads. Returns whether it
    /// replaced the snapshot.
    pub async fn refresh_observatory(&self) -> Result<bool, catalyse_store::StoreError> {
        // The versions are read before the data: a change during the read is seen next time.
        let needs = self.store.needs_version().await?;
        let diagnostics = self.store.diagnostics_version().await?;
        let imported = catalyse_core::observatory::version_of(self.store.datasets().await?.iter());
        // The needs are counted for the current year: a new year recomputes them too.
        let year = this_year();
        let (current, same_imported) = {
            let s = self.observatory.read().unwrap_or_else(|e| e.into_inner());
            let computed_same = s.needs == needs && s.diagnostics == diagnostics;
            if s.imported == imported && computed_same && s.year == year {
                return Ok(false);
            }
            (s.data.clone(), s.imported == imported)
        };
        let computed = Computed {
            diagnostics: &self.diagnostics,
            levers: &self.reference.levers,
            territories: &self.territories,
        };
        let fresh = if same_imported {
            let fresh = computed_datasets(self.store.as_ref(), &computed, year).await?;
            ObservatorySnapshot {
                data: Arc::new(current.with_datasets(fresh)),
                imported,
                needs,
                diagnostics,
                year,
            }
        } else {
            load_observatory(self.store.as_ref(), &computed).await?
        };
        *self.observatory.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        self.pages.invalidate();
        Ok(true)
    }
}

/// The observatory in memory and the versions of the store it was built from.
struct ObservatorySnapshot {
    data: Arc<Observatory>,
    /// The imported datasets' slugs and import times.
    imported: Vec<(String, chrono::DateTime<chrono::Utc>)>,
    /// The store's `needs_version`.
    needs: String,
    /// The store's `diagnostics_version`.
    diagnostics: String,
    /// The year the needs were counted for.
    year: i32,
}

/// The settings key of the secret that signs registration links.
const LINK_SECRET: &str = "registration_link_secret";

/// What the observatory's computed datasets are computed from, beside the store.
struct Computed<'a> {
    diagnostics: &'a crate::diagnostics::Diagnostics,
    levers: &'a [catalyse_core::Lever],
    territories: &'a TerritoryIndex,
}

/// The datasets the platform computes from its own data: the needs', the autodiagnostics'.
async fn computed_datasets(
    store: &dyn Store,
    c: &Computed<'_>,
    year: i32,
) -> Result<Vec<catalyse_core::observatory::DatasetValues>, catalyse_store::StoreError> {
    let open = store.open_needs_by_territory().await?;
    let mut out = vec![needs_dataset(&open, c.territories, year)];
    let diag =
        crate::diagnostics::computed::datasets(store, c.diagnostics, c.levers, c.territories, year);
    out.extend(diag.await?);
    Ok(out)
}

/// Reads every imported dataset with its indicators and values, and computes the platform's
/// own datasets.
async fn load_observatory(
    store: &dyn Store,
    c: &Computed<'_>,
) -> Result<ObservatorySnapshot, catalyse_store::StoreError> {
    use catalyse_core::diagnostics::aggregate::PREFIX;
    use catalyse_core::observatory::needs;
    let needs_version = store.needs_version().await?;
    let diagnostics_version = store.diagnostics_version().await?;
    let year = this_year();
    let listed = store.datasets().await?;
    let mut out = vec![];
    for listed in &listed {
        // An imported dataset cannot take the computed one's slug (one imported before the
        // slug was reserved is hidden behind it).
        if listed.slug == needs::DATASET || listed.slug.starts_with(PREFIX) {
            continue;
        }
        // Removed between the two reads: the next refresh sees it.
        let Some((d, indicators)) = store.dataset(&listed.slug).await? else {
            continue;
        };
        let mut with_values = Vec::with_capacity(indicators.len());
        for i in indicators {
            let values = store.indicator_values(&d.slug, &i.slug, None).await?;
            with_values.push((i, values));
        }
        out.push((d, with_values));
    }
    for d in computed_datasets(store, c, year).await? {
        catalyse_core::observatory::insert_in_order(&mut out, d);
    }
    Ok(ObservatorySnapshot {
        data: Arc::new(Observatory::new(out)),
        imported: catalyse_core::observatory::version_of(listed.iter()),
        needs: needs_version,
        diagnostics: diagnostics_version,
        year,
    })
}

fn this_year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now())
}

/// The « besoins exprimés » of every territory, for `year`, computed now.
fn needs_dataset(
    open: &[catalyse_store::OpenNeedTally],
    territories: &TerritoryIndex,
    year: i32,
) -> catalyse_core::observatory::DatasetValues {
    catalyse_core::observatory::needs::dataset(
        open.iter().map(|o| {
            (
                o.territory.level,
                o.territory.code.as_str(),
                o.count,
                o.examples,
            )
        }),
        territories,
        year,
        chrono::Utc::now(),
    )
}
