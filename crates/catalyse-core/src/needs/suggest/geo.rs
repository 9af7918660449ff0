//! Great-circle distances between the centres of territories.

/// A point on Earth, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// The mean radius of the Earth (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The great-circle distance between two points, in kilometres (haversine formula).
pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// A point as a unit vector from the centre of the Earth.
pub(super) type Unit = [f64; 3];

/// The unit vector of a point, if it is one.
pub(super) fn unit(p: GeoPoint) -> Option<Unit> {
    let ok = p.lat.is_finite() && p.lon.is_finite() && p.lat.abs() <= 90.0;
    let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
    ok.then(|| [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()])
}

/// The great-circle distance between two unit vectors, from their chord: the same as the
/// haversine, without its trigonometry of latitudes and longitudes (and accurate at short
/// distances, where the angle from a dot product is not).
pub(super) fn chord_km(a: &Unit, b: &Unit) -> f64 {
    let c2 = (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2);
    2.0 * EARTH_RADIUS_KM * (c2.sqrt() / 2.0).min(1.0).asin()
}
