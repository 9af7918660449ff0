//! What every handler can reach: the store, the configuration and the shared services.

use crate::assets::Assets;
use crate::config::Config;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::ratelimit::Limits;
use catalyse_core::PasswordPolicy;
use catalyse_store::Store;
use lettre::message::Mailbox;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub config: Config,
    pub assets: Assets,
    pub mailer: Mailer,
    pub mail_from: Mailbox,
    pub limits: Limits,
    pub passwords: PasswordPolicy,
    pub metrics: Metrics,
    pub csp: axum::http::HeaderValue,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> anyhow::Result<AppState> {
        let (mailer, mail_from) = Mailer::from_config(&config)?;
        let csp = config
            .content_security_policy()
            .map_err(anyhow::Error::msg)?
            .parse()?;
        Ok(AppState(Arc::new(Inner {
            limits: Limits::from_config(&config),
            store,
            assets: Assets::embedded(),
            mailer,
            mail_from,
            passwords: PasswordPolicy::shipped(),
            metrics: Metrics::new(),
            csp,
            config,
        })))
    }
}
