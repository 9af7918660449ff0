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

use super::{words, Outcome, Words, FACET_NATURE, PAGE};
use crate::stats::{EngineResult, Run};
use crate::QUERIES;

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

    let mut results = Vec::new();
    for mode in Words::BOTH {
        for text in QUERIES {
            let s = statements(schema, text, mode);
            top(conn, &s).await?;
            faceted(conn, &s).await?;
        }
        let mut plain = Run::default();
        for text in workload {
            let s = statements(schema, text, mode);
            let started = Instant::now();
            top(conn, &s).await?;
            let elapsed = started.elapsed();
            // Not part of the timed work (no total without facets), only for the report.
            let mut count = sqlx::query_scalar::<_, i64>(&s.count);
            for p in &s.params {
                count = count.bind(p);
            }
            plain.push(elapsed, count.fetch_one(&mut *conn).await? as u64);
        }
        let mut with_facets = Run::default();
        for text in workload {
            let s = statements(schema, text, mode);
            let started = Instant::now();
            let total = faceted(conn, &s).await?;
            with_facets.push(started.elapsed(), total);
        }
        results.push(EngineResult {
            engine: "PostgreSQL french",
            semantics: mode.label(),
            indexing: (mode == Words::Any).then_some(indexing),
            plain,
            faceted: with_facets,
        });
    }
    Ok(results)
}

/// The first page, without facets.
async fn top(conn: &mut PgConnection, s: &Statements) -> anyhow::Result<usize> {
    let mut query = sqlx::query_as::<_, (i64, String, String)>(&s.top);
    for p in &s.params {
        query = query.bind(p);
    }
    Ok(std::hint::black_box(query.fetch_all(&mut *conn).await?).len())
}

/// The first page within a nature, and the count by nature of the matches: returns the total.
async fn faceted(conn: &mut PgConnection, s: &Statements) -> anyhow::Result<u64> {
    let mut query = sqlx::query_as::<_, (i64, String, String)>(&s.top_in_nature);
    for p in &s.params {
        query = query.bind(p);
    }
    std::hint::black_box(
        query
            .bind(FACET_NATURE.as_str())
            .fetch_all(&mut *conn)
            .await?,
    );
    let mut counts = sqlx::query_as::<_, (String, i64)>(&s.facets);
    for p in &s.params {
        counts = counts.bind(p);
    }
    let counts = counts
        .bind(FACET_NATURE.as_str())
        .fetch_all(&mut *conn)
        .await?;
    Ok(counts.iter().map(|(_, n)| *n as u64).sum())
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
