//! Ed25519 keys and compact JWS (RFC 7515) with `alg` EdDSA (RFC 8037), on `ring`. The
//! private key is read from a PKCS#8 document the caller stores; the public key is shown as
//! an OKP JWK whose RFC 7638 thumbprint names it.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// base64url without padding, as JOSE writes it; decoding accepts padding too.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// base64url, no padding.
pub fn b64url(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// Decodes base64url, with or without padding.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>, String> {
    B64URL
        .decode(text.as_bytes())
        .map_err(|e| format!("base64url invalide ({e})"))
}

/// The issuer's Ed25519 private key. Its `Debug` shows only the key id.
pub struct SigningKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.key_id())
            .finish_non_exhaustive()
    }
}

/// A new Ed25519 private key as a PKCS#8 v2 document (what [`SigningKey::from_pkcs8`] reads).
/// The caller passes `ring::rand::SystemRandom`.
pub fn generate_pkcs8(rng: &dyn ring::rand::SecureRandom) -> Result<Vec<u8>, String> {
    Ed25519KeyPair::generate_pkcs8(rng)
        .map(|doc| doc.as_ref().to_vec())
        .map_err(|_| "impossible de générer une clé Ed25519".to_string())
}

impl SigningKey {
    /// Reads an unencrypted Ed25519 PKCS#8 document: v2 (with the public key, as
    /// [`generate_pkcs8`] and ring write it) or v1 (as `openssl genpkey` writes it).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, String> {
        Ed25519KeyPair::from_pkcs8(pkcs8)
            .or_else(|_| Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8))
            .map(|pair| SigningKey { pair })
            .map_err(|e| format!("clé Ed25519 PKCS#8 illisible ({e})"))
    }

    /// The raw 32-byte public key.
    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// The public key as a JWK: `{"kty":"OKP","crv":"Ed25519","x":…}`.
    pub fn public_jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(self.public_key())})
    }

    /// The RFC 7638 thumbprint of [`public_jwk`](Self::public_jwk), base64url: the fragment
    /// of the key's DID URL.
    pub fn key_id(&self) -> String {
        thumbprint(&self.public_jwk()).unwrap_or_default()
    }

    /// Signs `payload` as a compact JWS with header `{"alg":"EdDSA","typ":typ,"kid":kid}`.
    pub fn sign_compact(&self, kid: &str, typ: &str, payload: &Value) -> String {
        let header = json!({"alg": "EdDSA", "typ": typ, "kid": kid});
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(payload.to_string().as_bytes())
        );
        let sig = self.pair.sign(input.as_bytes());
        format!("{input}.{}", b64url(sig.as_ref()))
    }
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of a public JWK: its required members in
/// lexicographic order, without spaces. OKP, EC and RSA keys; `None` when a member is missing.
pub fn thumbprint(jwk: &Value) -> Option<String> {
    let s = |k: &str| jwk.get(k).and_then(Value::as_str);
    let canonical = match s("kty")? {
        "OKP" => json!({"crv": s("crv")?, "kty": "OKP", "x": s("x")?}),
        "EC" => json!({"crv": s("crv")?, "kty": "EC", "x": s("x")?, "y": s("y")?}),
        "RSA" => json!({"e": s("e")?, "kty": "RSA", "n": s("n")?}),
        _ => return None,
    };
    // serde_json's maps keep keys sorted, and `to_string` writes no spaces.
    Some(b64url(&Sha256::digest(canonical.to_string().as_bytes())))
}

/// Splits and decodes a compact JWS: the header and payload (each a JSON object), the
/// signing input (`header.payload` as sent) and the signature bytes. Errors in French.
pub fn decode_compact(token: &str) -> Result<(Value, Value, Vec<u8>, Vec<u8>), String> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(format!(
            "un JWS compact a trois parties séparées par des points, celui-ci en a {}",
            parts.len()
        ));
    }
    let object = |part: &str, what: &str| -> Result<Value, String> {
        let bytes = b64url_decode(part).map_err(|e| format!("{what} : {e}"))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(_) => Err(format!("{what} : ce n'est pas un objet JSON")),
            Err(e) => Err(format!("{what} : JSON invalide ({e})")),
        }
    };
    let header = object(parts[0], "en-tête")?;
    let payload = object(parts[1], "contenu")?;
    let sig = b64url_decode(parts[2]).map_err(|e| format!("signature : {e}"))?;
    let input = format!("{}.{}", parts[0], parts[1]).into_bytes();
    Ok((header, payload, input, sig))
}

/// Whether `sig` is an Ed25519 signature of `signing_input` by the OKP/Ed25519 `jwk`.
pub fn verify_ed25519(jwk: &Value, signing_input: &[u8], sig: &[u8]) -> bool {
    let field = |k: &str| jwk.get(k).and_then(Value::as_str);
    if field("kty") != Some("OKP") || field("crv") != Some("Ed25519") {
        return false;
    }
    let Some(Ok(x)) = field("x").map(b64url_decode) else {
        return false;
    };
    if x.len() != 32 {
        return false;
    }
    UnparsedPublicKey::new(&ED25519, &x)
        .verify(signing_input, sig)
        .is_ok()
}
