//! OAI-PMH 2.0 repository of the resource centre, independent of storage.
//!
//! [`respond`] answers one request (the raw query string of a GET, or the form body of a POST)
//! with the whole XML reply; the storage side only implements [`OaiRepository`]. Only `oai_dc`
//! is disseminated; deleted records are kept (`deletedRecord` = persistent); datestamps are to
//! the second. Lists come in pages of [`PAGE_SIZE`]; a resumption token carries the query and
//! the position reached (last datestamp and id), so a harvest survives inserts. Every reply is
//! sent with HTTP 200 and [`CONTENT_TYPE`], errors included, as the protocol asks.

mod request;
mod response;
#[cfg(test)]
mod tests;

use crate::xml::{escape, escape_attr};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use request::{echo_ok, parse_request, Code};
use response::{execute, stamp};
use std::fmt::Write as _;

/// Content type of every reply.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";
/// Most records (or headers) in one reply of ListRecords / ListIdentifiers.
pub const PAGE_SIZE: usize = 50;

const OAI_DC_PREFIX: &str = "oai_dc";
const OAI_DC_SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd";
const OAI_DC_NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
const GRANULARITY: &str = "YYYY-MM-DDThh:mm:ssZ";
const TOKEN_VERSION: &str = "c1";

/// Simple Dublin Core of one record; empty values are left out of the XML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DublinCore {
    pub title: String,
    pub creators: Vec<String>,
    pub subjects: Vec<String>,
    pub description: String,
    pub publisher: String,
    pub date: Option<String>,
    pub types: Vec<String>,
    pub formats: Vec<String>,
    pub identifiers: Vec<String>,
    pub language: String,
    pub rights: String,
    pub relations: Vec<String>,
    /// Where it applies (`dc:coverage`), e.g. a territory.
    pub coverage: Vec<String>,
}

/// One item of the repository. A deleted item keeps its header (status="deleted") and has no
/// metadata; `dc` is then ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct OaiItem {
    pub id: i64,
    pub datestamp: DateTime<Utc>,
    pub deleted: bool,
    pub sets: Vec<String>,
    pub dc: Option<DublinCore>,
}

/// One set of the hierarchy (`spec` follows the setSpec syntax, e.g. `theme:energie`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiSet {
    pub spec: String,
    pub name: String,
}

/// Which items a list request asks for: from <= datestamp <= until, in `set` if given,
/// strictly after `after` in (datestamp, id) order, at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection<'a> {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub set: Option<&'a str>,
    pub after: Option<(DateTime<Utc>, i64)>,
    pub limit: usize,
}

/// What the protocol needs from storage.
#[async_trait]
pub trait OaiRepository: Send + Sync {
    /// Smallest datestamp of any item, deleted ones included; `None` when empty.
    async fn earliest_datestamp(&self) -> anyhow::Result<Option<DateTime<Utc>>>;
    /// Items the selection matches, at most `limit`, ordered by (datestamp, id); plus the
    /// total count matching from/until/set (for completeListSize).
    async fn list(&self, selection: &Selection<'_>) -> anyhow::Result<(Vec<OaiItem>, u64)>;
    /// One item, deleted or not.
    async fn get(&self, id: i64) -> anyhow::Result<Option<OaiItem>>;
    /// The set hierarchy.
    fn sets(&self) -> Vec<OaiSet>;
}

/// Identity of the repository, as told by Identify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    /// The endpoint's URL, without query string.
    pub base_url: String,
    pub admin_email: String,
    /// Namespace of the identifiers, e.g. the host name `catalyse.example.org`.
    pub identifier: String,
}

/// Items are keyed by one `i64` in one order: a resource by its id, a case study (« pratique »)
/// by `CASE_KEYS + its id`, so that both kinds share the list order (datestamp, key) and their
/// identifiers stay apart (`ressource/{id}`, `pratique/{id}`).
pub const CASE_KEYS: i64 = 1 << 40;

impl Repository {
    /// `oai:{identifier}:ressource/{id}`, or `oai:{identifier}:pratique/{id}` for a case's key
    /// (see [`CASE_KEYS`]).
    pub fn oai_identifier(&self, key: i64) -> String {
        if key > CASE_KEYS {
            format!("oai:{}:pratique/{}", self.identifier, key - CASE_KEYS)
        } else {
            format!("oai:{}:ressource/{key}", self.identifier)
        }
    }

    /// The item key of one of our OAI identifiers; `None` for anything else (other
    /// repository, malformed, non-canonical number, out of range).
    pub fn parse_identifier(&self, oai_id: &str) -> Option<i64> {
        let rest = oai_id.strip_prefix("oai:")?;
        let rest = rest.strip_prefix(self.identifier.as_str())?;
        let (base, digits) = if let Some(d) = rest.strip_prefix(":ressource/") {
            (0, d)
        } else {
            (CASE_KEYS, rest.strip_prefix(":pratique/")?)
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id: i64 = digits.parse().ok()?;
        (id.to_string() == digits && (1..CASE_KEYS).contains(&id)).then_some(base + id)
    }
}

/// The whole reply for one request (`query` is the raw query string or form body). Errors of
/// the protocol are part of the reply; `Err` only comes from the repository.
pub async fn respond(
    repo: &dyn OaiRepository,
    about: &Repository,
    query: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let args: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();

    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ \
         http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n",
    );
    let _ = writeln!(out, "<responseDate>{}</responseDate>", stamp(now));

    let outcome = match parse_request(&args) {
        Ok(req) => execute(repo, about, &req, now).await?,
        Err(e) => Err(e),
    };
    // badVerb and badArgument replies carry the base URL only (spec 3.6)
    let echo = !matches!(&outcome, Err(e) if matches!(e.code, Code::BadVerb | Code::BadArgument));
    out.push_str("<request");
    if echo {
        for (k, v) in &args {
            if echo_ok(k, v) {
                let _ = write!(out, " {k}=\"{}\"", escape_attr(v));
            }
        }
    }
    let _ = writeln!(out, ">{}</request>", escape(&about.base_url));
    match outcome {
        Ok(body) => out.push_str(&body),
        Err(e) => {
            let _ = writeln!(
                out,
                "<error code=\"{}\">{}</error>",
                e.code.as_str(),
                escape(&e.message)
            );
        }
    }
    out.push_str("</OAI-PMH>\n");
    Ok(out)
}
