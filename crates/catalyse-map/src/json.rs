//! A hand-written GeoJSON writer for cluster answers.

use crate::{Feature, MapPoint};

/// Appends a GeoJSON `FeatureCollection` of `features` to `out`:
///
/// ```json
/// {"type":"FeatureCollection","features":[
///  {"type":"Feature","geometry":{"type":"Point","coordinates":[4.83512,45.76]},
///   "properties":{"cluster":true,"count":12,"members":9,"places":1,"cases":1,"needs":1,
///                 "expansion_zoom":9,"bbox":[4.8,45.7,4.9,45.8]}},
///  {"type":"Feature","geometry":{"type":"Point","coordinates":[4.85,45.75]},
///   "properties":{"cluster":false,"layer":"member","id":42,"name":"…","slug":"…"}}]}
/// ```
///
/// Coordinates are rounded to 5 decimals (about 1 m) with trailing zeros dropped; strings
/// are escaped per RFC 8259 (`"`, `\`, control characters), plus U+2028 and U+2029 so that
/// the output is also valid JavaScript. A point with a non-finite coordinate (never returned
/// by [`crate::MapIndex::clusters`]) is written with `null` coordinates.
pub fn feature_collection_json(features: &[Feature<'_>], out: &mut String) {
    feature_collection_json_with(features, out, |_, _| {});
}

/// Appends more properties to a single point's `properties`, after the fixed ones.
pub struct Props<'a> {
    out: &'a mut String,
}

impl Props<'_> {
    /// `"key":"value"`, the value escaped as in the rest of the answer. `key` must be a plain
    /// JSON key (ASCII letters, digits, `_`), not one of the fixed properties.
    pub fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        write_str(self.out, value);
    }

    /// `"key":true` or `"key":false`.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
    }

    fn key(&mut self, key: &str) {
        debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        self.out.push_str(",\"");
        self.out.push_str(key);
        self.out.push_str("\":");
    }
}

/// Like [`feature_collection_json`], with `extra` called for each single point to add
/// properties of the caller's own (labels the engine does not know, such as a commune).
pub fn feature_collection_json_with(
    features: &[Feature<'_>],
    out: &mut String,
    mut extra: impl FnMut(&MapPoint, &mut Props<'_>),
) {
    out.reserve(features.len() * 170 + 48);
    out.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match f {
            Feature::Cluster {
                lon,
                lat,
                count,
                members,
                places,
                cases,
                needs,
                expansion_zoom,
                bbox,
            } => {
                point_start(out, *lon, *lat);
                out.push_str(r#""cluster":true,"count":"#);
                write_u64(out, *count as u64);
                out.push_str(r#","members":"#);
                write_u64(out, *members as u64);
                out.push_str(r#","places":"#);
                write_u64(out, *places as u64);
                out.push_str(r#","cases":"#);
                write_u64(out, *cases as u64);
                out.push_str(r#","needs":"#);
                write_u64(out, *needs as u64);
                out.push_str(r#","expansion_zoom":"#);
                write_u64(out, *expansion_zoom as u64);
                out.push_str(r#","bbox":["#);
                write_coord(out, bbox.west);
                out.push(',');
                write_coord(out, bbox.south);
                out.push(',');
                write_coord(out, bbox.east);
                out.push(',');
                write_coord(out, bbox.north);
                out.push_str("]}}");
            }
            Feature::Point(p) => {
                write_point(out, p);
                extra(p, &mut Props { out });
                out.push_str("}}");
            }
        }
    }
    out.push_str("]}");
}

fn point_start(out: &mut String, lon: f64, lat: f64) {
    out.push_str(r#"{"type":"Feature","geometry":{"type":"Point","coordinates":["#);
    write_coord(out, lon);
    out.push(',');
    write_coord(out, lat);
    out.push_str(r#"]},"properties":{"#);
}

fn write_point(out: &mut String, p: &MapPoint) {
    point_start(out, p.lon, p.lat);
    out.push_str(r#""cluster":false,"layer":""#);
    out.push_str(p.layer.as_str());
    out.push_str(r#"","id":"#);
    if p.id < 0 {
        out.push('-');
    }
    write_u64(out, p.id.unsigned_abs());
    out.push_str(r#","name":"#);
    write_str(out, &p.name);
    out.push_str(r#","slug":"#);
    write_str(out, &p.slug);
}

fn write_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

/// A coordinate rounded to 5 decimals, without trailing zeros (`4.85`, `-0.5`, `45`).
fn write_coord(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    let n = (v * 1e5).round() as i64;
    if n < 0 {
        out.push('-');
    }
    let a = n.unsigned_abs();
    write_u64(out, a / 100_000);
    let mut frac = a % 100_000;
    if frac != 0 {
        let mut digits = 5;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        out.push('.');
        let mut buf = [b'0'; 5];
        for d in buf[..digits].iter_mut().rev() {
            *d = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.push_str(std::str::from_utf8(&buf[..digits]).unwrap_or("0"));
    }
}

/// A JSON string literal.
fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (escape, len): (&str, usize) = match b {
            b'"' => ("\\\"", 1),
            b'\\' => ("\\\\", 1),
            b'\n' => ("\\n", 1),
            b'\r' => ("\\r", 1),
            b'\t' => ("\\t", 1),
            0x08 => ("\\b", 1),
            0x0C => ("\\f", 1),
            0x00..=0x1F => ("", 1),
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                if bytes[i + 2] == 0xA8 {
                    ("\\u2028", 3)
                } else {
                    ("\\u2029", 3)
                }
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // Escaped sequences start on ASCII bytes or a 3-byte character: char boundaries.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        } else {
            out.push_str(escape);
        }
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coord(v: f64) -> String {
        let mut s = String::new();
        write_coord(&mut s, v);
        s
    }

    #[test]
    fn coordinates_rounded_to_five_decimals() {
        assert_eq!(coord(4.85), "4.85");
        assert_eq!(coord(45.0), "45");
        assert_eq!(coord(-0.5), "-0.5");
        assert_eq!(coord(-0.000001), "0");
        assert_eq!(coord(1.234567), "1.23457");
        assert_eq!(coord(-179.999999), "-180");
        assert_eq!(coord(0.00001), "0.00001");
        assert_eq!(coord(-5.10203), "-5.10203");
        assert_eq!(coord(f64::NAN), "null");
    }

    #[test]
    fn extra_properties_after_the_fixed_ones() {
        let p = MapPoint {
            id: -3,
            layer: crate::Layer::Place,
            lon: 4.39,
            lat: 45.43,
            public: true,
            families: 0,
            activities: 0,
            levers: 0,
            region: crate::NO_REGION,
            kind: 1,
            territory: 7,
            name: "Café \"Le Lien\"".into(),
            slug: "cafe-le-lien".into(),
        };
        let features = [Feature::Point(&p)];
        let mut plain = String::new();
        feature_collection_json(&features, &mut plain);
        let mut more = String::new();
        feature_collection_json_with(&features, &mut more, |p, props| {
            props.str("territory", &format!("n°{} \"Saint-Étienne\"", p.territory));
            props.bool("members_only", !p.public);
        });
        assert_eq!(
            more,
            plain.replace(
                r#""slug":"cafe-le-lien"}"#,
                r#""slug":"cafe-le-lien","territory":"n°7 \"Saint-Étienne\"","members_only":false}"#
            )
        );
        let v: serde_json::Value = serde_json::from_str(&more).unwrap();
        assert_eq!(v["features"][0]["properties"]["id"], -3);
        assert_eq!(
            v["features"][0]["properties"]["territory"],
            "n°7 \"Saint-Étienne\""
        );
    }

    #[test]
    fn strings_escaped() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}e\u{7f}é\u{2028}—\t");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001e\u{7f}é\\u2028—\\t\"");
    }
}
