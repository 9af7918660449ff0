//! Random tokens, and what the store keeps of them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
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

/// A token that proves the platform wrote `message` (an HMAC under its link secret), so that
/// a link in a mail can carry it without the database storing it. `message` names its purpose
/// first (`registration:…`, `need-draft:…`), so that one link's token is never another's.
pub fn signed(secret: &[u8], message: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether `token` is the [`signed`] token of `message`, compared in constant time.
pub fn signed_valid(secret: &[u8], message: &str, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    !token.is_empty() && bool::from(signed(secret, message).as_bytes().ct_eq(token.as_bytes()))
}
