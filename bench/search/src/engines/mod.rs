//! The three engines, each indexing the same resources and running the same queries.

pub mod catalyse;
pub mod fts5;
pub mod postgres;

use std::time::{Duration, Instant};

use crate::stats::{EngineResult, Run};
use crate::QUERIES;

/// The nature the « with facets » queries are restricted to.
pub const FACET_NATURE: catalyse_core::resource::Nature = catalyse_core::resource::Nature::Methode;

/// Top hits fetched per query, as a page of the resource centre.
pub const PAGE: i64 = 20;

pub enum Outcome {
    Ran {
        results: Vec<EngineResult>,
        /// The engine and its version, as the report's notes name them.
        version: String,
    },
    Skipped(String),
}

/// How the words of a query combine in the SQL engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    /// A document matches when it has any of the words: the same matches as Catalyse's search.
    Any,
    /// A document must have all the words (FTS5's implicit AND, `plainto_tsquery`).
    All,
}

impl Words {
    pub const BOTH: [Words; 2] = [Words::Any, Words::All];

    pub fn label(self) -> &'static str {
        match self {
            Words::Any => "any word (OR)",
            Words::All => "all words (AND)",
        }
    }
}

/// The words of a query, as the SQL engines receive them: split on white space.
pub fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// The queries of an SQL engine, as [`measure`] runs them.
pub trait SqlQueries {
    /// One query text in one [`Words`] mode, ready to run.
    type Prepared;

    fn prepare(&self, text: &str, mode: Words) -> Self::Prepared;

    /// The first page, without facets.
    async fn top(&mut self, q: &Self::Prepared) -> anyhow::Result<usize>;

    /// The first page within a nature, and the count by nature of the matches: returns the
    /// total.
    async fn faceted(&mut self, q: &Self::Prepared) -> anyhow::Result<u64>;

    /// The number of matches (never timed: only for the report).
    async fn count(&mut self, q: &Self::Prepared) -> anyhow::Result<u64>;
}

/// Both [`Words`] modes of an SQL engine, each after one untimed pass over [`QUERIES`]: the
/// workload without facets, then with them. `indexing` is reported on the first row.
pub async fn measure<E: SqlQueries>(
    engine: &mut E,
    name: &'static str,
    indexing: Duration,
    workload: &[&str],
) -> anyhow::Result<Vec<EngineResult>> {
    let mut results = Vec::new();
    for mode in Words::BOTH {
        for text in QUERIES {
            let q = engine.prepare(text, mode);
            engine.top(&q).await?;
            engine.faceted(&q).await?;
        }
        let mut plain = Run::default();
        for text in workload {
            let q = engine.prepare(text, mode);
            let started = Instant::now();
            engine.top(&q).await?;
            let elapsed = started.elapsed();
            plain.push(elapsed, engine.count(&q).await?);
        }
        let mut with_facets = Run::default();
        for text in workload {
            let q = engine.prepare(text, mode);
            let started = Instant::now();
            let total = engine.faceted(&q).await?;
            with_facets.push(started.elapsed(), total);
        }
        results.push(EngineResult {
            engine: name,
            semantics: mode.label(),
            indexing: (mode == Words::Any).then_some(indexing),
            plain,
            faceted: with_facets,
        });
    }
    Ok(results)
}
