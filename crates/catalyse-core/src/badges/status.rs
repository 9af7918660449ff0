//! The W3C Bitstring Status List that says which credentials are revoked: bit `i` of the
//! list is byte `i / 8`, most significant bit first; the bitstring is GZIP-compressed,
//! base64url-encoded without padding and given the multibase prefix `u`.

use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};

use super::jws::{b64url, b64url_decode};
use super::vc::{timestamp, Issuer};

/// Entries in a list: 131,072 bits (16 KB), the minimum the W3C specification recommends so
/// that a list does not tell much about any one credential.
pub const LIST_SIZE: usize = 131_072;

/// The largest bitstring [`decode`] unpacks (a list a hundred times the usual size), so that
/// a hostile list cannot exhaust memory.
const MAX_DECODED: u64 = (LIST_SIZE as u64 / 8) * 100;

/// The `encodedList` of a list of [`LIST_SIZE`] entries whose `revoked` indexes are set.
/// Indexes past the list are ignored (the issuer never hands them out).
pub fn encode(revoked: &[u64]) -> String {
    let mut bits = vec![0u8; LIST_SIZE / 8];
    for &i in revoked {
        if let Ok(i) = usize::try_from(i) {
            if i < LIST_SIZE {
                bits[i / 8] |= 0x80 >> (i % 8);
            }
        }
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    // Writing into a Vec does not fail.
    let _ = gz.write_all(&bits);
    let packed = gz.finish().unwrap_or_default();
    format!("u{}", b64url(&packed))
}

/// The bitstring of an `encodedList` (multibase `u` prefix optional, as some issuers omit
/// it). Errors in French.
pub fn decode(encoded: &str) -> Result<Vec<u8>, String> {
    let text = encoded.trim();
    let text = text.strip_prefix('u').unwrap_or(text);
    let packed = b64url_decode(text).map_err(|e| format!("liste de statut : {e}"))?;
    if packed.is_empty() {
        return Err("liste de statut : vide".into());
    }
    let mut bits = Vec::new();
    GzDecoder::new(packed.as_slice())
        .take(MAX_DECODED + 1)
        .read_to_end(&mut bits)
        .map_err(|e| format!("liste de statut : GZIP illisible ({e})"))?;
    if bits.len() as u64 > MAX_DECODED {
        return Err("liste de statut : trop grande".into());
    }
    Ok(bits)
}

/// Whether bit `index` is set (false past the end of the list).
pub fn is_set(bits: &[u8], index: u64) -> bool {
    let byte = usize::try_from(index / 8).ok().and_then(|b| bits.get(b));
    byte.is_some_and(|b| b & (0x80 >> (index % 8)) != 0)
}

/// The status list credential at `list_url` (unsigned JSON; [`super::vc::vc_jwt`] signs it
/// like any credential).
pub fn status_list_credential(
    issuer: &Issuer,
    list_url: &str,
    revoked: &[u64],
    valid_from: DateTime<Utc>,
) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(revoked),
        },
    })
}
