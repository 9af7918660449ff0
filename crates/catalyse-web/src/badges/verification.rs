//! The platform's own verification of a badge, for the credential pages and `/verifier`:
//! core's [`catalyse_core::badges::verify`] with this platform's `did:web` as the only
//! trusted issuer, its published keys, and the revocation bits of its own status lists read
//! from the store (a list elsewhere is « non vérifiable ici »). Each check becomes a line a
//! page shows: a verdict (from the catalogue) and core's French detail.

use std::cell::Cell;
use std::collections::HashMap;

use catalyse_core::badges::jws::decode_compact;
use catalyse_core::badges::verify::MAX_INPUT;
use catalyse_core::badges::{verify, CheckName, Report};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::did::key_ring;
use super::issuer::{issuer, status_list_of};
use crate::error::AppError;
use crate::state::AppState;

/// How many of this platform's status lists one badge may make the verifier read.
const MAX_LISTS: usize = 8;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    /// Could not be known here (a status list of another platform).
    Unknown,
}

/// One check as a page shows it.
#[derive(Debug, Clone)]
pub struct CheckLine {
    pub name: CheckName,
    pub outcome: Outcome,
    /// Catalogue key of the verdict (« Signature valide », « Révoqué »…).
    pub verdict: &'static str,
    /// Core's sentence, in French.
    pub detail: String,
}

impl CheckLine {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }

    pub fn unknown(&self) -> bool {
        self.outcome == Outcome::Unknown
    }

    /// `ok`, `echec` or `inconnu`: the line's class and its test hook.
    pub fn state(&self) -> &'static str {
        match self.outcome {
            Outcome::Passed => "ok",
            Outcome::Failed => "echec",
            Outcome::Unknown => "inconnu",
        }
    }
}

/// The whole result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Revoked,
    Invalid,
}

impl Verdict {
    /// Catalogue key of the sentence that sums it up.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Valid => "credentials.verdict_valid",
            Verdict::Revoked => "credentials.verdict_revoked",
            Verdict::Invalid => "credentials.verdict_invalid",
        }
    }

    pub fn is_valid(self) -> bool {
        self == Verdict::Valid
    }
}

/// What the badge says, when it could be read (every text as the badge gives it: it may
/// come from anywhere, and is only ever shown escaped).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub name: Option<String>,
    pub description: Option<String>,
    pub issuer_name: Option<String>,
    pub issuer_id: Option<String>,
    pub id: Option<String>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// The subject's DID, when the badge names one.
    pub subject: Option<String>,
    /// The subject is identified by a hashed email address.
    pub hashed_email: bool,
}

/// A badge verified by the platform.
#[derive(Debug, Clone)]
pub struct Verification {
    pub verdict: Verdict,
    pub checks: Vec<CheckLine>,
    pub summary: Option<Summary>,
}

/// The credential a VC-JWT or a JSON text holds, as core reads it (`vc`, or the payload).
fn credential_of(text: &str) -> Option<Value> {
    let text = text.trim();
    if text.len() > MAX_INPUT {
        return None;
    }
    if text.starts_with('{') {
        return serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object);
    }
    let (_, payload, _, _) = decode_compact(text).ok()?;
    match payload.get("vc") {
        Some(vc @ Value::Object(_)) => Some(vc.clone()),
        _ => Some(payload),
    }
}

/// The status list URLs a credential names.
fn status_lists(cred: &Value) -> Vec<&str> {
    fn one(st: &Value) -> Option<&str> {
        st.get("statusListCredential").and_then(Value::as_str)
    }
    match cred.get("credentialStatus") {
        Some(Value::Array(all)) => all.iter().filter_map(one).collect(),
        Some(st) => one(st).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The revoked indexes of this platform's lists a credential names (`None`: a list number
/// that was never handed out).
async fn revocations(
    state: &AppState,
    cred: Option<&Value>,
) -> Result<HashMap<String, Option<Vec<i64>>>, AppError> {
    let mut out = HashMap::new();
    let Some(cred) = cred else {
        return Ok(out);
    };
    let mine: Vec<(&str, i64)> = status_lists(cred)
        .into_iter()
        .filter_map(|url| Some((url, status_list_of(&state.config, url)?)))
        .take(MAX_LISTS)
        .collect();
    if mine.is_empty() {
        return Ok(out);
    }
    let known = state.store.status_lists().await?;
    for (url, list) in mine {
        let revoked = if known.contains(&list) {
            Some(state.store.revoked_indexes(list).await?)
        } else {
            None
        };
        out.insert(url.to_string(), revoked);
    }
    Ok(out)
}

/// Verifies `token` (a VC-JWT or a JSON credential) as this platform sees it, now.
pub async fn verify_here(state: &AppState, token: &str) -> Result<Verification, AppError> {
    let cred = credential_of(token);
    let lists = revocations(state, cred.as_ref()).await?;
    let keys = key_ring(state)?;
    let did = issuer(&state.config).did;
    let published = keys.published(&did);
    let revoked_seen = Cell::new(false);
    let elsewhere = Cell::new(false);
    let lookup = |url: &str, index: u64| -> Option<bool> {
        match lists.get(url) {
            Some(Some(revoked)) => {
                let set = revoked
                    .iter()
                    .any(|&i| u64::try_from(i).ok() == Some(index));
                revoked_seen.set(revoked_seen.get() || set);
                Some(set)
            }
            Some(None) => None,
            None => {
                elsewhere.set(true);
                None
            }
        }
    };
    let report = verify(token, Utc::now(), &did, &published, &lookup);
    let json = token.trim_start().starts_with('{');
    Ok(lines(report, json, revoked_seen.get(), elsewhere.get()))
}

/// The report as lines and a verdict.
fn lines(report: Report, json: bool, revoked: bool, elsewhere: bool) -> Verification {
    let verdict = if report.valid() {
        Verdict::Valid
    } else if revoked {
        Verdict::Revoked
    } else {
        Verdict::Invalid
    };
    let checks = report
        .checks
        .iter()
        .map(|c| {
            let outcome = match (c.ok, c.name) {
                (true, _) => Outcome::Passed,
                (false, CheckName::Revocation) if elsewhere && !revoked => Outcome::Unknown,
                (false, _) => Outcome::Failed,
            };
            CheckLine {
                name: c.name,
                outcome,
                verdict: verdict_key(c.name, outcome, json, revoked),
                detail: c.detail_fr.clone(),
            }
        })
        .collect();
    Verification {
        verdict,
        checks,
        summary: report.credential.as_ref().map(summary),
    }
}

fn verdict_key(name: CheckName, outcome: Outcome, json: bool, revoked: bool) -> &'static str {
    let passed = outcome == Outcome::Passed;
    match name {
        CheckName::Format if passed => "credentials.format_ok",
        CheckName::Format => "credentials.format_bad",
        CheckName::Signature if passed => "credentials.signature_ok",
        CheckName::Signature if json => "credentials.signature_none",
        CheckName::Signature => "credentials.signature_bad",
        CheckName::Issuer if passed => "credentials.issuer_ok",
        CheckName::Issuer => "credentials.issuer_bad",
        CheckName::Dates if passed => "credentials.dates_ok",
        CheckName::Dates => "credentials.dates_bad",
        CheckName::Revocation if passed => "credentials.revocation_ok",
        CheckName::Revocation if revoked => "credentials.revocation_revoked",
        CheckName::Revocation if outcome == Outcome::Unknown => "credentials.revocation_elsewhere",
        CheckName::Revocation => "credentials.revocation_unknown",
        CheckName::Type if passed => "credentials.type_ok",
        CheckName::Type => "credentials.type_bad",
    }
}

/// At most 300 characters of a text the badge gives.
fn text(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    if s.is_empty() {
        return None;
    }
    let mut out: String = s.chars().take(300).collect();
    if s.chars().nth(300).is_some() {
        out.push('…');
    }
    Some(out)
}

fn date(v: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v?.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn summary(cred: &Value) -> Summary {
    let subject = cred.get("credentialSubject");
    let achievement = subject.and_then(|s| s.get("achievement"));
    let issuer = cred.get("issuer");
    let (issuer_id, issuer_name) = match issuer {
        Some(Value::String(_)) => (text(issuer), None),
        Some(i) => (text(i.get("id")), text(i.get("name"))),
        None => (None, None),
    };
    Summary {
        name: text(achievement.and_then(|a| a.get("name"))).or_else(|| text(cred.get("name"))),
        description: text(achievement.and_then(|a| a.get("description"))),
        issuer_name,
        issuer_id,
        id: text(cred.get("id")),
        valid_from: date(cred.get("validFrom")),
        valid_until: date(cred.get("validUntil")),
        subject: text(subject.and_then(|s| s.get("id"))),
        hashed_email: subject
            .and_then(|s| s.get("identifier"))
            .is_some_and(|i| i.to_string().contains("\"emailAddress\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_a_credential_names_are_found_in_both_forms() {
        let one = serde_json::json!({"credentialStatus": {"statusListCredential": "a"}});
        assert_eq!(status_lists(&one), vec!["a"]);
        let many = serde_json::json!({"credentialStatus": [
            {"statusListCredential": "a"}, {"type": "x"}, {"statusListCredential": "b"}
        ]});
        assert_eq!(status_lists(&many), vec!["a", "b"]);
        assert!(credential_of("pas un badge").is_none());
        assert!(credential_of("[1]").is_none());
        assert!(credential_of("{\"a\":1}").is_some());
    }
}
