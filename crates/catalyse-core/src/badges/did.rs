//! The platform's `did:web` identity, derived from its public URL, and its DID document.
//!
//! A verifier resolves `did:web:HOST` to `https://HOST/.well-known/did.json` and
//! `did:web:HOST:a:b` to `https://HOST/a/b/did.json` (a port is written `%3A`).

use serde_json::{json, Value};

use super::jws::{thumbprint, SigningKey};

/// Percent-encodes what a DID method-specific id cannot hold as is (RFC 3986 unreserved
/// characters, `%` escapes already there, and `!$&'()*+,;=@` stay; `:` becomes `%3A`).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'%'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `did:web` of the platform at `public_url`:
/// `https://catalyse.example.org` → `did:web:catalyse.example.org`,
/// `http://127.0.0.1:18090` → `did:web:127.0.0.1%3A18090`,
/// `https://example.org/sub/dir/` → `did:web:example.org:sub:dir`.
/// The scheme, a query, a fragment and user information are dropped; the host is lowercased.
pub fn did_web(public_url: &str) -> String {
    let url = public_url.trim();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut did = format!("did:web:{}", encode_segment(&host.to_lowercase()));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(&encode_segment(segment));
    }
    did
}

/// The DID URL of `key` under `did`: `{did}#{thumbprint}` (the JWS `kid`).
pub fn key_url(did: &str, key: &SigningKey) -> String {
    format!("{did}#{}", key.key_id())
}

/// The `verificationMethod` entries of `keys` (public JWKs) under `did`, each named
/// `{did}#{thumbprint}`, of type `JsonWebKey2020`. A JWK without a thumbprint is left out.
pub fn verification_methods(did: &str, keys: &[Value]) -> Vec<Value> {
    keys.iter()
        .filter_map(|jwk| {
            let id = format!("{did}#{}", thumbprint(jwk)?);
            Some(json!({
                "id": id,
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": jwk,
            }))
        })
        .collect()
}

/// The W3C DID document of `did` publishing `keys` (public JWKs, the current one and those
/// rotated out, so that earlier credentials still verify), each for assertion (signing
/// credentials) and authentication.
pub fn did_document(did: &str, keys: &[Value]) -> Value {
    let methods = verification_methods(did, keys);
    let ids: Vec<Value> = methods.iter().map(|m| m["id"].clone()).collect();
    json!({
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    })
}
