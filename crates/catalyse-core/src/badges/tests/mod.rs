//! Tests of the badges' domain: rules, shipped definitions, keys and JWS, did:web, status
//! lists, credentials (golden file and the 1EdTech checker) and the verifier.

mod conformance;
mod crypto;
mod rules;
mod verifier;

use chrono::{DateTime, TimeZone, Utc};

use super::did::{did_web, key_url};
use super::jws::SigningKey;
use super::vc::{credential, Issuer, StatusSlot, Subject};
use super::AchievementFields;
use crate::reference::ReferenceFrame;

/// A deterministic key: the PKCS#8 v1 document of the Ed25519 seed `[seed; 32]`.
pub(super) fn test_key(seed: u8) -> SigningKey {
    let mut doc = hex::decode("302e020100300506032b657004220420").unwrap();
    doc.extend([seed; 32]);
    SigningKey::from_pkcs8(&doc).unwrap()
}

pub(super) fn issuer() -> Issuer {
    Issuer {
        did: did_web("https://catalyse.example.org"),
        name: "Catalyse".into(),
        url: "https://catalyse.example.org".into(),
        email: Some("contact@catalyse.example.org".into()),
    }
}

pub(super) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

pub(super) fn frame() -> ReferenceFrame {
    ReferenceFrame::shipped().unwrap()
}

/// The shipped definitions of the real frame, with two modules.
pub(super) fn defs() -> Vec<(String, AchievementFields)> {
    let f = frame();
    let activities: Vec<_> = f.metier.iter().flat_map(|m| m.activities.clone()).collect();
    let modules = vec![
        (
            "sept-leviers".to_string(),
            "Les 7 leviers d'un projet novateur".to_string(),
        ),
        (
            "metier-catalyseur".to_string(),
            "Le métier de catalyseur territorial".to_string(),
        ),
    ];
    super::shipped(&f.levers, &modules, &activities)
}

pub(super) fn def(slug: &str) -> AchievementFields {
    defs().into_iter().find(|(s, _)| s == slug).unwrap().1
}

pub(super) const LIST: &str = "https://catalyse.example.org/credentials/status/1";

/// A credential of `slug` for `subject`, issued at 2025-03-01T09:30:00Z, slot 42 of [`LIST`].
pub(super) fn sample(slug: &str, subject: &Subject) -> serde_json::Value {
    let f = frame();
    let activities: Vec<_> = f.metier.iter().flat_map(|m| m.activities.clone()).collect();
    let iss = issuer();
    credential(
        &iss,
        "urn:uuid:6f1c2b4e-8d3a-4f5b-9c7e-1a2b3c4d5e6f",
        &format!("{}/badges/{slug}", iss.url),
        slug,
        &def(slug),
        Some(&format!("{}/badges/{slug}/image.svg", iss.url)),
        subject,
        t("2025-03-01T09:30:00Z"),
        &StatusSlot {
            list_url: LIST.into(),
            index: 42,
        },
        &f.levers,
        &activities,
    )
}

pub(super) fn email_subject() -> Subject {
    Subject::Email {
        email: "Camille@Example.org".into(),
        salt: "sel-de-test".into(),
    }
}

/// The platform's published keys as `verify` takes them.
pub(super) fn published(keys: &[&SigningKey]) -> Vec<(String, serde_json::Value)> {
    let did = issuer().did;
    keys.iter()
        .map(|k| (key_url(&did, k), k.public_jwk()))
        .collect()
}
