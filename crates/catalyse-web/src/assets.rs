//! Static assets compiled into the binary, served under content-hashed names with a long cache.

use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    pub etag: String,
}

pub struct Assets {
    by_hashed: HashMap<String, Asset>,
    urls: HashMap<&'static str, String>,
}

const FILES: &[(&str, &[u8], &str)] = &[
    (
        "app.css",
        include_bytes!("../static/app.css"),
        "text/css; charset=utf-8",
    ),
    (
        "logo.svg",
        include_bytes!("../static/logo.svg"),
        "image/svg+xml",
    ),
    (
        "leaflet.js",
        include_bytes!("../static/vendor/leaflet/leaflet.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "leaflet.css",
        include_bytes!("../static/vendor/leaflet/leaflet.css"),
        "text/css; charset=utf-8",
    ),
    (
        "leaflet-LICENSE.txt",
        include_bytes!("../static/vendor/leaflet/LICENSE"),
        "text/plain; charset=utf-8",
    ),
    (
        "carte.js",
        include_bytes!("../static/carte.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "carte.css",
        include_bytes!("../static/carte.css"),
        "text/css; charset=utf-8",
    ),
    (
        "carte-regions.geojson",
        include_bytes!("../../../data/maps/boundaries/regions.geojson"),
        "application/geo+json",
    ),
    (
        "carte-departements.geojson",
        include_bytes!("../../../data/maps/boundaries/departments.geojson"),
        "application/geo+json",
    ),
];

impl Assets {
    pub fn embedded() -> Assets {
        let mut by_hashed = HashMap::new();
        let mut urls = HashMap::new();
        for (name, bytes, content_type) in FILES {
            let hash = hex::encode(&Sha256::digest(bytes)[..6]);
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
            let hashed = format!("{stem}.{hash}.{ext}");
            urls.insert(*name, format!("/static/{hashed}"));
            by_hashed.insert(
                hashed,
                Asset {
                    bytes,
                    content_type,
                    etag: format!("\"{hash}\""),
                },
            );
        }
        Assets { by_hashed, urls }
    }

    /// The URL of an asset by its plain name (`app.css` → `/static/app.1a2b3c4d5e6f.css`).
    pub fn url(&self, name: &str) -> &str {
        self.urls
            .get(name)
            .map(String::as_str)
            .unwrap_or("/static/missing")
    }

    pub fn get(&self, hashed: &str) -> Option<&Asset> {
        self.by_hashed.get(hashed)
    }
}

/// The URL of an embedded asset where no [`Assets`] is at hand (the error pages, rendered
/// from an error without the application's state): the same content-hashed URL.
pub fn embedded_url(name: &str) -> &'static str {
    static EMBEDDED: std::sync::LazyLock<Assets> = std::sync::LazyLock::new(Assets::embedded);
    EMBEDDED.url(name)
}
