//! The issuer's Ed25519 keys. Either given by configuration (`CATALYSE_BADGES_KEYS`:
//! base64url PKCS#8 documents, oldest first, separated by commas — for several instances
//! behind one address, which must sign with the same keys), or kept as files in
//! `{data_dir}/badges/keys/` (`0001.pk8`, `0002.pk8`, …, mode 0600), the first made on the
//! first start. The newest key signs; every key stays published in `did.json`, so that a
//! credential signed before a rotation still verifies. Nothing here is ever in the
//! repository.

use std::path::{Path, PathBuf};

use anyhow::Context;
use catalyse_core::badges::jws::{self, SigningKey};
use serde_json::Value;

use crate::Config;

/// The keys, oldest first (never empty once [`KeyRing::load_or_create`] succeeded).
#[derive(Debug)]
pub struct KeyRing {
    keys: Vec<SigningKey>,
}

/// Where the key files live.
pub fn key_dir(config: &Config) -> PathBuf {
    config.data_dir.join("badges").join("keys")
}

impl KeyRing {
    /// The keys of the configuration, or of the key folder, creating the first key there
    /// when the folder has none.
    pub fn load_or_create(config: &Config) -> anyhow::Result<KeyRing> {
        if let Some(ring) = Self::from_config(config)? {
            return Ok(ring);
        }
        let dir = key_dir(config);
        let ring = Self::read_dir(&dir)?;
        if !ring.keys.is_empty() {
            return Ok(ring);
        }
        add_key_file(&dir)?;
        tracing::info!(dir = %dir.display(), "Open Badges: first issuer key generated");
        let ring = Self::read_dir(&dir)?;
        if ring.keys.is_empty() {
            anyhow::bail!(
                "{}: the key just written cannot be read back",
                dir.display()
            );
        }
        Ok(ring)
    }

    fn from_config(config: &Config) -> anyhow::Result<Option<KeyRing>> {
        let Some(text) = config.badges_keys.as_ref().map(|s| s.0.trim()) else {
            return Ok(None);
        };
        if text.is_empty() {
            return Ok(None);
        }
        let keys = text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .enumerate()
            .map(|(i, t)| {
                let der = jws::b64url_decode(t)
                    .map_err(|e| anyhow::anyhow!("CATALYSE_BADGES_KEYS, key {}: {e}", i + 1))?;
                SigningKey::from_pkcs8(&der)
                    .map_err(|e| anyhow::anyhow!("CATALYSE_BADGES_KEYS, key {}: {e}", i + 1))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if keys.is_empty() {
            anyhow::bail!("CATALYSE_BADGES_KEYS holds no key");
        }
        Ok(Some(KeyRing { keys }))
    }

    fn read_dir(dir: &Path) -> anyhow::Result<KeyRing> {
        let mut names = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pk8"))
                .collect::<Vec<_>>(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
        };
        names.sort();
        let keys = names
            .iter()
            .map(|p| {
                let der = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
                SigningKey::from_pkcs8(&der).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(KeyRing { keys })
    }

    /// The key that signs now: the newest.
    pub fn current(&self) -> &SigningKey {
        // Cannot fail: the only constructor, `load_or_create`, refuses an empty ring.
        self.keys.last().expect("a key ring is never empty")
    }

    /// Every key's public JWK, oldest first (`did.json`, the issuer's profile).
    pub fn public_jwks(&self) -> Vec<Value> {
        self.keys.iter().map(SigningKey::public_jwk).collect()
    }

    /// `(kid as a DID URL, public JWK)` of every key, for the verifier.
    pub fn published(&self, did: &str) -> Vec<(String, Value)> {
        self.keys
            .iter()
            .map(|k| (catalyse_core::badges::did::key_url(did, k), k.public_jwk()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// What `catalyse badges rotate-key` did.
pub enum Rotated {
    /// A new file in the key folder, and the key id it publishes.
    File { path: PathBuf, kid: String },
    /// Keys come from the configuration: the new key to append to `CATALYSE_BADGES_KEYS`.
    Config { pkcs8_b64url: String, kid: String },
}

/// Adds a new key: the newest signs from the next start on; the older ones stay published.
pub fn rotate(config: &Config) -> anyhow::Result<Rotated> {
    if KeyRing::from_config(config)?.is_some() {
        let der = new_pkcs8()?;
        let kid = SigningKey::from_pkcs8(&der)
            .map_err(anyhow::Error::msg)?
            .key_id();
        return Ok(Rotated::Config {
            pkcs8_b64url: jws::b64url(&der),
            kid,
        });
    }
    let dir = key_dir(config);
    // The first key is made first, so that a rotation on a fresh folder leaves two.
    KeyRing::load_or_create(config)?;
    let path = add_key_file(&dir)?;
    let der = std::fs::read(&path)?;
    let kid = SigningKey::from_pkcs8(&der)
        .map_err(anyhow::Error::msg)?
        .key_id();
    Ok(Rotated::File { path, kid })
}

fn new_pkcs8() -> anyhow::Result<Vec<u8>> {
    jws::generate_pkcs8(&ring::rand::SystemRandom::new()).map_err(anyhow::Error::msg)
}

/// Writes a new key as the next numbered file, readable by the owner only, never over an
/// existing one (two instances starting together on a shared folder keep both keys).
fn add_key_file(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let der = new_pkcs8()?;
    for n in 1..10_000u32 {
        let path = dir.join(format!("{n:04}.pk8"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(&der)?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("writing {}", path.display())),
        }
    }
    anyhow::bail!("{}: too many keys", dir.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> Config {
        Config {
            data_dir: dir.to_path_buf(),
            ..Config::default()
        }
    }

    #[test]
    fn first_start_makes_one_key_and_rotation_keeps_the_old_one() {
        let dir = std::env::temp_dir().join(format!("catalyse-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = config(&dir);
        let first = KeyRing::load_or_create(&c).unwrap();
        assert_eq!(first.len(), 1);
        let again = KeyRing::load_or_create(&c).unwrap();
        assert_eq!(again.current().key_id(), first.current().key_id());
        let Rotated::File { kid, .. } = rotate(&c).unwrap() else {
            panic!("keys are files here")
        };
        let after = KeyRing::load_or_create(&c).unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!(after.current().key_id(), kid);
        assert_eq!(after.public_jwks()[0], first.current().public_jwk());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_dir(&c).join("0001.pk8"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn keys_from_configuration_are_used_and_never_written() {
        let dir = std::env::temp_dir().join(format!("catalyse-keys-cfg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut c = config(&dir);
        let a = jws::b64url(&new_pkcs8().unwrap());
        let b = jws::b64url(&new_pkcs8().unwrap());
        c.badges_keys = Some(crate::config::Secret(format!("{a}, {b}")));
        let ring = KeyRing::load_or_create(&c).unwrap();
        assert_eq!(ring.len(), 2);
        assert!(!key_dir(&c).exists());
        assert!(matches!(rotate(&c).unwrap(), Rotated::Config { .. }));
        c.badges_keys = Some(crate::config::Secret(" , ".into()));
        let err = KeyRing::load_or_create(&c).unwrap_err().to_string();
        assert!(err.contains("holds no key"), "{err}");
        c.badges_keys = Some(crate::config::Secret("pas-une-clé".into()));
        let err = KeyRing::load_or_create(&c).unwrap_err().to_string();
        assert!(err.contains("CATALYSE_BADGES_KEYS, key 1"), "{err}");
    }
}
