//! `catalyse badges …`: the operator's side of Open Badges 3.0 — the issuer's keys, a manual
//! award, a revocation, the list of what was issued.

use anyhow::{bail, Context};
use catalyse_core::Email;
use catalyse_web::badges::issue::{issue, Awarded};
use catalyse_web::badges::issuer::credential_url;
use catalyse_web::badges::keys::{rotate, Rotated};
use catalyse_web::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BadgesCommand {
    /// Add a new issuer key: it signs from now on, and every older key stays published in
    /// /.well-known/did.json, so that credentials signed before still verify.
    RotateKey,
    /// Award an achievement to a person by hand (the earner is told by mail); prints the
    /// credential's id.
    Award {
        /// The earner's account.
        #[arg(long)]
        email: String,
        /// The achievement's slug (as in /badges/{slug}).
        #[arg(long)]
        achievement: String,
        /// Why, as the credential's record keeps it.
        #[arg(long)]
        reason: String,
        /// Make the credential public at once (its page and API answer anyone).
        #[arg(long)]
        public: bool,
    },
    /// Revoke a credential: its bit is set in its status list at once.
    Revoke {
        /// The credential's id (the UUID of /credentials/{id}).
        id: String,
        /// Why, as the credential's page shows it.
        #[arg(long)]
        reason: String,
    },
    /// List the credentials issued (newest first), or one person's.
    List {
        #[arg(long)]
        email: Option<String>,
    },
}

/// The most credentials `list` prints without `--email`.
const LIST_LIMIT: u32 = 10_000;

pub async fn run(command: BadgesCommand, config: Config) -> anyhow::Result<()> {
    if let BadgesCommand::RotateKey = command {
        return rotate_key(&config);
    }
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let result = with_store(command, &state).await;
    state.store.close().await;
    result
}

fn rotate_key(config: &Config) -> anyhow::Result<()> {
    match rotate(config)? {
        Rotated::File { path, kid } => {
            println!("new issuer key {kid}");
            println!(
                "written to {}; it signs from now on, and did.json publishes it with the \
                 older keys",
                path.display()
            );
        }
        Rotated::Config { pkcs8_b64url, kid } => {
            println!("new issuer key {kid}");
            println!(
                "the keys come from CATALYSE_BADGES_KEYS: append this key to it (after a \
                 comma, keeping the others), then restart every instance:"
            );
            println!("{pkcs8_b64url}");
        }
    }
    Ok(())
}

fn email(text: &str) -> anyhow::Result<Email> {
    Email::parse(text).map_err(|_| anyhow::anyhow!("« {text} » is not a valid email address"))
}

async fn with_store(command: BadgesCommand, state: &catalyse_web::AppState) -> anyhow::Result<()> {
    let store = &state.store;
    match command {
        BadgesCommand::RotateKey => unreachable!("handled without a store"),
        BadgesCommand::Award {
            email: address,
            achievement,
            reason,
            public,
        } => {
            let reason = reason.trim();
            if reason.is_empty() {
                bail!("--reason must say why the badge is awarded");
            }
            let address = email(&address)?;
            let user = (store.user_by_email(&address).await?)
                .with_context(|| format!("no account for {address}"))?;
            let a = (store.achievement(achievement.trim()).await?).with_context(|| {
                format!("no achievement « {achievement} » (see /badges for the slugs)")
            })?;
            if a.archived {
                bail!(
                    "the achievement « {} » is archived: it is no longer awarded",
                    a.slug
                );
            }
            let awarded = Awarded {
                by: None,
                reason: Some(reason),
                subject_did: None,
            };
            let Some(c) = issue(state, &user, &a, &awarded).await? else {
                bail!("{address} already holds « {} » ({})", a.fields.name, a.slug);
            };
            if public && !store.set_credential_public(&c.id, user.id, true).await? {
                bail!(
                    "credential {} issued, but it could not be made public",
                    c.id
                );
            }
            println!("{}", c.id);
            eprintln!(
                "« {} » awarded to {address}{}: {}",
                a.fields.name,
                if public { " (public)" } else { "" },
                credential_url(&state.config, &c.id)
            );
        }
        BadgesCommand::Revoke { id, reason } => {
            let reason = reason.trim();
            if reason.is_empty() {
                bail!("--reason must say why the badge is revoked");
            }
            let id = id.trim();
            let Some(c) = store.credential(id).await? else {
                bail!("no credential {id}");
            };
            if c.is_revoked() {
                bail!("credential {id} is already revoked");
            }
            if !(store
                .revoke_credential(id, None, reason, chrono::Utc::now())
                .await?)
            {
                bail!("credential {id} is already revoked");
            }
            println!(
                "credential {id} revoked (status list {}, index {})",
                c.status_list, c.status_index
            );
        }
        BadgesCommand::List { email: who } => {
            let list = match who {
                Some(address) => {
                    let address = email(&address)?;
                    let user = (store.user_by_email(&address).await?)
                        .with_context(|| format!("no account for {address}"))?;
                    store.credentials_of(user.id).await?
                }
                None => store.recent_credentials(LIST_LIMIT).await?,
            };
            for c in &list {
                let earner = match c.user_id {
                    Some(uid) => store
                        .user_by_id(uid)
                        .await?
                        .map_or_else(|| format!("#{uid}"), |u| u.email.as_str().to_string()),
                    None => "(account deleted)".into(),
                };
                let state_word = match (&c.revoked_at, c.public) {
                    (Some(_), _) => "revoked",
                    (None, true) => "public",
                    (None, false) => "private",
                };
                println!(
                    "{}\t{}\t{}\t{earner}\t{state_word}",
                    c.id,
                    catalyse_core::time::rfc3339(&c.issued_at),
                    c.achievement_slug
                );
            }
            eprintln!("{} credential(s)", list.len());
        }
    }
    Ok(())
}
