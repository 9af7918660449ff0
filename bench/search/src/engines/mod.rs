//! The three engines, each indexing the same resources and running the same queries.

pub mod catalyse;
pub mod fts5;
pub mod postgres;

use crate::stats::EngineResult;

/// The nature the « with facets » queries are restricted to.
pub const FACET_NATURE: catalyse_core::resource::Nature = catalyse_core::resource::Nature::Methode;

/// Top hits fetched per query, as a page of the resource centre.
pub const PAGE: i64 = 20;

pub enum Outcome {
    Ran {
        results: Vec<EngineResult>,
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
