//! Tests of the index against brute force.

use crate::geo::{morton, project_x, project_y};
use crate::index::ListPath;
use crate::*;
use std::collections::BTreeMap;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.f()
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const NAMES: [&str; 12] = [
    "Élodie",
    "elodie",
    "Émile",
    "Enzo",
    "Zoé",
    "Œuvre commune",
    "Association \"Les Amis\"",
    "a\\b",
    "Tiers-lieu de Lyon",
    "tiers-lieu de lyon",
    "Ligne\nnouvelle",
    "Zébulon",
];

fn point(id: i64, layer: Layer, lon: f64, lat: f64) -> MapPoint {
    MapPoint {
        id,
        layer,
        lon,
        lat,
        public: true,
        families: 0,
        activities: 0,
        levers: 0,
        region: NO_REGION,
        kind: NO_KIND,
        territory: NO_TERRITORY,
        name: format!("P{id}").into(),
        slug: format!("p-{id}").into(),
    }
}

/// Points in dense blobs at several scales, some stacked, some near the antimeridian.
fn random_points(n: usize, seed: u64) -> Vec<MapPoint> {
    let mut r = Rng(seed);
    let centres: Vec<(f64, f64, f64)> = (0..25)
        .map(|i| {
            let scale = [0.00002, 0.001, 0.05, 1.0, 20.0][i % 5];
            (r.range(-180.0, 180.0), r.range(-70.0, 70.0), scale)
        })
        .chain([(179.99, 0.0, 0.05), (4.85, 45.76, 0.1), (2.35, 48.85, 0.0)])
        .collect();
    (0..n)
        .map(|i| {
            let (clon, clat, s) = centres[r.below(centres.len() as u64) as usize];
            let mut lon = clon + r.range(-s, s);
            if lon > 180.0 {
                lon -= 360.0;
            } else if lon < -180.0 {
                lon += 360.0;
            }
            let lat = (clat + r.range(-s, s)).clamp(-80.0, 80.0);
            let layer = match r.below(10) {
                0 => Layer::Place,
                1 => Layer::Case,
                2 => Layer::Need,
                _ => Layer::Member,
            };
            let place = layer == Layer::Place;
            MapPoint {
                id: i as i64 + 1,
                layer,
                lon,
                lat,
                public: r.below(5) != 0,
                // A member: one family or none; a case or a need: several (some of the 8
                // bits, beyond the 7 families too); a place: whatever, the engine does not
                // care.
                families: if r.below(8) == 0 {
                    0
                } else if matches!(layer, Layer::Case | Layer::Need) {
                    r.next() as u8 & r.next() as u8
                } else {
                    1 << r.below(7)
                },
                activities: r.next() as u16 & r.next() as u16,
                levers: r.next() as u8 & 0x7F,
                region: if r.below(10) == 0 {
                    NO_REGION
                } else {
                    r.below(40) as u16
                },
                kind: if place { r.below(5) as u8 } else { NO_KIND },
                territory: i as u32,
                name: if r.below(3) == 0 {
                    NAMES[r.below(NAMES.len() as u64) as usize].into()
                } else {
                    format!("Nom {}", r.below(500)).into()
                },
                slug: format!("slug-{i}").into(),
            }
        })
        .collect()
}

fn matches(p: &MapPoint, f: &Filter) -> bool {
    p.lon.is_finite()
        && p.lat.is_finite()
        && match p.layer {
            Layer::Member => f.members,
            Layer::Place => f.places,
            Layer::Case => f.cases,
            Layer::Need => f.needs,
        }
        && (p.public || f.include_private)
        && f.family.is_none_or(|v| match v {
            NO_FAMILY => p.families == 0,
            v => v < MAX_FAMILIES && p.families >> v & 1 == 1,
        })
        && f.activity
            .is_none_or(|b| b < 16 && p.activities >> b & 1 == 1)
        && f.lever.is_none_or(|b| b < 8 && p.levers >> b & 1 == 1)
        && f.region.is_none_or(|v| p.region == v)
        && f.kind.is_none_or(|v| p.kind == v)
}

fn wrap(v: f64) -> f64 {
    if (-180.0..=180.0).contains(&v) {
        v
    } else {
        (v + 180.0).rem_euclid(360.0) - 180.0
    }
}

/// The bbox rule, in degrees.
fn in_bbox(p: &MapPoint, b: &BBox) -> bool {
    if ![b.west, b.south, b.east, b.north]
        .iter()
        .all(|v| v.is_finite())
        || b.south > b.north
    {
        return false;
    }
    if p.lat < b.south || p.lat > b.north {
        return false;
    }
    if b.east - b.west >= 360.0 {
        return true;
    }
    let (w, e) = (wrap(b.west), wrap(b.east));
    if w <= e {
        p.lon >= w && p.lon <= e
    } else {
        p.lon >= w || p.lon <= e
    }
}

fn cell(lon: f64, lat: f64, zoom: u8) -> (u32, u32) {
    let shift = 30 - zoom as u32;
    (project_x(lon) >> shift, project_y(lat) >> shift)
}

fn expected<'a>(
    points: &'a [MapPoint],
    b: &BBox,
    zoom: u8,
    f: &Filter,
) -> BTreeMap<(u32, u32), Vec<&'a MapPoint>> {
    let mut cells: BTreeMap<(u32, u32), Vec<&MapPoint>> = BTreeMap::new();
    for p in points.iter().filter(|p| matches(p, f) && in_bbox(p, b)) {
        cells.entry(cell(p.lon, p.lat, zoom)).or_default().push(p);
    }
    cells
}

fn brute_count(points: &[MapPoint], b: &BBox, f: &Filter) -> usize {
    points
        .iter()
        .filter(|p| matches(p, f) && in_bbox(p, b))
        .count()
}

fn filters() -> Vec<Filter> {
    let d = Filter::default();
    vec![
        d,
        Filter {
            include_private: true,
            ..d
        },
        Filter { places: false, ..d },
        Filter {
            members: false,
            include_private: true,
            ..d
        },
        Filter {
            family: Some(1),
            ..d
        },
        Filter {
            family: Some(NO_FAMILY),
            include_private: true,
            ..d
        },
        Filter {
            activity: Some(5),
            ..d
        },
        Filter {
            lever: Some(2),
            region: Some(3),
            include_private: true,
            ..d
        },
        Filter {
            region: Some(35),
            ..d
        },
        Filter { kind: Some(2), ..d },
        Filter {
            members: false,
            places: false,
            cases: false,
            needs: false,
            ..d
        },
        Filter {
            members: false,
            places: false,
            ..d
        },
        Filter {
            members: false,
            places: false,
            cases: false,
            include_private: true,
            ..d
        },
        Filter {
            members: false,
            places: false,
            cases: false,
            lever: Some(4),
            ..d
        },
        Filter { needs: false, ..d },
        Filter {
            members: false,
            include_private: true,
            ..d
        },
        Filter { cases: false, ..d },
        Filter {
            places: false,
            family: Some(3),
            include_private: true,
            ..d
        },
        Filter {
            members: false,
            places: false,
            family: Some(5),
            lever: Some(1),
            ..d
        },
        Filter {
            family: Some(7),
            ..d
        },
        Filter {
            family: Some(8),
            ..d
        },
        Filter {
            activity: Some(16),
            ..d
        },
    ]
}

fn bboxes(r: &mut Rng) -> Vec<BBox> {
    let mut v = vec![
        BBox::WORLD,
        BBox::new(-5.5, 41.2, 9.9, 51.3),
        BBox::new(4.75, 45.70, 4.92, 45.82),
        BBox::new(179.0, -10.0, -179.0, 10.0),
        BBox::new(50.0, -80.0, 10.0, 80.0),
        BBox::new(-200.0, -60.0, 170.0, 60.0),
        BBox::new(2.3499, 48.8499, 2.3501, 48.8501),
    ];
    for _ in 0..12 {
        let (cx, cy) = (r.range(-180.0, 180.0), r.range(-75.0, 75.0));
        let (w, h) = (
            r.range(0.0, 60.0).powi(2) / 60.0,
            r.range(0.0, 30.0).powi(2) / 30.0,
        );
        v.push(BBox::new(cx - w, cy - h, cx + w, (cy + h).min(90.0)));
    }
    v
}

fn check_clusters(index: &MapIndex, points: &[MapPoint], b: &BBox, zoom: u8, f: &Filter) {
    let features = index.clusters(b, zoom, f);
    let want = expected(points, b, zoom, f);
    let ctx = format!("bbox {b:?} zoom {zoom} filter {f:?}");
    assert_eq!(features.len(), want.len(), "{ctx}");
    let mut last_code = None;
    for feat in &features {
        let (lon, lat) = match feat {
            Feature::Point(p) => (p.lon, p.lat),
            Feature::Cluster { lon, lat, .. } => (*lon, *lat),
        };
        let c = cell(lon, lat, zoom);
        let code = morton(c.0, c.1);
        assert!(last_code < Some(code), "cells out of Morton order, {ctx}");
        last_code = Some(code);
        let pts = want
            .get(&c)
            .unwrap_or_else(|| panic!("unexpected cell {c:?}, {ctx}"));
        match feat {
            Feature::Point(p) => {
                assert_eq!(pts.len(), 1, "{ctx}");
                assert_eq!((pts[0].layer, pts[0].id), (p.layer, p.id), "{ctx}");
            }
            Feature::Cluster {
                count,
                members,
                places,
                cases,
                needs,
                expansion_zoom,
                bbox,
                lon,
                lat,
            } => {
                assert_eq!(*count as usize, pts.len(), "{ctx}");
                assert_eq!(members + places + cases + needs, *count, "{ctx}");
                let of = |l: Layer| pts.iter().filter(|p| p.layer == l).count();
                assert_eq!(
                    (
                        *members as usize,
                        *places as usize,
                        *cases as usize,
                        *needs as usize
                    ),
                    (
                        of(Layer::Member),
                        of(Layer::Place),
                        of(Layer::Case),
                        of(Layer::Need)
                    ),
                    "{ctx}"
                );
                let split = (zoom + 1..=MAX_ZOOM)
                    .find(|&z| {
                        let c0 = cell(pts[0].lon, pts[0].lat, z);
                        pts.iter().any(|p| cell(p.lon, p.lat, z) != c0)
                    })
                    .unwrap_or(MAX_ZOOM + 1);
                assert_eq!(*expansion_zoom, split, "{ctx}");
                let eps = 1e-6;
                let west = pts.iter().map(|p| p.lon).fold(f64::MAX, f64::min);
                let east = pts.iter().map(|p| p.lon).fold(f64::MIN, f64::max);
                let south = pts.iter().map(|p| p.lat).fold(f64::MAX, f64::min);
                let north = pts.iter().map(|p| p.lat).fold(f64::MIN, f64::max);
                assert!(
                    (bbox.west - west).abs() < eps && (bbox.east - east).abs() < eps,
                    "{bbox:?} {west} {east} {ctx}"
                );
                assert!((bbox.south - south).abs() < eps && (bbox.north - north).abs() < eps);
                assert!(*lon >= west - eps && *lon <= east + eps);
                assert!(*lat >= south - eps && *lat <= north + eps);
                let mean_x =
                    pts.iter().map(|p| project_x(p.lon) as f64).sum::<f64>() / pts.len() as f64;
                assert!((project_x(*lon) as f64 - mean_x).abs() < 2.0, "{ctx}");
            }
        }
    }
}

#[test]
fn clusters_match_brute_force() {
    let points = random_points(3000, 1);
    let mut r = Rng(2);
    let boxes = bboxes(&mut r);
    for leaf in [2, 16, LEAF_SIZE] {
        let index = MapIndex::build_with_leaf(points.clone(), leaf);
        for b in &boxes {
            for f in &filters() {
                for _ in 0..3 {
                    let zoom = r.below(21) as u8;
                    check_clusters(&index, &points, b, zoom, f);
                }
            }
        }
        for zoom in 0..=MAX_ZOOM {
            check_clusters(&index, &points, &BBox::WORLD, zoom, &Filter::default());
        }
    }
}

#[test]
fn counts_conserved_at_every_zoom() {
    let points = random_points(5000, 3);
    let index = MapIndex::build_with_leaf(points.clone(), 32);
    let mut r = Rng(4);
    for b in bboxes(&mut r) {
        for f in filters() {
            let want = brute_count(&points, &b, &f);
            assert_eq!(index.count(&b, &f), want);
            for zoom in 0..=MAX_ZOOM {
                let features = index.clusters(&b, zoom, &f);
                let sum: u32 = features.iter().map(Feature::count).sum();
                assert_eq!(sum as usize, want, "{b:?} {zoom} {f:?}");
                for x in &features {
                    if let Feature::Cluster {
                        count,
                        members,
                        places,
                        cases,
                        needs,
                        ..
                    } = x
                    {
                        assert_eq!(members + places + cases + needs, *count, "{f:?}");
                    }
                }
            }
        }
    }
}

fn list_key(p: &MapPoint) -> (String, String, i64, Layer) {
    (
        crate::fold::folded(&p.name).collect(),
        p.name.to_string(),
        p.id,
        p.layer,
    )
}

#[test]
fn list_agrees_with_clusters_and_brute_force() {
    let points = random_points(4000, 5);
    let index = MapIndex::build_with_leaf(points.clone(), 16);
    let mut r = Rng(6);
    for b in bboxes(&mut r) {
        for f in filters() {
            let mut want: Vec<&MapPoint> = points
                .iter()
                .filter(|p| matches(p, &f) && in_bbox(p, &b))
                .collect();
            want.sort_by_key(|p| list_key(p));
            let want: Vec<(Layer, i64)> = want.iter().map(|p| (p.layer, p.id)).collect();
            let ids = |v: Vec<&MapPoint>| v.iter().map(|p| (p.layer, p.id)).collect::<Vec<_>>();
            let (total, all) = index.list(&b, &f, 0, usize::MAX);
            assert_eq!(total, want.len());
            assert_eq!(ids(all), want, "{b:?} {f:?}");
            let zoom = r.below(21) as u8;
            let sum: u32 = index
                .clusters(&b, zoom, &f)
                .iter()
                .map(Feature::count)
                .sum();
            assert_eq!(sum as usize, total);
            for path in [ListPath::NameOrder, ListPath::Collect] {
                for (offset, limit) in [
                    (0, 10),
                    (7, 25),
                    (total.saturating_sub(3), 10),
                    (total, 5),
                    (3, 0),
                ] {
                    let (t, page) = index.list_with(&b, &f, offset, limit, Some(path));
                    assert_eq!(t, total);
                    let end = (offset + limit).min(total);
                    let expect = if offset < end {
                        &want[offset..end]
                    } else {
                        &[][..]
                    };
                    assert_eq!(ids(page), expect, "{path:?} {offset} {limit}");
                }
            }
        }
    }
}

#[test]
fn list_sorted_by_folded_name_then_id() {
    let names = ["Zoé", "élodie", "Elodie", "Émile", "enzo", "Elodie"];
    let points: Vec<MapPoint> = names
        .iter()
        .enumerate()
        .map(|(i, n)| MapPoint {
            name: (*n).into(),
            ..point(10 - i as i64, Layer::Member, 2.0, 46.0)
        })
        .collect();
    let index = MapIndex::build(points);
    let (total, page) = index.list(&BBox::WORLD, &Filter::default(), 0, 10);
    assert_eq!(total, 6);
    let got: Vec<(&str, i64)> = page.iter().map(|p| (&*p.name, p.id)).collect();
    assert_eq!(
        got,
        [
            ("Elodie", 5),
            ("Elodie", 8),
            ("élodie", 9),
            ("Émile", 7),
            ("enzo", 6),
            ("Zoé", 10)
        ]
    );
}

#[test]
fn private_points_only_with_include_private() {
    let mut points = vec![
        point(1, Layer::Member, 4.85, 45.76),
        point(2, Layer::Member, 4.851, 45.761),
        point(3, Layer::Place, 4.852, 45.762),
    ];
    points[1].public = false;
    points[2].public = false;
    let index = MapIndex::build(points);
    let public = Filter::default();
    let all = Filter {
        include_private: true,
        ..public
    };
    assert_eq!(index.count(&BBox::WORLD, &public), 1);
    assert_eq!(index.count(&BBox::WORLD, &all), 3);
    let f = index.clusters(&BBox::WORLD, 3, &public);
    assert!(matches!(f[..], [Feature::Point(p)] if p.id == 1));
    let f = index.clusters(&BBox::WORLD, 3, &all);
    assert!(matches!(
        f[..],
        [Feature::Cluster {
            count: 3,
            members: 2,
            places: 1,
            ..
        }]
    ));
    assert_eq!(index.list(&BBox::WORLD, &public, 0, 10).1.len(), 1);
}

#[test]
fn each_filter_selects() {
    let mut a = point(1, Layer::Member, 1.0, 45.0);
    a.families = 1 << 2;
    a.activities = 1 << 5;
    a.levers = 1 << 3;
    a.region = 7;
    let mut b = point(2, Layer::Place, 1.1, 45.1);
    b.kind = 4;
    b.region = 40;
    b.families = 1 << 3;
    let index = MapIndex::build(vec![a, b]);
    let d = Filter::default();
    let count = |f: Filter| index.count(&BBox::WORLD, &f);
    let ids = |f: Filter| -> Vec<i64> {
        index
            .clusters(&BBox::WORLD, 20, &f)
            .iter()
            .map(|x| match x {
                Feature::Point(p) => p.id,
                _ => panic!("cluster"),
            })
            .collect()
    };
    assert_eq!(count(d), 2);
    assert_eq!(
        ids(Filter {
            family: Some(2),
            ..d
        }),
        [1]
    );
    assert_eq!(
        ids(Filter {
            family: Some(3),
            ..d
        }),
        [2]
    );
    assert_eq!(
        count(Filter {
            family: Some(4),
            ..d
        }),
        0
    );
    assert_eq!(
        ids(Filter {
            activity: Some(5),
            ..d
        }),
        [1]
    );
    assert_eq!(
        count(Filter {
            activity: Some(4),
            ..d
        }),
        0
    );
    assert_eq!(
        count(Filter {
            activity: Some(200),
            ..d
        }),
        0
    );
    assert_eq!(
        ids(Filter {
            lever: Some(3),
            ..d
        }),
        [1]
    );
    assert_eq!(
        count(Filter {
            lever: Some(9),
            ..d
        }),
        0
    );
    assert_eq!(
        ids(Filter {
            region: Some(7),
            ..d
        }),
        [1]
    );
    assert_eq!(
        ids(Filter {
            region: Some(40),
            ..d
        }),
        [2]
    );
    assert_eq!(ids(Filter { kind: Some(4), ..d }), [2]);
    assert_eq!(
        ids(Filter {
            members: false,
            ..d
        }),
        [2]
    );
    assert_eq!(ids(Filter { places: false, ..d }), [1]);
    assert_eq!(
        count(Filter {
            places: false,
            members: false,
            cases: false,
            needs: false,
            ..d
        }),
        0
    );
    assert_eq!(
        count(Filter {
            family: Some(2),
            region: Some(40),
            ..d
        }),
        0
    );
}

#[test]
fn antimeridian_wrapping_and_invalid_boxes() {
    let points = vec![
        point(1, Layer::Member, 179.5, 1.0),
        point(2, Layer::Member, -179.5, -1.0),
        point(3, Layer::Member, 0.0, 0.0),
        point(4, Layer::Member, 180.0, 0.5),
    ];
    let index = MapIndex::build(points);
    let d = Filter::default();
    let ids = |b: BBox| -> Vec<i64> {
        let mut v: Vec<i64> = index.list(&b, &d, 0, 10).1.iter().map(|p| p.id).collect();
        v.sort();
        v
    };
    assert_eq!(ids(BBox::new(179.0, -5.0, -179.0, 5.0)), [1, 2, 4]);
    assert_eq!(ids(BBox::new(-181.0, -5.0, -179.0, 5.0)), [1, 2, 4]);
    assert_eq!(ids(BBox::new(179.0, -5.0, 181.0, 5.0)), [1, 2, 4]);
    assert_eq!(ids(BBox::new(-1.0, -5.0, 359.0, 5.0)), [1, 2, 3, 4]);
    assert_eq!(ids(BBox::new(-200.0, -5.0, 200.0, 5.0)), [1, 2, 3, 4]);
    assert_eq!(ids(BBox::new(170.0, -5.0, 10.0, 5.0)), [1, 2, 3, 4]);
    assert_eq!(ids(BBox::new(1.0, -5.0, -1.0, 5.0)), [1, 2, 4]);
    for zoom in [0, 1, 5, 12] {
        let sum: u32 = index
            .clusters(&BBox::new(179.0, -5.0, -179.0, 5.0), zoom, &d)
            .iter()
            .map(Feature::count)
            .sum();
        assert_eq!(sum, 3);
    }
    for bad in [
        BBox::new(f64::NAN, 0.0, 1.0, 1.0),
        BBox::new(0.0, 0.0, f64::INFINITY, 1.0),
        BBox::new(-10.0, 5.0, 10.0, -5.0),
    ] {
        assert!(index.clusters(&bad, 5, &d).is_empty());
        assert_eq!(index.list(&bad, &d, 0, 10), (0, vec![]));
        assert_eq!(index.count(&bad, &d), 0);
    }
    // Latitudes beyond Mercator's range are clamped, not rejected.
    assert_eq!(ids(BBox::new(-180.0, -95.0, 180.0, 95.0)), [1, 2, 3, 4]);
}

#[test]
fn bbox_parse() {
    assert_eq!(
        BBox::parse("-5.5,41.2,9.9,51.3"),
        Ok(BBox::new(-5.5, 41.2, 9.9, 51.3))
    );
    assert_eq!(
        BBox::parse(" 170, -1 ,-170,1"),
        Ok(BBox::new(170.0, -1.0, -170.0, 1.0))
    );
    assert_eq!(BBox::parse("1,2,3"), Err(BBoxError::Syntax));
    assert_eq!(BBox::parse("1,2,3,4,5"), Err(BBoxError::Syntax));
    assert_eq!(BBox::parse("a,2,3,4"), Err(BBoxError::Syntax));
    assert_eq!(BBox::parse("NaN,2,3,4"), Err(BBoxError::NotFinite));
    assert_eq!(BBox::parse("inf,2,3,4"), Err(BBoxError::NotFinite));
    assert_eq!(BBox::parse("0,-91,3,4"), Err(BBoxError::LatitudeOutOfRange));
    assert_eq!(BBox::parse("0,5,3,4"), Err(BBoxError::SouthAboveNorth));
}

#[test]
fn zoom_is_clamped() {
    let points = random_points(2000, 9);
    let index = MapIndex::build(points);
    let d = Filter::default();
    for b in [BBox::WORLD, BBox::new(2.34, 48.84, 2.36, 48.86)] {
        assert_eq!(index.clusters(&b, 25, &d), index.clusters(&b, MAX_ZOOM, &d));
        assert_eq!(
            index.clusters(&b, u8::MAX, &d),
            index.clusters(&b, MAX_ZOOM, &d)
        );
    }
}

#[test]
fn stacked_points_never_split() {
    let points: Vec<MapPoint> = (0..300)
        .map(|i| point(i, Layer::Member, 2.35, 48.85))
        .collect();
    let index = MapIndex::build(points);
    for zoom in [0, 10, 20] {
        let f = index.clusters(&BBox::WORLD, zoom, &Filter::default());
        assert!(
            matches!(
                f[..],
                [Feature::Cluster {
                    count: 300,
                    expansion_zoom: 21,
                    ..
                }]
            ),
            "{f:?}"
        );
    }
}

#[test]
fn expansion_zoom_is_where_the_cluster_splits() {
    let points = random_points(3000, 11);
    let index = MapIndex::build(points);
    let d = Filter {
        include_private: true,
        ..Filter::default()
    };
    for zoom in [2, 6, 10] {
        for f in index.clusters(&BBox::WORLD, zoom, &d) {
            if let Feature::Cluster {
                count,
                expansion_zoom,
                bbox,
                ..
            } = f
            {
                if expansion_zoom > MAX_ZOOM {
                    continue;
                }
                // The cluster's own bbox holds exactly its points (cells are disjoint boxes
                // in Mercator, hence in degrees); at expansion_zoom they split, just before
                // they do not.
                assert_eq!(index.count(&bbox, &d), count as usize);
                assert!(index.clusters(&bbox, expansion_zoom, &d).len() > 1);
                assert_eq!(index.clusters(&bbox, expansion_zoom - 1, &d).len(), 1);
            }
        }
    }
}

#[test]
fn same_results_whatever_the_input_order() {
    let points = random_points(3000, 12);
    let mut shuffled = points.clone();
    let mut r = Rng(13);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, r.below(i as u64 + 1) as usize);
    }
    let (a, b) = (MapIndex::build(points), MapIndex::build(shuffled));
    for f in filters() {
        for zoom in [1, 5, 9, 14, 20] {
            assert_eq!(
                a.clusters(&BBox::WORLD, zoom, &f),
                b.clusters(&BBox::WORLD, zoom, &f)
            );
        }
        assert_eq!(
            a.list(&BBox::WORLD, &f, 5, 50),
            b.list(&BBox::WORLD, &f, 5, 50)
        );
    }
}

#[test]
fn non_finite_points_are_kept_but_hidden() {
    let points = vec![
        point(1, Layer::Member, f64::NAN, 45.0),
        point(2, Layer::Member, 4.0, f64::INFINITY),
        point(3, Layer::Place, 4.0, 45.0),
    ];
    let index = MapIndex::build(points);
    assert_eq!(index.len(), 3);
    assert_eq!(index.get(Layer::Member, 1).map(|p| p.id), Some(1));
    let all = Filter {
        include_private: true,
        ..Filter::default()
    };
    assert_eq!(index.count(&BBox::WORLD, &all), 1);
    assert_eq!(index.clusters(&BBox::WORLD, 0, &all).len(), 1);
    assert_eq!(index.list(&BBox::WORLD, &all, 0, 10).0, 1);
}

#[test]
fn get_by_layer_and_id() {
    let points = random_points(1000, 14);
    let index = MapIndex::build(points.clone());
    for p in points.iter().step_by(37) {
        assert_eq!(index.get(p.layer, p.id), Some(p));
    }
    assert!(index.get(Layer::Member, 0).is_none());
    assert!(index.get(Layer::Place, 1_000_000).is_none());
    let a = point(7, Layer::Member, 1.0, 1.0);
    let b = point(7, Layer::Place, 2.0, 2.0);
    let index = MapIndex::build(vec![b.clone(), a.clone()]);
    assert_eq!(index.get(Layer::Member, 7), Some(&a));
    assert_eq!(index.get(Layer::Place, 7), Some(&b));
}

#[test]
fn empty_index() {
    let index = MapIndex::build(Vec::new());
    assert_eq!(index.len(), 0);
    assert!(index.is_empty());
    let d = Filter::default();
    assert!(index.clusters(&BBox::WORLD, 5, &d).is_empty());
    assert_eq!(index.list(&BBox::WORLD, &d, 0, 10), (0, vec![]));
    assert_eq!(index.count(&BBox::WORLD, &d), 0);
    assert!(index.get(Layer::Member, 1).is_none());
    let mut s = String::new();
    feature_collection_json(&[], &mut s);
    assert_eq!(s, r#"{"type":"FeatureCollection","features":[]}"#);
}

#[test]
fn geojson_output() {
    let mut a = point(-3, Layer::Member, 4.123456789, -45.5);
    a.name = "Quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} é 😀 \u{2029}".into();
    a.slug = "</script>".into();
    let mut b = point(4, Layer::Place, 4.2, 45.6);
    b.name = "Tiers-lieu".into();
    let features = vec![
        Feature::Point(&a),
        Feature::Cluster {
            lon: 1.0 / 3.0,
            lat: -2.0 / 3.0,
            count: 12,
            members: 9,
            places: 1,
            cases: 1,
            needs: 1,
            expansion_zoom: 9,
            bbox: BBox::new(-0.1, -1.0, 0.999999, 0.0),
        },
        Feature::Point(&b),
    ];
    let mut s = String::from("prefix:");
    feature_collection_json(&features, &mut s);
    let json = s.strip_prefix("prefix:").expect("appends");
    let v: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    assert_eq!(v["type"], "FeatureCollection");
    let f = &v["features"];
    assert_eq!(f.as_array().map(Vec::len), Some(3));
    assert_eq!(f[0]["type"], "Feature");
    assert_eq!(f[0]["geometry"]["type"], "Point");
    assert_eq!(
        f[0]["geometry"]["coordinates"],
        serde_json::json!([4.12346, -45.5])
    );
    assert_eq!(
        f[0]["properties"],
        serde_json::json!({"cluster": false, "layer": "member", "id": -3,
            "name": &*a.name, "slug": "</script>"})
    );
    assert_eq!(
        f[1]["geometry"]["coordinates"],
        serde_json::json!([0.33333, -0.66667])
    );
    assert_eq!(
        f[1]["properties"],
        serde_json::json!({"cluster": true, "count": 12, "members": 9, "places": 1,
            "cases": 1, "needs": 1, "expansion_zoom": 9, "bbox": [-0.1, -1, 1, 0]})
    );
    assert_eq!(f[2]["properties"]["layer"], "place");
    // Raw control characters never reach the output.
    assert!(!json.bytes().any(|b| b < 0x20));
    assert!(json.contains("\\u0000") && json.contains("\\u0007") && json.contains("\\u2029"));
}

#[test]
fn json_of_real_answer_parses() {
    let points = random_points(3000, 15);
    let index = MapIndex::build(points);
    let features = index.clusters(&BBox::WORLD, 4, &Filter::default());
    let mut s = String::new();
    feature_collection_json(&features, &mut s);
    let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
    let total: u64 = v["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(
        total as usize,
        index.count(&BBox::WORLD, &Filter::default())
    );
}

#[test]
fn territory_costs_no_memory() {
    // `territory` sits in what was padding: a point is as large as before it.
    assert_eq!(std::mem::size_of::<MapPoint>(), 72);
}

/// The fifteen choices of layers (and none), as filters.
fn layer_choices(d: Filter) -> Vec<Filter> {
    (0..16u8)
        .map(|m| Filter {
            members: m & 1 != 0,
            places: m & 2 != 0,
            cases: m & 4 != 0,
            needs: m & 8 != 0,
            ..d
        })
        .collect()
}

#[test]
fn cases_cluster_with_members_and_places() {
    // Two members, one place, three cases in one spot of Lyon; one case private.
    let mut points = vec![
        point(1, Layer::Member, 4.850, 45.760),
        point(2, Layer::Member, 4.851, 45.761),
        point(1, Layer::Place, 4.852, 45.762),
        point(1, Layer::Case, 4.853, 45.761),
        point(2, Layer::Case, 4.854, 45.760),
        point(3, Layer::Case, 4.852, 45.759),
    ];
    points[5].public = false;
    let index = MapIndex::build(points.clone());
    let all = Filter {
        include_private: true,
        ..Filter::default()
    };
    let f = index.clusters(&BBox::WORLD, 5, &all);
    assert!(
        matches!(
            f[..],
            [Feature::Cluster {
                count: 6,
                members: 2,
                places: 1,
                cases: 3,
                ..
            }]
        ),
        "{f:?}"
    );
    // Each choice of layers, public or not, at every zoom: the map's count is the list's total.
    for private in [false, true] {
        let d = Filter {
            include_private: private,
            ..Filter::default()
        };
        for f in layer_choices(d) {
            let want = brute_count(&points, &BBox::WORLD, &f);
            let (total, listed) = index.list(&BBox::WORLD, &f, 0, 100);
            assert_eq!((total, listed.len()), (want, want), "{f:?}");
            for zoom in 0..=MAX_ZOOM {
                let features = index.clusters(&BBox::WORLD, zoom, &f);
                let sum: u32 = features.iter().map(Feature::count).sum();
                assert_eq!(sum as usize, want, "{f:?} zoom {zoom}");
                let cases: u32 = features
                    .iter()
                    .map(|x| match x {
                        Feature::Cluster { cases, .. } => *cases,
                        Feature::Point(p) => (p.layer == Layer::Case) as u32,
                    })
                    .sum();
                let want_cases = if f.cases { 2 + private as u32 } else { 0 };
                assert_eq!(cases, want_cases, "{f:?} zoom {zoom}");
            }
        }
    }
    // The same id in two layers: two points.
    assert_eq!(index.get(Layer::Case, 1).map(|p| p.lon), Some(4.853));
    assert_eq!(index.get(Layer::Place, 1).map(|p| p.lon), Some(4.852));
    let mut json = String::new();
    feature_collection_json(&index.clusters(&BBox::WORLD, 20, &all), &mut json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let layers: Vec<&str> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["layer"].as_str())
        .collect();
    assert_eq!(layers.iter().filter(|l| **l == "case").count(), 3, "{json}");
}

#[test]
fn a_case_matches_each_of_its_families() {
    let mut m = point(1, Layer::Member, 1.0, 45.0);
    m.families = 1 << 2;
    let mut c = point(1, Layer::Case, 1.001, 45.001);
    c.families = 1 << 2 | 1 << 4 | 1 << 6;
    c.activities = 1 << 3;
    c.levers = 1 << 1;
    let mut lone = point(2, Layer::Case, 1.002, 45.002);
    lone.families = 0;
    let mut p = point(1, Layer::Place, 1.003, 45.003);
    p.kind = 2;
    let points = vec![m, c, lone, p];
    let index = MapIndex::build_with_leaf(points.clone(), 2);
    let d = Filter::default();
    let listed = |f: Filter| -> Vec<(Layer, i64)> {
        let (total, page) = index.list(&BBox::WORLD, &f, 0, 10);
        for zoom in [0, 8, 20] {
            let sum: u32 = index
                .clusters(&BBox::WORLD, zoom, &f)
                .iter()
                .map(Feature::count)
                .sum();
            assert_eq!(sum as usize, total, "{f:?} zoom {zoom}");
        }
        assert_eq!(total, brute_count(&points, &BBox::WORLD, &f), "{f:?}");
        let mut v: Vec<(Layer, i64)> = page.iter().map(|p| (p.layer, p.id)).collect();
        v.sort();
        v
    };
    let family = |v: u8| Filter {
        family: Some(v),
        ..d
    };
    use Layer::{Case, Member};
    assert_eq!(listed(family(2)), [(Member, 1), (Case, 1)]);
    assert_eq!(listed(family(4)), [(Case, 1)]);
    assert_eq!(listed(family(6)), [(Case, 1)]);
    assert_eq!(listed(family(3)), []);
    assert_eq!(listed(family(8)), []);
    assert_eq!(
        listed(Filter {
            members: false,
            ..family(2)
        }),
        [(Case, 1)]
    );
    assert_eq!(
        listed(Filter {
            cases: false,
            ..family(2)
        }),
        [(Member, 1)]
    );
    // Points without any family: the case without one, the place.
    assert_eq!(listed(family(NO_FAMILY)), [(Layer::Place, 1), (Case, 2)]);
    assert_eq!(
        listed(Filter {
            activity: Some(3),
            lever: Some(1),
            ..family(6)
        }),
        [(Case, 1)]
    );
    // A kind is a place's: no case has one.
    assert_eq!(listed(Filter { kind: Some(2), ..d }), [(Layer::Place, 1)]);
    assert_eq!(
        listed(Filter {
            places: false,
            kind: Some(2),
            ..d
        }),
        []
    );
}

#[test]
fn map_counts_equal_list_totals_with_cases_mixed_in() {
    let points = random_points(4000, 21);
    assert!(points.iter().filter(|p| p.layer == Layer::Case).count() > 300);
    let index = MapIndex::build_with_leaf(points.clone(), 16);
    let mut r = Rng(22);
    let boxes = bboxes(&mut r);
    let mut filters = Vec::new();
    for d in [
        Filter::default(),
        Filter {
            include_private: true,
            family: Some(3),
            ..Filter::default()
        },
        Filter {
            activity: Some(2),
            ..Filter::default()
        },
    ] {
        filters.extend(layer_choices(d));
    }
    for b in boxes.iter().take(8) {
        for f in &filters {
            let want = brute_count(&points, b, f);
            let (total, _) = index.list(b, f, 0, 1);
            assert_eq!(total, want, "{b:?} {f:?}");
            for zoom in [0, 3, 6, 9, 12, 16, 20] {
                let sum: u32 = index.clusters(b, zoom, f).iter().map(Feature::count).sum();
                assert_eq!(sum as usize, total, "{b:?} {f:?} zoom {zoom}");
            }
        }
    }
}

#[test]
fn needs_are_a_fourth_layer() {
    // In one spot of Lyon: two members, a place, a case and three needs, one of them private
    // (the engine allows it; the server draws public needs only).
    let mut points = vec![
        point(1, Layer::Member, 4.850, 45.760),
        point(2, Layer::Member, 4.851, 45.761),
        point(1, Layer::Place, 4.852, 45.762),
        point(1, Layer::Case, 4.853, 45.761),
        point(1, Layer::Need, 4.854, 45.760),
        point(2, Layer::Need, 4.855, 45.759),
        point(3, Layer::Need, 4.849, 45.758),
    ];
    points[4].families = 1 << 2 | 1 << 5;
    points[4].levers = 1 << 3;
    points[5].families = 1 << 5;
    points[6].public = false;
    let index = MapIndex::build_with_leaf(points.clone(), 2);
    let all = Filter {
        include_private: true,
        ..Filter::default()
    };
    let f = index.clusters(&BBox::WORLD, 5, &all);
    assert!(
        matches!(
            f[..],
            [Feature::Cluster {
                count: 7,
                members: 2,
                places: 1,
                cases: 1,
                needs: 3,
                ..
            }]
        ),
        "{f:?}"
    );
    // The needs alone.
    let only = Filter {
        members: false,
        places: false,
        cases: false,
        ..Filter::default()
    };
    assert_eq!(index.count(&BBox::WORLD, &only), 2);
    let (total, listed) = index.list(&BBox::WORLD, &only, 0, 10);
    assert_eq!(total, 2);
    assert!(listed.iter().all(|p| p.layer == Layer::Need));
    // Without the needs: none of them, whatever the zoom.
    let without = Filter {
        needs: false,
        ..all
    };
    for zoom in 0..=MAX_ZOOM {
        for x in index.clusters(&BBox::WORLD, zoom, &without) {
            match x {
                Feature::Cluster { needs, .. } => assert_eq!(needs, 0),
                Feature::Point(p) => assert_ne!(p.layer, Layer::Need),
            }
        }
    }
    // A family or a lever sought: found under it, as a case is under its families.
    let sought = |family: Option<u8>, lever: Option<u8>| -> Vec<(Layer, i64)> {
        let f = Filter {
            family,
            lever,
            ..Filter::default()
        };
        let mut v: Vec<(Layer, i64)> = index
            .list(&BBox::WORLD, &f, 0, 10)
            .1
            .iter()
            .map(|p| (p.layer, p.id))
            .collect();
        v.sort();
        v
    };
    assert_eq!(sought(Some(5), None), [(Layer::Need, 1), (Layer::Need, 2)]);
    assert_eq!(sought(Some(2), Some(3)), [(Layer::Need, 1)]);
    // Each choice of layers, public or not, at every zoom: the counts per layer add up to
    // the list's total, and the needs counted are the needs listed.
    for private in [false, true] {
        let d = Filter {
            include_private: private,
            ..Filter::default()
        };
        for f in layer_choices(d) {
            let want = brute_count(&points, &BBox::WORLD, &f);
            let (total, _) = index.list(&BBox::WORLD, &f, 0, 100);
            assert_eq!(total, want, "{f:?}");
            for zoom in 0..=MAX_ZOOM {
                let features = index.clusters(&BBox::WORLD, zoom, &f);
                let (mut sum, mut needs) = (0u32, 0u32);
                for x in &features {
                    sum += x.count();
                    needs += match x {
                        Feature::Cluster {
                            count,
                            members,
                            places,
                            cases,
                            needs,
                            ..
                        } => {
                            assert_eq!(members + places + cases + needs, *count, "{f:?}");
                            *needs
                        }
                        Feature::Point(p) => (p.layer == Layer::Need) as u32,
                    };
                }
                assert_eq!(sum as usize, want, "{f:?} zoom {zoom}");
                let want_needs = if f.needs { 2 + private as u32 } else { 0 };
                assert_eq!(needs, want_needs, "{f:?} zoom {zoom}");
            }
        }
    }
    // The same id in every layer: four points; the JSON says "need" and counts "needs".
    assert_eq!(index.get(Layer::Need, 1).map(|p| p.lon), Some(4.854));
    assert_eq!(index.get(Layer::Case, 1).map(|p| p.lon), Some(4.853));
    let mut json = String::new();
    feature_collection_json(&index.clusters(&BBox::WORLD, 5, &all), &mut json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["features"][0]["properties"]["needs"], 3, "{json}");
    json.clear();
    feature_collection_json(&index.clusters(&BBox::WORLD, 20, &all), &mut json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let needs = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["layer"] == "need")
        .count();
    assert_eq!(needs, 3, "{json}");
    assert_eq!(serde_json::to_string(&Layer::Need).unwrap(), "\"need\"");
}

#[test]
fn the_needs_count_costs_no_memory() {
    // `needs` took what was padding in a cluster's aggregate: still 56 bytes, and a node's
    // eight classes (four layers, public or private) with their summary 464.
    assert_eq!(std::mem::size_of::<crate::layout::Agg>(), 56);
    assert_eq!(std::mem::size_of::<crate::layout::NodeAgg>(), 464);
}
