//! Random tokens, what the store keeps of them, and signatures under the platform's secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a token: its SHA-256, so a leaked database holds no usable cookie.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The HMAC-SHA-256 of `message` under `secret` (the platform's link secret), URL-safe: proof,
/// carried by a link or a form, that the platform wrote `message` itself. Each use puts its
/// own prefix in `message` (« registration: », « case-image: »…), so that no signature made
/// for one serves another.
pub fn sign(secret: &[u8], message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether `given` is the signature of `message` under `secret` (compared in constant time).
pub fn signed(secret: &[u8], message: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = sign(secret, message);
    !given.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// The token of the links for one address registered to one event: an HMAC, so that every
/// email can carry it without storing it (the database keeps its SHA-256).
pub fn registration_link(secret: &[u8], event_id: i64, email: &str) -> String {
    sign(
        secret,
        &format!("registration:{event_id}:{}", email.to_lowercase()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_message_and_secret_only() {
        let s = sign(b"secret", "case-image:1:abc");
        assert!(signed(b"secret", "case-image:1:abc", &s));
        assert!(!signed(b"secret", "case-image:2:abc", &s));
        assert!(!signed(b"other", "case-image:1:abc", &s));
        assert!(!signed(b"secret", "case-image:1:abc", ""));
        assert!(!signed(b"secret", "case-image:1:abc", &s[1..]));
    }
}
