//! PostgreSQL full-text search with the `french` configuration (Snowball stemming, French
//! stop words, accents kept), in a temporary schema dropped at the end.
//!
//! The table has a stored generated `tsvector` (title weight A, summary B, body C) and a GIN
//! index built after the bulk load (COPY). Ranking: `ts_rank` with its default weights.

use std::fmt::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use catalyse_core::resource::Resource;
use sqlx::{Connection, PgConnection};

use super::{measure, words, Outcome, SqlQueries, Words, FACET_NATURE, PAGE};
use crate::stats::EngineResult;

/// Bytes sent per COPY message.
const COPY_CHUNK: usize = 1 << 20;

pub async fn bench(
    url: &str,
    resources: &[Resource],
    workload: &[&str],
) -> anyhow::Result<Outcome> {
    let mut conn = PgConnection::connect(url)
        .await
        .context("connecting to PostgreSQL")?;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!("bench_{}_{nanos}", std::process::id());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await?;
    let results = run(&mut conn, &schema, resources, workload).await;
    let dropped = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut conn)
        .await
        .with_context(|| format!("dropping schema {schema}"));
    let results = results?;
    dropped?;
    conn.close().await?;
    let version = format!("PostgreSQL {version}");
    Ok(Outcome::Ran { results, version })
}

/// Appends `s` as a field of COPY's text format.
fn copy_field(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// The statements of one query, and what to bind to them (before the nature, if any).
struct Statements {
    params: Vec<String>,
    top: String,
    top_in_nature: String,
    facets: String,
    count: String,
}

fn statements(schema: &str, text: &str, mode: Words) -> Statements {
    let (params, tsquery) = match mode {
        Words::All => (
            vec![text.to_string()],
            "plainto_tsquery('french', $1)".to_string(),
        ),
        Words::Any => {
            let words = words(text);
            let parts: Vec<String> = (1..=words.len())
                .map(|i| format!("plainto_tsquery('french', ${i})"))
                .collect();
            (
                words.into_iter().map(String::from).collect(),
                format!("({})", parts.join(" || ")),
            )
        }
    };
    let nature = params.len() + 1;
    let table = format!("{schema}.docs");
    Statements {
        top: format!(
            "SELECT id, title, summary FROM {table} WHERE tsv @@ {tsquery} \
             ORDER BY ts_rank(tsv, {tsquery}) DESC LIMIT {PAGE}"
        ),
        top_in_nature: format!(
            "SELECT id, title, summary FROM {table} WHERE tsv @@ {tsquery} AND nature = ${nature} \
             ORDER BY ts_rank(tsv, {tsquery}) DESC LIMIT {PAGE}"
        ),
        facets: format!(
            "SELECT nature, count(*) FROM {table} WHERE tsv @@ {tsquery} AND nature = ${nature} \
             GROUP BY nature"
        ),
        count: format!("SELECT count(*) FROM {table} WHERE tsv @@ {tsquery}"),
        params,
    }
}

async fn run(
    conn: &mut PgConnection,
    schema: &str,
    resources: &[Resource],
    workload: &[&str],
) -> anyhow::Result<Vec<EngineResult>> {
    sqlx::query(&format!(
        "CREATE TABLE {schema}.docs (
            id bigint PRIMARY KEY,
            title text NOT NULL,
            summary text NOT NULL,
            body text NOT NULL,
            nature text NOT NULL,
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('french', title), 'A')
                || setweight(to_tsvector('french', summary), 'B')
                || setweight(to_tsvector('french', body), 'C')
            ) STORED
        )"
    ))
    .execute(&mut *conn)
    .await?;

    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY {schema}.docs (id, title, summary, body, nature) FROM STDIN"
        ))
        .await?;
    let mut buf = String::with_capacity(COPY_CHUNK + 4096);
    let mut sent: anyhow::Result<()> = Ok(());
    for r in resources {
        let _ = write!(buf, "{}\t", r.id);
        copy_field(&mut buf, &r.title);
        buf.push('\t');
        copy_field(&mut buf, &r.summary);
        buf.push('\t');
        copy_field(&mut buf, &r.body);
        buf.push('\t');
        copy_field(&mut buf, r.nature.as_str());
        buf.push('\n');
        if buf.len() >= COPY_CHUNK {
            if let Err(e) = copy.send(buf.as_bytes()).await {
                sent = Err(e.into());
                break;
            }
            buf.clear();
        }
    }
    if sent.is_ok() && !buf.is_empty() {
        sent = copy
            .send(buf.as_bytes())
            .await
            .map(|_| ())
            .map_err(Into::into);
    }
    match sent {
        Ok(()) => {
            copy.finish().await?;
        }
        Err(e) => {
            copy.abort("benchmark: sending failed").await.ok();
            return Err(e.context("COPY"));
        }
    }
    sqlx::query(&format!(
        "CREATE INDEX docs_tsv ON {schema}.docs USING gin (tsv)"
    ))
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!("ANALYZE {schema}.docs"))
        .execute(&mut *conn)
        .await?;
    let indexing = started.elapsed();
    eprintln!(
        "PostgreSQL: indexed in {:.1} s; querying…",
        indexing.as_secs_f64()
    );

    let mut queries = Queries { conn, schema };
    measure(&mut queries, "PostgreSQL french", indexing, workload).await
}

/// The connection, and the schema of the table.
struct Queries<'a> {
    conn: &'a mut PgConnection,
    schema: &'a str,
}

impl SqlQueries for Queries<'_> {
    type Prepared = Statements;

    fn prepare(&self, text: &str, mode: Words) -> Statements {
        statements(self.schema, text, mode)
    }

    async fn top(&mut self, s: &Statements) -> anyhow::Result<usize> {
        let mut query = sqlx::query_as::<_, (i64, String, String)>(&s.top);
        for p in &s.params {
            query = query.bind(p);
        }
        Ok(std::hint::black_box(query.fetch_all(&mut *self.conn).await?).len())
    }

    async fn faceted(&mut self, s: &Statements) -> anyhow::Result<u64> {
        let mut query = sqlx::query_as::<_, (i64, String, String)>(&s.top_in_nature);
        for p in &s.params {
            query = query.bind(p);
        }
        std::hint::black_box(
            query
                .bind(FACET_NATURE.as_str())
                .fetch_all(&mut *self.conn)
                .await?,
        );
        let mut counts = sqlx::query_as::<_, (String, i64)>(&s.facets);
        for p in &s.params {
            counts = counts.bind(p);
        }
        let counts = counts
            .bind(FACET_NATURE.as_str())
            .fetch_all(&mut *self.conn)
            .await?;
        Ok(counts.iter().map(|(_, n)| *n as u64).sum())
    }

    async fn count(&mut self, s: &Statements) -> anyhow::Result<u64> {
        let mut count = sqlx::query_scalar::<_, i64>(&s.count);
        for p in &s.params {
            count = count.bind(p);
        }
        Ok(count.fetch_one(&mut *self.conn).await? as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_fields_are_escaped() {
        let mut out = String::new();
        copy_field(&mut out, "a\tb\nc\\d\re");
        assert_eq!(out, "a\\tb\\nc\\\\d\\re");
    }

    #[test]
    fn words_become_parameters() {
        let s = statements("s", "mobilité solidaire", Words::Any);
        assert_eq!(s.params, ["mobilité", "solidaire"]);
        assert!(s
            .top
            .contains("(plainto_tsquery('french', $1) || plainto_tsquery('french', $2))"));
        assert!(s.facets.contains("nature = $3"));
        let s = statements("s", "mobilité solidaire", Words::All);
        assert_eq!(s.params, ["mobilité solidaire"]);
        assert!(s.top_in_nature.contains("nature = $2"));
    }
}
