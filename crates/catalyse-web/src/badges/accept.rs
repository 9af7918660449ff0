//! Content negotiation for the issuer's addresses: one URL answers a page, the signed
//! VC-JWT or the credential's JSON, as the `Accept` header prefers.

use axum::http::{header, HeaderMap};

/// What a client may be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Html,
    /// `application/vc+jwt` or `application/jwt`: the compact JWS as signed.
    Jwt,
    /// `application/json`.
    Json,
    /// `application/ld+json`: the same JSON, under the JSON-LD media type.
    JsonLd,
}

impl Media {
    fn of(range: &str) -> Option<Media> {
        match range {
            "text/html" | "application/xhtml+xml" => Some(Media::Html),
            "application/vc+jwt" | "application/jwt" => Some(Media::Jwt),
            "application/json" => Some(Media::Json),
            "application/ld+json" | "application/vc+ld+json" | "application/vc" => {
                Some(Media::JsonLd)
            }
            _ => None,
        }
    }

    /// The `Content-Type` of a JSON answer.
    pub fn json_type(self) -> &'static str {
        match self {
            Media::JsonLd => "application/ld+json",
            _ => "application/json",
        }
    }
}

/// The answer the `Accept` header prefers among `offered`, or `fallback` when it names none
/// of them (no header, `*/*`, `text/*`…). Ranges are tried by decreasing `q`, in the order
/// written when equal; `q=0` refuses a type.
pub fn preferred(headers: &HeaderMap, offered: &[Media], fallback: Media) -> Media {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return fallback;
    };
    let mut ranges: Vec<(u32, usize, &str)> = accept
        .split(',')
        .take(32)
        .enumerate()
        .filter_map(|(i, part)| {
            let mut bits = part.split(';');
            let range = bits.next()?.trim();
            let q = bits
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let q = (q.clamp(0.0, 1.0) * 1000.0) as u32;
            Some((q, i, range))
        })
        .filter(|(q, _, _)| *q > 0)
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, range) in ranges {
        let range = range.to_ascii_lowercase();
        if let Some(m) = Media::of(&range).filter(|m| offered.contains(m)) {
            return m;
        }
        if range == "*/*" || range == "text/*" || range == "application/*" {
            return fallback;
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        h
    }

    const ALL: [Media; 4] = [Media::Html, Media::Jwt, Media::Json, Media::JsonLd];

    #[test]
    fn the_first_preferred_offer_wins() {
        let pick = |a: &str| preferred(&with(a), &ALL, Media::Html);
        assert_eq!(preferred(&HeaderMap::new(), &ALL, Media::Html), Media::Html);
        assert_eq!(
            pick("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Media::Html
        );
        assert_eq!(pick("application/vc+jwt, application/jwt"), Media::Jwt);
        assert_eq!(pick("application/jwt"), Media::Jwt);
        assert_eq!(pick("application/json"), Media::Json);
        assert_eq!(pick("application/ld+json"), Media::JsonLd);
        assert_eq!(pick("*/*"), Media::Html);
        assert_eq!(
            pick("application/json;q=0.5, application/vc+jwt"),
            Media::Jwt
        );
        assert_eq!(
            pick("application/vc+jwt;q=0, application/json"),
            Media::Json
        );
        assert_eq!(pick("image/png"), Media::Html);
        assert_eq!(pick(";;;,,q=x"), Media::Html);
        let api = [Media::Jwt, Media::Json, Media::JsonLd];
        assert_eq!(
            preferred(&with("text/html"), &api, Media::Json),
            Media::Json
        );
    }
}
