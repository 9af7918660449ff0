//! Search benchmark: Catalyse's search (`catalyse-search`, tantivy) against SQLite FTS5 and
//! PostgreSQL full-text search (`french` configuration), on the same generated example
//! resources and the same French queries, in one run. See `bench/README.md`.
//!
//! ```sh
//! cargo run --release -p catalyse-search-bench -- --docs 100000 --queries 300 \
//!     --postgres postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! Prints a Markdown report on stdout (progress on stderr). A binary run on demand, never a
//! test: `cargo test --workspace` does not run it.

#[path = "../../common/args.rs"]
mod args;
mod engines;
mod stats;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::resource::{examples, Resource, ResourceState};

use args::Options;
use stats::{EngineResult, Stats};

/// The p99 Catalyse's search must stay under at 100,000 documents (with and without facets).
const TARGET_P99: Duration = Duration::from_millis(20);

/// French queries of 1 to 3 words, in the vocabulary of the generated resources, some typed
/// without accents, none with stop words (FTS5 has none; see `bench/README.md`). A few match
/// (nearly) every document: the worst cases, which decide p99.
pub const QUERIES: [&str; 40] = [
    "tiers-lieu",
    "évaluer partenariat",
    "mobilité solidaire",
    "transition écologique rurale",
    "isolement",
    "guide pratique",
    "recyclerie",
    "epicerie solidaire",
    "collectif habitants",
    "quartier prioritaire",
    "outre-mer",
    "commune montagne",
    "fiche outil",
    "retour d'expérience",
    "grille evaluation",
    "note cadrage",
    "intercommunalité",
    "territoire littoral",
    "financer",
    "mesurer impact",
    "atelier numérique aînés",
    "pôle coopération économique",
    "alliance associations entreprises",
    "piloter expérimentation",
    "mobiliser habitants",
    "reconversion",
    "ville moyenne",
    "diagnostic",
    "accompagner collectivite",
    "experimentation territoriale",
    "méthode",
    "entraide",
    "documenter recyclerie",
    "animer tiers-lieu rural",
    "numerique",
    "structurer alliance",
    "lancer épicerie sociale",
    "milieu rural",
    "bassin emploi",
    "accompagnement collectivités",
];

const TIMESTAMP: &str = "2024-01-15T10:00:00Z";

struct Args {
    docs: usize,
    queries: usize,
    postgres: Option<String>,
}

const USAGE: &str = "usage: catalyse-search-bench [--docs N] [--queries M] [--postgres URL]
  --docs N        generated example resources to index (default 100000)
  --queries M     timed queries per engine and mode, cycling a fixed list of 40 (default 300)
  --postgres URL  PostgreSQL to compare with (default: $CATALYSE_TEST_POSTGRES_URL;
                  skipped when neither is set). Works in a temporary schema, dropped at the end.";

fn parse_args() -> anyhow::Result<Option<Args>> {
    let mut args = Args {
        docs: 100_000,
        queries: 300,
        postgres: None,
    };
    let mut options = Options::from_env(USAGE);
    while let Some(mut opt) = options.next_opt() {
        match opt.name.as_str() {
            "--docs" => args.docs = opt.parse()?,
            "--queries" => args.queries = opt.parse()?,
            "--postgres" => args.postgres = Some(opt.value()?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => bail!("unknown argument: {other}\n{USAGE}"),
        }
    }
    if args.docs == 0 || args.queries == 0 {
        bail!("--docs and --queries must be at least 1");
    }
    if args.postgres.is_none() {
        args.postgres = std::env::var("CATALYSE_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
    }
    Ok(Some(args))
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The generated corpus: labelled example resources, all published.
fn corpus(docs: usize) -> anyhow::Result<Vec<Resource>> {
    let levers: Vec<String> = ReferenceFrame::shipped()?
        .levers
        .into_iter()
        .map(|l| l.slug)
        .collect();
    let at: chrono::DateTime<chrono::Utc> = TIMESTAMP.parse()?;
    Ok(examples(docs, &levers)
        .into_iter()
        .enumerate()
        .map(|(i, fields)| Resource {
            id: i as i64 + 1,
            fields,
            state: ResourceState::Published,
            file: None,
            created_at: at,
            updated_at: at,
            published_at: Some(at),
        })
        .collect())
}

/// Returns whether every engine asked for ran.
fn run() -> anyhow::Result<bool> {
    let Some(args) = parse_args()? else {
        return Ok(true);
    };
    let load_before = loadavg();
    eprintln!("generating {} example resources…", args.docs);
    let resources = corpus(args.docs)?;
    let workload: Vec<&str> = QUERIES.iter().copied().cycle().take(args.queries).collect();

    let mut results: Vec<EngineResult> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut ok = true;

    eprintln!("catalyse-search (tantivy): indexing…");
    results.push(engines::catalyse::bench(&resources, &workload)?);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    eprintln!("SQLite FTS5: indexing…");
    let outcome = runtime.block_on(engines::fts5::bench(&resources, &workload));
    ok &= record("SQLite FTS5", outcome, &mut results, &mut notes);

    match &args.postgres {
        None => {
            eprintln!("PostgreSQL: skipped (no URL)");
            notes.push("PostgreSQL: skipped (no URL)".into());
        }
        Some(url) => {
            eprintln!("PostgreSQL: indexing…");
            let outcome = runtime.block_on(engines::postgres::bench(url, &resources, &workload));
            ok &= record("PostgreSQL", outcome, &mut results, &mut notes);
        }
    }

    print_report(&args, &results, &notes, &load_before, &loadavg());
    Ok(ok)
}

/// Adds what an SQL engine gave to the report; returns whether it ran or was skipped (not
/// failed).
fn record(
    engine: &str,
    outcome: anyhow::Result<engines::Outcome>,
    results: &mut Vec<EngineResult>,
    notes: &mut Vec<String>,
) -> bool {
    match outcome {
        Ok(engines::Outcome::Ran {
            results: r,
            version,
        }) => {
            notes.push(version);
            results.extend(r);
            true
        }
        Ok(engines::Outcome::Skipped(why)) => {
            notes.push(format!("{engine}: skipped ({why})"));
            true
        }
        Err(e) => {
            notes.push(format!("{engine}: FAILED: {e:#}"));
            false
        }
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn print_report(
    args: &Args,
    results: &[EngineResult],
    notes: &[String],
    load_before: &str,
    load_after: &str,
) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "### Search: {} documents, {} queries per engine and mode",
        args.docs, args.queries
    );
    println!();
    println!(
        "Commit {}, {} cores ({}), load average {} before and {} after the run.",
        git_commit(),
        cores,
        cpu_model(),
        load_before,
        load_after
    );
    for note in notes {
        println!("{note}.");
    }
    println!();
    println!(
        "| engine | query words | indexing (docs/s) | p50 | p99 | mean | p50 with facets | \
         p99 with facets | mean with facets | avg matches | avg matches with facets |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let plain = Stats::of(&r.plain);
        let faceted = Stats::of(&r.faceted);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} |",
            r.engine,
            r.semantics,
            r.indexing
                .map(|d| format!(
                    "{:.0} ({:.1} s)",
                    args.docs as f64 / d.as_secs_f64(),
                    d.as_secs_f64()
                ))
                .unwrap_or_else(|| "(same index)".into()),
            ms(plain.p50),
            ms(plain.p99),
            ms(plain.mean),
            ms(faceted.p50),
            ms(faceted.p99),
            ms(faceted.mean),
            plain.avg_matches,
            faceted.avg_matches,
        );
    }
    let Some(reference) = results.first() else {
        return;
    };
    let base_plain = Stats::of(&reference.plain).p99;
    let base_faceted = Stats::of(&reference.faceted).p99;
    if results.len() > 1 {
        println!();
        println!(
            "| p99 relative to {} | without facets | with facets |",
            reference.engine
        );
        println!("|---|---:|---:|");
        for r in &results[1..] {
            let ratio = |d: Duration, base: Duration| d.as_secs_f64() / base.as_secs_f64();
            println!(
                "| {}, {} | × {:.1} | × {:.1} |",
                r.engine,
                r.semantics,
                ratio(Stats::of(&r.plain).p99, base_plain),
                ratio(Stats::of(&r.faceted).p99, base_faceted),
            );
        }
    }
    let met = base_plain < TARGET_P99 && base_faceted < TARGET_P99;
    println!();
    println!(
        "Target p99 < {} ms ({}, with and without facets, at {} documents): {}.",
        TARGET_P99.as_millis(),
        reference.engine,
        args.docs,
        if met { "met" } else { "NOT met" }
    );
    if args.docs != 100_000 {
        println!("(The target is set for 100,000 documents.)");
    }
}
