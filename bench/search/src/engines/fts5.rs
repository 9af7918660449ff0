//! SQLite FTS5 (the SQLite bundled by sqlx), in a temporary database file.
//!
//! `unicode61 remove_diacritics 2`: words split on anything but letters and digits, lowercase,
//! accents folded; no stemming, no stop words. Ranking: `bm25` with title ×3, summary ×2,
//! body ×1.

use std::str::FromStr;
use std::time::Instant;

use anyhow::Context;
use catalyse_core::resource::Resource;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

use super::{measure, words, Outcome, SqlQueries, Words, FACET_NATURE, PAGE};

const CREATE: &str = "CREATE VIRTUAL TABLE docs USING fts5(title, summary, body, \
                      nature UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')";
const TOP: &str = "SELECT rowid, title, summary FROM docs WHERE docs MATCH ?1 \
                   ORDER BY bm25(docs, 3.0, 2.0, 1.0) LIMIT ?2";
const TOP_IN_NATURE: &str = "SELECT rowid, title, summary FROM docs \
                             WHERE docs MATCH ?1 AND nature = ?3 \
                             ORDER BY bm25(docs, 3.0, 2.0, 1.0) LIMIT ?2";
const FACETS: &str = "SELECT nature, count(*) FROM docs WHERE docs MATCH ?1 AND nature = ?2 \
                      GROUP BY nature";
const COUNT: &str = "SELECT count(*) FROM docs WHERE docs MATCH ?1";

/// Rows per INSERT statement (5 parameters each).
const INSERT_ROWS: usize = 500;

/// One word as an FTS5 string: no operator or column filter can come from the text.
/// A word with inner punctuation (« tiers-lieu ») is a phrase of its tokens.
fn fts5_string(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// The MATCH expression of a query (words quoted, then OR-ed or AND-ed).
pub fn match_expression(text: &str, mode: Words) -> String {
    let joiner = match mode {
        Words::Any => " OR ",
        Words::All => " AND ",
    };
    words(text)
        .into_iter()
        .map(fts5_string)
        .collect::<Vec<_>>()
        .join(joiner)
}

pub async fn bench(resources: &[Resource], workload: &[&str]) -> anyhow::Result<Outcome> {
    let dir = tempfile::tempdir()?;
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(dir.path().join("fts5.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&mut conn)
        .await?;
    if let Err(e) = sqlx::query(CREATE).execute(&mut conn).await {
        let message = e.to_string();
        if message.contains("no such module") {
            return Ok(Outcome::Skipped(format!(
                "FTS5 is not compiled into SQLite {version}: {message}"
            )));
        }
        return Err(e).context("creating the FTS5 table");
    }

    let started = Instant::now();
    let mut tx = conn.begin().await?;
    for chunk in resources.chunks(INSERT_ROWS) {
        let mut insert =
            QueryBuilder::<Sqlite>::new("INSERT INTO docs (rowid, title, summary, body, nature) ");
        insert.push_values(chunk, |mut row, r| {
            row.push_bind(r.id)
                .push_bind(r.title.as_str())
                .push_bind(r.summary.as_str())
                .push_bind(r.body.as_str())
                .push_bind(r.nature.as_str());
        });
        insert.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    // Merges the index into one b-tree, as catalyse-search merges into one segment.
    sqlx::query("INSERT INTO docs (docs) VALUES ('optimize')")
        .execute(&mut conn)
        .await?;
    let indexing = started.elapsed();
    eprintln!(
        "SQLite FTS5: indexed in {:.1} s; querying…",
        indexing.as_secs_f64()
    );

    let results = measure(&mut conn, "SQLite FTS5", indexing, workload).await?;
    conn.close().await?;
    let version = format!("SQLite {version} (bundled by sqlx)");
    Ok(Outcome::Ran { results, version })
}

/// A query is its MATCH expression.
impl SqlQueries for SqliteConnection {
    type Prepared = String;

    fn prepare(&self, text: &str, mode: Words) -> String {
        match_expression(text, mode)
    }

    async fn top(&mut self, expr: &String) -> anyhow::Result<usize> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(TOP)
            .bind(expr)
            .bind(PAGE)
            .fetch_all(&mut *self)
            .await?;
        Ok(std::hint::black_box(rows).len())
    }

    async fn faceted(&mut self, expr: &String) -> anyhow::Result<u64> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(TOP_IN_NATURE)
            .bind(expr)
            .bind(PAGE)
            .bind(FACET_NATURE.as_str())
            .fetch_all(&mut *self)
            .await?;
        std::hint::black_box(rows);
        let counts: Vec<(String, i64)> = sqlx::query_as(FACETS)
            .bind(expr)
            .bind(FACET_NATURE.as_str())
            .fetch_all(&mut *self)
            .await?;
        Ok(counts.iter().map(|(_, n)| *n as u64).sum())
    }

    async fn count(&mut self, expr: &String) -> anyhow::Result<u64> {
        let count: i64 = sqlx::query_scalar(COUNT)
            .bind(expr)
            .fetch_one(&mut *self)
            .await?;
        Ok(count as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_as_strings() {
        assert_eq!(
            match_expression("évaluer  partenariat", Words::Any),
            "\"évaluer\" OR \"partenariat\""
        );
        assert_eq!(
            match_expression("tiers-lieu rural", Words::All),
            "\"tiers-lieu\" AND \"rural\""
        );
        assert_eq!(
            match_expression("a\"b OR NEAR(c", Words::All),
            "\"a\"\"b\" AND \"OR\" AND \"NEAR(c\""
        );
    }
}
