//! Example points spread like the population.

/// Radius of the jitter around a commune's point, in metres.
const JITTER_M: f64 = 1_500.0;
/// Metres per degree of latitude (and of longitude at the equator).
const M_PER_DEG: f64 = 111_320.0;

/// SplitMix64: tiny, fast and fully specified, so a seed gives the same points on every
/// platform and with every version of every dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[0, n)` (Lemire's multiply; the bias is below 2^-40 for n < 2^24).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

/// `n` points spread like the population: each picks a commune with probability
/// proportional to its population (cumulative sums and a binary search), then moves up to
/// 1.5 km from the commune's point, uniformly over the disc, so that the points of one
/// commune are not stacked.
///
/// `communes` are `(lon, lat, population)`. Communes with non-finite coordinates are never
/// picked; when the population of all the others is 0 they are picked uniformly. Returns
/// `(commune index, lon, lat)`; empty when no commune can be picked. Deterministic: the same
/// input and seed give the same points (SplitMix64, no dependency).
pub fn spread_like_population(
    communes: &[(f64, f64, u64)],
    n: usize,
    seed: u64,
) -> Vec<(usize, f64, f64)> {
    let usable = |c: &(f64, f64, u64)| c.0.is_finite() && c.1.is_finite();
    let total: u64 = communes
        .iter()
        .filter(|c| usable(c))
        .map(|c| c.2)
        .fold(0u64, u64::saturating_add);
    let uniform = total == 0;
    let mut sum = 0u64;
    let cumulative: Vec<u64> = communes
        .iter()
        .map(|c| {
            if usable(c) {
                sum = sum.saturating_add(if uniform { 1 } else { c.2 });
            }
            sum
        })
        .collect();
    if n == 0 || sum == 0 {
        return Vec::new();
    }
    let mut rng = SplitMix64(seed);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let r = rng.below(sum);
        let i = cumulative.partition_point(|&c| c <= r);
        let (lon, lat, _) = communes[i];
        let radius = JITTER_M * rng.next_f64().sqrt();
        let angle = std::f64::consts::TAU * rng.next_f64();
        let dlat = radius * angle.cos() / M_PER_DEG;
        let dlon = radius * angle.sin() / (M_PER_DEG * lat.to_radians().cos().max(0.01));
        let mut plon = lon + dlon;
        if plon > 180.0 {
            plon -= 360.0;
        } else if plon < -180.0 {
            plon += 360.0;
        }
        out.push((i, plon, (lat + dlat).clamp(-90.0, 90.0)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_jittered_and_deterministic() {
        let communes = [
            (4.85, 45.76, 900_000),
            (2.35, 48.85, 100_000),
            (0.0, 0.0, 0),
            (f64::NAN, 1.0, 1_000_000),
        ];
        let a = spread_like_population(&communes, 20_000, 7);
        assert_eq!(a, spread_like_population(&communes, 20_000, 7));
        assert_ne!(a, spread_like_population(&communes, 20_000, 8));
        let lyon = a.iter().filter(|p| p.0 == 0).count();
        assert!(
            a.iter().all(|p| p.0 <= 1),
            "empty or unusable commune picked"
        );
        assert!((17_600..18_400).contains(&lyon), "{lyon}");
        for &(i, lon, lat) in &a {
            let (clon, clat, _) = communes[i];
            let dx = (lon - clon) * M_PER_DEG * clat.to_radians().cos();
            let dy = (lat - clat) * M_PER_DEG;
            assert!((dx * dx + dy * dy).sqrt() <= JITTER_M + 1e-6);
        }
        // Not stacked.
        let mut lons: Vec<u64> = a.iter().map(|p| p.1.to_bits()).collect();
        lons.sort_unstable();
        lons.dedup();
        assert_eq!(lons.len(), a.len());
        assert!(spread_like_population(&[], 10, 1).is_empty());
        assert_eq!(spread_like_population(&[(1.0, 2.0, 0)], 3, 1).len(), 3);
    }
}
