#!/usr/bin/env bash
# Map clustering benchmark: catalyse-map (in process) against Supercluster (Node) on the same
# points spread like the French population and the same queries. See bench/map/README.md.
#   bash bench/map/run.sh                           # 1,000,000 points, 300 queries per set
#   POINTS=100000 QUERIES=100 bash bench/map/run.sh
#   SKIP_BUILD=1 bash bench/map/run.sh              # reuse the release binary
#   SKIP_SUPERCLUSTER=1 bash bench/map/run.sh       # the engine alone (no Node needed)
#   HTTP=1 bash bench/map/run.sh                    # also the HTTP part (wrk against catalyse)
# Prints a Markdown report on stdout (progress on stderr); writes nothing in the repository
# except bench/map/supercluster/node_modules (npm ci, git-ignored). Temporary files (the
# points file is 16 MB per million points) go to a mktemp directory removed on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
POINTS=${POINTS:-1000000}
QUERIES=${QUERIES:-300}
# Supercluster radius in px on 256-px tiles; see README.md ("Matching the parameters").
RADIUS=${RADIUS:-40}
CARGO_BIN=${HOME:-/root}/.cargo/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then PATH=$CARGO_BIN:$PATH; fi
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

WORK=$(mktemp -d -t catalyse-map-bench.XXXXXX)
SERVER_PID=
cleanup() {
    local rc=$?
    set +e
    if [[ -n $SERVER_PID ]]; then stop_pid "$SERVER_PID" catalyse; fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. The engine, in process: generates the points, writes them and the queries for Node.
engine_bench() {
    if [[ -z ${SKIP_BUILD:-} ]]; then
        cargo build --release --locked -p catalyse-map-bench >&2
    fi
    "$TARGET_DIR/release/catalyse-map-bench" --points "$POINTS" --queries "$QUERIES" \
        --write-points "$WORK/points.f64" --write-queries "$WORK/queries.json" \
        --results "$WORK/ours.json"
}

# 2. Supercluster on the same points and queries, and the comparison table.
supercluster_bench() {
    local dir=$ROOT/bench/map/supercluster
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "Supercluster part skipped: node and npm are needed." >&2
        return 0
    fi
    if [[ ! -f $dir/node_modules/supercluster/package.json ]]; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
    echo
    node --max-old-space-size=4096 --expose-gc "$dir/bench.mjs" --points "$WORK/points.f64" \
        --queries "$WORK/queries.json" --ours "$WORK/ours.json" --radius "$RADIUS"
}

# ==== 3. HTTP part (to be completed by the lead once the server has the map) ====
# Runs wrk against the real server: `catalyse network generate --members N` fills a fresh
# data directory, `catalyse serve` serves it, and bench/map/clusters.lua cycles through the
# national, regional and local query sets on /api/v1/map/clusters (MAP_SET picks the set).
# Skipped unless HTTP=1, and while `catalyse network generate` does not exist. Adjust the
# generate command line and the readiness wait to the real server; the rest should hold.
http_bench() {
    [[ ${HTTP:-0} == 1 ]] || return 0
    # shellcheck source=.ci/lib.sh
    source "$ROOT/.ci/lib.sh"
    local bin=$TARGET_DIR/release/catalyse
    local duration=${DURATION:-15s} threads=${THREADS:-2} connections=${CONNECTIONS:-64}
    if [[ -z ${SKIP_BUILD:-} ]]; then
        cargo build --release --locked -p catalyse >&2
    fi
    if ! "$bin" network generate --help >/dev/null 2>&1; then
        echo
        echo "HTTP part skipped: \`catalyse network generate\` does not exist yet."
        return 0
    fi
    if ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
        apt_ensure wrk curl >&2
    fi
    local port base
    port=$(free_port "${CATALYSE_BENCH_PORT:-18280}")
    base=http://127.0.0.1:$port
    mkdir -p "$WORK/data"
    local t0 t1 t2
    t0=$(date +%s)
    env -u CATALYSE_DATABASE_URL CATALYSE_DATA_DIR="$WORK/data" \
        "$bin" network generate --members "$((POINTS * 95 / 100))" --places "$((POINTS * 5 / 100))" \
        >"$WORK/generate.log" 2>&1
    env -u CATALYSE_DATABASE_URL CATALYSE_DEMO=false CATALYSE_BIND="127.0.0.1:$port" \
        CATALYSE_DATA_DIR="$WORK/data" \
        "$bin" serve >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    t1=$(date +%s)
    wait_ready "$base/readyz" 600 "$SERVER_PID" "$WORK/server.log" >&2
    t2=$(date +%s)
    local rss_ready
    rss_ready=$(awk '$1 == "VmRSS:" { printf "%.0f", $2 * 1024 / 1e6 }' "/proc/$SERVER_PID/status")
    local probe="$base/api/v1/map/clusters?bbox=-5.5,41.2,9.9,51.3&zoom=5&layers=members,places"
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$probe")
    [[ $code == 200 ]] || { echo "ERROR: $probe answered $code" >&2; return 1; }

    echo
    echo "## HTTP: /api/v1/map/clusters under wrk -t$threads -c$connections -d$duration ($POINTS members)"
    echo
    echo "Generating the network (\`catalyse network generate\`, SQLite, with the directory's index): $((t1 - t0)) s."
    echo "Server start until ready: $((t2 - t1)) s; resident memory when ready: ${rss_ready} MB."
    echo
    echo "| set | requests/s | p50 | p99 | errors |"
    echo "|---|---:|---:|---:|---:|"
    local set filter label
    for label in national regional local national+family regional+activity; do
        set=${label%%+*}
        case $label in
            *+family) filter="&family=associations" ;;
            *+activity) filter="&activity=piloter-des-experimentations" ;;
            *) filter="" ;;
        esac
        MAP_SET=$set MAP_FILTER=$filter timeout --kill-after=10 300 wrk -t"$threads" \
            -c"$connections" -d"$duration" --latency -s "$ROOT/bench/map/clusters.lua" "$base" \
            >"$WORK/wrk-$label.txt"
        awk -v set="$label" '
            /^Requests\/sec:/           { rps = $2 }
            /^[ \t]+50%[ \t]/           { p50 = $2 }
            /^[ \t]+99%[ \t]/           { p99 = $2 }
            /Non-2xx or 3xx responses:/ { errs += $NF }
            END { printf "| %s | %s | %s | %s | %d |\n", set, rps, p50, p99, errs }
        ' "$WORK/wrk-$label.txt"
    done
    awk '$1 == "VmRSS:" { rss = $2 } $1 == "VmHWM:" { hwm = $2 }
         END { printf "\nServer resident memory after the load: %.0f MB (peak %.0f MB).\n", rss * 1024 / 1e6, hwm * 1024 / 1e6 }' \
        "/proc/$SERVER_PID/status"
}

engine_bench
if [[ -z ${SKIP_SUPERCLUSTER:-} ]]; then supercluster_bench; fi
http_bench
