// Supercluster side of the map clustering benchmark (see ../README.md).
//
//   node --max-old-space-size=4096 bench.mjs --points points.f64 --queries queries.json \
//       [--ours ours.json] [--radius 40]
//
// Loads the points written by catalyse-map-bench (little-endian f64 pairs lon,lat), builds a
// Supercluster index with extent 256 (one 256-px Leaflet tile) and maxZoom 20 (the range
// catalyse-map answers), times getClusters(bbox, zoom) over the same unfiltered query sets,
// and prints a Markdown report; with --ours (catalyse-map-bench --results), also the
// comparison with catalyse-map. Supercluster has no attribute filters: a filtered map needs
// one index per filter, so only the unfiltered sets are compared.
import { readFileSync } from "node:fs";
import Supercluster from "supercluster";

const scVersion = JSON.parse(
  readFileSync(new URL("./node_modules/supercluster/package.json", import.meta.url), "utf8"),
).version;

function parseArgs(argv) {
  const args = { radius: 40 };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    switch (name) {
      case "--points": args.points = value(); break;
      case "--queries": args.queries = value(); break;
      case "--ours": args.ours = value(); break;
      case "--radius": args.radius = Number(value()); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.points || !args.queries) {
    throw new Error("usage: bench.mjs --points FILE --queries FILE [--ours FILE] [--radius PX]");
  }
  return args;
}

const mb = (bytes) => bytes / 1e6;
const rss = () => mb(process.memoryUsage().rss);

/** Nearest-rank percentile of sorted values. */
function pct(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

function fmt(us) {
  return us < 100 ? `${us.toFixed(1)} µs` : `${(us / 1000).toFixed(2)} ms`;
}

const args = parseArgs(process.argv.slice(2));
const rssStart = rss();
const buf = readFileSync(args.points);
const coords = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
const n = coords.length / 2;
const features = new Array(n);
for (let i = 0; i < n; i++) {
  features[i] = {
    type: "Feature",
    geometry: { type: "Point", coordinates: [coords[2 * i], coords[2 * i + 1]] },
    properties: { id: i + 1 },
  };
}
globalThis.gc?.();
const rssLoaded = rss();

const options = { minZoom: 0, maxZoom: 20, radius: args.radius, extent: 256, nodeSize: 64 };
const t0 = process.hrtime.bigint();
const index = new Supercluster(options).load(features);
const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
globalThis.gc?.();
const rssBuilt = rss();

const { sets } = JSON.parse(readFileSync(args.queries, "utf8"));
const results = [];
for (const set of sets) {
  for (const [w, s, e, nn, z] of set.queries) index.getClusters([w, s, e, nn], z); // warm-up
  const lat = [];
  const json = [];
  let featureCount = 0;
  let pointCount = 0;
  for (const [w, s, e, nn, z] of set.queries) {
    const t = process.hrtime.bigint();
    const found = index.getClusters([w, s, e, nn], z);
    const t1 = process.hrtime.bigint();
    JSON.stringify({ type: "FeatureCollection", features: found });
    const t2 = process.hrtime.bigint();
    lat.push(Number(t1 - t) / 1e3);
    json.push(Number(t2 - t) / 1e3);
    featureCount += found.length;
    for (const f of found) pointCount += f.properties.cluster ? f.properties.point_count : 1;
  }
  lat.sort((a, b) => a - b);
  json.sort((a, b) => a - b);
  results.push({
    name: set.name,
    bbox: set.bbox,
    zooms: set.zooms,
    queries: set.queries.length,
    avgFeatures: featureCount / set.queries.length,
    avgPoints: pointCount / set.queries.length,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: pct(lat, 100),
    p50Json: pct(json, 50),
  });
}

console.log(`## Supercluster ${scVersion}, ${n} points (Node ${process.version})\n`);
console.log(
  `Options: \`${JSON.stringify(options)}\` (radius ${args.radius} px on 256-px tiles). ` +
    `Build (\`load\`): **${buildMs.toFixed(0)} ms**. Resident memory: ${rssStart.toFixed(0)} MB at start, ` +
    `${rssLoaded.toFixed(0)} MB with the points as GeoJSON features, **${rssBuilt.toFixed(0)} MB with the index built**.\n`,
);
console.log("| set | bbox | zooms | avg features | avg points | p50 | p99 | max | p50 + JSON.stringify |");
console.log("|---|---|---|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.bbox.join(",")} | ${r.zooms.join(", ")} | ${r.avgFeatures.toFixed(0)} | ` +
      `${r.avgPoints.toFixed(0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(r.p50Json)} |`,
  );
}

if (args.ours) {
  const ours = JSON.parse(readFileSync(args.ours, "utf8"));
  console.log("\n## catalyse-map against Supercluster (all points, no filter)\n");
  console.log(
    `Build: catalyse-map ${ours.build_ms.toFixed(0)} ms, Supercluster ${buildMs.toFixed(0)} ms. ` +
      `Resident memory with the index built: catalyse-map ${ours.rss_built_mb.toFixed(0)} MB ` +
      `(MapPoint records with names and slugs included), Supercluster ${rssBuilt.toFixed(0)} MB ` +
      `(coordinates and an id only).\n`,
  );
  console.log(
    "| set | features ours / SC | p50 ours | p50 SC | ratio p50 | p99 ours | p99 SC | ratio p99 |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    const o = ours.sets.find((s) => s.view === r.name && s.compare);
    if (!o) continue;
    console.log(
      `| ${r.name} | ${o.avg_features.toFixed(0)} / ${r.avgFeatures.toFixed(0)} | ${fmt(o.p50_us)} | ` +
        `${fmt(r.p50)} | ${(o.p50_us / r.p50).toFixed(2)} | ${fmt(o.p99_us)} | ${fmt(r.p99)} | ` +
        `${(o.p99_us / r.p99).toFixed(2)} |`,
    );
  }
  console.log("\nRatio = catalyse-map time / Supercluster time (below 1: catalyse-map is faster).");
}
