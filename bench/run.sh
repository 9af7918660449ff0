#!/usr/bin/env bash
# Catalyse throughput and memory benchmark. See bench/README.md.
#   bash bench/run.sh                 # 15 s per target
#   DURATION=30s bash bench/run.sh    # longer runs
#   SKIP_BUILD=1 bash bench/run.sh    # reuse target/release/catalyse (or $CARGO_TARGET_DIR's) as it is
# Loopback only; bounded in time; stops nginx and the server on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# shellcheck source=.ci/lib.sh
source "$ROOT/.ci/lib.sh"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
IDLE_SECONDS=5
bench_cargo_path

WORK=$(mktemp -d -t catalyse-bench.XXXXXX)
SERVER_PID=
NGINX_PID=
cleanup() {
    local rc=$?
    set +e
    stop_pid "$NGINX_PID" nginx
    stop_pid "$SERVER_PID" catalyse
    if ((rc != 0)); then
        echo "bench failed (exit $rc); last lines of the logs:" >&2
        tail -n 50 "$WORK/server.log" "$WORK/nginx/error.log" 2>/dev/null >&2
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

banner "tools (wrk, nginx-light, curl)"
bench_tools
bench_build -p catalyse

banner "start catalyse with example data"
PORT=$(free_port "${CATALYSE_BENCH_PORT:-18180}")
BASE=http://127.0.0.1:$PORT
bench_start_catalyse "$WORK/data" "$PORT" "$WORK/server.log" 120

banner "nginx serving a static copy of the home page"
mkdir -p "$WORK/www"
curl -fsS --max-time 10 "$BASE/" -o "$WORK/www/index.html"
# nginx workers run as an unprivileged user: let them read the copy (mktemp -d is 0700).
chmod 755 "$WORK" "$WORK/www" && chmod 644 "$WORK/www/index.html"
echo "home page: $(wc -c <"$WORK/www/index.html") bytes"
NPORT=$(free_port $((PORT + 1)))
bench_start_nginx "$WORK/nginx" "$NPORT" "$WORK/www" \
    "        location = / { try_files /index.html =404; }
        location = /portrait { try_files /portrait.html =404; }"

# A saved copy of one commune portrait, the reference for portraits.
curl -fsS --max-time 10 "$BASE/territoires/commune/01053-bourg-en-bresse" -o "$WORK/www/portrait.html"
chmod 644 "$WORK/www/portrait.html"
# Every commune portrait path, for wrk to draw from at random (slugs folded as the platform
# does: accents and case dropped, anything else a hyphen).
zcat "$ROOT/data/geo/territories.tsv.gz" | python3 -c '
import sys, unicodedata
def slug(name):
    out, pending = [], False
    for c in unicodedata.normalize("NFD", name):
        if unicodedata.combining(c):
            continue
        c = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "s"}.get(c, c)
        if all(ch.isalnum() for ch in c):
            if pending and out:
                out.append("-")
            pending = False
            out.append(c.lower())
        else:
            pending = True
    return "".join(out)
next(sys.stdin)
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if f[0] == "commune":
        print("/territoires/commune/%s-%s" % (f[1], slug(f[2])))
' >"$WORK/portraits.txt"
echo "$(wc -l <"$WORK/portraits.txt") commune portraits to draw from"
cat >"$WORK/random-portrait.lua" <<LUA
local paths = {}
for line in io.lines("$WORK/portraits.txt") do paths[#paths + 1] = line end
math.randomseed(20261127)
request = function()
    return wrk.format("GET", paths[math.random(#paths)])
end
LUA

# name|url|wrk script|reference (home or portrait) and target ratio. The nginx copies are
# the references the others are compared with.
TARGETS=(
    "nginx static home copy|http://127.0.0.1:$NPORT/||"
    "/ (home)|$BASE/||home:50"
    "/leviers/qualifier-son-innovation|$BASE/leviers/qualifier-son-innovation||home:50"
    "/api/v1/territories?q=lyon|$BASE/api/v1/territories?q=lyon||home:50"
    "/api/v1/territories?q=saint (worst case)|$BASE/api/v1/territories?q=saint||home:50"
    "nginx static portrait copy|http://127.0.0.1:$NPORT/portrait||"
    "commune portraits drawn at random|$BASE/|$WORK/random-portrait.lua|portrait:30"
    "department map (population)|$BASE/observatoire/population/indicateurs/population-municipale/carte.svg?niveau=department||portrait:30"
)

for t in "${TARGETS[@]}"; do
    IFS='|' read -r _ url _ _ <<<"$t"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url")
    [[ $code == 200 ]] || { echo "ERROR: $url answered $code, not 200" >&2; exit 1; }
done

ROWS=()
declare -A REF
i=0
for t in "${TARGETS[@]}"; do
    IFS='|' read -r name url script target <<<"$t"
    banner "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url ${script:+-s $script}"
    # wrk stops itself after DURATION; timeout is the backstop.
    timeout --kill-after=10 300 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        ${script:+-s "$script"} "$url" | tee "$WORK/wrk-$i.txt"
    read -r rps p50 p99 errs < <(wrk_fields "$WORK/wrk-$i.txt")
    if [[ -z $target ]]; then
        case $name in *portrait*) REF[portrait]=$rps ;; *) REF[home]=$rps ;; esac
        ratio="100 % (reference)"
    else
        ref=${REF[${target%%:*}]} min=${target#*:}
        ratio=$(awk -v a="$rps" -v b="$ref" -v m="$min" -v n="${target%%:*}" 'BEGIN {
            if (b + 0 == 0) { print "?"; exit }
            r = 100 * a / b
            printf "%.0f %% of nginx %s %s", r, n, (r >= m ? "(ok, >= " m " %)" : "(BELOW " m " % target)") }')
    fi
    [[ $errs == 0 ]] || ratio="$ratio, $errs errors/non-2xx"
    ROWS+=("| $name | $rps | $p50 | $p99 | $ratio |")
    i=$((i + 1))
done

banner "resident memory of catalyse (pid $SERVER_PID)"
[[ -r /proc/$SERVER_PID/status ]] || { echo "ERROR: catalyse (pid $SERVER_PID) is gone" >&2; exit 1; }
RSS_AFTER_LOAD=$(proc_mb "$SERVER_PID" VmRSS)
sleep "$IDLE_SECONDS"
RSS_IDLE=$(proc_mb "$SERVER_PID" VmRSS)
RSS_IDLE_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
RSS_PEAK=$(proc_mb "$SERVER_PID" VmHWM)

echo
echo "## Catalyse benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, loopback, CATALYSE_DEMO=true, SQLite in a fresh data dir."
echo
echo "| target | req/s | p50 | p99 | vs nginx static |"
echo "|---|---:|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| memory (VmRSS of catalyse) | value |"
echo "|---|---:|"
echo "| right after the load | $RSS_AFTER_LOAD |"
echo "| after ${IDLE_SECONDS} s idle | $RSS_IDLE $( ((RSS_IDLE_KB * 1024 < 100000000)) && echo '(ok, < 100 MB)' || echo '(ABOVE 100 MB target)') |"
echo "| peak (VmHWM) | $RSS_PEAK |"
MAP_BYTES=$(curl -fsS --max-time 10 "$BASE/observatoire/population/indicateurs/population-municipale/carte.svg?niveau=department" | wc -c)
PAGE_BYTES=$(curl -fsS --max-time 10 "$BASE/observatoire/population/indicateurs/population-municipale?niveau=department" | wc -c)
echo
echo "| size | bytes |"
echo "|---|---:|"
echo "| department map (SVG download) | $MAP_BYTES $( ((MAP_BYTES < 150000)) && echo '(ok, < 150 KB)' || echo '(ABOVE 150 KB target)') |"
echo "| indicator page with the department map (HTML, uncompressed) | $PAGE_BYTES |"
