//! Fixed-point Web Mercator, Morton codes and the query region.

use crate::BBox;
use std::f64::consts::PI;
use std::sync::OnceLock;

/// World size in fixed-point units per axis: 2^32.
const WORLD: f64 = 4_294_967_296.0;
/// Largest latitude of Web Mercator (the square world).
pub(crate) const MAX_LAT: f64 = 85.051_128_779_806_59;
/// Quadtree level of zoom 20's cells: level `l` has `2^l` cells per side, and a 64-px cell at
/// zoom `z` is level `z + 2` (256-px tiles = 2^8 px, 64 px = 2^6 px).
pub(crate) const MAX_LEVEL: u32 = crate::MAX_ZOOM as u32 + 2;

/// Fixed-point Mercator x of a longitude (clamped to the world).
#[inline]
pub(crate) fn project_x(lon: f64) -> u32 {
    let v = ((lon + 180.0) / 360.0 * WORLD).floor();
    v.clamp(0.0, WORLD - 1.0) as u32
}

/// Fixed-point Mercator y (0 at the north edge) of a latitude (clamped to ±85.0511°).
#[inline]
pub(crate) fn project_y(lat: f64) -> u32 {
    let s = lat.clamp(-MAX_LAT, MAX_LAT).to_radians().sin();
    let y = 0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * PI);
    (y * WORLD).floor().clamp(0.0, WORLD - 1.0) as u32
}

/// Longitude of a (fractional) fixed-point x.
#[inline]
pub(crate) fn unproject_x(x: f64) -> f64 {
    x / WORLD * 360.0 - 180.0
}

/// Latitude of a (fractional) fixed-point y, exactly: `atan(sinh(π (1 - 2y/2^32)))`.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn unproject_y_exact(y: f64) -> f64 {
    (PI * (1.0 - 2.0 * y / WORLD)).sinh().atan().to_degrees()
}

/// Knots of the latitude table.
const KNOTS: usize = 4096;

/// Latitude (radians) and its derivative with respect to `t = y / 2^32` at `KNOTS + 1`
/// evenly spaced `t`.
struct LatTable {
    lat: Vec<f64>,
    slope: Vec<f64>,
}

fn lat_table() -> &'static LatTable {
    static TABLE: OnceLock<LatTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let (mut lat, mut slope) = (Vec::with_capacity(KNOTS + 1), Vec::with_capacity(KNOTS + 1));
        for k in 0..=KNOTS {
            let z = PI * (1.0 - 2.0 * k as f64 / KNOTS as f64);
            let phi = z.sinh().atan();
            lat.push(phi);
            // d/dt atan(sinh(z)) = sech(z) dz/dt = -2π cos(φ).
            slope.push(-2.0 * PI * phi.cos());
        }
        LatTable { lat, slope }
    })
}

/// Latitude of a (fractional) fixed-point y: cubic Hermite interpolation of a 4,097-knot
/// table (64 KB), within 1e-12° of [`unproject_y_exact`] and several times faster (cluster
/// answers compute three latitudes per cluster).
#[inline]
pub(crate) fn unproject_y(y: f64) -> f64 {
    let table = lat_table();
    let t = (y / WORLD).clamp(0.0, 1.0) * KNOTS as f64;
    let k = (t as usize).min(KNOTS - 1);
    let u = t - k as f64;
    let (u2, u3) = (u * u, u * u * u);
    let h = 1.0 / KNOTS as f64;
    let phi = (2.0 * u3 - 3.0 * u2 + 1.0) * table.lat[k]
        + (u3 - 2.0 * u2 + u) * h * table.slope[k]
        + (3.0 * u2 - 2.0 * u3) * table.lat[k + 1]
        + (u3 - u2) * h * table.slope[k + 1];
    phi.to_degrees()
}

#[inline]
fn spread(v: u32) -> u64 {
    let mut x = v as u64;
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

/// Morton code: bits of x in the even positions, of y in the odd ones, so that the children
/// of a quadtree cell come in the order (x0,y0) (x1,y0) (x0,y1) (x1,y1), child `2*ybit + xbit`.
#[inline]
pub(crate) fn morton(x: u32, y: u32) -> u64 {
    spread(x) | (spread(y) << 1)
}

/// Extent of cell `(cx, cy)` at quadtree `level`, inclusive, in fixed-point units.
#[inline]
pub(crate) fn cell_extent(level: u32, cx: u32, cy: u32) -> [u64; 4] {
    let shift = 32 - level;
    let x0 = (cx as u64) << shift;
    let y0 = (cy as u64) << shift;
    let side = (1u64 << shift) - 1;
    [x0, y0, x0 + side, y0 + side]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    Outside,
    Partial,
    Inside,
}

/// A query bbox in fixed-point units: one y range and one or two x ranges (two when the box
/// crosses the antimeridian), all inclusive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    xs: [(u32, u32); 2],
    two: bool,
    y0: u32,
    y1: u32,
}

/// A longitude brought into -180..=180 (values inside are kept as they are).
pub(crate) fn wrap_lon(v: f64) -> f64 {
    if (-180.0..=180.0).contains(&v) {
        v
    } else {
        (v + 180.0).rem_euclid(360.0) - 180.0
    }
}

impl Region {
    /// The region of a bbox, or `None` when the bbox is invalid (non-finite, south > north).
    pub(crate) fn from_bbox(b: &BBox) -> Option<Region> {
        if ![b.west, b.south, b.east, b.north]
            .iter()
            .all(|v| v.is_finite())
            || b.south > b.north
        {
            return None;
        }
        let y0 = project_y(b.north);
        let y1 = project_y(b.south);
        let max = u32::MAX;
        if b.east - b.west >= 360.0 {
            return Some(Region {
                xs: [(0, max); 2],
                two: false,
                y0,
                y1,
            });
        }
        let (w, e) = (wrap_lon(b.west), wrap_lon(b.east));
        let (xw, xe) = (project_x(w), project_x(e));
        Some(if w <= e {
            Region {
                xs: [(xw, xe); 2],
                two: false,
                y0,
                y1,
            }
        } else {
            Region {
                xs: [(xw, max), (0, xe)],
                two: true,
                y0,
                y1,
            }
        })
    }

    #[inline(always)]
    pub(crate) fn contains(&self, x: u32, y: u32) -> bool {
        let in_y = y.wrapping_sub(self.y0) <= self.y1.wrapping_sub(self.y0);
        let in_x0 = x.wrapping_sub(self.xs[0].0) <= self.xs[0].1.wrapping_sub(self.xs[0].0);
        let in_x1 = x.wrapping_sub(self.xs[1].0) <= self.xs[1].1.wrapping_sub(self.xs[1].0);
        in_y & (in_x0 | in_x1)
    }

    /// How a cell extent `[x0, y0, x1, y1]` (inclusive) relates to the region.
    pub(crate) fn relation(&self, c: [u64; 4]) -> Relation {
        let (y0, y1) = (self.y0 as u64, self.y1 as u64);
        if c[1] > y1 || c[3] < y0 {
            return Relation::Outside;
        }
        let y_inside = c[1] >= y0 && c[3] <= y1;
        let n = if self.two { 2 } else { 1 };
        let mut rel = Relation::Outside;
        for &(a, b) in &self.xs[..n] {
            let (a, b) = (a as u64, b as u64);
            if c[0] > b || c[2] < a {
                continue;
            }
            // The two x ranges are separated by a gap, so a cell inside their union is inside
            // one of them.
            if y_inside && c[0] >= a && c[2] <= b {
                return Relation::Inside;
            }
            rel = Relation::Partial;
        }
        rel
    }
}

/// Width and height in pixels (256-px tiles) of a bbox at `zoom`.
pub(crate) fn pixel_size(b: &BBox, zoom: u8) -> Option<(f64, f64)> {
    let r = Region::from_bbox(b)?;
    let n = if r.two { 2 } else { 1 };
    let units: f64 = r.xs[..n].iter().map(|&(a, b)| (b - a) as f64 + 1.0).sum();
    let height = (r.y1 - r.y0) as f64 + 1.0;
    // 2^32 units are 256 * 2^zoom pixels.
    let scale = 256.0 * (1u64 << zoom) as f64 / WORLD;
    Some((units * scale, height * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_round_trips_and_is_monotonic() {
        for &(lon, lat) in &[(0.0, 0.0), (4.85, 45.76), (-5.5, 41.2), (179.9, -60.0)] {
            let (x, y) = (project_x(lon), project_y(lat));
            assert!((unproject_x(x as f64 + 0.5) - lon).abs() < 1e-6);
            assert!((unproject_y(y as f64 + 0.5) - lat).abs() < 1e-6);
        }
        assert_eq!(project_x(-180.0), 0);
        assert_eq!(project_x(180.0), u32::MAX);
        assert_eq!(project_y(90.0), 0);
        assert_eq!(project_y(-90.0), u32::MAX);
        assert!(project_y(45.0) < project_y(44.0));
    }

    #[test]
    fn latitude_table_matches_the_formula() {
        let mut worst = 0.0f64;
        let mut y = 0.0;
        while y < WORLD {
            for dy in [0.0, 0.5, 123_456.789] {
                let v = (y + dy).min(WORLD);
                worst = worst.max((unproject_y(v) - unproject_y_exact(v)).abs());
            }
            y += 1_048_573.0; // prime-ish step: every part of each interval
        }
        assert!(worst < 1e-11, "{worst}");
        assert!((unproject_y(0.0) - MAX_LAT).abs() < 1e-9);
        assert!((unproject_y(WORLD) + MAX_LAT).abs() < 1e-9);
        assert!(unproject_y(WORLD / 2.0).abs() < 1e-12);
    }

    #[test]
    fn morton_orders_children() {
        assert_eq!(morton(1, 0), 1);
        assert_eq!(morton(0, 1), 2);
        assert_eq!(morton(u32::MAX, u32::MAX), u64::MAX);
        assert_eq!(morton(1 << 31, 0) >> 62, 1);
        assert_eq!(morton(0, 1 << 31) >> 62, 2);
    }

    #[test]
    fn relations() {
        let r = Region::from_bbox(&BBox::new(0.0, 0.0, 10.0, 10.0)).unwrap();
        assert_eq!(r.relation(cell_extent(0, 0, 0)), Relation::Partial);
        let r = Region::from_bbox(&BBox::WORLD).unwrap();
        assert_eq!(r.relation(cell_extent(0, 0, 0)), Relation::Inside);
        assert_eq!(r.relation(cell_extent(3, 5, 2)), Relation::Inside);
        let r = Region::from_bbox(&BBox::new(170.0, -10.0, -170.0, 10.0)).unwrap();
        assert!(r.contains(project_x(175.0), project_y(0.0)));
        assert!(r.contains(project_x(-175.0), project_y(0.0)));
        assert!(!r.contains(project_x(0.0), project_y(0.0)));
        assert_eq!(r.relation(cell_extent(2, 1, 1)), Relation::Outside);
        assert!(Region::from_bbox(&BBox::new(0.0, 10.0, 1.0, 5.0)).is_none());
        let (w, h) = BBox::WORLD.pixel_size(0).unwrap();
        assert!((w - 256.0).abs() < 1e-3 && (h - 256.0).abs() < 1e-3);
        let (w, _) = BBox::new(170.0, 0.0, -170.0, 1.0).pixel_size(3).unwrap();
        assert!((w - 20.0 / 360.0 * 2048.0).abs() < 1e-3, "{w}");
        let (w, h) = BBox::new(4.75, 45.70, 4.92, 45.82).pixel_size(13).unwrap();
        assert!(
            (w - 990.3).abs() < 0.1 && (h - 1002.0).abs() < 0.1,
            "{w} {h}"
        );
        assert!(BBox::new(0.0, 10.0, 1.0, 5.0).pixel_size(3).is_none());
        assert!(Region::from_bbox(&BBox::new(f64::NAN, 0.0, 1.0, 5.0)).is_none());
    }
}
