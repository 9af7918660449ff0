//! Resumption tokens: base64url of `c1|prefix|from|until|set(hex)|after|after_id|cursor|check`,
//! where times are `seconds.nanoseconds` and `check` the start of a SHA-256 of the rest.

use super::super::TOKEN_VERSION;
use super::{is_metadata_prefix, is_set_spec, ListQuery, Position};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub(in crate::oai_pmh) fn encode_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| format!("{}.{:09}", t.timestamp(), t.timestamp_subsec_nanos()))
        .unwrap_or_default()
}

pub(in crate::oai_pmh) fn decode_time(s: &str) -> Option<Option<DateTime<Utc>>> {
    if s.is_empty() {
        return Some(None);
    }
    let (secs, nanos) = s.split_once('.')?;
    if nanos.len() != 9 {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let nanos: u32 = nanos.parse().ok()?;
    DateTime::from_timestamp(secs, nanos).map(Some)
}

pub(in crate::oai_pmh) fn checksum(payload: &str) -> String {
    let digest = Sha256::digest(payload.as_bytes());
    hex::encode(&digest[..8])
}

pub(in crate::oai_pmh) fn encode_token(q: &ListQuery, p: &Position) -> String {
    let payload = format!(
        "{TOKEN_VERSION}|{}|{}|{}|{}|{}|{}|{}",
        q.prefix,
        encode_time(q.from),
        encode_time(q.until),
        q.set.as_deref().map(hex::encode).unwrap_or_default(),
        encode_time(p.after.map(|(t, _)| t)),
        p.after.map(|(_, id)| id.to_string()).unwrap_or_default(),
        p.cursor
    );
    let check = checksum(&payload);
    URL_SAFE_NO_PAD.encode(format!("{payload}|{check}"))
}

pub(in crate::oai_pmh) fn decode_token(token: &str) -> Option<(ListQuery, Position)> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (payload, check) = raw.rsplit_once('|')?;
    if checksum(payload) != check {
        return None;
    }
    let f: Vec<&str> = payload.split('|').collect();
    let [version, prefix, from, until, set, after, after_id, cursor] = f.as_slice() else {
        return None;
    };
    if *version != TOKEN_VERSION || !is_metadata_prefix(prefix) {
        return None;
    }
    let set = if set.is_empty() {
        None
    } else {
        let s = String::from_utf8(hex::decode(set).ok()?).ok()?;
        if !is_set_spec(&s) {
            return None;
        }
        Some(s)
    };
    let after = match (decode_time(after)?, after_id.is_empty()) {
        (None, true) => None,
        (Some(t), false) => Some((t, after_id.parse().ok()?)),
        _ => return None,
    };
    Some((
        ListQuery {
            prefix: prefix.to_string(),
            from: decode_time(from)?,
            until: decode_time(until)?,
            set,
        },
        Position {
            after,
            cursor: cursor.parse().ok()?,
        },
    ))
}
