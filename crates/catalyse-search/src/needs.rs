//! Full-text search of the needs of territories (`/besoins`, « Besoins des territoires »):
//! the same French analysis and ranking as the resource centre and the case studies (see the
//! crate documentation and `query.rs`): title ×3 (and the exact word form in the title),
//! description ×2 (with the words together), organisation ×1, territory name ×1.5; one typo
//! on words of 5 letters or more, also in the unstemmed word forms of the title and
//! description (« vieillisement » finds « vieillissement »); the fragility, levers, actor
//! families and activities count a little as words.
//!
//! Like the other indexes, [`NeedIndex`] is derived data: the caller decides which needs are
//! public (approved ones) and fills it with [`NeedIndex::rebuild`], noting the version of the
//! store it was built from ([`NeedIndex::built_from`]: `None` after a schema change or an
//! interrupted rebuild), then follows changes, status moves included, with
//! [`NeedIndex::upsert`] / [`NeedIndex::remove`]. What a user types is only text, never query
//! syntax.
//!
//! Facets ([`NeedFacet`]): région, département, fragility, lever, actor family sought,
//! activity sought, status, horizon. Filters are exact (the stored slugs and codes, trimmed,
//! case-sensitive): OR within a facet, AND between facets; a blank value is no filter. Each
//! facet is counted over the needs matching the text and every **other** facet's filter, not
//! its own (`faceted.rs`), so a count is what its link finds. Besides the facets,
//! [`NeedQuery::within`] keeps the needs of a territory and of those inside it (a
//! département's portrait shows the needs of its communes too).

mod facet;
mod search;

use std::path::Path;

use catalyse_core::needs::{Horizon, NeedStatus};
use catalyse_core::TerritoryLevel;
use tantivy::schema::{Field, IndexRecordOption, Schema, FAST, INDEXED, STORED, STRING};
use tantivy::{Score, TantivyDocument};

use crate::analysis;
use crate::faceted::Disjunctive;
use crate::index_core::{add_keys, add_trimmed, keyed_index, text_options, Claim, IndexCore, Kind};
use crate::markdown;
use crate::SearchError;

pub use facet::{NeedFacet, NeedFacets, NeedFilters, PerFacet};
pub use search::{NeedHit, NeedQuery, NeedResults, NeedSort};

use facet::FACET_FIELDS;

/// Bumped whenever the need schema or the analysis changes: an index of another version is
/// wiped (and [`NeedIndex::built_from`] is then `None`: it must be rebuilt).
pub const NEED_SCHEMA_VERSION: u32 = 1;

const KIND: Kind = Kind {
    mark: "catalyse-needs-version",
    version: NEED_SCHEMA_VERSION,
    claim: Claim::Mark,
    doc_cache_blocks: Some(20),
};

const TERRITORY_BOOST: Score = 1.5;
const TAGS_BOOST: Score = 0.75;

const ID: &str = "id";
const PUBLISHED: &str = "published";
/// For an open need, minus its publication time (the longest waiting is the largest); absent
/// for the others, so that they come after the open ones.
const WAITING: &str = "waiting";

/// One public need, as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedDoc {
    pub id: i64,
    /// Returned with the hits.
    pub slug: String,
    /// Searched (highest boost), returned with the hits.
    pub title: String,
    /// Plain text or Markdown: its text is searched (markup, link targets and raw HTML left
    /// out), and the snippet taken from it.
    pub description: String,
    /// Who expresses it, as shown publicly: searched, returned with the hits.
    pub organisation: String,
    /// Name of its territory (« Dieppe », « Seine-Maritime »): searched, returned with the
    /// hits.
    pub territory_name: String,
    /// Codes of the région, département, EPCI and commune it lies in, as far as its level
    /// goes (a département's need has a région and a département): [`NeedQuery::within`]
    /// finds it in each; the région and département are facets too.
    pub region: Option<String>,
    pub department: Option<String>,
    pub epci: Option<String>,
    pub commune: Option<String>,
    /// Fragility slug: filter and facet (and a little as words); returned with the hits.
    pub fragility: String,
    /// Lever slugs: filter and facet (and a little as words); returned with the hits.
    pub levers: Vec<String>,
    /// Slugs of the actor families sought: filter and facet (and a little as words); returned
    /// with the hits.
    pub families: Vec<String>,
    /// Slugs of the métier activities sought: filter and facet (and a little as words).
    pub activities: Vec<String>,
    /// Filter and facet; returned with the hits.
    pub horizon: Horizon,
    /// Filter and facet; returned with the hits. Open ones (« ouvert », « en relation ») come
    /// first in [`NeedSort::LongestWaiting`].
    pub status: NeedStatus,
    /// An example need of the demo (« données d'exemple »); returned with the hits.
    pub is_example: bool,
    /// Unix seconds: key of [`NeedSort::Newest`] and [`NeedSort::LongestWaiting`], and of
    /// equal relevance; returned with the hits.
    pub published_at: i64,
}

impl Default for NeedDoc {
    fn default() -> Self {
        NeedDoc {
            id: 0,
            slug: String::new(),
            title: String::new(),
            description: String::new(),
            organisation: String::new(),
            territory_name: String::new(),
            region: None,
            department: None,
            epci: None,
            commune: None,
            fragility: String::new(),
            levers: Vec::new(),
            families: Vec::new(),
            activities: Vec::new(),
            horizon: Horizon::SansEcheance,
            status: NeedStatus::Ouvert,
            is_example: false,
            published_at: 0,
        }
    }
}

impl NeedDoc {
    /// The territories it lies in, as `level:code`: its own and those that hold it.
    fn places(&self) -> Vec<String> {
        [
            (TerritoryLevel::Region, &self.region),
            (TerritoryLevel::Department, &self.department),
            (TerritoryLevel::Epci, &self.epci),
            (TerritoryLevel::Commune, &self.commune),
        ]
        .into_iter()
        .filter_map(|(level, code)| {
            let code = code.as_deref()?.trim();
            (!code.is_empty()).then(|| place(level, code))
        })
        .collect()
    }

    /// The values of `facet`.
    fn values(&self, facet: NeedFacet) -> Vec<&str> {
        match facet {
            NeedFacet::Region => self.region.as_deref().into_iter().collect(),
            NeedFacet::Department => self.department.as_deref().into_iter().collect(),
            NeedFacet::Fragility => vec![self.fragility.as_str()],
            NeedFacet::Lever => self.levers.iter().map(String::as_str).collect(),
            NeedFacet::Family => self.families.iter().map(String::as_str).collect(),
            NeedFacet::Activity => self.activities.iter().map(String::as_str).collect(),
            NeedFacet::Status => vec![self.status.as_str()],
            NeedFacet::Horizon => vec![self.horizon.as_str()],
        }
    }
}

/// A territory as the index's `place` field holds it.
fn place(level: TerritoryLevel, code: &str) -> String {
    format!("{}:{}", level.as_str(), code)
}

#[derive(Clone, Copy)]
struct NeedFields {
    id: Field,
    slug: Field,
    title: Field,
    title_exact: Field,
    description: Field,
    description_exact: Field,
    organisation: Field,
    territory: Field,
    tags: Field,
    /// In the order of [`NeedFacet::ALL`].
    facets: [Field; 8],
    place: Field,
    published: Field,
    waiting: Field,
    is_example: Field,
}

impl NeedFields {
    fn facet(&self, facet: NeedFacet) -> Field {
        self.facets[facet as usize]
    }
}

fn schema() -> (Schema, NeedFields) {
    let mut b = Schema::builder();
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let fr = analysis::FRENCH;
    let exact = analysis::FRENCH_EXACT;
    let fields = NeedFields {
        id: b.add_i64_field(ID, INDEXED | FAST),
        slug: b.add_text_field("slug", STORED),
        title: b.add_text_field("title", text_options(fr, positions).set_stored()),
        title_exact: b.add_text_field("title_exact", text_options(exact, freqs)),
        description: b.add_text_field("description", text_options(fr, positions).set_stored()),
        description_exact: b.add_text_field("description_exact", text_options(exact, freqs)),
        organisation: b.add_text_field("organisation", text_options(fr, freqs).set_stored()),
        territory: b.add_text_field("territory", text_options(fr, freqs).set_stored()),
        tags: b.add_text_field("tags", text_options(fr, freqs)),
        facets: NeedFacet::ALL.map(|facet| {
            let key = STRING | FAST;
            let key = if facet.returned() { key | STORED } else { key };
            b.add_text_field(facet.field(), key)
        }),
        place: b.add_text_field("place", STRING),
        published: b.add_i64_field(PUBLISHED, FAST),
        waiting: b.add_i64_field(WAITING, FAST),
        is_example: b.add_bool_field("is_example", STORED),
    };
    (b.build(), fields)
}

/// The needs' search index. Cheap to share behind an `Arc`; reads run in parallel, writes
/// (blocking: call them from `spawn_blocking`) one at a time.
pub struct NeedIndex {
    core: IndexCore,
    fields: NeedFields,
    facets: Disjunctive<8>,
}

keyed_index!(versioned NeedIndex, NeedDoc, "need");

impl NeedIndex {
    fn opened(dir: Option<&Path>) -> Result<NeedIndex, SearchError> {
        let (core, fields) = IndexCore::open(dir, schema(), |f| f.id, &KIND)?;
        Ok(NeedIndex {
            core,
            fields,
            facets: Disjunctive::new(FACET_FIELDS),
        })
    }

    fn document(&self, n: &NeedDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, n.id);
        doc.add_text(f.slug, n.slug.trim());
        add_trimmed(&mut doc, f.title, &n.title);
        add_trimmed(&mut doc, f.title_exact, &n.title);
        let description = markdown::plain_text(&n.description);
        add_trimmed(&mut doc, f.description, &description);
        add_trimmed(&mut doc, f.description_exact, &description);
        add_trimmed(&mut doc, f.organisation, &n.organisation);
        add_trimmed(&mut doc, f.territory, &n.territory_name);
        for facet in NeedFacet::ALL {
            add_keys(&mut doc, f.facet(facet), n.values(facet));
        }
        // The slugs' words: « acces-au-numerique » is found by « numérique ».
        for tag in std::iter::once(&n.fragility)
            .chain(&n.levers)
            .chain(&n.families)
            .chain(&n.activities)
        {
            add_trimmed(&mut doc, f.tags, tag);
        }
        let places = n.places();
        add_keys(&mut doc, f.place, places.iter().map(String::as_str));
        doc.add_i64(f.published, n.published_at);
        if n.status.is_open() {
            doc.add_i64(f.waiting, n.published_at.saturating_neg());
        }
        doc.add_bool(f.is_example, n.is_example);
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<NeedIndex>();
    }

    #[test]
    fn facet_fields_follow_the_facets() {
        assert_eq!(
            FACET_FIELDS,
            [
                "region",
                "department",
                "fragility",
                "lever",
                "family",
                "activity",
                "status",
                "horizon"
            ]
        );
        for (i, facet) in NeedFacet::ALL.into_iter().enumerate() {
            assert_eq!(facet as usize, i);
        }
    }

    #[test]
    fn a_need_lies_in_each_territory_that_holds_it() {
        let doc = NeedDoc {
            region: Some("28".into()),
            department: Some(" 76 ".into()),
            epci: Some("  ".into()),
            commune: Some("76217".into()),
            ..NeedDoc::default()
        };
        assert_eq!(
            doc.places(),
            ["region:28", "department:76", "commune:76217"]
        );
        assert!(NeedDoc::default().places().is_empty());
    }
}
