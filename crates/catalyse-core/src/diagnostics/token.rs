//! The private link of a diagnostic: the answers themselves, compressed and sealed
//! (ChaCha20-Poly1305 under a key drawn from the platform's link secret), so that nothing is
//! kept on the server while someone answers, a link cannot be forged nor altered, and what it
//! holds cannot be read from the address (in a log, say). A link sealed under another secret,
//! cut or altered opens to nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::io::{Read, Write};

/// The longest link accepted, in characters: more is refused before any work.
pub const MAX_LEN: usize = 6000;

/// What a link holds: the questionnaire, the response's random id (kept from page to page:
/// a result is counted once in the statistics), the answers as JSON, the département given
/// for nearby peers, whether the respondent reached the end, and the member's saved copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    #[serde(rename = "q")]
    pub questionnaire: String,
    #[serde(rename = "r")]
    pub id: String,
    #[serde(rename = "a", default)]
    pub answers: Map<String, Value>,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(rename = "f", default)]
    pub finished: bool,
    /// The member's saved diagnostic it continues (`/mes-diagnostics`), if any.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<i64>,
}

impl Draft {
    /// A new response to `questionnaire`, with a fresh random id.
    pub fn new(questionnaire: &str) -> Draft {
        let mut id = [0u8; 16];
        // The system's generator does not fail on the platforms the binary runs on; a
        // zeroed id would only merge two responses' counting.
        let _ = SystemRandom::new().fill(&mut id);
        Draft {
            questionnaire: questionnaire.to_string(),
            id: URL_SAFE_NO_PAD.encode(id),
            answers: Map::new(),
            department: None,
            finished: false,
            saved: None,
        }
    }

    /// What the statistics keep of the response's id: its SHA-256, in hex.
    pub fn hash(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.id.as_bytes()))
    }

    /// What a member's saved copy keeps of it: another hash, so that her saved diagnostic
    /// cannot be matched with her anonymous contribution.
    pub fn saved_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(format!("saved:{}", self.id).as_bytes()))
    }
}

/// Seals and opens links under one secret.
pub struct Sealer {
    key: LessSafeKey,
}

const CONTEXT: &[u8] = b"catalyse-diagnostic-link-v1";

impl Sealer {
    /// The key is the HMAC-SHA-256 of a fixed label under `secret`: no other use of the
    /// secret gives it.
    pub fn new(secret: &[u8]) -> Sealer {
        let mac = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret),
            CONTEXT,
        );
        let key = UnboundKey::new(&CHACHA20_POLY1305, mac.as_ref())
            .unwrap_or_else(|_| unreachable!("an HMAC-SHA-256 is 32 bytes, ChaCha20's key size"));
        Sealer {
            key: LessSafeKey::new(key),
        }
    }

    /// The link's token for `draft`.
    pub fn seal(&self, draft: &Draft) -> String {
        let json = serde_json::to_vec(draft).unwrap_or_default();
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let mut data = (z.write_all(&json).and_then(|_| z.finish()))
            .unwrap_or_else(|_| unreachable!("writing to memory does not fail"));
        let mut nonce = [0u8; NONCE_LEN];
        let _ = SystemRandom::new().fill(&mut nonce);
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(CONTEXT),
                &mut data,
            )
            .unwrap_or_else(|_| unreachable!("a link is far below ChaCha20's limit"));
        let mut out = nonce.to_vec();
        out.extend(data);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The draft a token holds, or `None` for a token not sealed by this secret, cut,
    /// altered or too long.
    pub fn open(&self, token: &str) -> Option<Draft> {
        if token.len() > MAX_LEN {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(CONTEXT), &mut sealed)
            .ok()?;
        let mut json = Vec::new();
        // At most 64 KiB once inflated: a sealed token is ours, but stay bounded anyway.
        flate2::read::DeflateDecoder::new(&plain[..])
            .take(64 * 1024)
            .read_to_end(&mut json)
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}
