//! Full-text search of the case studies (`/pratiques`, « Pratiques innovantes »): the same
//! French analysis and ranking as the resource centre (see the crate documentation and
//! [`crate::query`]): title ×3, summary ×2, body ×1, actors ×1 and territory name ×1.5, the
//! exact word form in the title, one typo on words of 5 letters or more, the words together;
//! the levers, fragilities, actor families, activities and phase count a little as words.
//! Typos are also looked for in the unstemmed word forms of the title, summary and body, so
//! that a typo in a suffix is forgiven too (« vieillisement » finds « vieillissement »,
//! whose stems differ by more than one letter).
//!
//! Like the other indexes, [`CaseIndex`] is derived data: the caller decides which cases are
//! public (published ones) and fills it with [`CaseIndex::rebuild`], noting the version of the
//! store it was built from ([`CaseIndex::built_from`]: `None` after a schema change or an
//! interrupted rebuild), then follows changes with [`CaseIndex::upsert`] /
//! [`CaseIndex::remove`]. What a user types is only text, never query syntax.
//!
//! Filters are exact (the stored slugs and codes, trimmed, case-sensitive): OR within a facet,
//! AND between facets; a blank value is no filter. Facets are counted the usual way of a
//! faceted search (« disjunctive »): each facet's counts are over the documents matching the
//! text and **every other facet's filter, but not its own**, so a facet keeps offering its
//! other values once one is chosen, and a count is exactly the number of results of the query
//! with that value as the facet's only choice. (The resource centre's and the directory's
//! facets count with every filter, their own included.)
//!
//! Without text nor filters (the first page of `/pratiques`), the total and the facets come
//! from counts kept per state of the index.

mod search;

use std::path::Path;

use tantivy::schema::{Field, IndexRecordOption, Schema, FAST, INDEXED, STORED, STRING};
use tantivy::{Score, TantivyDocument};

use crate::analysis;
use crate::index_core::PerGeneration;
use crate::index_core::{add_keys, add_trimmed, keyed_index, text_options, Claim, IndexCore, Kind};
use crate::markdown;
use crate::SearchError;

pub use search::{CaseFacets, CaseHit, CaseQuery, CaseResults, CaseSort};

/// Bumped whenever the case schema or the analysis changes: an index of another version is
/// wiped (and [`CaseIndex::built_from`] is then `None`: it must be rebuilt).
pub const CASE_SCHEMA_VERSION: u32 = 2;

const KIND: Kind = Kind {
    mark: "catalyse-cases-version",
    version: CASE_SCHEMA_VERSION,
    claim: Claim::Mark,
    doc_cache_blocks: Some(20),
};

const ACTORS_BOOST: Score = 1.0;
const TERRITORY_BOOST: Score = 1.5;
const TAGS_BOOST: Score = 0.75;

/// The key fields counted in [`CaseFacets`] and filtered by [`CaseQuery`], in this order.
const FACET_FIELDS: [&str; 7] = [
    "lever",
    "fragility",
    "family",
    "activity",
    "phase",
    "region",
    "department",
];
const ID: &str = "id";
const PUBLISHED: &str = "published";
const STARTED_YEAR: &str = "started_year";
const SORT_TITLE: &str = "sort_title";
const PLACE: &str = "place";
const PERSON: &str = "person";

/// One public case study, as indexed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseDoc {
    pub id: i64,
    /// Returned with the hits.
    pub slug: String,
    /// Searched (highest boost), returned with the hits, and the key of [`CaseSort::Title`].
    pub title: String,
    /// Searched (medium boost); the snippet is taken from it first.
    pub summary: String,
    /// Markdown: its text is searched (markup, link targets and raw HTML left out), and the
    /// snippet taken from it when the summary does not match.
    pub body: String,
    /// Names of the actors, searched.
    pub actors: Vec<String>,
    /// Searched, returned with the hits.
    pub territory_name: String,
    /// Lever slugs: filter and facet (and a little as words).
    pub levers: Vec<String>,
    /// Fragility slugs: filter and facet (and a little as words).
    pub fragilities: Vec<String>,
    /// Actor family slugs: filter and facet (and a little as words).
    pub families: Vec<String>,
    /// Métier activity slugs: filter and facet (and a little as words).
    pub activities: Vec<String>,
    /// Phase slug (émergence, expérimentation…): filter and facet (and a little as words).
    pub phase: String,
    /// Région code: filter and facet.
    pub region: Option<String>,
    /// Département code: filter and facet.
    pub department: Option<String>,
    /// Key of [`CaseSort::StartedYear`]; returned with the hits.
    pub started_year: Option<i32>,
    /// Unix seconds: key of [`CaseSort::Newest`] and of equal relevance.
    pub published_at: i64,
    /// An example case of the demo (« données d'exemple »); returned with the hits.
    pub is_example: bool,
    /// Its territory as `level:code` (`commune:69123`): filter only
    /// ([`CaseQuery::territories`]).
    pub place: String,
    /// The members who documented it or are its contacts: filter only
    /// ([`CaseQuery::people`]).
    pub people: Vec<i64>,
}

#[derive(Clone, Copy)]
struct CaseFields {
    id: Field,
    slug: Field,
    title: Field,
    title_exact: Field,
    summary: Field,
    summary_exact: Field,
    body: Field,
    body_exact: Field,
    actors: Field,
    territory: Field,
    tags: Field,
    /// In the order of [`FACET_FIELDS`].
    facets: [Field; 7],
    started_year: Field,
    published: Field,
    sort_title: Field,
    is_example: Field,
    place: Field,
    person: Field,
}

fn schema() -> (Schema, CaseFields) {
    let mut b = Schema::builder();
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let fr = analysis::FRENCH;
    let exact = analysis::FRENCH_EXACT;
    let fields = CaseFields {
        id: b.add_i64_field(ID, INDEXED | FAST),
        slug: b.add_text_field("slug", STORED),
        title: b.add_text_field("title", text_options(fr, positions).set_stored()),
        title_exact: b.add_text_field("title_exact", text_options(exact, freqs)),
        summary: b.add_text_field("summary", text_options(fr, positions).set_stored()),
        summary_exact: b.add_text_field("summary_exact", text_options(exact, freqs)),
        body: b.add_text_field("body", text_options(fr, freqs).set_stored()),
        body_exact: b.add_text_field("body_exact", text_options(exact, freqs)),
        actors: b.add_text_field("actors", text_options(fr, freqs)),
        territory: b.add_text_field("territory", text_options(fr, freqs).set_stored()),
        tags: b.add_text_field("tags", text_options(fr, freqs)),
        // The phase is returned with the hits: stored too.
        facets: FACET_FIELDS.map(|name| {
            let key = STRING | FAST;
            b.add_text_field(name, if name == "phase" { key | STORED } else { key })
        }),
        started_year: b.add_i64_field(STARTED_YEAR, FAST),
        published: b.add_i64_field(PUBLISHED, FAST),
        sort_title: b.add_text_field(SORT_TITLE, FAST),
        is_example: b.add_bool_field("is_example", STORED),
        place: b.add_text_field(PLACE, STRING),
        person: b.add_text_field(PERSON, STRING),
    };
    (b.build(), fields)
}

/// The case studies' search index. Cheap to share behind an `Arc`; reads run in parallel,
/// writes (blocking: call them from `spawn_blocking`) one at a time.
pub struct CaseIndex {
    core: IndexCore,
    fields: CaseFields,
    /// Total and facet counts of the whole index.
    all: PerGeneration<std::sync::Arc<search::Counts>>,
}

keyed_index!(versioned CaseIndex, CaseDoc, "case");

impl CaseIndex {
    fn opened(dir: Option<&Path>) -> Result<CaseIndex, SearchError> {
        let (core, fields) = IndexCore::open(dir, schema(), |f| f.id, &KIND)?;
        Ok(CaseIndex {
            core,
            fields,
            all: PerGeneration::default(),
        })
    }

    fn document(&self, c: &CaseDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, c.id);
        doc.add_text(f.slug, c.slug.trim());
        add_trimmed(&mut doc, f.title, &c.title);
        add_trimmed(&mut doc, f.title_exact, &c.title);
        add_trimmed(&mut doc, f.summary, &c.summary);
        add_trimmed(&mut doc, f.summary_exact, &c.summary);
        let body = markdown::plain_text(&c.body);
        add_trimmed(&mut doc, f.body, &body);
        add_trimmed(&mut doc, f.body_exact, &body);
        for actor in &c.actors {
            add_trimmed(&mut doc, f.actors, actor);
        }
        add_trimmed(&mut doc, f.territory, &c.territory_name);
        let [lever, fragility, family, activity, phase, region, department] = f.facets;
        for (field, values) in [
            (lever, c.levers.as_slice()),
            (fragility, &c.fragilities),
            (family, &c.families),
            (activity, &c.activities),
            (phase, std::slice::from_ref(&c.phase)),
            (region, c.region.as_slice()),
            (department, c.department.as_slice()),
        ] {
            add_keys(&mut doc, field, values.iter().map(String::as_str));
        }
        // The slugs' words: « acces-au-numerique » is found by « numérique ».
        for tag in [&c.levers, &c.fragilities, &c.families, &c.activities]
            .into_iter()
            .flatten()
            .chain(std::iter::once(&c.phase))
        {
            add_trimmed(&mut doc, f.tags, tag);
        }
        if let Some(year) = c.started_year {
            doc.add_i64(f.started_year, i64::from(year));
        }
        doc.add_i64(f.published, c.published_at);
        doc.add_text(f.sort_title, catalyse_core::text::fold(&c.title));
        doc.add_bool(f.is_example, c.is_example);
        add_keys(&mut doc, f.place, std::iter::once(c.place.as_str()));
        let people: Vec<String> = c.people.iter().map(i64::to_string).collect();
        add_keys(&mut doc, f.person, people.iter().map(String::as_str));
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<CaseIndex>();
    }
}
