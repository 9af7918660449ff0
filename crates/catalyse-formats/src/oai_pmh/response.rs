//! Executing a parsed request against the repository and writing the reply's body: Identify,
//! the lists, and records in Dublin Core.

use super::request::token::encode_token;
use super::request::{err, is_repository_identifier, Code, OaiError, Position, Request};
use super::{
    DublinCore, OaiItem, OaiRepository, Repository, Selection, GRANULARITY, OAI_DC_NAMESPACE,
    OAI_DC_PREFIX, OAI_DC_SCHEMA, PAGE_SIZE,
};
use crate::xml::{clean, escape};
use chrono::{DateTime, Utc};
use std::fmt::Write as _;

pub(super) async fn execute(
    repo: &dyn OaiRepository,
    about: &Repository,
    req: &Request,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<String, OaiError>> {
    let mut out = String::new();
    match req {
        Request::Identify => {
            let earliest = repo.earliest_datestamp().await?.unwrap_or(now);
            out.push_str("<Identify>\n");
            let _ = writeln!(
                out,
                "<repositoryName>{}</repositoryName>",
                escape(&about.name)
            );
            let _ = writeln!(out, "<baseURL>{}</baseURL>", escape(&about.base_url));
            out.push_str("<protocolVersion>2.0</protocolVersion>\n");
            let _ = writeln!(
                out,
                "<adminEmail>{}</adminEmail>",
                escape(&about.admin_email)
            );
            let _ = writeln!(
                out,
                "<earliestDatestamp>{}</earliestDatestamp>",
                stamp(earliest)
            );
            out.push_str("<deletedRecord>persistent</deletedRecord>\n");
            let _ = writeln!(out, "<granularity>{GRANULARITY}</granularity>");
            if is_repository_identifier(&about.identifier) {
                let _ = writeln!(
                    out,
                    "<description><oai-identifier \
                     xmlns=\"http://www.openarchives.org/OAI/2.0/oai-identifier\" \
                     xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                     xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai-identifier \
                     http://www.openarchives.org/OAI/2.0/oai-identifier.xsd\">\
                     <scheme>oai</scheme><repositoryIdentifier>{}</repositoryIdentifier>\
                     <delimiter>:</delimiter><sampleIdentifier>{}</sampleIdentifier>\
                     </oai-identifier></description>",
                    escape(&about.identifier),
                    escape(&about.oai_identifier(1))
                );
            }
            out.push_str("</Identify>\n");
        }
        Request::ListMetadataFormats { identifier } => {
            if let Some(identifier) = identifier {
                if find(repo, about, identifier).await?.is_none() {
                    return Ok(err(Code::IdDoesNotExist, "No such identifier."));
                }
            }
            let _ = writeln!(
                out,
                "<ListMetadataFormats>\n<metadataFormat><metadataPrefix>{OAI_DC_PREFIX}\
                 </metadataPrefix><schema>{OAI_DC_SCHEMA}</schema><metadataNamespace>\
                 {OAI_DC_NAMESPACE}</metadataNamespace></metadataFormat>\n</ListMetadataFormats>"
            );
        }
        Request::ListSets { token } => {
            if token.is_some() {
                return Ok(err(Code::BadResumptionToken, "Invalid resumption token."));
            }
            let sets = repo.sets();
            if sets.is_empty() {
                return Ok(err(Code::NoSetHierarchy, "This repository has no sets."));
            }
            out.push_str("<ListSets>\n");
            for s in &sets {
                let _ = writeln!(
                    out,
                    "<set><setSpec>{}</setSpec><setName>{}</setName></set>",
                    escape(&s.spec),
                    escape(&s.name)
                );
            }
            out.push_str("</ListSets>\n");
        }
        Request::GetRecord { identifier, prefix } => {
            if prefix != OAI_DC_PREFIX {
                return Ok(err(
                    Code::CannotDisseminateFormat,
                    "Only oai_dc is disseminated.",
                ));
            }
            let Some(item) = find(repo, about, identifier).await? else {
                return Ok(err(Code::IdDoesNotExist, "No such identifier."));
            };
            out.push_str("<GetRecord>\n");
            write_record(&mut out, about, &item);
            out.push_str("</GetRecord>\n");
        }
        Request::List {
            records,
            query,
            position,
            resumed,
        } => {
            if query.prefix != OAI_DC_PREFIX {
                return Ok(err(
                    Code::CannotDisseminateFormat,
                    "Only oai_dc is disseminated.",
                ));
            }
            let (mut items, total) = repo
                .list(&Selection {
                    from: query.from,
                    until: query.until,
                    set: query.set.as_deref(),
                    after: position.after,
                    limit: PAGE_SIZE + 1,
                })
                .await?;
            if items.is_empty() {
                return Ok(err(Code::NoRecordsMatch, "No records match the request."));
            }
            let more = items.len() > PAGE_SIZE;
            items.truncate(PAGE_SIZE);
            let verb = if *records {
                "ListRecords"
            } else {
                "ListIdentifiers"
            };
            let _ = writeln!(out, "<{verb}>");
            for item in &items {
                if *records {
                    write_record(&mut out, about, item);
                } else {
                    write_header(&mut out, about, item);
                }
            }
            let seen = position.cursor + items.len() as u64;
            let size = total.max(seen);
            if more {
                // Cannot fail: an empty page returned `noRecordsMatch` above, and `more` means
                // the store gave more than a page.
                let last = items.last().expect("a non-empty page");
                let token = encode_token(
                    query,
                    &Position {
                        after: Some((last.datestamp, last.id)),
                        cursor: seen,
                    },
                );
                let _ = writeln!(
                    out,
                    "<resumptionToken completeListSize=\"{size}\" cursor=\"{}\">{token}\
                     </resumptionToken>",
                    position.cursor
                );
            } else if *resumed {
                let _ = writeln!(
                    out,
                    "<resumptionToken completeListSize=\"{size}\" cursor=\"{}\"/>",
                    position.cursor
                );
            }
            let _ = writeln!(out, "</{verb}>");
        }
    }
    Ok(Ok(out))
}

pub(super) async fn find(
    repo: &dyn OaiRepository,
    about: &Repository,
    identifier: &str,
) -> anyhow::Result<Option<OaiItem>> {
    match about.parse_identifier(identifier) {
        Some(id) => repo.get(id).await,
        None => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// Records

pub(super) fn write_header(out: &mut String, about: &Repository, item: &OaiItem) {
    out.push_str(if item.deleted {
        "<header status=\"deleted\">"
    } else {
        "<header>"
    });
    let _ = write!(
        out,
        "<identifier>{}</identifier><datestamp>{}</datestamp>",
        escape(&about.oai_identifier(item.id)),
        stamp(item.datestamp)
    );
    for s in &item.sets {
        let _ = write!(out, "<setSpec>{}</setSpec>", escape(s));
    }
    out.push_str("</header>\n");
}

pub(super) fn write_record(out: &mut String, about: &Repository, item: &OaiItem) {
    out.push_str("<record>\n");
    write_header(out, about, item);
    if let (false, Some(dc)) = (item.deleted, &item.dc) {
        out.push_str("<metadata>\n");
        write_dc(out, dc);
        out.push_str("</metadata>\n");
    }
    out.push_str("</record>\n");
}

pub(super) fn write_dc(out: &mut String, dc: &DublinCore) {
    out.push_str(
        "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ \
         http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">\n",
    );
    let mut element = |name: &str, value: &str| {
        let value = value.trim();
        if !clean(value).is_empty() {
            let _ = writeln!(out, "<dc:{name}>{}</dc:{name}>", escape(value));
        }
    };
    element("title", &dc.title);
    dc.creators.iter().for_each(|v| element("creator", v));
    dc.subjects.iter().for_each(|v| element("subject", v));
    element("description", &dc.description);
    element("publisher", &dc.publisher);
    if let Some(date) = &dc.date {
        element("date", date);
    }
    dc.types.iter().for_each(|v| element("type", v));
    dc.formats.iter().for_each(|v| element("format", v));
    dc.identifiers.iter().for_each(|v| element("identifier", v));
    element("language", &dc.language);
    dc.relations.iter().for_each(|v| element("relation", v));
    dc.coverage.iter().for_each(|v| element("coverage", v));
    element("rights", &dc.rights);
    out.push_str("</oai_dc:dc>\n");
}

/// A datestamp to the second, `YYYY-MM-DDThh:mm:ssZ`.
pub(super) fn stamp(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
