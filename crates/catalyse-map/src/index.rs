//! The index: Morton-ordered columns, a quadtree with per-class aggregates, name and id
//! orders, and the queries over them. See the crate docs for the design.

use crate::fold;
use crate::geo::{
    cell_extent, morton, project_x, project_y, unproject_x, unproject_y, wrap_lon, Region,
    Relation, MAX_LEVEL,
};
use crate::{BBox, Feature, Filter, Layer, MapPoint, LEAF_SIZE, MAX_ZOOM};

// Attribute word: family 0..8, activities 8..24, levers 24..32, région 32..48, kind 48..56,
// then the class bits (place, private) and a "hidden" bit for non-finite coordinates.
const PLACE_BIT: u64 = 1 << 56;
const PRIVATE_BIT: u64 = 1 << 57;
const HIDDEN_BIT: u64 = 1 << 58;
const CLASS_SHIFT: u32 = 56;

fn pack(p: &MapPoint) -> u64 {
    let mut w = p.family as u64
        | (p.activities as u64) << 8
        | (p.levers as u64) << 24
        | (p.region as u64) << 32
        | (p.kind as u64) << 48;
    if p.layer == Layer::Place {
        w |= PLACE_BIT;
    }
    if !p.public {
        w |= PRIVATE_BIT;
    }
    if !(p.lon.is_finite() && p.lat.is_finite()) {
        w |= HIDDEN_BIT;
    }
    w
}

/// Class of a word: 0 public member, 1 public place, 2 private member, 3 private place.
#[inline]
fn class_of(w: u64) -> usize {
    ((w >> CLASS_SHIFT) & 3) as usize
}

// Summary of the attribute values present in a node, as a necessary condition for a filter:
// one-hot family (16 + "other"), région (32 + "other"), kind (16 + "other"), then the
// activity and lever bits as they are.
const S_FAMILY: u32 = 0;
const S_REGION: u32 = 17;
const S_KIND: u32 = 50;
const S_ACTIVITY: u32 = 67;
const S_LEVER: u32 = 83;

fn family_bit(f: u8) -> u128 {
    1u128 << (S_FAMILY + (f as u32).min(16))
}
fn region_bit(r: u16) -> u128 {
    1u128 << (S_REGION + (r as u32).min(32))
}
fn kind_bit(k: u8) -> u128 {
    1u128 << (S_KIND + (k as u32).min(16))
}
fn summary_of(w: u64) -> u128 {
    family_bit(w as u8)
        | region_bit((w >> 32) as u16)
        | kind_bit((w >> 48) as u8)
        | (((w >> 8) & 0xFFFF) as u128) << S_ACTIVITY
        | (((w >> 24) & 0xFF) as u128) << S_LEVER
}

/// Aggregate of a set of points: also the accumulator of a cluster.
#[derive(Debug, Clone, Copy)]
struct Agg {
    count: u32,
    places: u32,
    /// First and last index (Morton order) of the points.
    first: u32,
    last: u32,
    min_x: u32,
    min_y: u32,
    max_x: u32,
    max_y: u32,
    sum_x: u64,
    sum_y: u64,
}

impl Agg {
    const EMPTY: Agg = Agg {
        count: 0,
        places: 0,
        first: u32::MAX,
        last: 0,
        min_x: u32::MAX,
        min_y: u32::MAX,
        max_x: 0,
        max_y: 0,
        sum_x: 0,
        sum_y: 0,
    };

    #[inline]
    fn merge(&mut self, o: &Agg) {
        if o.count == 0 {
            return;
        }
        self.count += o.count;
        self.places += o.places;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.min_x = self.min_x.min(o.min_x);
        self.min_y = self.min_y.min(o.min_y);
        self.max_x = self.max_x.max(o.max_x);
        self.max_y = self.max_y.max(o.max_y);
        self.sum_x += o.sum_x;
        self.sum_y += o.sum_y;
    }

    /// Adds point `i` (points come in increasing index order within one scan).
    #[inline(always)]
    fn add(&mut self, i: usize, x: u32, y: u32, place: bool) {
        self.count += 1;
        self.places += place as u32;
        self.first = self.first.min(i as u32);
        self.last = self.last.max(i as u32);
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
        self.sum_x += x as u64;
        self.sum_y += y as u64;
    }
}

/// Aggregates of a node with at least `LEAF_SIZE` points: one per class, and the summary.
#[derive(Debug, Clone, Copy)]
struct NodeAgg {
    classes: [Agg; 4],
    summary: u128,
}

impl NodeAgg {
    const EMPTY: NodeAgg = NodeAgg {
        classes: [Agg::EMPTY; 4],
        summary: 0,
    };

    fn merge(&mut self, o: &NodeAgg) {
        for (a, b) in self.classes.iter_mut().zip(&o.classes) {
            a.merge(b);
        }
        self.summary |= o.summary;
    }
}

const NONE: u32 = u32::MAX;

/// A quadtree node: the range of its points, its four children (consecutive, `first_child`,
/// 0 for a leaf) and its aggregates (`NONE` for nodes under `LEAF_SIZE` points).
#[derive(Debug, Clone, Copy)]
struct Node {
    start: u32,
    end: u32,
    first_child: u32,
    agg: u32,
}

/// A compiled [`Filter`].
#[derive(Debug, Clone, Copy)]
struct Query {
    mask: u64,
    want: u64,
    /// Bit `c` set when class `c` (see `class_of`) is wanted.
    classes: u8,
    /// No attribute filter: the class aggregates answer whole cells.
    class_only: bool,
    /// Summary bits a node must have to hold a match.
    required: u128,
}

impl Query {
    fn new(f: &Filter) -> Option<Query> {
        let mut classes = 0u8;
        for c in 0..4u8 {
            let layer_ok = if c & 1 == 1 { f.places } else { f.members };
            if layer_ok && (c & 2 == 0 || f.include_private) {
                classes |= 1 << c;
            }
        }
        if classes == 0 {
            return None;
        }
        let mut mask = HIDDEN_BIT;
        let mut want = 0u64;
        if !(f.members && f.places) {
            mask |= PLACE_BIT;
            if f.places {
                want |= PLACE_BIT;
            }
        }
        if !f.include_private {
            mask |= PRIVATE_BIT;
        }
        let mut required = 0u128;
        if let Some(v) = f.family {
            mask |= 0xFF;
            want |= v as u64;
            required |= family_bit(v);
        }
        if let Some(b) = f.activity {
            if b >= 16 {
                return None;
            }
            let bit = 1u64 << (8 + b);
            mask |= bit;
            want |= bit;
            required |= 1u128 << (S_ACTIVITY + b as u32);
        }
        if let Some(b) = f.lever {
            if b >= 8 {
                return None;
            }
            let bit = 1u64 << (24 + b);
            mask |= bit;
            want |= bit;
            required |= 1u128 << (S_LEVER + b as u32);
        }
        if let Some(r) = f.region {
            mask |= 0xFFFF << 32;
            want |= (r as u64) << 32;
            required |= region_bit(r);
        }
        if let Some(k) = f.kind {
            mask |= 0xFF << 48;
            want |= (k as u64) << 48;
            required |= kind_bit(k);
        }
        let class_only = f.family.is_none()
            && f.activity.is_none()
            && f.lever.is_none()
            && f.region.is_none()
            && f.kind.is_none();
        Some(Query {
            mask,
            want,
            classes,
            class_only,
            required,
        })
    }

    #[inline]
    fn may_match(&self, a: &NodeAgg) -> bool {
        a.summary & self.required == self.required
            && (0..4).any(|c| self.classes & (1 << c) != 0 && a.classes[c].count > 0)
    }
}

/// The two ways [`MapIndex::list`] finds a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListPath {
    /// Walk the name order, stop after the page.
    NameOrder,
    /// Collect the matches in the bbox, select the page by name rank.
    Collect,
}

/// The in-memory map index. See the crate docs.
#[derive(Debug, Clone)]
pub struct MapIndex {
    /// The points, in Morton order of their fixed-point Mercator position.
    points: Vec<MapPoint>,
    xs: Vec<u32>,
    ys: Vec<u32>,
    words: Vec<u64>,
    nodes: Vec<Node>,
    aggs: Vec<NodeAgg>,
    /// Point indices in list order (folded name, name, id, layer).
    by_name: Vec<u32>,
    /// Position of each point in `by_name`.
    name_rank: Vec<u32>,
    /// Point indices by (layer, id).
    by_id: Vec<u32>,
}

/// Reorders `v` so that `v[i]` becomes the old `v[perm[i]]`, in place (consumes `perm`).
fn permute<T>(v: &mut [T], mut perm: Vec<u32>) {
    for i in 0..perm.len() {
        if perm[i] == NONE {
            continue;
        }
        let mut cur = i;
        loop {
            let next = perm[cur] as usize;
            perm[cur] = NONE;
            if next == i {
                break;
            }
            v.swap(cur, next);
            cur = next;
        }
    }
}

struct TreeBuilder<'a> {
    codes: &'a [u64],
    xs: &'a [u32],
    ys: &'a [u32],
    words: &'a [u64],
    leaf: usize,
    nodes: Vec<Node>,
    aggs: Vec<NodeAgg>,
}

impl TreeBuilder<'_> {
    fn scan(&self, s: usize, e: usize) -> NodeAgg {
        let mut agg = NodeAgg::EMPTY;
        for i in s..e {
            let w = self.words[i];
            if w & HIDDEN_BIT != 0 {
                continue;
            }
            let c = class_of(w);
            agg.classes[c].add(i, self.xs[i], self.ys[i], w & PLACE_BIT != 0);
            agg.summary |= summary_of(w);
        }
        agg
    }

    /// Builds node `idx` (its range is set) at `level`; returns its aggregate.
    fn node(&mut self, idx: usize, level: u32) -> NodeAgg {
        let (s, e) = (self.nodes[idx].start as usize, self.nodes[idx].end as usize);
        if e - s < self.leaf {
            return self.scan(s, e);
        }
        let agg = if level < MAX_LEVEL {
            let shift = 62 - 2 * level;
            let codes = &self.codes[s..e];
            let split = |k: u64| (s + codes.partition_point(|&c| (c >> shift) & 3 < k)) as u32;
            let bounds = [s as u32, split(1), split(2), split(3), e as u32];
            let first = self.nodes.len();
            for k in 0..4 {
                self.nodes.push(Node {
                    start: bounds[k],
                    end: bounds[k + 1],
                    first_child: 0,
                    agg: NONE,
                });
            }
            self.nodes[idx].first_child = first as u32;
            let mut agg = NodeAgg::EMPTY;
            for k in 0..4 {
                let child = self.node(first + k, level + 1);
                agg.merge(&child);
            }
            agg
        } else {
            self.scan(s, e)
        };
        self.aggs.push(agg);
        self.nodes[idx].agg = (self.aggs.len() - 1) as u32;
        agg
    }
}

/// What a cluster query needs along the walk.
struct Ctx<'q> {
    region: &'q Region,
    q: &'q Query,
    /// Quadtree level of the query's cells.
    level: u32,
    zoom: u8,
}

impl MapIndex {
    /// Builds the index (takes about a second for one million points).
    pub fn build(points: Vec<MapPoint>) -> MapIndex {
        Self::build_with_leaf(points, LEAF_SIZE)
    }

    pub(crate) fn build_with_leaf(mut points: Vec<MapPoint>, leaf: usize) -> MapIndex {
        let n = points.len();
        assert!(n < u32::MAX as usize, "at most 2^32 - 2 points");
        let position = |p: &MapPoint| -> Option<(u32, u32)> {
            (p.lon.is_finite() && p.lat.is_finite())
                .then(|| (project_x(wrap_lon(p.lon)), project_y(p.lat)))
        };
        let mut order: Vec<(u64, u32)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let code = position(p).map_or(u64::MAX, |(x, y)| morton(x, y));
                (code, i as u32)
            })
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| {
                    let (pa, pb) = (&points[a.1 as usize], &points[b.1 as usize]);
                    (pa.layer, pa.id).cmp(&(pb.layer, pb.id))
                })
                .then(a.1.cmp(&b.1))
        });
        let codes: Vec<u64> = order.iter().map(|o| o.0).collect();
        let perm: Vec<u32> = order.into_iter().map(|o| o.1).collect();
        permute(&mut points, perm);

        let mut xs = Vec::with_capacity(n);
        let mut ys = Vec::with_capacity(n);
        let mut words = Vec::with_capacity(n);
        for p in &points {
            let (x, y) = position(p).unwrap_or((u32::MAX, u32::MAX));
            xs.push(x);
            ys.push(y);
            words.push(pack(p));
        }

        let mut tree = TreeBuilder {
            codes: &codes,
            xs: &xs,
            ys: &ys,
            words: &words,
            leaf: leaf.max(2),
            nodes: vec![Node {
                start: 0,
                end: n as u32,
                first_child: 0,
                agg: NONE,
            }],
            aggs: Vec::new(),
        };
        tree.node(0, 0);
        let TreeBuilder {
            mut nodes,
            mut aggs,
            ..
        } = tree;
        nodes.shrink_to_fit();
        aggs.shrink_to_fit();
        drop(codes);

        // List order. The 16-byte folded prefix settles most comparisons; equal names (common:
        // the same first and last names) are recognised by a byte comparison before folding.
        let mut named: Vec<(u64, u64, u32)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let k = fold::prefix_key(&p.name);
                ((k >> 64) as u64, k as u64, i as u32)
            })
            .collect();
        named.sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| {
                    let (pa, pb) = (&points[a.2 as usize], &points[b.2 as usize]);
                    let by_name = if pa.name == pb.name {
                        std::cmp::Ordering::Equal
                    } else {
                        fold::cmp_folded(&pa.name, &pb.name).then_with(|| pa.name.cmp(&pb.name))
                    };
                    by_name
                        .then(pa.id.cmp(&pb.id))
                        .then(pa.layer.cmp(&pb.layer))
                })
                .then(a.2.cmp(&b.2))
        });
        let by_name: Vec<u32> = named.into_iter().map(|o| o.2).collect();
        let mut name_rank = vec![0u32; n];
        for (r, &i) in by_name.iter().enumerate() {
            name_rank[i as usize] = r as u32;
        }
        let mut by_id: Vec<u32> = (0..n as u32).collect();
        by_id.sort_unstable_by(|&a, &b| {
            let (pa, pb) = (&points[a as usize], &points[b as usize]);
            (pa.layer, pa.id).cmp(&(pb.layer, pb.id)).then(a.cmp(&b))
        });

        MapIndex {
            points,
            xs,
            ys,
            words,
            nodes,
            aggs,
            by_name,
            name_rank,
            by_id,
        }
    }

    /// Number of points (including those without valid coordinates).
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// All points, in index (Morton) order.
    pub fn points(&self) -> &[MapPoint] {
        &self.points
    }

    /// Heap bytes of the index structures, not counting the [`MapPoint`]s and their strings.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.xs.capacity() * 4
            + self.ys.capacity() * 4
            + self.words.capacity() * 8
            + self.nodes.capacity() * size_of::<Node>()
            + self.aggs.capacity() * size_of::<NodeAgg>()
            + (self.by_name.capacity() + self.name_rank.capacity() + self.by_id.capacity()) * 4
    }

    /// The point of that layer and id (any one of them if the caller gave duplicates).
    pub fn get(&self, layer: Layer, id: i64) -> Option<&MapPoint> {
        let k = self
            .by_id
            .binary_search_by(|&j| {
                let p = &self.points[j as usize];
                (p.layer, p.id).cmp(&(layer, id))
            })
            .ok()?;
        Some(&self.points[self.by_id[k] as usize])
    }

    fn prepare(&self, bbox: &BBox, filter: &Filter) -> Option<(Region, Query)> {
        if self.points.is_empty() {
            return None;
        }
        Some((Region::from_bbox(bbox)?, Query::new(filter)?))
    }

    /// Clusters and single points of the view: one feature per 64-px cell of `zoom` holding
    /// matching points inside `bbox`, in Morton order of the cells. See the crate docs.
    pub fn clusters(&self, bbox: &BBox, zoom: u8, filter: &Filter) -> Vec<Feature<'_>> {
        let mut out = Vec::new();
        let Some((region, q)) = self.prepare(bbox, filter) else {
            return out;
        };
        let zoom = zoom.min(MAX_ZOOM);
        let ctx = Ctx {
            region: &region,
            q: &q,
            level: zoom as u32 + 2,
            zoom,
        };
        let rel = region.relation(cell_extent(0, 0, 0));
        if rel != Relation::Outside {
            self.descend(&ctx, 0, 0, 0, 0, rel, &mut out);
        }
        out
    }

    /// Number of points matching `filter` inside `bbox`: the list's total, and the sum of the
    /// counts of `clusters` at any zoom.
    pub fn count(&self, bbox: &BBox, filter: &Filter) -> usize {
        match self.prepare(bbox, filter) {
            Some((region, q)) => self.count_in(&region, &q),
            None => 0,
        }
    }

    fn count_in(&self, region: &Region, q: &Query) -> usize {
        let rel = region.relation(cell_extent(0, 0, 0));
        if rel == Relation::Outside {
            return 0;
        }
        let mut acc = Agg::EMPTY;
        self.accumulate(region, q, 0, 0, 0, 0, rel, &mut acc);
        acc.count as usize
    }

    /// The points matching `filter` inside `bbox`, sorted by name (case- and
    /// accent-insensitively, then exact name, id, layer): `limit` of them from `offset`, and
    /// the total.
    pub fn list(
        &self,
        bbox: &BBox,
        filter: &Filter,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<&MapPoint>) {
        self.list_with(bbox, filter, offset, limit, None)
    }

    pub(crate) fn list_with(
        &self,
        bbox: &BBox,
        filter: &Filter,
        offset: usize,
        limit: usize,
        path: Option<ListPath>,
    ) -> (usize, Vec<&MapPoint>) {
        let Some((region, q)) = self.prepare(bbox, filter) else {
            return (0, Vec::new());
        };
        let total = self.count_in(&region, &q);
        if offset >= total || limit == 0 {
            return (total, Vec::new());
        }
        let end = offset + limit.min(total - offset);
        // Walking the name order visits about end * len / total points (random accesses);
        // collecting costs about `total` sequential matches and a selection.
        let path = path.unwrap_or({
            let visits = end as f64 * self.len() as f64 / total as f64;
            if visits < total as f64 {
                ListPath::NameOrder
            } else {
                ListPath::Collect
            }
        });
        let page = match path {
            ListPath::NameOrder => {
                let mut page = Vec::with_capacity(end - offset);
                let mut seen = 0usize;
                for &i in &self.by_name {
                    let i = i as usize;
                    if self.words[i] & q.mask == q.want && region.contains(self.xs[i], self.ys[i]) {
                        if seen >= offset {
                            page.push(&self.points[i]);
                            if page.len() == end - offset {
                                break;
                            }
                        }
                        seen += 1;
                    }
                }
                page
            }
            ListPath::Collect => {
                let mut keys: Vec<u64> = Vec::with_capacity(total);
                let rel = region.relation(cell_extent(0, 0, 0));
                self.visit(&region, &q, 0, 0, 0, 0, rel, &mut |i| {
                    keys.push((self.name_rank[i] as u64) << 32 | i as u64)
                });
                if end < keys.len() {
                    keys.select_nth_unstable(end);
                    keys.truncate(end);
                }
                keys.sort_unstable();
                keys[offset..]
                    .iter()
                    .map(|&k| &self.points[(k & 0xFFFF_FFFF) as usize])
                    .collect()
            }
        };
        (total, page)
    }

    /// Calls `f(base, len, bits)` for each chunk of up to 64 points `base..base + len` of
    /// `s..e`, bit `j` of `bits` set when point `base + j` matches; tests the region only
    /// when `clip` is set.
    #[inline(always)]
    fn for_each_chunk(
        &self,
        s: usize,
        e: usize,
        q: &Query,
        clip: Option<&Region>,
        mut f: impl FnMut(usize, usize, u64),
    ) {
        let (mask, want) = (q.mask, q.want);
        let words = &self.words[s..e];
        let mut base = s;
        match clip {
            None => {
                for wc in words.chunks(64) {
                    let mut bits = 0u64;
                    for (j, &w) in wc.iter().enumerate() {
                        bits |= (((w & mask) == want) as u64) << j;
                    }
                    f(base, wc.len(), bits);
                    base += 64;
                }
            }
            Some(region) => {
                let xs = &self.xs[s..e];
                let ys = &self.ys[s..e];
                for ((wc, xc), yc) in words.chunks(64).zip(xs.chunks(64)).zip(ys.chunks(64)) {
                    let mut bits = 0u64;
                    for j in 0..wc.len() {
                        let m = ((wc[j] & mask) == want) & region.contains(xc[j], yc[j]);
                        bits |= (m as u64) << j;
                    }
                    f(base, wc.len(), bits);
                    base += 64;
                }
            }
        }
    }

    /// Calls `f` with the index of every match in `s..e`, in order; tests the region only when
    /// `clip` is set.
    #[inline(always)]
    fn for_each_match(
        &self,
        s: usize,
        e: usize,
        q: &Query,
        clip: Option<&Region>,
        mut f: impl FnMut(usize),
    ) {
        self.for_each_chunk(s, e, q, clip, |base, _, mut bits| {
            while bits != 0 {
                f(base + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        });
    }

    /// Adds the matches of `s..e` to `acc`. A chunk where every point matches (the common
    /// case without filter) is summed in straight, vectorisable loops; otherwise only the
    /// matches are visited.
    #[inline]
    fn scan_into(&self, s: usize, e: usize, q: &Query, clip: Option<&Region>, acc: &mut Agg) {
        let mut a = *acc;
        let (xs, ys, words) = (&self.xs, &self.ys, &self.words);
        self.for_each_chunk(s, e, q, clip, |base, len, mut bits| {
            let n = bits.count_ones();
            if n == 0 {
                return;
            }
            a.first = a.first.min((base + bits.trailing_zeros() as usize) as u32);
            a.last = a
                .last
                .max((base + 63 - bits.leading_zeros() as usize) as u32);
            a.count += n;
            if n as usize == len {
                let (xc, yc) = (&xs[base..base + len], &ys[base..base + len]);
                let mut places = 0u32;
                for &w in &words[base..base + len] {
                    places += ((w & PLACE_BIT) >> 56) as u32;
                }
                a.places += places;
                let (mut sx, mut sy) = (0u64, 0u64);
                let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0u32, 0u32);
                for (&x, &y) in xc.iter().zip(yc) {
                    sx += x as u64;
                    sy += y as u64;
                    x0 = x0.min(x);
                    y0 = y0.min(y);
                    x1 = x1.max(x);
                    y1 = y1.max(y);
                }
                a.sum_x += sx;
                a.sum_y += sy;
                a.min_x = a.min_x.min(x0);
                a.min_y = a.min_y.min(y0);
                a.max_x = a.max_x.max(x1);
                a.max_y = a.max_y.max(y1);
            } else {
                while bits != 0 {
                    let i = base + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let (x, y) = (xs[i], ys[i]);
                    a.places += ((words[i] & PLACE_BIT) >> 56) as u32;
                    a.sum_x += x as u64;
                    a.sum_y += y as u64;
                    a.min_x = a.min_x.min(x);
                    a.min_y = a.min_y.min(y);
                    a.max_x = a.max_x.max(x);
                    a.max_y = a.max_y.max(y);
                }
            }
        });
        *acc = a;
    }

    /// Whether to go down into the children of `n` rather than scan its range: always at the
    /// region's edge (children outside are skipped, those inside need no bbox test), and for
    /// a filtered query when a child's summary rules it out (a région filter, say); else one
    /// long scan is cheaper than many short ones.
    #[inline]
    fn split(&self, n: &Node, q: &Query, rel: Relation) -> bool {
        if n.first_child == 0 {
            return false;
        }
        if rel == Relation::Partial {
            return true;
        }
        let first = n.first_child as usize;
        !q.class_only
            && self.nodes[first..first + 4]
                .iter()
                .any(|c| c.agg != NONE && !q.may_match(&self.aggs[c.agg as usize]))
    }

    #[inline]
    fn child_relation(
        &self,
        region: &Region,
        rel: Relation,
        level: u32,
        cx: u32,
        cy: u32,
    ) -> Relation {
        if rel == Relation::Inside {
            Relation::Inside
        } else {
            region.relation(cell_extent(level, cx, cy))
        }
    }

    /// Adds the matches of node `node` (cell `(cx, cy)` at `level`, `rel` to the region).
    #[allow(clippy::too_many_arguments)]
    fn accumulate(
        &self,
        region: &Region,
        q: &Query,
        node: usize,
        level: u32,
        cx: u32,
        cy: u32,
        rel: Relation,
        acc: &mut Agg,
    ) {
        let n = self.nodes[node];
        if n.start == n.end {
            return;
        }
        if n.agg != NONE {
            let a = &self.aggs[n.agg as usize];
            if !q.may_match(a) {
                return;
            }
            if rel == Relation::Inside && q.class_only {
                for (c, agg) in a.classes.iter().enumerate() {
                    if q.classes & (1 << c) != 0 {
                        acc.merge(agg);
                    }
                }
                return;
            }
        }
        if self.split(&n, q, rel) {
            for k in 0..4u32 {
                let (ccx, ccy) = (cx * 2 + (k & 1), cy * 2 + (k >> 1));
                let crel = self.child_relation(region, rel, level + 1, ccx, ccy);
                if crel != Relation::Outside {
                    let child = (n.first_child + k) as usize;
                    self.accumulate(region, q, child, level + 1, ccx, ccy, crel, acc);
                }
            }
        } else {
            let clip = (rel == Relation::Partial).then_some(region);
            self.scan_into(n.start as usize, n.end as usize, q, clip, acc);
        }
    }

    /// Calls `f` with every match of node `node`, in index order.
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &self,
        region: &Region,
        q: &Query,
        node: usize,
        level: u32,
        cx: u32,
        cy: u32,
        rel: Relation,
        f: &mut impl FnMut(usize),
    ) {
        let n = self.nodes[node];
        if n.start == n.end {
            return;
        }
        if n.agg != NONE && !q.may_match(&self.aggs[n.agg as usize]) {
            return;
        }
        if self.split(&n, q, rel) {
            for k in 0..4u32 {
                let (ccx, ccy) = (cx * 2 + (k & 1), cy * 2 + (k >> 1));
                let crel = self.child_relation(region, rel, level + 1, ccx, ccy);
                if crel != Relation::Outside {
                    let child = (n.first_child + k) as usize;
                    self.visit(region, q, child, level + 1, ccx, ccy, crel, f);
                }
            }
        } else {
            let clip = (rel == Relation::Partial).then_some(region);
            self.for_each_match(n.start as usize, n.end as usize, q, clip, &mut *f);
        }
    }

    /// Walks down to the query level and emits one feature per non-empty cell.
    #[allow(clippy::too_many_arguments)]
    fn descend<'s>(
        &'s self,
        ctx: &Ctx<'_>,
        node: usize,
        level: u32,
        cx: u32,
        cy: u32,
        rel: Relation,
        out: &mut Vec<Feature<'s>>,
    ) {
        let n = self.nodes[node];
        if n.start == n.end {
            return;
        }
        if n.agg != NONE && !ctx.q.may_match(&self.aggs[n.agg as usize]) {
            return;
        }
        if level == ctx.level {
            let mut acc = Agg::EMPTY;
            self.accumulate(ctx.region, ctx.q, node, level, cx, cy, rel, &mut acc);
            self.emit(&acc, ctx.zoom, out);
        } else if n.first_child != 0 {
            for k in 0..4u32 {
                let (ccx, ccy) = (cx * 2 + (k & 1), cy * 2 + (k >> 1));
                let crel = self.child_relation(ctx.region, rel, level + 1, ccx, ccy);
                if crel != Relation::Outside {
                    let child = (n.first_child + k) as usize;
                    self.descend(ctx, child, level + 1, ccx, ccy, crel, out);
                }
            }
        } else {
            // A leaf above the query level: its matches, grouped by cell (consecutive in
            // Morton order).
            let shift = 32 - ctx.level;
            let mut acc = Agg::EMPTY;
            let mut key = (u32::MAX, u32::MAX);
            let clip = (rel == Relation::Partial).then_some(ctx.region);
            let (xs, ys, words) = (&self.xs, &self.ys, &self.words);
            self.for_each_match(n.start as usize, n.end as usize, ctx.q, clip, |i| {
                let (x, y) = (xs[i], ys[i]);
                let k = (x >> shift, y >> shift);
                if k != key {
                    self.emit(&acc, ctx.zoom, out);
                    acc = Agg::EMPTY;
                    key = k;
                }
                acc.add(i, x, y, words[i] & PLACE_BIT != 0);
            });
            self.emit(&acc, ctx.zoom, out);
        }
    }

    fn emit<'s>(&'s self, acc: &Agg, zoom: u8, out: &mut Vec<Feature<'s>>) {
        match acc.count {
            0 => {}
            1 => out.push(Feature::Point(&self.points[acc.first as usize])),
            count => {
                let (f, l) = (acc.first as usize, acc.last as usize);
                let a = morton(self.xs[f], self.ys[f]);
                let b = morton(self.xs[l], self.ys[l]);
                let never = MAX_ZOOM + 1;
                let expansion_zoom = if a == b {
                    never
                } else {
                    // Same cell at level l iff the codes share their top 2l bits.
                    let split_level = (a ^ b).leading_zeros() / 2 + 1;
                    (split_level.saturating_sub(2).min(never as u32) as u8).max(zoom + 1)
                };
                let c = count as f64;
                out.push(Feature::Cluster {
                    lon: unproject_x(acc.sum_x as f64 / c + 0.5),
                    lat: unproject_y(acc.sum_y as f64 / c + 0.5),
                    count,
                    members: count - acc.places,
                    places: acc.places,
                    expansion_zoom,
                    bbox: BBox {
                        west: unproject_x(acc.min_x as f64 + 0.5),
                        south: unproject_y(acc.max_y as f64 + 0.5),
                        east: unproject_x(acc.max_x as f64 + 0.5),
                        north: unproject_y(acc.min_y as f64 + 0.5),
                    },
                });
            }
        }
    }
}
