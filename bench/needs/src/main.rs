//! Suggestions benchmark: the explained matchmaking engine (`catalyse_core::needs::suggest`)
//! in process, over a pool built the way the server builds it (`catalyse_web::needs::pool`)
//! from a million generated members and 50,000 generated case studies, asked for the
//! suggestions of distinct generated needs, as a visitor and as a signed-in member. See
//! `bench/README.md` (« Suggestions benchmark »).
//!
//! ```sh
//! bash bench/needs/run.sh                                  # 1,000,000 members, 50,000 cases
//! cargo run --release -p catalyse-needs-bench -- --members 100000 --needs 200
//! ```
//!
//! Prints a Markdown report on stdout (progress on stderr). A binary run on demand, never a
//! test: it measures, it does not gate (exit 0 whatever the figures).

#[path = "../../common/args.rs"]
mod args;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use catalyse_core::cases::Case;
use catalyse_core::dataset::SurveyModel;
use catalyse_core::needs::suggest::{suggest, NeedProfile, Pool, Viewer};
use catalyse_core::network::{Moderated, Profile};
use catalyse_core::territory::Geography;
use catalyse_core::{ReferenceFrame, TerritoryIndex};
use catalyse_web::needs::api_suggestions::{API_CASES, API_MEMBERS};
use catalyse_web::needs::pool::{Matching, PoolBuilder};
use catalyse_web::needs::suggestions::limit;
use catalyse_web::{cases, needs, network, state};
use chrono::{DateTime, Datelike, TimeZone, Utc};

use args::Options;

/// The budget for one need's suggestions at this scale (issue 16).
const TARGET_P99: Duration = Duration::from_millis(50);
/// Members and cases generated per batch, as the store's pages come to the server.
const BATCH: usize = 20_000;

struct Args {
    members: usize,
    cases: usize,
    needs: usize,
    seed: u64,
}

const USAGE: &str = "usage: catalyse-needs-bench [--members N] [--cases C] [--needs Q] [--seed S]
  --members N   generated members in the pool (default 1000000)
  --cases C     generated case studies in the pool (default 50000)
  --needs Q     distinct generated needs asked for, per viewer (default 500)
  --seed S      generator seed (default 2019)";

fn parse_args() -> anyhow::Result<Option<Args>> {
    let mut args = Args {
        members: 1_000_000,
        cases: 50_000,
        needs: 500,
        seed: 2019,
    };
    let mut options = Options::from_env(USAGE);
    while let Some(mut opt) = options.next_opt() {
        match opt.name.as_str() {
            "--members" => args.members = opt.parse()?,
            "--cases" => args.cases = opt.parse()?,
            "--needs" => args.needs = opt.parse()?,
            "--seed" => args.seed = opt.parse()?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => bail!("unknown option {other}\n{USAGE}"),
        }
    }
    if args.needs == 0 {
        bail!("--needs must be at least 1\n{USAGE}");
    }
    Ok(Some(args))
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| a.map(run).transpose()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("catalyse-needs-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What the pool was built from, and how long it took.
struct Built {
    pool: Pool,
    gathered: Duration,
    built: Duration,
}

fn run(args: Args) -> anyhow::Result<()> {
    let geo = TerritoryIndex::new(Geography::shipped().context("geography")?.territories);
    let frame = ReferenceFrame::shipped().context("reference frame")?;
    let fragilities = SurveyModel::shipped().context("survey model")?.fragilities;
    let matching = Matching::new(
        (&frame.levers, &frame.metier, &frame.actor_families),
        &fragilities,
        &geo,
    )?;
    // Mid-2026: the generated members' and cases' dates fall before it.
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
    let fragility_slugs: Vec<String> = fragilities.iter().map(|f| f.slug.clone()).collect();
    let lever_slugs: Vec<String> = frame.levers.iter().map(|l| l.slug.clone()).collect();

    eprintln!(
        "generating {} members and {} case studies…",
        args.members, args.cases
    );
    let b = build_pool(&args, &geo, &frame, &matching, &fragility_slugs, now)?;
    let peak_after_build = peak_rss_mb();

    let inputs = needs::examples::Inputs {
        territories: geo.all(),
        levers: lever_slugs,
        families: frame
            .actor_families
            .iter()
            .map(|f| f.slug.clone())
            .collect(),
        fragilities: fragility_slugs,
        authors: vec![],
    };
    let generated = needs::examples::examples(&inputs, 0, args.needs, args.seed, now);
    let profiles: Vec<NeedProfile> = generated
        .iter()
        .map(|e| {
            let point = matching.point(&geo, &e.fields.territory);
            NeedProfile::from_fields(&e.fields, b.pool.names(), point)
        })
        .collect();

    let today = now.date_naive();
    let mut rows = vec![];
    for (who, signed_in) in [("a visitor", false), ("a signed-in member", true)] {
        let viewer = Viewer {
            signed_in,
            exclude: vec![],
        };
        // A few rounds unmeasured: caches and the allocator settle.
        for p in profiles.iter().take(20) {
            suggest(&b.pool, p, &viewer, today, limit(API_MEMBERS, API_CASES));
        }
        let mut times = Vec::with_capacity(profiles.len());
        let mut empty = 0;
        for p in &profiles {
            let t = Instant::now();
            let found = suggest(&b.pool, p, &viewer, today, limit(API_MEMBERS, API_CASES));
            times.push(t.elapsed());
            if found.members.is_empty() {
                empty += 1;
            }
        }
        times.sort_unstable();
        rows.push((who, times, empty));
    }

    println!(
        "## Suggestions: one need among {} members and {} case studies\n",
        args.members, args.cases
    );
    println!(
        "Pool built as the server builds it: members gathered in {} (batches of {BATCH}), \
         pool built in {}, {:.1} MB held by the pool; process peak RSS {} after the build. \
         {} members in the pool (published, listed, not opted out), {} distinct generated needs \
         asked for their best members and cases as the API asks ({} and {}, a few spare).\n",
        ms(b.gathered),
        ms(b.built),
        b.pool.heap_bytes() as f64 / 1e6,
        peak_after_build.map_or("unknown".into(), |m| format!("{m:.0} MB")),
        b.pool.members(),
        profiles.len(),
        API_MEMBERS,
        API_CASES,
    );
    println!("| viewer | needs | p50 | p90 | p99 | max | without member suggestion | p99 target |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for (who, times, empty) in rows {
        let p99 = percentile(&times, 0.99);
        println!(
            "| {who} | {} | {} | {} | {} | {} | {empty} | {} |",
            times.len(),
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.90)),
            ms(p99),
            ms(*times.last().expect("at least one need")),
            if p99 < TARGET_P99 {
                format!("ok (< {} ms)", TARGET_P99.as_millis())
            } else {
                format!("ABOVE {} ms", TARGET_P99.as_millis())
            },
        );
    }
    Ok(())
}

/// The pool of `args.members` generated members (published, with the visibility the
/// generator gives) and `args.cases` published generated case studies.
fn build_pool(
    args: &Args,
    geo: &TerritoryIndex,
    frame: &ReferenceFrame,
    matching: &Matching,
    fragilities: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<Built> {
    let reference = state::Reference {
        levers: frame.levers.clone(),
        metier: frame.metier.clone(),
        actor_families: frame.actor_families.clone(),
        milestones: vec![],
    };
    let communes = network::examples::weighted_communes(geo.all());
    let mut b = PoolBuilder::new(matching, vec![]);
    let mut gathered = Duration::ZERO;
    for first in (0..args.members).step_by(BATCH) {
        let count = BATCH.min(args.members - first);
        let batch = network::examples::members(&communes, &reference, first, count, args.seed);
        let profiles: Vec<Profile> = batch
            .into_iter()
            .enumerate()
            .map(|(i, e)| Profile {
                user_id: (first + i) as i64 + 1,
                slug: format!("membre-{}", first + i + 1),
                visibility: e.visibility,
                consent_at: Some(now),
                moderated: published(e.fields, now),
                is_example: true,
                created_at: now,
                // Spread over the last two years, as recent activity counts.
                updated_at: now - chrono::Duration::days(((first + i) % 730) as i64),
            })
            .collect();
        let t = Instant::now();
        for p in &profiles {
            b.member(matching, geo, p);
        }
        gathered += t.elapsed();
    }
    let inputs = cases::examples::Inputs {
        territories: geo.all(),
        levers: frame.levers.iter().map(|l| l.slug.clone()).collect(),
        fragilities: fragilities.to_vec(),
        contacts: (1..=args.members.min(2_000) as i64).collect(),
        resources: vec![],
    };
    for first in (0..args.cases).step_by(BATCH) {
        let count = BATCH.min(args.cases - first);
        let batch = cases::examples::examples(&inputs, first, count, args.seed, now.year());
        let found: Vec<Case> = batch
            .into_iter()
            .enumerate()
            .map(|(i, e)| Case {
                id: (first + i) as i64 + 1,
                slug: format!("pratique-{}", first + i + 1),
                created_by: e.created_by,
                moderated: published(e.fields, now),
                archived_at: None,
                is_example: true,
                is_reference: false,
                created_at: now,
                updated_at: now,
            })
            .collect();
        let t = Instant::now();
        for c in &found {
            b.case(matching, geo, c);
        }
        gathered += t.elapsed();
    }
    let t = Instant::now();
    let pool = b.build();
    Ok(Built {
        pool,
        gathered,
        built: t.elapsed(),
    })
}

/// `fields` approved once, at `at`.
fn published<F>(fields: F, at: DateTime<Utc>) -> Moderated<F> {
    Moderated {
        published: Some(fields),
        published_at: Some(at),
        draft: None,
        review: None,
        review_reason: String::new(),
        revision: 1,
        submitted_at: Some(at),
    }
}

/// The nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// The process's peak resident memory (`VmHWM`), in MB (10^6 bytes), where Linux tells.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1e3 / 1e6)
}
