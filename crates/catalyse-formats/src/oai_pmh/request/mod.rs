//! Parsing a request: verbs and their arguments, datestamps, the syntax of set specs and
//! metadata prefixes, and the protocol's error codes.

pub(super) mod token;

use crate::xml::clean;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use token::decode_token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Code {
    BadVerb,
    BadArgument,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoSetHierarchy,
}

impl Code {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Code::BadVerb => "badVerb",
            Code::BadArgument => "badArgument",
            Code::BadResumptionToken => "badResumptionToken",
            Code::CannotDisseminateFormat => "cannotDisseminateFormat",
            Code::IdDoesNotExist => "idDoesNotExist",
            Code::NoRecordsMatch => "noRecordsMatch",
            Code::NoSetHierarchy => "noSetHierarchy",
        }
    }
}

#[derive(Debug)]
pub(super) struct OaiError {
    pub(super) code: Code,
    pub(super) message: String,
}

pub(super) fn err<T>(code: Code, message: impl Into<String>) -> Result<T, OaiError> {
    Err(OaiError {
        code,
        message: message.into(),
    })
}

/// The query of a list request, as carried from page to page.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ListQuery {
    pub(super) prefix: String,
    pub(super) from: Option<DateTime<Utc>>,
    pub(super) until: Option<DateTime<Utc>>,
    pub(super) set: Option<String>,
}

/// Where a list request resumes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Position {
    pub(super) after: Option<(DateTime<Utc>, i64)>,
    pub(super) cursor: u64,
}

#[derive(Debug)]
pub(super) enum Request {
    Identify,
    ListMetadataFormats {
        identifier: Option<String>,
    },
    ListSets {
        token: Option<String>,
    },
    GetRecord {
        identifier: String,
        prefix: String,
    },
    List {
        records: bool,
        query: ListQuery,
        position: Position,
        resumed: bool,
    },
}

pub(super) fn parse_request(args: &[(String, String)]) -> Result<Request, OaiError> {
    let verbs: Vec<&str> = args
        .iter()
        .filter(|(k, _)| k == "verb")
        .map(|(_, v)| v.as_str())
        .collect();
    let verb = match verbs.as_slice() {
        [] => return err(Code::BadVerb, "Missing verb argument."),
        [v] => *v,
        _ => return err(Code::BadVerb, "The verb argument is repeated."),
    };
    let allowed: &[&str] = match verb {
        "Identify" => &[],
        "ListMetadataFormats" => &["identifier"],
        "ListSets" => &["resumptionToken"],
        "GetRecord" => &["identifier", "metadataPrefix"],
        "ListIdentifiers" | "ListRecords" => {
            &["metadataPrefix", "from", "until", "set", "resumptionToken"]
        }
        _ => return err(Code::BadVerb, "Illegal OAI verb."),
    };
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in args.iter().filter(|(k, _)| k != "verb") {
        if !allowed.contains(&k.as_str()) {
            return err(
                Code::BadArgument,
                format!("Illegal argument {} for {verb}.", clean(k)),
            );
        }
        if seen.contains(&k.as_str()) {
            return err(Code::BadArgument, format!("Repeated argument {k}."));
        }
        if v.is_empty() {
            return err(Code::BadArgument, format!("Empty argument {k}."));
        }
        seen.push(k);
    }
    let arg = |name: &str| {
        args.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let required = |name: &str| match arg(name) {
        Some(v) => Ok(v),
        None => err(Code::BadArgument, format!("Missing argument {name}.")),
    };

    match verb {
        "Identify" => Ok(Request::Identify),
        "ListMetadataFormats" => Ok(Request::ListMetadataFormats {
            identifier: arg("identifier").map(str::to_owned),
        }),
        "ListSets" => Ok(Request::ListSets {
            token: arg("resumptionToken").map(str::to_owned),
        }),
        "GetRecord" => Ok(Request::GetRecord {
            identifier: required("identifier")?.to_owned(),
            prefix: required("metadataPrefix")?.to_owned(),
        }),
        _ => {
            let records = verb == "ListRecords";
            if let Some(token) = arg("resumptionToken") {
                if seen.len() > 1 {
                    return err(
                        Code::BadArgument,
                        "resumptionToken is an exclusive argument.",
                    );
                }
                let Some((query, position)) = decode_token(token) else {
                    return err(Code::BadResumptionToken, "Invalid resumption token.");
                };
                return Ok(Request::List {
                    records,
                    query,
                    position,
                    resumed: true,
                });
            }
            let prefix = required("metadataPrefix")?.to_owned();
            let from = match arg("from") {
                None => None,
                Some(s) => match parse_datestamp(s) {
                    Some(d) => Some(d),
                    None => return err(Code::BadArgument, "Illegal from date."),
                },
            };
            let until = match arg("until") {
                None => None,
                Some(s) => match parse_datestamp(s) {
                    Some(d) => Some(d),
                    None => return err(Code::BadArgument, "Illegal until date."),
                },
            };
            if let (Some((_, gf)), Some((_, gu))) = (from, until) {
                if gf != gu {
                    return err(
                        Code::BadArgument,
                        "from and until have different granularities.",
                    );
                }
            }
            let from = from.map(|(d, _)| d);
            let until = until.map(|(d, g)| end_of(d, g));
            if let (Some(f), Some(u)) = (from, until) {
                if f > u {
                    return err(Code::BadArgument, "from is later than until.");
                }
            }
            let set = arg("set").map(str::to_owned);
            if let Some(s) = &set {
                if !is_set_spec(s) {
                    return err(Code::BadArgument, "Illegal set specification.");
                }
            }
            Ok(Request::List {
                records,
                query: ListQuery {
                    prefix,
                    from,
                    until,
                    set,
                },
                position: Position {
                    after: None,
                    cursor: 0,
                },
                resumed: false,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Granularity {
    Day,
    Second,
}

/// `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`, nothing else.
pub(super) fn parse_datestamp(s: &str) -> Option<(DateTime<Utc>, Granularity)> {
    let b = s.as_bytes();
    let digits_at = |idx: &[usize]| idx.iter().all(|&i| b[i].is_ascii_digit());
    match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' && digits_at(&[0, 1, 2, 3, 5, 6, 8, 9]) => {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            Some((d.and_hms_opt(0, 0, 0)?.and_utc(), Granularity::Day))
        }
        20 if b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z'
            && digits_at(&[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) =>
        {
            let t = NaiveDateTime::parse_from_str(&s[..19], "%Y-%m-%dT%H:%M:%S").ok()?;
            Some((t.and_utc(), Granularity::Second))
        }
        _ => None,
    }
}

/// The last instant covered by a datestamp of this granularity.
pub(super) fn end_of(d: DateTime<Utc>, g: Granularity) -> DateTime<Utc> {
    let span = match g {
        Granularity::Day => TimeDelta::days(1),
        Granularity::Second => TimeDelta::seconds(1),
    };
    d.checked_add_signed(span - TimeDelta::nanoseconds(1))
        .unwrap_or(d)
}

// ---------------------------------------------------------------------------------------------
// Syntax and escaping

pub(super) fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c)
}

/// setSpec: `([A-Za-z0-9\-_\.!~\*'\(\)])+(:[A-Za-z0-9\-_\.!~\*'\(\)]+)*`.
pub(super) fn is_set_spec(s: &str) -> bool {
    s.split(':')
        .all(|part| !part.is_empty() && part.chars().all(is_unreserved))
}

/// metadataPrefix: `[A-Za-z0-9\-_\.!~\*'\(\)]+`.
pub(super) fn is_metadata_prefix(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_unreserved)
}

/// repositoryIdentifier of the oai-identifier scheme: dot-separated labels, each a letter
/// followed by letters, digits or hyphens, at least two labels.
pub(super) fn is_repository_identifier(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            l.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Whether an argument may be echoed as an attribute of `request` and still validate.
pub(super) fn echo_ok(name: &str, value: &str) -> bool {
    match name {
        "verb" | "resumptionToken" => true,
        "metadataPrefix" => is_metadata_prefix(value),
        "set" => is_set_spec(value),
        "from" | "until" => parse_datestamp(value).is_some(),
        "identifier" => {
            !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'();/?:@&=+$,%#[]".contains(c))
        }
        _ => false,
    }
}
