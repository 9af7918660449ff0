//! The index: Morton-ordered columns, a quadtree with per-class aggregates, name and id
//! orders, and the queries over them. See the crate docs for the design; the data layout is
//! in `layout`, the scans and tree walks in `walk`.

mod walk;

use crate::fold;
use crate::geo::{cell_extent, morton, project_x, project_y, wrap_lon, Region, Relation};
use crate::layout::{pack, permute, Agg, Node, NodeAgg, Query, TreeBuilder, NONE};
use crate::{BBox, Feature, Filter, Layer, MapPoint, LEAF_SIZE, MAX_ZOOM};
use walk::Ctx;

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
    pub(crate) points: Vec<MapPoint>,
    pub(crate) xs: Vec<u32>,
    pub(crate) ys: Vec<u32>,
    pub(crate) words: Vec<u64>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) aggs: Vec<NodeAgg>,
    /// Point indices in list order (folded name, name, id, layer).
    by_name: Vec<u32>,
    /// Position of each point in `by_name`.
    name_rank: Vec<u32>,
    /// Point indices by (layer, id).
    by_id: Vec<u32>,
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
}
