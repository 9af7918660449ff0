//! Data layout of the index: the packed attribute word, the per-class aggregates and node
//! summaries, the quadtree nodes and their builder, and filters compiled against the word.

use crate::geo::MAX_LEVEL;
use crate::{Filter, Layer, MapPoint, MAX_FAMILIES, NO_FAMILY};

// Attribute word: families 0..8 (a bitmask), activities 8..24, levers 24..32, région 32..48,
// kind 48..56, then the class bits (private, place, case), the member bit, a "hidden" bit
// for non-finite coordinates, and the need bit. One bit per layer makes any choice of
// layers one `(word & mask) == want` test: the bits of the layers left out must be 0.
const PRIVATE_BIT: u64 = 1 << 56;
pub(crate) const PLACE_BIT: u64 = 1 << 57;
pub(crate) const CASE_BIT: u64 = 1 << 58;
const MEMBER_BIT: u64 = 1 << 59;
const HIDDEN_BIT: u64 = 1 << 60;
pub(crate) const NEED_BIT: u64 = 1 << 61;
const CLASS_SHIFT: u32 = 56;
/// Classes of points: member, place, case, need (`class_of`), each public or private.
pub(crate) const CLASSES: usize = 8;

fn layer_bit(l: Layer) -> u64 {
    match l {
        Layer::Member => MEMBER_BIT,
        Layer::Place => PLACE_BIT,
        Layer::Case => CASE_BIT,
        Layer::Need => NEED_BIT,
    }
}

pub(crate) fn pack(p: &MapPoint) -> u64 {
    let mut w = p.families as u64
        | (p.activities as u64) << 8
        | (p.levers as u64) << 24
        | (p.region as u64) << 32
        | (p.kind as u64) << 48
        | layer_bit(p.layer);
    if !p.public {
        w |= PRIVATE_BIT;
    }
    if !(p.lon.is_finite() && p.lat.is_finite()) {
        w |= HIDDEN_BIT;
    }
    w
}

/// Class of a word: `2 * layer + private`, the layer 0 member, 1 place, 2 case, 3 need (the
/// private, place and case bits read as a number give the first three; the need bit adds 6).
#[inline]
fn class_of(w: u64) -> usize {
    (((w >> CLASS_SHIFT) & 7) + ((w & NEED_BIT) >> 61) * 6) as usize
}

/// Places, cases and needs of one word, as 0 or 1 each.
#[inline(always)]
pub(crate) fn layer_counts(w: u64) -> (u32, u32, u32) {
    (
        ((w & PLACE_BIT) >> 57) as u32,
        ((w & CASE_BIT) >> 58) as u32,
        ((w & NEED_BIT) >> 61) as u32,
    )
}

// Summary of the attribute values present in a node, as a necessary condition for a filter:
// the family bits as they are and a "no family" bit, one-hot région (32 + "other") and kind
// (16 + "other"), then the activity and lever bits as they are.
const S_FAMILY: u32 = 0;
const S_NO_FAMILY: u32 = 8;
const S_REGION: u32 = 9;
const S_KIND: u32 = 42;
const S_ACTIVITY: u32 = 59;
const S_LEVER: u32 = 75;

fn region_bit(r: u16) -> u128 {
    1u128 << (S_REGION + (r as u32).min(32))
}
fn kind_bit(k: u8) -> u128 {
    1u128 << (S_KIND + (k as u32).min(16))
}
fn summary_of(w: u64) -> u128 {
    let families = (w & 0xFF) as u128;
    let none = ((families == 0) as u128) << S_NO_FAMILY;
    families << S_FAMILY
        | none
        | region_bit((w >> 32) as u16)
        | kind_bit((w >> 48) as u8)
        | (((w >> 8) & 0xFFFF) as u128) << S_ACTIVITY
        | (((w >> 24) & 0xFF) as u128) << S_LEVER
}

/// Aggregate of a set of points: also the accumulator of a cluster.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Agg {
    pub(crate) count: u32,
    pub(crate) places: u32,
    pub(crate) cases: u32,
    pub(crate) needs: u32,
    /// First and last index (Morton order) of the points.
    pub(crate) first: u32,
    pub(crate) last: u32,
    pub(crate) min_x: u32,
    pub(crate) min_y: u32,
    pub(crate) max_x: u32,
    pub(crate) max_y: u32,
    pub(crate) sum_x: u64,
    pub(crate) sum_y: u64,
}

impl Agg {
    pub(crate) const EMPTY: Agg = Agg {
        count: 0,
        places: 0,
        cases: 0,
        needs: 0,
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
    pub(crate) fn merge(&mut self, o: &Agg) {
        if o.count == 0 {
            return;
        }
        self.count += o.count;
        self.places += o.places;
        self.cases += o.cases;
        self.needs += o.needs;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.min_x = self.min_x.min(o.min_x);
        self.min_y = self.min_y.min(o.min_y);
        self.max_x = self.max_x.max(o.max_x);
        self.max_y = self.max_y.max(o.max_y);
        self.sum_x += o.sum_x;
        self.sum_y += o.sum_y;
    }

    /// Adds point `i` of word `w` (points come in increasing index order within one scan).
    #[inline(always)]
    pub(crate) fn add(&mut self, i: usize, x: u32, y: u32, w: u64) {
        let (place, case, need) = layer_counts(w);
        self.count += 1;
        self.places += place;
        self.cases += case;
        self.needs += need;
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
pub(crate) struct NodeAgg {
    pub(crate) classes: [Agg; CLASSES],
    summary: u128,
}

impl NodeAgg {
    const EMPTY: NodeAgg = NodeAgg {
        classes: [Agg::EMPTY; CLASSES],
        summary: 0,
    };

    fn merge(&mut self, o: &NodeAgg) {
        for (a, b) in self.classes.iter_mut().zip(&o.classes) {
            a.merge(b);
        }
        self.summary |= o.summary;
    }
}

pub(crate) const NONE: u32 = u32::MAX;

/// A quadtree node: the range of its points, its four children (consecutive, `first_child`,
/// 0 for a leaf) and its aggregates (`NONE` for nodes under `LEAF_SIZE` points).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) first_child: u32,
    pub(crate) agg: u32,
}

/// A compiled [`Filter`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Query {
    pub(crate) mask: u64,
    pub(crate) want: u64,
    /// Bit `c` set when class `c` (see `class_of`) is wanted.
    pub(crate) classes: u8,
    /// No attribute filter: the class aggregates answer whole cells.
    pub(crate) class_only: bool,
    /// Summary bits a node must have to hold a match.
    required: u128,
}

impl Query {
    pub(crate) fn new(f: &Filter) -> Option<Query> {
        let wanted = |l: Layer| match l {
            Layer::Member => f.members,
            Layer::Place => f.places,
            Layer::Case => f.cases,
            Layer::Need => f.needs,
        };
        let mut classes = 0u8;
        let mut mask = HIDDEN_BIT;
        for (i, l) in Layer::ALL.into_iter().enumerate() {
            if wanted(l) {
                classes |= 1 << (2 * i);
                if f.include_private {
                    classes |= 1 << (2 * i + 1);
                }
            } else {
                mask |= layer_bit(l);
            }
        }
        if classes == 0 {
            return None;
        }
        let mut want = 0u64;
        if !f.include_private {
            mask |= PRIVATE_BIT;
        }
        let mut required = 0u128;
        match f.family {
            None => {}
            Some(NO_FAMILY) => {
                mask |= 0xFF;
                required |= 1u128 << S_NO_FAMILY;
            }
            Some(v) if v < MAX_FAMILIES => {
                mask |= 1 << v;
                want |= 1 << v;
                required |= 1u128 << (S_FAMILY + v as u32);
            }
            Some(_) => return None,
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
    pub(crate) fn may_match(&self, a: &NodeAgg) -> bool {
        a.summary & self.required == self.required
            && (0..CLASSES).any(|c| self.classes & (1 << c) != 0 && a.classes[c].count > 0)
    }
}

/// Reorders `v` so that `v[i]` becomes the old `v[perm[i]]`, in place (consumes `perm`).
pub(crate) fn permute<T>(v: &mut [T], mut perm: Vec<u32>) {
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

pub(crate) struct TreeBuilder<'a> {
    pub(crate) codes: &'a [u64],
    pub(crate) xs: &'a [u32],
    pub(crate) ys: &'a [u32],
    pub(crate) words: &'a [u64],
    pub(crate) leaf: usize,
    pub(crate) nodes: Vec<Node>,
    pub(crate) aggs: Vec<NodeAgg>,
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
            agg.classes[c].add(i, self.xs[i], self.ys[i], w);
            agg.summary |= summary_of(w);
        }
        agg
    }

    /// Builds node `idx` (its range is set) at `level`; returns its aggregate.
    pub(crate) fn node(&mut self, idx: usize, level: u32) -> NodeAgg {
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
