//! Catalyse's own search: `catalyse-search` (tantivy, French analysis), on disk in a
//! temporary directory, as the server uses it.

use std::time::Instant;

use anyhow::ensure;
use catalyse_core::resource::Resource;
use catalyse_search::{SearchIndex, SearchQuery};

use super::FACET_NATURE;
use crate::stats::{EngineResult, Run};
use crate::QUERIES;

fn plain(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_string(),
        ..SearchQuery::default()
    }
}

fn faceted(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_string(),
        natures: vec![FACET_NATURE],
        ..SearchQuery::default()
    }
}

pub fn bench(resources: &[Resource], workload: &[&str]) -> anyhow::Result<EngineResult> {
    let dir = tempfile::tempdir()?;
    let index = SearchIndex::open(&dir.path().join("index"))?;
    let started = Instant::now();
    index.rebuild(resources)?;
    let indexing = started.elapsed();
    ensure!(
        index.len() == resources.len() as u64,
        "{} documents indexed out of {}",
        index.len(),
        resources.len()
    );
    eprintln!(
        "catalyse-search: indexed in {:.1} s; querying…",
        indexing.as_secs_f64()
    );

    for text in QUERIES {
        std::hint::black_box(index.search(&plain(text))?);
        std::hint::black_box(index.search(&faceted(text))?);
    }
    let mut runs = [Run::default(), Run::default()];
    for (run, make) in runs.iter_mut().zip([plain, faceted]) {
        for text in workload {
            let query = make(text);
            let started = Instant::now();
            let results = index.search(&query)?;
            let elapsed = started.elapsed();
            run.push(elapsed, results.total);
            std::hint::black_box(results);
        }
    }
    let [plain, faceted] = runs;
    Ok(EngineResult {
        engine: "catalyse-search (tantivy)",
        semantics: "any word, all-words matches first",
        indexing: Some(indexing),
        plain,
        faceted,
    })
}
