//! Server-side clustering of the network map (members, places, case studies and needs of
//! territories), for a
//! national map of up to a few million points answered in milliseconds.
//!
//! The web server keeps one [`MapIndex`] in memory (rebuilt when the network changes) and
//! answers `GET /api/v1/map/clusters?bbox=W,S,E,N&zoom=Z&layers=…&family=…` with
//! [`MapIndex::clusters`] + [`feature_collection_json`], and the list view `/carte/liste` with
//! [`MapIndex::list`]. Both use the same bounding-box test and the same [`Filter`], so **the map
//! and the list agree**: for one bbox and filter, the sum of the cluster counts plus the single
//! points returned by `clusters` (at any zoom) equals the total returned by `list`.
//!
//! # Public surface
//!
//! ```text
//! pub enum Layer { Member, Place, Case, Need }   // serde "member" / "place" / "case" / "need"
//! pub struct MapPoint { id, layer, lon, lat, public, families, activities, levers,
//!                       region, kind, territory, name: Box<str>, slug: Box<str> }
//! pub struct Filter { members, places, cases, needs, include_private,
//!                     family, activity, lever, region, kind }
//! pub struct BBox { west, south, east, north }           // WGS84 degrees
//! impl BBox { pub fn parse(s: &str) -> Result<BBox, BBoxError>;   // "W,S,E,N"
//!             pub fn validate(&self) -> Result<(), BBoxError>;
//!             pub fn pixel_size(&self, zoom: u8) -> Option<(f64, f64)>; }
//! pub enum Feature<'a> { Cluster { lon, lat, count, members, places, cases, needs,
//!                                  expansion_zoom, bbox },
//!                        Point(&'a MapPoint) }
//! impl MapIndex {
//!     pub fn build(points: Vec<MapPoint>) -> MapIndex;
//!     pub fn len(&self) -> usize;  pub fn is_empty(&self) -> bool;
//!     pub fn points(&self) -> &[MapPoint];                // in index (Morton) order
//!     pub fn clusters(&self, bbox: &BBox, zoom: u8, filter: &Filter) -> Vec<Feature<'_>>;
//!     pub fn count(&self, bbox: &BBox, filter: &Filter) -> usize;
//!     pub fn list(&self, bbox: &BBox, filter: &Filter, offset: usize, limit: usize)
//!         -> (usize, Vec<&MapPoint>);
//!     pub fn get(&self, layer: Layer, id: i64) -> Option<&MapPoint>;
//!     pub fn heap_bytes(&self) -> usize;                  // index structures, without the points
//! }
//! pub fn feature_collection_json(features: &[Feature<'_>], out: &mut String);
//! pub fn feature_collection_json_with(features: &[Feature<'_>], out: &mut String,
//!     extra: impl FnMut(&MapPoint, &mut Props<'_>));        // more properties per point
//! pub fn spread_like_population(communes: &[(f64, f64, u64)], n: usize, seed: u64)
//!     -> Vec<(usize, f64, f64)>;
//! ```
//!
//! # Clustering rule
//!
//! Grid clustering in Web-Mercator pixel space, the projection of Leaflet's default CRS
//! (EPSG:3857, 256-px tiles, zoom 0..=[`MAX_ZOOM`]): at zoom `z` the world is cut into square
//! cells of [`CELL_PX`] = 64 pixels (`2^(z+2)` cells per side). The matching points of one
//! cell that lie inside the requested bbox form one feature: a [`Feature::Point`] when there is
//! one, else a [`Feature::Cluster`] placed at the mean of its points (mean taken in Mercator
//! space, like Supercluster), with its counts per layer (members, places, cases, needs) and the
//! extent of its points. Cells at
//! the edge of the bbox are **clipped**: only their points inside the bbox are counted. That is
//! what makes the map and the list agree, at the price of edge clusters whose count changes as
//! the view moves (Leaflet asks for a padded view, so the clipped edge is mostly off-screen).
//!
//! 64 px rather than 60: a power of two makes a cell at zoom `z` exactly four cells at zoom
//! `z + 1`, so the cells of every zoom are the levels of a single quadtree (below).
//!
//! `expansion_zoom` is honest: the smallest zoom at which the cluster's points (as filtered and
//! clipped) no longer share one cell, which is the zoom a click should go to. It is computed in
//! O(1) from the Morton codes of the cluster's first and last points. Points that still share
//! one cell at zoom 20 (about 7 m in France) report `MAX_ZOOM + 1` = 21: the client should then
//! open the list for the cluster's `bbox` instead of zooming.
//!
//! # Bounding boxes
//!
//! A point is inside when `west <= lon <= east` and `south <= lat <= north`, evaluated on
//! fixed-point Mercator coordinates (2^32 units around the world, about 1 cm), boundaries
//! included. Latitudes are clamped to Mercator's ±85.0511°. Longitudes outside ±180 are
//! wrapped; a box at least 360° wide is the whole world; **`west > east` (after wrapping) is
//! read as crossing the antimeridian and split into `[west, 180] ∪ [-180, east]`**. A box with
//! a non-finite value or `south > north` is invalid: `clusters` returns nothing and `list` and
//! `count` return 0 (the server should rather reject it with [`BBox::parse`], which reports
//! why). Zooms above [`MAX_ZOOM`] are clamped to it.
//!
//! # Filters
//!
//! [`Filter`]: layers (any choice among members, places, cases and needs), private points (only
//! with `include_private`), optional equality on région and place kind, and "has this bit" on
//! families, activities and levers, all combined with AND. A bit index out of range
//! (family ≥ [`MAX_FAMILIES`] other than [`NO_FAMILY`], activity ≥ 16, lever ≥ 8) or no layer
//! at all matches nothing.
//!
//! **Families are a set.** A member belongs to one actor family, a case study involves
//! several, a need seeks several: [`MapPoint::families`] is a bitmask (at most
//! [`MAX_FAMILIES`] families), and a family filter keeps the points whose set holds that
//! family: the members of that family, the cases it takes part in and the needs that seek
//! it. A case of three families is counted once under each of
//! them, as a search facet counts it; the map, the count and the list apply the same test,
//! so they still agree. `family: Some(NO_FAMILY)` keeps the points without any family.
//!
//! # Design and costs
//!
//! * **Columns in Morton order.** `build` projects every point to fixed-point Mercator `(x, y)`
//!   (`u32` each), sorts the points by the Morton code of `(x, y)` (ties by layer and id, so
//!   the result does not depend on input order) and keeps three columns in that order: `x`,
//!   `y`, and one `u64` attribute word (families, activities, levers, région, kind, layer,
//!   private). Every filter compiles to one `(word & mask) == want` test (the layer is one
//!   bit per layer, so that any choice of layers is such a test). In Morton order
//!   every cell of every zoom is one contiguous range of the columns.
//! * **A quadtree over those ranges** whose level `l` is the cell grid of zoom `l - 2`: a node
//!   with at least [`LEAF_SIZE`] points has four children, down to level 22 (zoom 20). Each
//!   such node stores **precomputed aggregates per layer × public/private** (eight classes:
//!   members, places, cases and needs, each public or private; count, sums of
//!   `x` and `y`, extent, first and last index), so an unfiltered query (any layer choice,
//!   with or without private points) takes whole cells inside the bbox in O(1); and a
//!   **summary** of the attribute values present (families, régions < 32, kinds, activity and
//!   lever bits), which prunes subtrees that cannot match a filter (a région filter at the
//!   national zoom only visits that région).
//! * **Queries** walk the tree down to the query zoom's level, skipping nodes outside the
//!   bbox. A cell fully inside the bbox is answered from its aggregates (unfiltered, any
//!   choice of layers) or by
//!   one scan of its range (filtered; no bbox test; it goes down into the children only
//!   where a child's summary rules it out); a cell cut by the bbox recurses into its
//!   children, scanning only the leaves (< [`LEAF_SIZE`] points) that the edge crosses.
//!   Scans test 64 attribute words at a time into a bitmask (the compiler vectorises it),
//!   then sum a chunk where all match in straight loops, or visit only the matches.
//!   Cost: unfiltered O(cells in view + bbox perimeter), tens of microseconds at any zoom;
//!   filtered O(points in bbox), under 1 ms for all of France with one million points on
//!   one core (measured: `bench/map`).
//! * **The list** counts with the same walk, then either walks a precomputed name order
//!   and stops after the requested page (when matches are dense in that order), or collects
//!   the matches in the bbox and selects the page by name rank (few matches, or a deep page).
//!   Names compare case- and accent-insensitively (a French folding: `é` = `e`, `œ` = `oe`…),
//!   then by exact name, id and layer.
//! * **Memory**: besides the [`MapPoint`]s themselves (72 bytes each plus their two strings),
//!   28 bytes per point (columns, name order and rank, id order) plus the tree (about 6 MB
//!   at one million points: 4 MB measured with two layers, whose nodes held 208 bytes of
//!   aggregates; the eight classes of four layers take 464): 34 MB in all for one million;
//!   see [`MapIndex::heap_bytes`]. The
//!   index is immutable and `Send + Sync`: share it behind an `Arc` and rebuild it on change
//!   (about a second for one million points).
//!
//! Why not precompute the clusters of every zoom, as Supercluster does: that answers only
//! the unfiltered map (one index per filter combination otherwise), and its clusters keep
//! points outside the view, so the map could not agree with the list. One Morton-ordered
//! quadtree serves every zoom, every filter and the list, in 5 times less memory than
//! Supercluster at one million points (`bench/map/README.md`).
//!
//! Results are deterministic: same points (in any order, with unique `(layer, id)`) and same
//! query give the same features in the same order (cells in Morton order).

mod fold;
mod generator;
mod geo;
mod index;
mod json;
mod layout;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use generator::spread_like_population;
pub use index::MapIndex;
pub use json::{feature_collection_json, feature_collection_json_with, Props};

/// Highest zoom (Leaflet's usual `maxZoom`); higher requested zooms are clamped to it.
pub const MAX_ZOOM: u8 = 20;
/// Side of a clustering cell, in screen pixels (256-px tiles).
pub const CELL_PX: u32 = 64;
/// A quadtree node with at least this many points has children and aggregates; smaller nodes
/// are scanned.
pub const LEAF_SIZE: usize = 64;
/// How many actor families [`MapPoint::families`] can hold (bits 0..8).
pub const MAX_FAMILIES: u8 = 8;
/// [`Filter::family`] value that keeps the points without any actor family.
pub const NO_FAMILY: u8 = 255;
/// `MapPoint::region` when the point has no région.
pub const NO_REGION: u16 = u16::MAX;
/// `MapPoint::kind` for members, and places without a kind.
pub const NO_KIND: u8 = 255;
/// [`MapPoint::territory`] when the caller has none.
pub const NO_TERRITORY: u32 = u32::MAX;

/// The four layers of the map: members of the network, places, case studies (« pratiques
/// innovantes »), needs of territories (« besoins des territoires »).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Member,
    Place,
    Case,
    Need,
}

impl Layer {
    pub const ALL: [Layer; 4] = [Layer::Member, Layer::Place, Layer::Case, Layer::Need];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Member => "member",
            Layer::Place => "place",
            Layer::Case => "case",
            Layer::Need => "need",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One point of the map. Points with a non-finite `lon` or `lat` are kept (for
/// [`MapIndex::get`]) but never shown nor listed; longitudes outside ±180 are wrapped and
/// latitudes beyond Mercator's ±85.0511° count as on its edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPoint {
    pub id: i64,
    pub layer: Layer,
    pub lon: f64,
    pub lat: f64,
    /// `false`: visible to signed-in members only ([`Filter::include_private`]).
    pub public: bool,
    /// Bitmask of the actor families (bit `i`: family `i`, below [`MAX_FAMILIES`]): one bit
    /// for a member, several for a case study (or the families a need seeks), none for a
    /// place.
    pub families: u8,
    /// Bitmask of the 16 métier activities.
    pub activities: u16,
    /// Bitmask of the 7 levers (bit 7 is accepted too).
    pub levers: u8,
    /// Index of the région in the caller's numbering, [`NO_REGION`] for none. Indices below 32
    /// also prune the tree for région filters; larger ones work, without pruning.
    pub region: u16,
    /// Place kind index (places only), [`NO_KIND`] for none.
    pub kind: u8,
    /// The territory the point stands for, as an index in the caller's own list (the web
    /// server: its geography), [`NO_TERRITORY`] for none. Not used by the engine; it fits in
    /// the padding of the struct, so it costs no memory.
    pub territory: u32,
    /// Display name (the list's sort key).
    pub name: Box<str>,
    /// URL slug, built by the caller.
    pub slug: Box<str>,
}

/// Which points a query counts. `Filter::default()`: every layer, public points only, no
/// attribute filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filter {
    pub members: bool,
    pub places: bool,
    pub cases: bool,
    pub needs: bool,
    /// Also count private points (signed-in visitors).
    pub include_private: bool,
    /// Family index (below [`MAX_FAMILIES`]) among the point's families: a member of that
    /// family, a case study it takes part in. [`NO_FAMILY`]: points without any family.
    pub family: Option<u8>,
    /// Activity bit index (0..=15) set.
    pub activity: Option<u8>,
    /// Lever bit index (0..=7) set.
    pub lever: Option<u8>,
    /// Région index equal to this.
    pub region: Option<u16>,
    /// Place kind equal to this (members never match).
    pub kind: Option<u8>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            members: true,
            places: true,
            cases: true,
            needs: true,
            include_private: false,
            family: None,
            activity: None,
            lever: None,
            region: None,
            kind: None,
        }
    }
}

/// A WGS84 bounding box in degrees. See the crate docs for wrapping, the antimeridian and
/// invalid boxes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

/// Why [`BBox::parse`] rejected a `bbox` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BBoxError {
    /// Not four comma-separated numbers.
    Syntax,
    /// A value is NaN or infinite.
    NotFinite,
    /// A latitude is outside -90..=90.
    LatitudeOutOfRange,
    /// `south > north`.
    SouthAboveNorth,
}

impl fmt::Display for BBoxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BBoxError::Syntax => "bbox must be four comma-separated numbers: west,south,east,north",
            BBoxError::NotFinite => "bbox values must be finite numbers",
            BBoxError::LatitudeOutOfRange => "bbox latitudes must be between -90 and 90",
            BBoxError::SouthAboveNorth => "bbox south must not be greater than north",
        })
    }
}

impl std::error::Error for BBoxError {}

impl BBox {
    /// The whole world.
    pub const WORLD: BBox = BBox {
        west: -180.0,
        south: -90.0,
        east: 180.0,
        north: 90.0,
    };

    pub const fn new(west: f64, south: f64, east: f64, north: f64) -> BBox {
        BBox {
            west,
            south,
            east,
            north,
        }
    }

    /// Parses the `bbox=W,S,E,N` query parameter (Leaflet's `getBounds().toBBoxString()`).
    /// `west > east` is accepted (antimeridian), as are longitudes beyond ±180 (wrapped).
    pub fn parse(s: &str) -> Result<BBox, BBoxError> {
        let mut it = s.split(',');
        let mut v = [0.0f64; 4];
        for slot in &mut v {
            let part = it.next().ok_or(BBoxError::Syntax)?.trim();
            *slot = part.parse().map_err(|_| BBoxError::Syntax)?;
        }
        if it.next().is_some() {
            return Err(BBoxError::Syntax);
        }
        let b = BBox::new(v[0], v[1], v[2], v[3]);
        b.validate()?;
        Ok(b)
    }

    /// Width and height of the box in screen pixels at `zoom` (clamped to [`MAX_ZOOM`]),
    /// following the same rules as the queries (wrapping, antimeridian, Mercator clamp);
    /// `None` for an invalid box. A view of `w × h` pixels returns at most
    /// `(w / 64 + 2) × (h / 64 + 2)` features: the server should refuse views much larger
    /// than a screen (say 8,192 px a side), whose answer could hold every point.
    pub fn pixel_size(&self, zoom: u8) -> Option<(f64, f64)> {
        geo::pixel_size(self, zoom.min(MAX_ZOOM))
    }

    /// Checks what [`BBox::parse`] checks.
    pub fn validate(&self) -> Result<(), BBoxError> {
        if ![self.west, self.south, self.east, self.north]
            .iter()
            .all(|v| v.is_finite())
        {
            return Err(BBoxError::NotFinite);
        }
        if !(-90.0..=90.0).contains(&self.south) || !(-90.0..=90.0).contains(&self.north) {
            return Err(BBoxError::LatitudeOutOfRange);
        }
        if self.south > self.north {
            return Err(BBoxError::SouthAboveNorth);
        }
        Ok(())
    }
}

/// One feature of a [`MapIndex::clusters`] answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Feature<'a> {
    /// Two or more points of one cell.
    Cluster {
        /// Mean position of its points (in Mercator space).
        lon: f64,
        lat: f64,
        count: u32,
        /// Points of each layer (`members + places + cases + needs == count`).
        members: u32,
        places: u32,
        cases: u32,
        needs: u32,
        /// Smallest zoom at which these points no longer share a cell; `MAX_ZOOM + 1` when
        /// they still do at `MAX_ZOOM`.
        expansion_zoom: u8,
        /// Extent of its points.
        bbox: BBox,
    },
    /// A point alone in its cell.
    Point(&'a MapPoint),
}

impl Feature<'_> {
    /// Points this feature stands for.
    pub fn count(&self) -> u32 {
        match self {
            Feature::Cluster { count, .. } => *count,
            Feature::Point(_) => 1,
        }
    }
}

#[cfg(test)]
mod tests;
