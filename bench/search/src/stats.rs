//! Latencies and match counts of one engine, and their summary.

use std::time::Duration;

/// The timed queries of one mode (with or without facets), in order.
#[derive(Debug, Default)]
pub struct Run {
    pub latencies: Vec<Duration>,
    /// Matching documents per query (all of them, not only the page returned).
    pub matches: Vec<u64>,
}

impl Run {
    pub fn push(&mut self, latency: Duration, matches: u64) {
        self.latencies.push(latency);
        self.matches.push(matches);
    }
}

/// One row of the report.
#[derive(Debug)]
pub struct EngineResult {
    pub engine: &'static str,
    /// How query words combine.
    pub semantics: &'static str,
    /// Time to index the whole corpus; `None` when another row has the same index.
    pub indexing: Option<Duration>,
    pub plain: Run,
    pub faceted: Run,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub p50: Duration,
    pub p99: Duration,
    pub mean: Duration,
    pub avg_matches: f64,
}

impl Stats {
    pub fn of(run: &Run) -> Stats {
        let mut sorted = run.latencies.clone();
        sorted.sort_unstable();
        let n = sorted.len();
        let mean = if n == 0 {
            Duration::ZERO
        } else {
            sorted.iter().sum::<Duration>() / n as u32
        };
        let avg_matches = if run.matches.is_empty() {
            0.0
        } else {
            run.matches.iter().sum::<u64>() as f64 / run.matches.len() as f64
        };
        Stats {
            p50: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
            mean,
            avg_matches,
        }
    }
}

/// Nearest-rank percentile of sorted values (zero when empty).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let ms = |n| Duration::from_millis(n);
        let values: Vec<Duration> = (1..=300).map(ms).collect();
        assert_eq!(percentile(&values, 50.0), ms(150));
        assert_eq!(percentile(&values, 99.0), ms(297));
        assert_eq!(percentile(&values[..1], 99.0), ms(1));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }
}
