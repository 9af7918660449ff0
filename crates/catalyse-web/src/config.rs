//! Configuration: defaults < `catalyse.toml` < `CATALYSE_*` environment < command-line flags,
//! merged into one typed struct that is passed down (no global).

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// A value kept out of logs and `Debug` output.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Config {
    /// Address to listen on (`CATALYSE_BIND`).
    pub bind: String,
    /// `sqlite://…` or `postgres://…` (`CATALYSE_DATABASE_URL`); defaults to a SQLite file
    /// in the data directory.
    pub database_url: Option<Secret>,
    /// Uploads, search index, mail outbox, SQLite database (`CATALYSE_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Load example content into a new database (`CATALYSE_DEMO`).
    pub demo: bool,
    /// The URL people use to reach the platform, for links in emails (`CATALYSE_PUBLIC_URL`).
    pub public_url: Option<String>,
    pub log_format: LogFormat,
    /// `smtp://user:pass@host:587` or `smtps://…`; without it, mails go to the outbox folder.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Failed sign-ins allowed per minute from one client address, on any account (rate
    /// limits are kept in the database, shared by every instance; see `ratelimit.rs`).
    pub login_per_minute_per_ip: u32,
    /// Failed sign-ins allowed per 15 minutes on one account from one client address:
    /// failures from other addresses never refuse the right password.
    pub login_per_quarter_per_account: u32,
    /// Password-reset requests allowed per hour from one client address; also the most
    /// reset or joining mails one email address receives per hour (past it the answer is
    /// the same and no mail goes), visitors' event registrations per email address, and
    /// reports per member.
    pub reset_per_hour: u32,
    /// Joinings and visitors' event registrations allowed per hour from one client address.
    pub register_per_hour_per_ip: u32,
    /// Who publishes this instance, for the legal notice (mentions légales).
    pub publisher: Option<String>,
    /// Where people write about the instance, personal data and accessibility.
    pub contact_email: Option<String>,
    /// Who hosts this instance (name and address), for the legal notice.
    pub hosting: Option<String>,
    /// Extra `script-src` hashes for the Content-Security-Policy, space separated
    /// (`sha256-…`): only for audit tools that inject a script, such as axe-core in CI.
    pub csp_script_hashes: Option<String>,
    /// Largest file accepted by an upload form, in megabytes (`CATALYSE_UPLOAD_MAX_MB`).
    pub upload_max_mb: u64,
    /// Where uploaded documents are kept: unset for `{data_dir}/files`, or `s3://bucket/prefix`
    /// for an S3-compatible store configured by the `AWS_*` variables (`CATALYSE_FILES_URL`).
    pub files_url: Option<String>,
    /// The OAI-PMH repository identifier, in `oai:{identifier}:ressource/{id}` (default: the
    /// host of `public_url`, else `catalyse.local`).
    pub oai_identifier: Option<String>,
    /// A raster tile URL for the map's background (`https://…/{z}/{x}/{y}.png`); unset by
    /// default: the map draws the platform's own boundaries and loads nothing from another
    /// host (`CATALYSE_MAP_TILES_URL`).
    pub map_tiles_url: Option<String>,
    /// The attribution the tile provider requires (`CATALYSE_MAP_TILES_ATTRIBUTION`).
    pub map_tiles_attribution: Option<String>,
    /// The reverse proxies whose `X-Forwarded-For` is believed, as IP addresses or CIDR
    /// ranges separated by commas or spaces (`CATALYSE_TRUSTED_PROXIES`, e.g.
    /// `127.0.0.1, ::1`). Empty by default: the client is the socket's peer.
    pub trusted_proxies: String,
    /// The bearer token that `/metrics` asks for (`CATALYSE_METRICS_TOKEN`). Without it and
    /// without `metrics_bind`, `/metrics` is not served.
    pub metrics_token: Option<Secret>,
    /// A second address that serves `/metrics` alone, without a token, e.g. `127.0.0.1:9090`
    /// for a Prometheus on the same host (`CATALYSE_METRICS_BIND`).
    pub metrics_bind: Option<String>,
    /// How long a visitor's page may be answered from memory, in seconds
    /// (`CATALYSE_PAGE_CACHE_SECONDS`, default 5; 0 turns the cache off). A write through
    /// this instance forgets every page at once; this bounds how long a write made elsewhere
    /// (another instance, the command line) takes to show.
    pub page_cache_seconds: u64,
    /// The most memory the cached pages take, in megabytes (`CATALYSE_PAGE_CACHE_MB`).
    pub page_cache_mb: u64,
    /// The Open Badges issuer's Ed25519 keys as base64url PKCS#8 documents, oldest first,
    /// separated by commas (`CATALYSE_BADGES_KEYS`): for several instances serving one
    /// platform. Unset, the keys are files in `{data_dir}/badges/keys/`, the first made on
    /// the first start; `catalyse badges rotate-key` adds one either way.
    pub badges_keys: Option<Secret>,
    /// The issuer's name in credentials (`CATALYSE_BADGES_ISSUER_NAME`; default: the
    /// publisher, else « Catalyse »).
    pub badges_issuer_name: Option<String>,
    /// A folder of autodiagnostic questionnaires (`*.toml`) read instead of the shipped ones
    /// (`CATALYSE_DIAGNOSTICS_DIR`); checked at start like them.
    pub diagnostics_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            database_url: None,
            data_dir: PathBuf::from("./data"),
            demo: true,
            public_url: None,
            log_format: LogFormat::Text,
            smtp_url: None,
            mail_from: "Catalyse <ne-pas-repondre@catalyse.invalid>".into(),
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            login_per_minute_per_ip: 20,
            login_per_quarter_per_account: 5,
            reset_per_hour: 5,
            register_per_hour_per_ip: 20,
            publisher: None,
            contact_email: None,
            hosting: None,
            csp_script_hashes: None,
            upload_max_mb: 50,
            files_url: None,
            map_tiles_url: None,
            map_tiles_attribution: None,
            oai_identifier: None,
            trusted_proxies: String::new(),
            metrics_token: None,
            metrics_bind: None,
            page_cache_seconds: 5,
            page_cache_mb: 64,
            badges_keys: None,
            badges_issuer_name: None,
            diagnostics_dir: None,
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers in force.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

impl Config {
    /// The upload limit in bytes.
    pub fn upload_max_bytes(&self) -> usize {
        (self.upload_max_mb.max(1) as usize).saturating_mul(1024 * 1024)
    }

    /// Reads the layers. `file` defaults to `./catalyse.toml` when it exists.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => fig = fig.merge(Toml::file_exact(path)),
            None => fig = fig.merge(Toml::file("catalyse.toml")),
        }
        fig.merge(Env::prefixed("CATALYSE_").ignore(&["test_postgres_url"]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.0.trim().is_empty() => url.0.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("catalyse.db").display()),
        }
    }

    /// The base URL for links sent outside (emails), without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) if !u.trim().is_empty() => u.trim_end_matches('/').to_string(),
            _ => format!("http://{}", self.bind),
        }
    }

    /// The Content-Security-Policy: everything from this origin only, no inline script.
    pub fn content_security_policy(&self) -> Result<String, String> {
        let mut script = "'self'".to_string();
        for h in self
            .csp_script_hashes
            .iter()
            .flat_map(|s| s.split_whitespace())
        {
            let ok = h.starts_with("sha256-")
                && h.len() > 7
                && h[7..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
            if !ok {
                return Err(format!(
                    "csp_script_hashes: « {h} » is not a sha256-… source"
                ));
            }
            script.push_str(&format!(" '{h}'"));
        }
        let mut img = "'self' data:".to_string();
        if let Some(url) = self.map_tiles_url.as_deref().filter(|u| !u.is_empty()) {
            let origin = url
                .strip_prefix("https://")
                .and_then(|rest| rest.split('/').next())
                .filter(|host| {
                    !host.is_empty()
                        && host
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b".-{}:".contains(&b))
                })
                .ok_or_else(|| format!("map_tiles_url: « {url} » must be an https:// URL"))?;
            // `{s}` subdomains: allow the parent domain's subdomains.
            let origin = match origin.split_once("{s}.") {
                Some((_, rest)) => format!("https://*.{rest}"),
                None => format!("https://{origin}"),
            };
            img.push(' ');
            img.push_str(&origin);
        }
        Ok(format!(
            "default-src 'self'; script-src {script}; style-src 'self'; img-src {img}; \
             font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'"
        ))
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own error type
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "catalyse.toml",
                "bind = \"0.0.0.0:1\"\ndemo = false\nmail_from = \"a@b.fr\"",
            )?;
            jail.set_env("CATALYSE_BIND", "127.0.0.1:2");
            jail.set_env("CATALYSE_DEMO", "true");
            let c = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.bind, "127.0.0.1:2", "environment beats the file");
            assert!(c.demo);
            assert_eq!(c.mail_from, "a@b.fr", "file beats defaults");
            let c = Config::load(
                None,
                &Overrides {
                    bind: Some("127.0.0.1:3".into()),
                    ..Default::default()
                },
            )
            .map_err(|e| *e)?;
            assert_eq!(c.bind, "127.0.0.1:3", "flags beat the environment");
            assert_eq!(c.database_url(), "sqlite://./data/catalyse.db");
            Ok(())
        });
    }

    #[test]
    fn csp_has_no_inline_script_unless_hashed() {
        let c = Config::default();
        let csp = c.content_security_policy().unwrap();
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe"));
        let c = Config {
            csp_script_hashes: Some("sha256-abc+/=".into()),
            ..Config::default()
        };
        assert!(c
            .content_security_policy()
            .unwrap()
            .contains("script-src 'self' 'sha256-abc+/=';"));
        let c = Config {
            csp_script_hashes: Some("'unsafe-inline'".into()),
            ..Config::default()
        };
        assert!(c.content_security_policy().is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let c = Config {
            database_url: Some(Secret("postgres://u:hunter2@h/db".into())),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
