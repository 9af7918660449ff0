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
    /// The observatory's datasets and values in memory, replaced whole after an import.
    observatory: RwLock<Arc<Observatory>>,
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
        let state = AppState(Arc::new(Inner {
            link_secret,
            search,
            files,
            resources_seen: std::sync::Mutex::new(String::new()),
            limits: Limits::from_config(&config)?,
            observatory: RwLock::new(Arc::new(load_observatory(store.as_ref()).await?)),
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
            .clone()
    }

    /// Reloads the observatory from the store if its datasets changed since the last load
    /// (an import by this instance, the command line or another instance). Returns whether
    /// it did.
    pub async fn refresh_observatory(&self) -> Result<bool, catalyse_store::StoreError> {
        let current = self.observatory().version();
        let datasets = self.store.datasets().await?;
        if catalyse_core::observatory::version_of(datasets.iter()) == current {
            return Ok(false);
        }
        let fresh = load_observatory(self.store.as_ref()).await?;
        *self.observatory.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        self.pages.invalidate();
        Ok(true)
    }
}

/// The settings key of the secret that signs registration links.
const LINK_SECRET: &str = "registration_link_secret";

/// Reads every dataset with its indicators and values.
async fn load_observatory(store: &dyn Store) -> Result<Observatory, catalyse_store::StoreError> {
    let mut out = vec![];
    for listed in store.datasets().await? {
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
    Ok(Observatory::new(out))
}
