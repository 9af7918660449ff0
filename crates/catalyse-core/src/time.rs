//! Instants as text. Domain types hold `DateTime<Utc>`; text is written only at the edges (the
//! API's JSON, HTML `datetime` attributes) and read only from input, where a bad value is an
//! error that says so. The store keeps instants as UTC seconds, feeds and calendars write them
//! in their own formats (`catalyse-formats`).

use chrono::{DateTime, SecondsFormat, Utc};

/// The months in French, January first (dates written for people: pages, mails, the
/// verifier's checks).
pub const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// RFC 3339 in UTC, to the second, `Z` for the zone: « 2019-01-17T12:00:00Z ». The API writes
/// the instants of events and resources so, and pages put them so in `datetime` attributes.
pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads an RFC 3339 instant with any offset, as UTC.
pub fn parse_rfc3339(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.to_utc())
        .map_err(|e| format!("« {s} » n'est pas un instant RFC 3339 ({e})"))
}

/// For `#[serde(with = "catalyse_core::time::z")]`: an instant as [`rfc3339`] writes it.
pub mod z {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// [`z`] for an optional instant (`null` when there is none).
pub mod z_option {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::rfc3339(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| super::parse_rfc3339(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// For `#[serde(serialize_with = "catalyse_core::time::offset")]`: RFC 3339 to the second with
/// the offset written out, « 2019-01-17T12:00:00+00:00 ». Only datasets' `updated_at` is
/// written so, as the API always has.
pub fn offset<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(with = "z")]
        at: DateTime<Utc>,
        #[serde(with = "z_option")]
        maybe: Option<DateTime<Utc>>,
        #[serde(serialize_with = "offset", skip_deserializing)]
        off: DateTime<Utc>,
    }

    #[test]
    fn writes_the_api_s_forms_and_reads_any_offset() {
        let at = parse_rfc3339("2019-01-17T13:00:00+01:00").unwrap();
        assert_eq!(rfc3339(&at), "2019-01-17T12:00:00Z");
        let t = T {
            at,
            maybe: None,
            off: at,
        };
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2019-01-17T12:00:00Z","maybe":null,"off":"2019-01-17T12:00:00+00:00"}"#
        );
        let back: T = serde_json::from_str(
            r#"{"at":"2019-01-17T12:00:00Z","maybe":"2019-01-17T14:00:00+02:00"}"#,
        )
        .unwrap();
        assert_eq!((back.at, back.maybe), (at, Some(at)));
        let bad = parse_rfc3339("17/01/2019").unwrap_err();
        assert!(bad.contains("17/01/2019"), "{bad}");
        assert!(serde_json::from_str::<T>(r#"{"at":"hier","maybe":null}"#).is_err());
    }
}
