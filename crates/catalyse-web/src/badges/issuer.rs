//! The platform as an Open Badges issuer: its `did:web` (from `public_url`), its name, and
//! the stable URLs credentials point to. One place for every URL, so that what a
//! credential says and what the routes answer never drift apart.

use catalyse_core::badges::{did, Issuer};

use crate::Config;

/// The issuer's identity, derived from the configuration.
pub fn issuer(config: &Config) -> Issuer {
    let url = config.public_url();
    Issuer {
        did: did::did_web(&url),
        name: (config.badges_issuer_name.as_deref())
            .or(config.publisher.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("Catalyse")
            .to_string(),
        email: config.contact_email.clone(),
        url,
    }
}

/// The path of the DID document, as `did:web` resolution finds it: `/.well-known/did.json`
/// for a platform at a host's root (the only layout the routes serve).
pub const DID_PATH: &str = "/.well-known/did.json";
/// The issuer's OB 3.0 `Profile`.
pub const PROFILE_PATH: &str = "/badges/emetteur";

/// An achievement's page, also its OB 3.0 `Achievement` id.
pub fn achievement_url(config: &Config, slug: &str) -> String {
    format!("{}/badges/{slug}", config.public_url())
}

/// A credential's public page (its id is `urn:uuid:{id}`).
pub fn credential_url(config: &Config, id: &str) -> String {
    format!("{}/credentials/{id}", config.public_url())
}

/// A status list credential.
pub fn status_list_url(config: &Config, list: i64) -> String {
    format!("{}/credentials/status/{list}", config.public_url())
}

/// The list number a status list URL of this platform names.
pub fn status_list_of(config: &Config, url: &str) -> Option<i64> {
    let prefix = format!("{}/credentials/status/", config.public_url());
    url.strip_prefix(&prefix)?.parse().ok()
}

/// An achievement's image (an SVG the platform draws).
pub fn image_url(config: &Config, slug: &str) -> String {
    format!("{}/badges/{slug}/image.svg", config.public_url())
}

/// A credential's id as it is written in the credential.
pub fn credential_urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_follows_the_public_url() {
        let config = Config {
            public_url: Some("https://catalyse.example.org/".into()),
            publisher: Some("Association Catalyse".into()),
            ..Config::default()
        };
        let i = issuer(&config);
        assert_eq!(i.did, "did:web:catalyse.example.org");
        assert_eq!(i.name, "Association Catalyse");
        assert_eq!(
            status_list_url(&config, 3),
            "https://catalyse.example.org/credentials/status/3"
        );
        assert_eq!(
            status_list_of(&config, "https://catalyse.example.org/credentials/status/3"),
            Some(3)
        );
        assert_eq!(
            status_list_of(&config, "https://ailleurs.example/credentials/status/3"),
            None
        );
        let local = Config {
            bind: "127.0.0.1:18090".into(),
            ..Config::default()
        };
        assert_eq!(issuer(&local).did, "did:web:127.0.0.1%3A18090");
        assert_eq!(issuer(&local).name, "Catalyse");
    }
}
