//! The issuer's OB 3.0 `Profile` and the `OpenBadgeCredential` an earner receives, as JSON
//! (W3C VC Data Model 2.0) and as a VC-JWT.
//!
//! VC-JWT: the payload is the credential itself (its members at the top level, as the
//! VC-JOSE-COSE specification secures a VC 2.0 credential, and as the 1EdTech checker's
//! `payload.get("vc", payload)` reads it), plus the registered claims `iss` (the issuer's
//! id), `jti` (the credential's id), `sub` (the subject's id, only when the subject has one:
//! never for a hashed email), `nbf` (`validFrom` in seconds) and `exp` (`validUntil`, when
//! the credential has one). Header: `{"alg":"EdDSA","typ":"vc+jwt","kid":DID URL}`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::did::verification_methods;
use super::jws::SigningKey;
use super::{AchievementFields, RuleKind};
use crate::reference::{Activity, Lever};

/// The JSON-LD contexts of an Open Badges 3.0 credential and profile.
pub const CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// The JWS `typ` of a credential.
pub const VC_JWT_TYP: &str = "vc+jwt";

/// Name of the framework the levers belong to (alignment `targetFramework`).
const LEVERS_FRAMEWORK: &str = "Les 7 leviers d'un projet novateur";
/// Name of the framework the métier activities belong to.
const METIER_FRAMEWORK: &str = "Le métier de catalyseur territorial";

/// Who issues: the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The platform's `did:web` (see [`super::did::did_web`]).
    pub did: String,
    pub name: String,
    /// The platform's public URL (its home page).
    pub url: String,
    pub email: Option<String>,
}

impl Issuer {
    /// The issuer as a credential embeds it: id, type, name, url.
    pub fn reference(&self) -> Value {
        json!({"id": self.did, "type": ["Profile"], "name": self.name, "url": self.url})
    }

    fn base_url(&self) -> &str {
        self.url.trim_end_matches('/')
    }
}

/// The issuer's OB 3.0 `Profile`, with its public keys as `verificationMethod` (the same
/// entries as the DID document).
pub fn issuer_profile(issuer: &Issuer, keys: &[Value]) -> Value {
    let mut p = json!({
        "@context": CONTEXTS,
        "id": issuer.did,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "verificationMethod": verification_methods(&issuer.did, keys),
    });
    if let Some(email) = &issuer.email {
        p["email"] = json!(email);
    }
    p
}

/// Whom a credential is about: her email, hashed with a salt (OB 3.0 `IdentityObject`), or
/// a DID she gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Email { email: String, salt: String },
    Did(String),
}

/// `sha256$` + hex(SHA-256(lowercased, trimmed email + salt)), as OB 3.0 hashes an identity.
pub fn identity_hash(email: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(email.trim().to_lowercase().as_bytes());
    h.update(salt.as_bytes());
    format!("sha256${}", hex::encode(h.finalize()))
}

impl Subject {
    /// The subject's `id`, when it has one (a DID).
    pub fn id(&self) -> Option<&str> {
        match self {
            Subject::Did(did) => Some(did),
            Subject::Email { .. } => None,
        }
    }
}

/// Where a credential's revocation bit lives: a status list and an index in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSlot {
    pub list_url: String,
    pub index: u64,
}

/// A date as credentials write it: RFC 3339, UTC, whole seconds (`2025-03-01T09:30:00Z`).
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn achievement_type(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Module => "Course",
        RuleKind::Cohort => "LearningProgram",
        RuleKind::Activity => "Competency",
        RuleKind::LeverWebinar | RuleKind::LeverCycle | RuleKind::Manual => "Badge",
    }
}

/// The alignments of an achievement: its levers, then its activities, each with a name, the
/// platform's page about it and its slug as `targetCode`.
fn alignments(
    issuer: &Issuer,
    fields: &AchievementFields,
    levers: &[Lever],
    activities: &[Activity],
) -> Vec<Value> {
    let base = issuer.base_url();
    let lever_al = fields.levers.iter().map(|slug| {
        let name = levers
            .iter()
            .find(|l| &l.slug == slug)
            .map_or(slug.as_str(), |l| l.name.as_str());
        json!({
            "type": ["Alignment"],
            "targetName": name,
            "targetUrl": format!("{base}/leviers/{slug}"),
            "targetType": "ext:Levier",
            "targetFramework": LEVERS_FRAMEWORK,
            "targetCode": slug,
        })
    });
    let activity_al = fields.activities.iter().map(|slug| {
        let name = activities
            .iter()
            .find(|a| &a.slug == slug)
            .map_or(slug.as_str(), |a| a.name.as_str());
        json!({
            "type": ["Alignment"],
            "targetName": name,
            "targetUrl": format!("{base}/metier"),
            "targetType": "ext:ActiviteMetier",
            "targetFramework": METIER_FRAMEWORK,
            "targetCode": slug,
        })
    });
    lever_al.chain(activity_al).collect()
}

/// The OB 3.0 `Achievement` of `fields` at `achievement_url`.
pub fn achievement(
    issuer: &Issuer,
    achievement_url: &str,
    achievement_slug: &str,
    fields: &AchievementFields,
    image_url: Option<&str>,
    levers: &[Lever],
    activities: &[Activity],
) -> Value {
    let mut a = json!({
        "id": achievement_url,
        "type": ["Achievement"],
        "achievementType": achievement_type(fields.rule.kind),
        "name": fields.name,
        "description": fields.description,
        "criteria": {"id": achievement_url, "narrative": fields.criteria},
        "humanCode": achievement_slug,
        "inLanguage": "fr",
        "creator": issuer.reference(),
    });
    if let Some(url) = image_url {
        a["image"] = json!({"id": url, "type": "Image"});
    }
    let al = alignments(issuer, fields, levers, activities);
    if !al.is_empty() {
        a["alignment"] = Value::Array(al);
    }
    if !fields.tags.is_empty() {
        a["tag"] = json!(fields.tags);
    }
    a
}

/// The `credentialSubject` of `subject` having earned `achievement`.
fn credential_subject(subject: &Subject, achievement: Value) -> Value {
    let mut s = json!({"type": ["AchievementSubject"], "achievement": achievement});
    match subject {
        Subject::Did(did) => s["id"] = json!(did),
        Subject::Email { email, salt } => {
            s["identifier"] = json!([{
                "type": "IdentityObject",
                "identityHash": identity_hash(email, salt),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": salt,
            }]);
        }
    }
    s
}

/// The `credentialStatus` of a slot: a `BitstringStatusListEntry` for revocation.
pub fn status_entry(status: &StatusSlot) -> Value {
    json!({
        "id": format!("{}#{}", status.list_url, status.index),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": status.index.to_string(),
        "statusListCredential": status.list_url,
    })
}

/// A complete `OpenBadgeCredential` (unsigned JSON; sign it with [`vc_jwt`]).
#[allow(clippy::too_many_arguments)]
pub fn credential(
    issuer: &Issuer,
    credential_id: &str,
    achievement_url: &str,
    achievement_slug: &str,
    fields: &AchievementFields,
    image_url: Option<&str>,
    subject: &Subject,
    valid_from: DateTime<Utc>,
    status: &StatusSlot,
    levers: &[Lever],
    activities: &[Activity],
) -> Value {
    let ach = achievement(
        issuer,
        achievement_url,
        achievement_slug,
        fields,
        image_url,
        levers,
        activities,
    );
    let mut c = json!({
        "@context": CONTEXTS,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.reference(),
        "name": fields.name,
        "description": fields.description,
        "validFrom": timestamp(valid_from),
        "credentialSubject": credential_subject(subject, ach),
        "credentialStatus": status_entry(status),
    });
    if let Some(url) = image_url {
        c["image"] = json!({"id": url, "type": "Image"});
    }
    c
}

/// Seconds since the epoch of an RFC 3339 date member of `obj`.
fn seconds(obj: &Value, key: &str) -> Option<i64> {
    let text = obj.get(key)?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// The VC-JWT claims of `credential` (see the module's documentation): its members with
/// `iss`, `jti`, `sub` (only for a subject with an id), `nbf` and `exp` added.
pub fn vc_jwt_claims(credential: &Value) -> Value {
    let mut claims = credential.as_object().cloned().unwrap_or_default();
    let issuer_id = match credential.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(obj) => obj.get("id").and_then(Value::as_str).map(str::to_string),
        None => None,
    };
    if let Some(iss) = issuer_id {
        claims.insert("iss".into(), json!(iss));
    }
    if let Some(id) = credential.get("id").and_then(Value::as_str) {
        claims.insert("jti".into(), json!(id));
    }
    let sub = credential
        .get("credentialSubject")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str);
    if let Some(sub) = sub {
        claims.insert("sub".into(), json!(sub));
    }
    if let Some(nbf) = seconds(credential, "validFrom") {
        claims.insert("nbf".into(), json!(nbf));
    }
    if let Some(exp) = seconds(credential, "validUntil") {
        claims.insert("exp".into(), json!(exp));
    }
    Value::Object(claims)
}

/// `credential` signed as a VC-JWT by `key`, whose DID URL is `kid`.
pub fn vc_jwt(key: &SigningKey, kid: &str, credential: &Value) -> String {
    key.sign_compact(kid, VC_JWT_TYP, &vc_jwt_claims(credential))
}
