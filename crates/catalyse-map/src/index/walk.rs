//! The scans and quadtree walks behind the queries of [`MapIndex`]: chunked filter tests,
//! accumulation into cluster aggregates, match visits and the per-cell descent.

use super::MapIndex;
use crate::geo::{cell_extent, morton, unproject_x, unproject_y, Region, Relation};
use crate::layout::{layer_counts, Agg, Node, Query, NONE};
use crate::{BBox, Feature, MAX_ZOOM};

/// What a cluster query needs along the walk.
pub(crate) struct Ctx<'q> {
    pub(crate) region: &'q Region,
    pub(crate) q: &'q Query,
    /// Quadtree level of the query's cells.
    pub(crate) level: u32,
    pub(crate) zoom: u8,
}

impl MapIndex {
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
                let (mut places, mut cases, mut needs) = (0u32, 0u32, 0u32);
                for &w in &words[base..base + len] {
                    let (p, c, n) = layer_counts(w);
                    places += p;
                    cases += c;
                    needs += n;
                }
                a.places += places;
                a.cases += cases;
                a.needs += needs;
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
                    let (p, c, nd) = layer_counts(words[i]);
                    a.places += p;
                    a.cases += c;
                    a.needs += nd;
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
    pub(crate) fn accumulate(
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
    pub(crate) fn visit(
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
    pub(crate) fn descend<'s>(
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
                acc.add(i, x, y, words[i]);
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
                    members: count - acc.places - acc.cases - acc.needs,
                    places: acc.places,
                    cases: acc.cases,
                    needs: acc.needs,
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
