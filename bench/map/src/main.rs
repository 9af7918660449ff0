//! Map clustering benchmark: `catalyse-map` in process, on points spread like the French
//! population, at national, regional and local zoom, with and without filters. See
//! `bench/map/README.md`; `bench/map/run.sh` also runs Supercluster on the same points and
//! queries and prints the ratios.
//!
//! ```sh
//! cargo run --release -p catalyse-map-bench -- --points 1000000 --queries 300 \
//!     --write-points /tmp/points.f64 --write-queries /tmp/queries.json --results /tmp/ours.json
//! ```
//!
//! Prints a Markdown report on stdout (progress on stderr). A binary run on demand, never a
//! test.

#[path = "../../common/args.rs"]
mod args;

use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use catalyse_core::territory::{Geography, TerritoryLevel};
use catalyse_map::{
    feature_collection_json, spread_like_population, BBox, Feature, Filter, Layer, MapIndex,
    MapPoint, NO_KIND,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use args::Options;

/// The engine's budget for one query at national zoom, filters included.
const TARGET_P99: Duration = Duration::from_millis(5);

struct Args {
    points: usize,
    queries: usize,
    seed: u64,
    write_points: Option<PathBuf>,
    write_queries: Option<PathBuf>,
    results: Option<PathBuf>,
}

const USAGE: &str = "usage: catalyse-map-bench [--points N] [--queries M] [--seed S]
                          [--write-points FILE] [--write-queries FILE] [--results FILE]
  --points N            points to generate, spread like the population (default 1000000)
  --queries M           timed queries per set, panning around the set's view (default 300)
  --seed S              generator seed (default 20261127)
  --write-points FILE   write the points for Supercluster: little-endian f64 pairs lon,lat
  --write-queries FILE  write the unfiltered query sets as JSON (for bench.mjs)
  --results FILE        write the figures as JSON (for bench.mjs's comparison table)";

fn parse_args() -> anyhow::Result<Option<Args>> {
    let mut args = Args {
        points: 1_000_000,
        queries: 300,
        seed: 20261127,
        write_points: None,
        write_queries: None,
        results: None,
    };
    let mut options = Options::from_env(USAGE);
    while let Some(mut opt) = options.next_opt() {
        match opt.name.as_str() {
            "--points" => args.points = opt.parse()?,
            "--queries" => args.queries = opt.parse()?,
            "--seed" => args.seed = opt.parse()?,
            "--write-points" => args.write_points = Some(opt.value()?.into()),
            "--write-queries" => args.write_queries = Some(opt.value()?.into()),
            "--results" => args.results = Some(opt.value()?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => bail!("unknown argument: {other}\n{USAGE}"),
        }
    }
    if args.points == 0 || args.queries == 0 {
        bail!("--points and --queries must be at least 1");
    }
    Ok(Some(args))
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| a.map(run).transpose()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `VmRSS` or `VmHWM` of this process, in MB (10^6 bytes).
fn proc_mb(key: &str) -> f64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib * 1024.0 / 1e6)
}

/// A view of the map: a bbox and the zooms it is asked at.
struct View {
    name: &'static str,
    bbox: [f64; 4],
    zooms: &'static [u8],
}

const NATIONAL: View = View {
    name: "national",
    bbox: [-5.5, 41.2, 9.9, 51.3],
    zooms: &[5, 6],
};
const REGIONAL: View = View {
    name: "regional",
    bbox: [2.0, 44.1, 7.2, 46.8],
    zooms: &[7, 8],
};
const LOCAL: View = View {
    name: "local",
    bbox: [4.75, 45.70, 4.92, 45.82],
    zooms: &[12, 13],
};

/// `m` queries around a view: pans of up to ±10 % of its width and height (a low-discrepancy
/// sequence, so every run asks the same), zooms in turn. The same in `clusters.lua`.
fn queries(view: &View, m: usize) -> Vec<(BBox, u8)> {
    let [w, s, e, n] = view.bbox;
    let (dw, dh) = (e - w, n - s);
    (0..m)
        .map(|i| {
            let fx = ((i as f64 + 1.0) * 0.618_033_988_749_895).fract() - 0.5;
            let fy = ((i as f64 + 1.0) * 0.754_877_666_246_693).fract() - 0.5;
            let (ox, oy) = (fx * 0.2 * dw, fy * 0.2 * dh);
            let zoom = view.zooms[i % view.zooms.len()];
            (BBox::new(w + ox, s + oy, e + ox, n + oy), zoom)
        })
        .collect()
}

struct Timing {
    latencies: Vec<Duration>,
}

impl Timing {
    /// Nearest-rank percentile.
    fn pct(&self, p: f64) -> Duration {
        let mut v = self.latencies.clone();
        v.sort_unstable();
        if v.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn fmt_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 0.1 {
        format!("{:.1} µs", ms * 1e3)
    } else {
        format!("{ms:.2} ms")
    }
}

const FIRST_NAMES: [&str; 24] = [
    "Camille", "Léa", "Louis", "Élodie", "Chloé", "Hugo", "Inès", "Jules", "Manon", "Noé", "Zoé",
    "Gabriel", "Anaïs", "Théo", "Maëlle", "Lucas", "Sarah", "Émile", "Jeanne", "Yanis", "Agathe",
    "Mathis", "Océane", "Rémi",
];
const LAST_NAMES: [&str; 24] = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèbvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
];
const PLACE_KINDS: [&str; 6] = [
    "Tiers-lieu",
    "Fabrique de territoire",
    "Maison France services",
    "Espace de coworking",
    "Recyclerie",
    "Épicerie solidaire",
];

/// One to three distinct random bits among the low `n`.
fn some_bits(rng: &mut StdRng, n: u32) -> u32 {
    let mut v = 0u32;
    for _ in 0..rng.gen_range(1..=3) {
        v |= 1 << rng.gen_range(0..n);
    }
    v
}

struct Generated {
    points: Vec<MapPoint>,
    /// Index of Auvergne-Rhône-Alpes in the région numbering.
    aura: u16,
}

fn generate(n: usize, seed: u64) -> anyhow::Result<Generated> {
    let geo = Geography::shipped().context("shipped geography")?;
    let mut regions: Vec<&str> = geo
        .territories
        .iter()
        .filter(|t| t.level == TerritoryLevel::Region)
        .map(|t| t.code.as_str())
        .collect();
    regions.sort_unstable();
    let region_index: HashMap<&str, u16> = regions
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i as u16))
        .collect();
    let communes: Vec<_> = geo
        .territories
        .iter()
        .filter(|t| t.level == TerritoryLevel::Commune && t.lat.is_some() && t.lon.is_some())
        .collect();
    let weights: Vec<(f64, f64, u64)> = communes
        .iter()
        .map(|t| {
            (
                t.lon.unwrap_or(f64::NAN),
                t.lat.unwrap_or(f64::NAN),
                t.population.unwrap_or(0).max(0) as u64,
            )
        })
        .collect();
    eprintln!("{} communes with coordinates", communes.len());
    let spread = spread_like_population(&weights, n, seed);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut points = Vec::with_capacity(n);
    for (i, (c, lon, lat)) in spread.into_iter().enumerate() {
        let commune = communes[c];
        let id = i as i64 + 1;
        let place = rng.gen_bool(0.05);
        let (kind, name) = if place {
            let k = rng.gen_range(0..PLACE_KINDS.len());
            (k as u8, format!("{} {}", PLACE_KINDS[k], commune.name))
        } else {
            let f = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
            let l = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
            (NO_KIND, format!("{f} {l}"))
        };
        let slug = format!("{}-{id}", catalyse_core::text::slugify(&name));
        points.push(MapPoint {
            id,
            layer: if place { Layer::Place } else { Layer::Member },
            lon,
            lat,
            public: rng.gen_bool(0.85),
            families: if place { 0 } else { 1 << rng.gen_range(0..7) },
            activities: some_bits(&mut rng, 16) as u16,
            levers: some_bits(&mut rng, 7) as u8,
            territory: catalyse_map::NO_TERRITORY,
            region: commune
                .region
                .as_deref()
                .and_then(|r| region_index.get(r).copied())
                .unwrap_or(catalyse_map::NO_REGION),
            kind,
            name: name.into(),
            slug: slug.into(),
        });
    }
    let aura = region_index.get("84").copied().unwrap_or(0);
    Ok(Generated { points, aura })
}

fn write_points(path: &PathBuf, points: &[MapPoint]) -> anyhow::Result<()> {
    let mut w = BufWriter::new(fs::File::create(path).with_context(|| path.display().to_string())?);
    for p in points {
        w.write_all(&p.lon.to_le_bytes())?;
        w.write_all(&p.lat.to_le_bytes())?;
    }
    w.flush()?;
    Ok(())
}

/// One timed row of the report.
struct Row {
    set: String,
    view: &'static View,
    filter_label: &'static str,
    queries: usize,
    avg_features: f64,
    avg_points: f64,
    clusters: Timing,
    json: Timing,
}

fn time_clusters(
    index: &MapIndex,
    view: &'static View,
    filter_label: &'static str,
    filter: &Filter,
    m: usize,
) -> Row {
    let qs = queries(view, m);
    for (b, z) in &qs {
        std::hint::black_box(index.clusters(b, *z, filter));
    }
    let mut clusters = Vec::with_capacity(m);
    let mut json = Vec::with_capacity(m);
    let (mut features, mut points) = (0usize, 0u64);
    let mut out = String::new();
    for (b, z) in &qs {
        let t = Instant::now();
        let f = index.clusters(b, *z, filter);
        clusters.push(t.elapsed());
        out.clear();
        let t = Instant::now();
        feature_collection_json(&f, &mut out);
        json.push(t.elapsed());
        features += f.len();
        points += f.iter().map(Feature::count).sum::<u32>() as u64;
        std::hint::black_box(&out);
    }
    // The map and the list must agree: cluster counts add up to the list's total.
    for (b, z) in qs.iter().take(20) {
        let sum: u64 = index
            .clusters(b, *z, filter)
            .iter()
            .map(|f| f.count() as u64)
            .sum();
        let (total, _) = index.list(b, filter, 0, 1);
        assert_eq!(sum, total as u64, "counts disagree for {b:?} zoom {z}");
    }
    let set = if filter_label.is_empty() {
        format!("{}, all points", view.name)
    } else {
        format!("{}, {filter_label}", view.name)
    };
    Row {
        set,
        view,
        filter_label,
        queries: m,
        avg_features: features as f64 / m as f64,
        avg_points: points as f64 / m as f64,
        clusters: Timing {
            latencies: clusters,
        },
        json: Timing { latencies: json },
    }
}

struct ListRow {
    set: String,
    offset: usize,
    avg_total: f64,
    timing: Timing,
}

fn time_list(
    index: &MapIndex,
    view: &'static View,
    filter_label: &str,
    filter: &Filter,
    offset: usize,
    m: usize,
) -> ListRow {
    let qs = queries(view, m);
    for (b, _) in &qs {
        std::hint::black_box(index.list(b, filter, offset, 50));
    }
    let mut lat = Vec::with_capacity(m);
    let mut totals = 0usize;
    for (b, _) in &qs {
        let t = Instant::now();
        let (total, page) = index.list(b, filter, offset, 50);
        lat.push(t.elapsed());
        totals += total;
        std::hint::black_box(page);
    }
    ListRow {
        set: format!("{}, {filter_label}", view.name),
        offset,
        avg_total: totals as f64 / m as f64,
        timing: Timing { latencies: lat },
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let rss_start = proc_mb("VmRSS");
    eprintln!("generating {} points…", args.points);
    let t = Instant::now();
    let Generated { points, aura } = generate(args.points, args.seed)?;
    let n = points.len();
    eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
    let strings: usize = points.iter().map(|p| p.name.len() + p.slug.len()).sum();
    if let Some(path) = &args.write_points {
        write_points(path, &points)?;
        eprintln!("points written to {}", path.display());
    }
    let rss_points = proc_mb("VmRSS");

    eprintln!("building the index…");
    let t = Instant::now();
    let index = MapIndex::build(points);
    let build = t.elapsed();
    let rss_built = proc_mb("VmRSS");
    let hwm = proc_mb("VmHWM");
    eprintln!("built in {} ms", build.as_millis());

    let m = args.queries;
    let d = Filter::default();
    let signed_in = Filter {
        include_private: true,
        ..d
    };
    let family = Filter {
        family: Some(1),
        ..d
    };
    let activity = Filter {
        activity: Some(5),
        ..d
    };
    let region = Filter {
        region: Some(aura),
        ..d
    };
    let places = Filter {
        members: false,
        cases: false,
        needs: false,
        ..d
    };
    // The first three rows count every point, as Supercluster does (it has no filters): they
    // are the ones compared. Then what an anonymous visitor sees (public points, the default
    // filter), and filters.
    let mut rows = Vec::new();
    for view in [&NATIONAL, &REGIONAL, &LOCAL] {
        rows.push(time_clusters(&index, view, "", &signed_in, m));
    }
    for view in [&NATIONAL, &REGIONAL, &LOCAL] {
        rows.push(time_clusters(&index, view, "public", &d, m));
    }
    for view in [&NATIONAL, &REGIONAL, &LOCAL] {
        rows.push(time_clusters(&index, view, "public, family=1", &family, m));
    }
    rows.push(time_clusters(
        &index,
        &NATIONAL,
        "public, activity=5",
        &activity,
        m,
    ));
    rows.push(time_clusters(
        &index,
        &NATIONAL,
        "public, region=ARA",
        &region,
        m,
    ));
    rows.push(time_clusters(
        &index,
        &NATIONAL,
        "public places",
        &places,
        m,
    ));

    let mut lists = Vec::new();
    for view in [&NATIONAL, &REGIONAL, &LOCAL] {
        lists.push(time_list(&index, view, "public", &d, 0, m));
        lists.push(time_list(&index, view, "public, family=1", &family, 0, m));
    }
    lists.push(time_list(&index, &NATIONAL, "public", &d, 5_000, m));
    lists.push(time_list(&index, &LOCAL, "public", &d, 1_000, m));

    // Report.
    println!("## catalyse-map, {n} points (in process, one core)\n");
    println!(
        "Build: **{} ms**. Resident memory (VmRSS): {:.0} MB at start, {:.0} MB with the \
         generated points ({:.0} MB of name and slug text), **{:.0} MB with the index built** \
         (peak {:.0} MB). Index structures without the points: {:.1} MB.\n",
        build.as_millis(),
        rss_start,
        rss_points,
        strings as f64 / 1e6,
        rss_built,
        hwm,
        index.heap_bytes() as f64 / 1e6
    );
    println!(
        "`clusters()` per query ({m} per set, pans of ±10 %, zooms in turn); the last column \
         adds writing the GeoJSON. For the first 20 queries of each set, the bench checks that \
         the cluster counts add up to `list()`'s total.\n"
    );
    println!("| set | bbox | zooms | avg features | avg points | p50 | p99 | max | p50 GeoJSON |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for r in &rows {
        let [w, s, e, nn] = r.view.bbox;
        println!(
            "| {} | {w},{s},{e},{nn} | {} | {:.0} | {:.0} | {} | {} | {} | {} |",
            r.set,
            r.view
                .zooms
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            r.avg_features,
            r.avg_points,
            fmt_ms(r.clusters.pct(50.0)),
            fmt_ms(r.clusters.pct(99.0)),
            fmt_ms(r.clusters.pct(100.0)),
            fmt_ms(r.json.pct(50.0)),
        );
        if r.clusters.pct(99.0) > TARGET_P99 {
            over.push(r.set.clone());
        }
    }
    println!("\n`list(bbox, filter, offset, 50)` (the list view's page and total):\n");
    println!("| set | offset | avg total | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    for l in &lists {
        println!(
            "| {} | {} | {:.0} | {} | {} | {} |",
            l.set,
            l.offset,
            l.avg_total,
            fmt_ms(l.timing.pct(50.0)),
            fmt_ms(l.timing.pct(99.0)),
            fmt_ms(l.timing.pct(100.0)),
        );
        if l.timing.pct(99.0) > TARGET_P99 {
            over.push(format!("list {}", l.set));
        }
    }
    if over.is_empty() {
        println!(
            "\nEvery p99 is under the engine budget of {} ms.",
            TARGET_P99.as_millis()
        );
    } else {
        println!(
            "\nAbove the engine budget of {} ms (p99): {}.",
            TARGET_P99.as_millis(),
            over.join(", ")
        );
    }

    if let Some(path) = &args.write_queries {
        let sets: Vec<_> = [&NATIONAL, &REGIONAL, &LOCAL]
            .iter()
            .map(|v| {
                let qs: Vec<_> = queries(v, m)
                    .iter()
                    .map(|(b, z)| json!([b.west, b.south, b.east, b.north, z]))
                    .collect();
                json!({"name": v.name, "bbox": v.bbox, "zooms": v.zooms, "queries": qs})
            })
            .collect();
        fs::write(path, serde_json::to_string(&json!({ "sets": sets }))?)?;
    }
    if let Some(path) = &args.results {
        let sets: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "name": r.set, "view": r.view.name, "compare": r.filter_label.is_empty(),
                    "queries": r.queries, "avg_features": r.avg_features,
                    "p50_us": us(r.clusters.pct(50.0)), "p99_us": us(r.clusters.pct(99.0)),
                    "max_us": us(r.clusters.pct(100.0)),
                })
            })
            .collect();
        let results = json!({
            "points": n, "build_ms": build.as_secs_f64() * 1e3,
            "rss_start_mb": rss_start, "rss_points_mb": rss_points, "rss_built_mb": rss_built,
            "hwm_mb": hwm, "sets": sets,
        });
        fs::write(path, serde_json::to_string_pretty(&results)?)?;
    }
    Ok(())
}
