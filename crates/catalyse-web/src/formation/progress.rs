//! Whose progress a page shows and where it is kept: a member's in the database, a visitor's
//! in a cookie of her browser (`__Host-formation`, HttpOnly, SameSite=Lax, signed with the
//! platform's secret so that it cannot be forged or edited), listing the units she completed
//! and her quiz scores — on that device only.
//!
//! The cookie's value: `module:key.key*2-3.key|module:key!SIGNATURE`, module and unit keys
//! being slugs (`[a-z0-9-]`), `*2-3` a quiz's score (2 of 3). A value that does not read or
//! whose signature does not hold counts as no progress.

use crate::auth::{cookie_value, set_cookie};
use crate::state::AppState;
use crate::tokens::{sign, signed};
use axum::http::{HeaderMap, HeaderValue};
use catalyse_core::User;
use catalyse_store::StoreResult;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The visitors' progress cookie. A request that carries it is never answered from, nor
/// kept in, the page cache under `/formation` (see `read_path`).
pub const PROGRESS_COOKIE: &str = "__Host-formation";

/// How long a visitor's browser keeps her progress: 180 days after her last completion.
pub const COOKIE_DAYS: i64 = 180;

/// The longest cookie value written: browsers keep about 4 KB per cookie.
pub const MAX_COOKIE_BYTES: usize = 3_800;

const PURPOSE: &str = "formation-progress:";

/// A completed unit as a page shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Done {
    /// Members only (a visitor's cookie keeps no dates).
    pub at: Option<DateTime<Utc>>,
    /// A quiz's last score: (right, out of).
    pub score: Option<(i32, i32)>,
    /// A member's last answers to a quiz.
    pub answers: Option<catalyse_core::formation::Answers>,
}

/// A visitor's progress as her cookie holds it: per module, the units done and their scores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitorProgress(pub BTreeMap<String, BTreeMap<String, Option<(i32, i32)>>>);

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl VisitorProgress {
    /// The progress the request's cookie holds, if it reads and is signed by this platform.
    pub fn from_headers(secret: &[u8], headers: &HeaderMap) -> VisitorProgress {
        cookie_value(headers, PROGRESS_COOKIE)
            .and_then(|v| Self::decode(secret, &v))
            .unwrap_or_default()
    }

    /// Reads a cookie value; `None` if it is malformed or not signed with `secret`.
    pub fn decode(secret: &[u8], value: &str) -> Option<VisitorProgress> {
        let (payload, signature) = value.rsplit_once('!')?;
        if !signed(secret, &format!("{PURPOSE}{payload}"), signature) {
            return None;
        }
        let mut out = BTreeMap::new();
        for part in payload.split('|').filter(|p| !p.is_empty()) {
            let (module, units) = part.split_once(':')?;
            if !is_slug(module) {
                return None;
            }
            let mut done = BTreeMap::new();
            for u in units.split('.').filter(|u| !u.is_empty()) {
                let (key, score) = match u.split_once('*') {
                    Some((key, s)) => {
                        let (a, b) = s.split_once('-')?;
                        (key, Some((a.parse().ok()?, b.parse().ok()?)))
                    }
                    None => (u, None),
                };
                if !is_slug(key) {
                    return None;
                }
                done.insert(key.to_string(), score);
            }
            out.insert(module.to_string(), done);
        }
        Some(VisitorProgress(out))
    }

    /// The signed cookie value.
    pub fn encode(&self, secret: &[u8]) -> String {
        let payload: Vec<String> = (self.0.iter())
            .filter(|(_, units)| !units.is_empty())
            .map(|(module, units)| {
                let units: Vec<String> = (units.iter())
                    .map(|(k, s)| match s {
                        Some((a, b)) => format!("{k}*{a}-{b}"),
                        None => k.clone(),
                    })
                    .collect();
                format!("{module}:{}", units.join("."))
            })
            .collect();
        let payload = payload.join("|");
        let signature = sign(secret, &format!("{PURPOSE}{payload}"));
        format!("{payload}!{signature}")
    }

    /// The `Set-Cookie` that keeps this progress, or `None` when it no longer fits a cookie.
    pub fn cookie(&self, secret: &[u8]) -> Option<HeaderValue> {
        let value = self.encode(secret);
        (value.len() <= MAX_COOKIE_BYTES)
            .then(|| set_cookie(PROGRESS_COOKIE, &value, Some(COOKIE_DAYS * 86_400)))
    }

    /// Records a unit done (a quiz's score replaces the last one).
    pub fn complete(&mut self, module: &str, unit: &str, score: Option<(i32, i32)>) {
        let units = self.0.entry(module.to_string()).or_default();
        let kept = units.get(unit).copied().flatten();
        units.insert(unit.to_string(), score.or(kept));
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeMap::is_empty)
    }
}

/// Who follows the kit on this request, and where her progress comes from.
pub enum Learner {
    Member(User),
    Visitor(VisitorProgress),
}

impl Learner {
    pub fn new(state: &AppState, user: Option<User>, headers: &HeaderMap) -> Learner {
        match user {
            Some(u) => Learner::Member(u),
            None => Learner::Visitor(VisitorProgress::from_headers(&state.link_secret, headers)),
        }
    }

    pub fn is_member(&self) -> bool {
        matches!(self, Learner::Member(_))
    }

    /// Whether the page shows this person's own progress (then it must not be cached as
    /// anyone else's).
    pub fn is_personal(&self) -> bool {
        match self {
            Learner::Member(_) => true,
            Learner::Visitor(v) => !v.is_empty(),
        }
    }

    /// What she completed in the module `slug`, by unit key.
    pub async fn done_in(
        &self,
        state: &AppState,
        slug: &str,
    ) -> StoreResult<HashMap<String, Done>> {
        Ok(match self {
            Learner::Member(u) => (state.store.formation_units_done(u.id, slug).await?)
                .into_iter()
                .map(|d| {
                    let score = d.quiz.as_ref().map(|q| (q.score, q.out_of));
                    let answers = d.quiz.map(|q| q.answers);
                    let done = Done {
                        at: Some(d.completed_at),
                        score,
                        answers,
                    };
                    (d.unit_key, done)
                })
                .collect(),
            Learner::Visitor(v) => (v.0.get(slug).into_iter().flatten())
                .map(|(k, s)| {
                    let done = Done {
                        score: *s,
                        ..Done::default()
                    };
                    (k.clone(), done)
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_reads_back_and_refuses_what_was_not_signed_here() {
        let mut p = VisitorProgress::default();
        p.complete("sept-leviers", "l1-doc1", None);
        p.complete("sept-leviers", "quiz", Some((2, 3)));
        p.complete("metier-catalyseur", "lire-animer", None);
        // A later completion without a score keeps the quiz's.
        p.complete("sept-leviers", "quiz", None);
        let v = p.encode(b"secret");
        assert_eq!(
            v.split('!').next().unwrap(),
            "metier-catalyseur:lire-animer|sept-leviers:l1-doc1.quiz*2-3"
        );
        assert_eq!(VisitorProgress::decode(b"secret", &v), Some(p.clone()));
        assert_eq!(VisitorProgress::decode(b"other", &v), None);
        let forged = v.replacen("l1-doc1", "l1-doc2", 1);
        assert_eq!(VisitorProgress::decode(b"secret", &forged), None);
        assert_eq!(VisitorProgress::decode(b"secret", "x"), None);
        // Every character is one a cookie value may hold.
        assert!(v
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\')));
        assert!(p.cookie(b"secret").is_some());
    }

    #[test]
    fn a_progress_too_large_for_a_cookie_is_not_written() {
        let mut p = VisitorProgress::default();
        for module in ["un-premier-module", "un-second-module"] {
            for i in 0..200 {
                p.complete(module, &format!("une-unite-{i:04}"), None);
            }
        }
        assert!(p.cookie(b"secret").is_none());
    }
}
