#!/usr/bin/env bash
# Every public page and API read of Catalyse, each against nginx serving the same bytes, in one
# run. See bench/README.md ("Page benchmark").
#   bash bench/pages/run.sh                          # demo size, 10 s of load per target and side
#   SIZE=scale bash bench/pages/run.sh               # generated network of 1,000,000 points first
#   DURATION=3s ONLY='api|carte' bash bench/pages/run.sh   # a quick look at some rows
#   SKIP_BUILD=1 bash bench/pages/run.sh             # reuse the release binary as it is
# Prints a Markdown table on stdout (progress on stderr) and writes it to
# $CARGO_TARGET_DIR/bench-pages-$SIZE.md (default target/). Loopback only; bounded in time;
# stops nginx and the server and removes the temporary directory on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
# shellcheck source=.ci/lib.sh
source "$ROOT/.ci/lib.sh"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

SIZE=${SIZE:-demo}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
PAGES=${PAGES:-$ROOT/bench/pages/pages.txt}
ONLY=${ONLY:-}
MAX_BYTES=${MAX_BYTES:-50000000}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
SCALE_MEMBERS=${SCALE_MEMBERS:-950000}
SCALE_PLACES=${SCALE_PLACES:-50000}
SCALE_RESOURCES=${SCALE_RESOURCES:-100000}
SCALE_EVENTS=${SCALE_EVENTS:-5000}
SCALE_CASES=${SCALE_CASES:-50000}
SCALE_NEEDS=${SCALE_NEEDS:-20000}
OUT=${OUT:-${CARGO_TARGET_DIR:-$ROOT/target}/bench-pages-$SIZE.md}
bench_cargo_path

case $SIZE in
    demo | scale) ;;
    *) echo "ERROR: SIZE must be demo or scale, not '$SIZE'" >&2; exit 2 ;;
esac
[[ $DURATION =~ ^([0-9]+)([smh]?)$ ]] || { echo "ERROR: DURATION like 10s, 2m (got '$DURATION')" >&2; exit 2; }
case ${BASH_REMATCH[2]} in
    m) DURATION_S=$((BASH_REMATCH[1] * 60)) ;;
    h) DURATION_S=$((BASH_REMATCH[1] * 3600)) ;;
    *) DURATION_S=${BASH_REMATCH[1]} ;;
esac
[[ -r $PAGES ]] || { echo "ERROR: page list $PAGES not readable" >&2; exit 2; }

WORK=$(mktemp -d -t catalyse-bench-pages.XXXXXX)
SERVER_PID=
NGINX_PID=
GEN_PID=
BARE_PID=
cleanup() {
    local rc=$?
    set +e
    stop_pid "$GEN_PID" "catalyse generate"
    stop_pid "$NGINX_PID" nginx
    stop_pid "$BARE_PID" catalyse-bare-bench
    stop_pid "$SERVER_PID" catalyse
    if ((rc != 0)); then
        echo "bench/pages failed (exit $rc); last lines of the logs:" >&2
        tail -n 30 "$WORK/generate.log" "$WORK/server.log" "$WORK/nginx/error.log" 2>/dev/null >&2
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

{
    banner "tools (wrk, nginx-light, curl)"
    bench_tools
    bench_build -p catalyse -p catalyse-bare-bench
} >&2
BARE_BIN=$(dirname "$BIN")/catalyse-bare-bench

# ---- 1. The server, on a fresh SQLite data directory -----------------------------------------
PORT=$(free_port "${CATALYSE_BENCH_PORT:-18380}")
BASE=http://127.0.0.1:$PORT
GEN_NOTE=
READY_TIMEOUT=120
if [[ $SIZE == scale ]]; then
    READY_TIMEOUT=900
    banner "scale set: $SCALE_MEMBERS members, $SCALE_PLACES places, $SCALE_RESOURCES resources, $SCALE_EVENTS events, $SCALE_CASES cases, $SCALE_NEEDS needs" >&2
    mkdir -p "$WORK/data"
    t0=$SECONDS
    for gen in "network generate --members $SCALE_MEMBERS --places $SCALE_PLACES" \
        "resources generate --count $SCALE_RESOURCES" "events generate --count $SCALE_EVENTS" \
        "cases generate --count $SCALE_CASES" "needs generate --count $SCALE_NEEDS"; do
        # shellcheck disable=SC2086 # the words of each command
        env -u CATALYSE_DATABASE_URL CATALYSE_DATA_DIR="$WORK/data" "$BIN" $gen \
            >"$WORK/generate.log" 2>&1 &
        GEN_PID=$!
        wait "$GEN_PID" || { echo "ERROR: catalyse $gen failed" >&2; cat "$WORK/generate.log" >&2; GEN_PID=; exit 1; }
        GEN_PID=
        tail -n 1 "$WORK/generate.log" >&2
    done
    GEN_SECONDS=$((SECONDS - t0))
    echo "generation took ${GEN_SECONDS} s" >&2
    GEN_NOTE="Scale set: \`catalyse network generate --members $SCALE_MEMBERS --places $SCALE_PLACES\`, \`catalyse resources generate --count $SCALE_RESOURCES\` and \`catalyse events generate --count $SCALE_EVENTS\`, \`catalyse cases generate --count $SCALE_CASES\` and \`catalyse needs generate --count $SCALE_NEEDS\` (SQLite, with the search indexes) took **${GEN_SECONDS} s**; then \`catalyse serve\` with \`CATALYSE_DEMO=true\`, which adds the demo's kit, example resources, webinars, survey, 150 example cases and 120 example needs (not its accounts or network: the database has accounts)."
fi

banner "start catalyse ($SIZE)" >&2
t0=$SECONDS
bench_start_catalyse "$WORK/data" "$PORT" "$WORK/server.log" "$READY_TIMEOUT" >&2
START_SECONDS=$((SECONDS - t0))

# ---- 2. The targets: resolve, fetch once, save the bytes --------------------------------------
# fetch PATH FILE: GET PATH as wrk sends it (no cookie, no Accept-Encoding, no Accept, no
# User-Agent) into FILE; prints "code|content type|bytes|redirect URL" (not tabs: read would
# merge a redirect's empty fields), and the headers into FILE.headers. Fails (curl's status)
# when the request fails or when the announced length is larger than MAX_BYTES.
fetch() {
    local cookie=()
    [[ -n ${3:-} ]] && cookie=(-H "Cookie: $3")
    curl -sS --max-time 120 --max-filesize "$MAX_BYTES" -H 'Accept:' -H 'User-Agent:' "${cookie[@]}" \
        -D "$2.headers" -o "$2" -w '%{http_code}|%{content_type}|%{size_download}|%{redirect_url}' "$BASE$1"
}

# sign_in: makes a bench administrator with the command line (as an operator would), signs
# in over HTTP, enrols her as a participant of the demo's example pilot (through the
# animators' form, so that her « Mon parcours » has something to show), and prints the
# Cookie header that her requests carry.
sign_in() {
    local email=bench-admin@exemple.catalyse.invalid pw csrf session body team
    pw="bench-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    printf '%s\n' "$pw" | env -u CATALYSE_DATABASE_URL CATALYSE_DATA_DIR="$WORK/data" \
        "$BIN" admin create-user --email "$email" --role admin >/dev/null
    curl -sS -D "$WORK/login.headers" -o "$WORK/login.html" "$BASE/connexion"
    csrf=$(grep -oE 'name="csrf" value="[^"]+"' "$WORK/login.html" | head -n 1 | sed -E 's/.*value="//; s/"$//')
    local jar
    jar=$(grep -i '^set-cookie: __Host-csrf=' "$WORK/login.headers" | sed -E 's/^[^:]*: //; s/;.*//' | tr -d '\r')
    curl -sS -D "$WORK/login2.headers" -o /dev/null -H "Cookie: $jar" \
        --data-urlencode "csrf=$csrf" --data-urlencode "email=$email" --data-urlencode "password=$pw" \
        "$BASE/connexion"
    session=$(grep -i '^set-cookie: __Host-session=' "$WORK/login2.headers" | sed -E 's/^[^:]*: //; s/;.*//' | tr -d '\r')
    [[ -n $session ]] || { echo "ERROR: bench sign-in failed" >&2; return 1; }
    local cookie="$session; $jar"
    body=$WORK/cohort.html
    curl -sS -o "$body" -H "Cookie: $cookie" "$BASE/admin/parcours/pilote-co-construction-territoriale"
    team=$(grep -A3 'name="member-team"' "$body" | grep -oE 'value="[0-9]+"' | head -n 1 | grep -oE '[0-9]+' || true)
    csrf=$(grep -oE 'name="csrf" value="[^"]+"' "$body" | head -n 1 | sed -E 's/.*value="//; s/"$//')
    if [[ -n $team ]]; then
        curl -sS -o /dev/null -H "Cookie: $cookie" --data-urlencode "csrf=$csrf" \
            --data-urlencode "member-email=$email" --data-urlencode "member-role=participant" \
            --data-urlencode "member-team=$team" \
            "$BASE/admin/parcours/pilote-co-construction-territoriale/membres"
    fi
    printf '%s' "$cookie"
}
COOKIE=""
if grep -qE '^[[:space:]]*@signed-in ' "$PAGES"; then
    COOKIE=$(sign_in)
fi

# A path on this server from a URL or path (drops scheme and authority).
to_path() { sed -E 's#^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*##' <<<"$1"; }

# first_link FROM MATCH EXCLUDE: the first href of page FROM matching MATCH and not EXCLUDE
# (extended regexes, on the path with &amp; decoded); empty when none.
first_link() {
    fetch "$1" "$WORK/discover.html" >/dev/null || return 0
    grep -oE 'href="[^"]*"' "$WORK/discover.html" |
        sed -E 's/^href="//; s/"$//; s/&amp;/\&/g; s#^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*##' |
        M=$2 X=$3 awk '!done && $0 ~ ENVIRON["M"] && (ENVIRON["X"] == "" || $0 !~ ENVIRON["X"]) { print; done = 1 }'
}

# first_id FROM FIELD: the first value of "FIELD": in the JSON answer of FROM; empty when none.
first_id() {
    fetch "$1" "$WORK/discover.json" >/dev/null || return 0
    grep -oE "\"$2\":(\"[^\"]*\"|[0-9]+)" "$WORK/discover.json" | head -n 1 |
        sed -E "s/^\"$2\"://; s/^\"//; s/\"$//" || true
}

mkdir -p "$WORK/www/p"
LABELS=() PATHS=() REFS=() SIGNED=() CTYPES=() SIZES=() NOTES=()
n=0
banner "resolve and fetch every target of $PAGES" >&2
while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ -n $ONLY ]] && ! [[ $line =~ $ONLY ]]; then continue; fi
    label=
    if [[ $line == *" :: "* ]]; then label=${line#* :: }; line=${line%% :: *}; fi
    ref=0
    if [[ $line == "@ref "* ]]; then ref=1; line=${line#@ref }; fi
    signed=
    if [[ $line == "@signed-in "* ]]; then signed=$COOKIE; line=${line#@signed-in }; fi
    template=
    if [[ $line == *" => "* ]]; then template=${line#* => }; line=${line%% => *}; fi
    read -ra w <<<"$line"
    note='' path='' shown=''
    case ${w[0]} in
        @first-link)
            found=$(first_link "${w[1]}" "${w[2]}" "${w[3]:-}")
            value=${found##*/}
            ;;
        @first-id)
            found=$(first_id "${w[1]}" "${w[2]}")
            value=$found
            ;;
        /*) found=${w[0]} value= ;;
        *) echo "ERROR: $PAGES: cannot read '$line'" >&2; exit 2 ;;
    esac
    if [[ -z $found ]]; then
        note="nothing found by ${w[*]}"
        shown=${label:-${w[*]}}
    else
        path=$found
        [[ -n $template ]] && path=${template//\{\}/$value}
        [[ ${w[0]} == /* && -z $template ]] || label=${label:-${w[0]#@}}
        shown=\`$path\`
        [[ -n $label ]] && shown="$label (\`$path\`)"
    fi
    id=$(printf '%02d' "$n")
    file=$WORK/www/p/$id
    hops=0 code='' ctype='' bytes=0
    while [[ -n $path ]]; do
        rc=0
        got=$(fetch "$path" "$file" "$signed") || rc=$?
        IFS='|' read -r code ctype bytes redirect <<<"$got"
        if ((rc == 63)); then
            note="larger than MAX_BYTES ($MAX_BYTES), not measured"
            bytes=$(awk 'tolower($1) == "content-length:" { print $2 + 0 }' "$file.headers")
            break
        elif ((rc != 0)); then
            note="fetch failed (curl exit $rc)"
            break
        fi
        if [[ $code == 3* && -n $redirect && $hops -lt 5 ]]; then
            path=$(to_path "$redirect")
            hops=$((hops + 1))
            shown="$shown → \`$path\`"
            continue
        fi
        [[ $code == 200 ]] || note="answered $code"
        # curl cannot stop a streamed answer of unknown length at MAX_BYTES: check afterwards.
        if [[ -z $note ]] && ((bytes > MAX_BYTES)); then
            note="larger than MAX_BYTES ($MAX_BYTES), not measured"
            : >"$file"
        fi
        break
    done
    if [[ -z $note ]] && ((bytes == 0)); then note="empty body"; fi
    rm -f "$file.headers"
    [[ -n $note ]] && echo "WARNING: $shown: $note" >&2
    [[ -n $signed ]] && shown="$shown, signed in"
    LABELS+=("$shown") PATHS+=("$path") REFS+=("$ref") SIGNED+=("$signed") CTYPES+=("${ctype:-application/octet-stream}")
    SIZES+=("$bytes") NOTES+=("$note")
    printf '  %s %-9s %8s B  %s\n' "$id" "${code:-–}" "$bytes" "$shown" >&2
    n=$((n + 1))
done <"$PAGES"
((n > 0)) || { echo "ERROR: no target (ONLY='$ONLY' matches no line of $PAGES)" >&2; exit 2; }

# ---- 3. nginx serving each saved copy with the same Content-Type at /p/NN -------------------
banner "nginx serving the saved copies" >&2
LOCATIONS=
for ((i = 0; i < n; i++)); do
    [[ -z ${NOTES[i]} ]] || continue
    LOCATIONS+="        location = /p/$(printf '%02d' "$i") { default_type \"${CTYPES[i]}\"; }"$'\n'
done
# nginx's workers run as an unprivileged user: let them read the copies (mktemp -d is 0700).
chmod 755 "$WORK" "$WORK/www" "$WORK/www/p"
find "$WORK/www/p" -type f -exec chmod 644 {} +
NPORT=$(free_port $((PORT + 1)))
NBASE=http://127.0.0.1:$NPORT
bench_start_nginx "$WORK/nginx" "$NPORT" "$WORK/www" "$LOCATIONS" >&2
for ((i = 0; i < n; i++)); do
    [[ -z ${NOTES[i]} ]] || continue
    IFS='|' read -r code ctype bytes < <(curl -sS --max-time 30 -o /dev/null \
        -w '%{http_code}|%{content_type}|%{size_download}' "$NBASE/p/$(printf '%02d' "$i")"; echo)
    if [[ $code != 200 || $bytes != "${SIZES[i]}" || $ctype != "${CTYPES[i]}" ]]; then
        NOTES[i]="nginx copy differs: $code, $bytes bytes, $ctype"
        echo "WARNING: ${LABELS[i]}: ${NOTES[i]}" >&2
    fi
done

# ---- 4. wrk on each target, Catalyse then nginx ------------------------------------------------
# wrk_run URL REPORT: one wrk run; prints "req/s p50 p99 errors". wrk's --timeout (default
# 2 s) is raised to WRK_TIMEOUT so that slow answers count in the latencies.
wrk_run() {
    local cookie=()
    [[ -n ${3:-} ]] && cookie=(-H "Cookie: $3")
    timeout --kill-after=10 $((DURATION_S + 120)) wrk -t"$THREADS" -c"$CONNECTIONS" \
        -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency "${cookie[@]}" "$1" >"$2" 2>&1 || true
    wrk_fields "$2"
}
# settle: waits (up to 60 s) until Catalyse uses less than 10 % of a core over half a second.
# The requests a wrk run leaves in flight (up to CONNECTIONS of them) are still being answered
# after wrk stops; without this, a slow target's leftovers would slow the next rows down.
ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
settle() {
    local before after i
    for ((i = 0; i < 120; i++)); do
        before=$(ticks)
        sleep 0.5
        after=$(ticks)
        ((after - before > 5)) || return 0
    done
    echo "WARNING: catalyse still busy after 60 s" >&2
}
# A wrk latency (850.00us, 1.50ms, 1.20s) in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN {
    u = v; sub(/^[0-9.]+/, "", u); x = v + 0
    if (u == "us") x /= 1000; else if (u == "s") x *= 1000; else if (u == "m") x *= 60000
    printf "%.2f", x }'; }
# 12345.67 -> 12,346
thousands() { awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); o = ""
    while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
    print s o }'; }

if [[ $SIZE == demo ]]; then P99_TARGET=10; else P99_TARGET=50; fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=() FAILED=() SKIPPED=()
PAGES_COUNT=0 MET=0
for ((i = 0; i < n; i++)); do
    id=$(printf '%02d' "$i")
    if [[ -n ${NOTES[i]} ]]; then
        ROWS+=("| ${LABELS[i]} | — | — | — | — | — | $(thousands "${SIZES[i]:-0}") (${NOTES[i]}) |")
        case ${NOTES[i]} in
            "larger than"*) SKIPPED+=("${LABELS[i]}") ;;
            *) FAILED+=("${LABELS[i]}") ;;
        esac
        continue
    fi
    banner "$id wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency: ${PATHS[i]} and nginx /p/$id" >&2
    settle
    read -r rps p50 p99 errs < <(wrk_run "$BASE${PATHS[i]}" "$WORK/wrk-$id.txt" "${SIGNED[i]}")
    settle
    read -r nrps _ _ nerrs < <(wrk_run "$NBASE/p/$id" "$WORK/wrk-$id-nginx.txt")
    echo "  catalyse $rps req/s, p50 $p50, p99 $p99, $errs errors; nginx $nrps req/s, $nerrs errors" >&2
    if [[ $rps == "?" ]] || awk -v r="$rps" 'BEGIN { exit !(r + 0 == 0) }'; then
        # No answer completed within the run: nothing to measure the latency on.
        ROWS+=("| ${LABELS[i]} | 0 | — | — | $(thousands "$nrps") | **0** (no answer within $DURATION) | $(thousands "${SIZES[i]}") |")
        [[ ${REFS[i]} == 1 ]] || PAGES_COUNT=$((PAGES_COUNT + 1))
        continue
    fi
    p50ms=$(to_ms "$p50") p99ms=$(to_ms "$p99")
    ratio=$(awk -v a="$rps" -v b="$nrps" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "?" }')
    ratio_cell=$ratio p99_cell="$p99ms ms"
    if [[ ${REFS[i]} == 0 ]]; then
        PAGES_COUNT=$((PAGES_COUNT + 1))
        ok=1
        if [[ $SIZE == demo ]] && awk -v r="$ratio" 'BEGIN { exit !(r == "?" || r + 0 < 0.5) }'; then
            ratio_cell="**$ratio**" ok=0
        fi
        if awk -v p="$p99ms" -v t="$P99_TARGET" 'BEGIN { exit !(p + 0 >= t) }'; then
            p99_cell="**$p99ms ms**" ok=0
        fi
        ((errs == 0)) || ok=0
        if ((ok)); then MET=$((MET + 1)); fi
    fi
    [[ $errs == 0 && $nerrs == 0 ]] || ratio_cell="$ratio_cell ($errs errors, nginx $nerrs)"
    ROWS+=("| ${LABELS[i]} | $(thousands "$rps") | $p50ms ms | $p99_cell | $(thousands "$nrps") | $ratio_cell | $(thousands "${SIZES[i]}") |")
done
# ---- 4b. The floor: a bare axum server (no layer) on the same bytes ---------------------------
# `/healthz` and the home page's copy, served by bench/bare (axum and hyper, nothing else):
# between it and Catalyse is what Catalyse's layers cost; between it and nginx, axum's.
HOME_I=
for ((i = 0; i < n; i++)); do
    if [[ ${PATHS[i]} == / && -z ${NOTES[i]} ]]; then HOME_I=$i; break; fi
done
if [[ -x $BARE_BIN && -n $HOME_I ]]; then
    BPORT=$(free_port $((PORT + 2)))
    "$BARE_BIN" "127.0.0.1:$BPORT" "$WORK/www/p/$(printf '%02d' "$HOME_I")" "${CTYPES[HOME_I]}" \
        >"$WORK/bare.log" 2>&1 &
    BARE_PID=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$BPORT/healthz" >/dev/null && break; sleep 0.1; done
    for target in "/healthz|\`/healthz\` (2 bytes)" "/0|the bytes of ${LABELS[HOME_I]}"; do
        IFS='|' read -r bpath blabel <<<"$target"
        banner "bare axum: $bpath" >&2
        read -r brps bp50 bp99 _ < <(wrk_run "http://127.0.0.1:$BPORT$bpath" "$WORK/wrk-bare.txt")
        ROWS+=("| floor: bare axum, no layer, $blabel | $(thousands "$brps") | $(to_ms "$bp50") ms | $(to_ms "$bp99") ms | — | — | — |")
    done
    stop_pid "$BARE_PID" catalyse-bare-bench
    BARE_PID=
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
[[ -r /proc/$SERVER_PID/status ]] || { echo "ERROR: catalyse (pid $SERVER_PID) is gone" >&2; exit 1; }
RSS=$(proc_mb "$SERVER_PID" VmRSS)
HWM=$(proc_mb "$SERVER_PID" VmHWM)
RSS_KB=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVER_PID/status")
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then COMMIT+=" (with uncommitted changes)"; fi

# ---- 5. The report ---------------------------------------------------------------------------
report() {
    echo "## Pages against nginx on the same bytes, $SIZE size — $(date -u +%Y-%m-%d), git $COMMIT"
    echo
    echo "\`SIZE=$SIZE DURATION=$DURATION bash bench/pages/run.sh\`: release build, SQLite in a fresh data"
    echo "directory, \`CATALYSE_DEMO=true\`; \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\` on loopback, on each"
    echo "target and then on nginx serving a saved copy of its answer (same body, same Content-Type);"
    echo "wrk's \`--timeout $WRK_TIMEOUT\`."
    [[ -z $GEN_NOTE ]] || { echo; echo "$GEN_NOTE Server ready in ${START_SECONDS} s."; }
    echo
    echo "| page | req/s | p50 | p99 | nginx req/s | ratio | bytes |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Machine: load average $LOAD_BEFORE before the load and $LOAD_AFTER after it (\`/proc/loadavg\`,"
    echo "1, 5 and 15 min); $(nproc) cores (\`nproc\`). Catalyse after the run: VmRSS $RSS, VmHWM (peak) $HWM."
    echo
    if [[ $SIZE == demo ]]; then
        echo "Target (demo): every page ≥ 0.50 × nginx on the same bytes and p99 under 10 ms (bold when"
        echo "not met; reference rows excluded): met by $MET of $PAGES_COUNT pages."
    else
        local mem
        mem=$( ((RSS_KB * 1024 < 600000000)) && echo "under 600 MB: met" || echo "600 MB or more: NOT met")
        echo "Targets (scale): every page p99 under 50 ms (bold when not met; reference rows excluded): met"
        echo "by $MET of $PAGES_COUNT pages. Resident memory $RSS, $mem."
    fi
    if ((${#SKIPPED[@]} > 0)); then
        echo
        echo "Not measured, larger than MAX_BYTES ($MAX_BYTES bytes): ${#SKIPPED[@]} target(s)."
    fi
    if ((${#FAILED[@]} > 0)); then
        echo
        echo "**Failed** (see the bytes column): ${#FAILED[@]} target(s)."
    fi
}
mkdir -p "$(dirname "$OUT")"
report | tee "$OUT"
echo >&2
echo "table written to $OUT" >&2
# A target that could not be measured is a broken page list or a broken page: fail loudly.
((${#FAILED[@]} == 0)) || exit 1
