//! Background jobs of a running instance: picking up changes made elsewhere, event
//! reminders, and housekeeping.

use crate::state::AppState;
use std::time::Duration;

/// Every few seconds: picks up datasets imported, or needs changed, by the command line or
/// another instance.
pub async fn watch_observatory(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(OBSERVATORY_REFRESH_SECONDS));
    loop {
        tick.tick().await;
        match state.refresh_observatory().await {
            Ok(true) => tracing::info!("observatory reloaded after an import or a change of needs"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "observatory refresh failed"),
        }
        match crate::network::live::refresh(&state).await {
            Ok(true) => tracing::info!("network reloaded after a change elsewhere"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "network refresh failed"),
        }
        match crate::resources::index::refresh(&state).await {
            Ok(true) => tracing::debug!("search index rebuilt after a change to the resources"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "search index refresh failed"),
        }
        if let Err(e) = crate::cases::index::refresh(&state).await {
            tracing::warn!(error = %format!("{e:#}"), "case index refresh failed");
        }
        if let Err(e) = crate::needs::index::refresh(&state).await {
            tracing::warn!(error = %format!("{e:#}"), "need index refresh failed");
        }
    }
}

/// Every minute: the event reminders that are due (see `pages::registrations`), the
/// moderators' daily digests (see `network::moderation::alerts`), and the cohorts' weekly
/// digests (see `parcours::digest`).
pub async fn send_reminders(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match crate::events::service::send_due_reminders(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "event reminders sent"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "event reminders failed"),
        }
        // The moderators' daily digests ride on the same minute.
        let now = chrono::Utc::now();
        match crate::network::moderation::alerts::send_daily_digests(&state, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(digests = n, "moderation digests sent"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "moderation digests failed"),
        }
        // And the cohorts' weekly digests of their spaces.
        match crate::parcours::digest::send_weekly_digests(&state, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(digests = n, "cohort digests sent"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "cohort digests failed"),
        }
    }
}

/// How soon an import made elsewhere shows on this instance.
pub const OBSERVATORY_REFRESH_SECONDS: u64 = 5;

/// Every few minutes: forget expired sessions and old rate-limit entries.
pub async fn housekeeping(state: AppState) {
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
        // Visitors' needs whose confirmation link expired unused (the mail says 48 h).
        match state.store.purge_unconfirmed_needs(now).await {
            Ok(n) if n > 0 => tracing::info!(needs = n, "unconfirmed needs removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "unconfirmed need clean-up failed"),
        }
        match state.store.purge_rate_limits(now).await {
            Ok(n) if n > 0 => tracing::debug!(keys = n, "expired rate-limit entries removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "rate-limit clean-up failed"),
        }
        crate::release_freed_memory();
    }
}
