#!/usr/bin/env bash
# Catalyse throughput and memory benchmark. See bench/README.md.
#   bash bench/run.sh                 # 15 s per target
#   DURATION=30s bash bench/run.sh    # longer runs
#   SKIP_BUILD=1 bash bench/run.sh    # reuse target/release/catalyse as it is
# Loopback only; bounded in time; stops nginx and the server on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# shellcheck source=.ci/lib.sh
source "$ROOT/.ci/lib.sh"

DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
IDLE_SECONDS=5
CARGO_BIN=${HOME:-/root}/.cargo/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then PATH=$CARGO_BIN:$PATH; fi

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
if ! command -v wrk >/dev/null || ! command -v curl >/dev/null ||
    { ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; }; then
    apt_ensure wrk nginx-light curl
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    banner "cargo build --release --locked"
    cargo build --release --locked
fi
BIN=$ROOT/target/release/catalyse
[[ -x $BIN ]] || { echo "ERROR: $BIN missing" >&2; exit 1; }

banner "start catalyse with example data"
PORT=$(free_port "${CATALYSE_BENCH_PORT:-18180}")
BASE=http://127.0.0.1:$PORT
mkdir -p "$WORK/data"
env -u CATALYSE_DATABASE_URL \
    CATALYSE_BIND="127.0.0.1:$PORT" \
    CATALYSE_DATA_DIR="$WORK/data" \
    CATALYSE_DEMO=true \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_ready "$BASE/readyz" 120 "$SERVER_PID" "$WORK/server.log"

banner "nginx serving a static copy of the home page"
mkdir -p "$WORK/www" "$WORK/nginx/tmp"
curl -fsS --max-time 10 "$BASE/" -o "$WORK/www/index.html"
# nginx workers run as an unprivileged user: let them read the copy (mktemp -d is 0700).
chmod 755 "$WORK" "$WORK/www" && chmod 644 "$WORK/www/index.html"
echo "home page: $(wc -c <"$WORK/www/index.html") bytes"
NPORT=$(free_port $((PORT + 1)))
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    types { text/html html; }
    default_type text/html;
    sendfile on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NPORT;
        root $WORK/www;
        location = / { try_files /index.html =404; }
        location = /portrait { try_files /portrait.html =404; }
    }
}
EOF
"$NGINX" -p "$WORK/nginx/" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
wait_ready "http://127.0.0.1:$NPORT/" 10 "$NGINX_PID" "$WORK/nginx/error.log"

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

# wrk_field FILE: prints "req/s p50 p99 errors" from a wrk --latency report.
wrk_fields() {
    awk '
        /^Requests\/sec:/            { rps = $2 }
        /^[ \t]+50%[ \t]/            { p50 = $2 }
        /^[ \t]+99%[ \t]/            { p99 = $2 }
        /Non-2xx or 3xx responses:/  { errs += $NF }
        /Socket errors:/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { v = $i; sub(/,/, "", v); errs += v }
        }
        END { printf "%s %s %s %d\n", (rps ? rps : "?"), (p50 ? p50 : "?"), (p99 ? p99 : "?"), errs }
    ' "$1"
}

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
# /proc reports kB meaning KiB; printed in MB (10^6 bytes), the unit of the target.
proc_mb() { awk -v k="$1:" '$1 == k { printf "%.1f MB", $2 * 1024 / 1e6 }' "/proc/$SERVER_PID/status"; }
[[ -r /proc/$SERVER_PID/status ]] || { echo "ERROR: catalyse (pid $SERVER_PID) is gone" >&2; exit 1; }
RSS_AFTER_LOAD=$(proc_mb VmRSS)
sleep "$IDLE_SECONDS"
RSS_IDLE=$(proc_mb VmRSS)
RSS_IDLE_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
RSS_PEAK=$(proc_mb VmHWM)

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
