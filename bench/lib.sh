# shellcheck shell=bash
# Helpers shared by the HTTP benchmarks (bench/run.sh, bench/pages/run.sh). Source it after
# .ci/lib.sh, with ROOT set to the repository root; it runs nothing by itself.

# Puts ~/.cargo/bin on PATH when it exists and is not there yet.
bench_cargo_path() {
    local bin=${HOME:-/root}/.cargo/bin
    if [[ -d $bin && ":$PATH:" != *":$bin:"* ]]; then PATH=$bin:$PATH; fi
}

# Installs wrk, nginx-light and curl with apt when one of them is missing; sets NGINX.
bench_tools() {
    if ! command -v wrk >/dev/null || ! command -v curl >/dev/null ||
        { ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; }; then
        apt_ensure wrk nginx-light curl
    fi
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

# bench_build [CARGO ARGS...]: `cargo build --release --locked ARGS` unless SKIP_BUILD=1;
# sets BIN to the catalyse binary under $CARGO_TARGET_DIR (default $ROOT/target).
bench_build() {
    if [[ ${SKIP_BUILD:-0} != 1 ]]; then
        banner "cargo build --release --locked $*"
        cargo build --release --locked "$@"
    fi
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/catalyse
    [[ -x $BIN ]] || { echo "ERROR: $BIN missing (build it, or unset SKIP_BUILD)" >&2; return 1; }
}

# bench_start_catalyse DATA_DIR PORT LOG [READY_TIMEOUT]: starts `$BIN serve` on
# 127.0.0.1:PORT with the example content (CATALYSE_DEMO=true) and SQLite in DATA_DIR
# (CATALYSE_DATABASE_URL unset), sets SERVER_PID and waits for GET /readyz (default 120 s).
bench_start_catalyse() {
    local data=$1 port=$2 log=$3 timeout=${4:-120}
    mkdir -p "$data"
    env -u CATALYSE_DATABASE_URL \
        CATALYSE_BIND="127.0.0.1:$port" \
        CATALYSE_DATA_DIR="$data" \
        CATALYSE_DEMO=true \
        "$BIN" serve >"$log" 2>&1 &
    SERVER_PID=$!
    wait_ready "http://127.0.0.1:$port/readyz" "$timeout" "$SERVER_PID" "$log"
}

# bench_start_nginx DIR PORT WWW LOCATIONS: writes DIR/nginx.conf (daemon off, workers as
# many as cores, no access log, pid, error log and temp paths under DIR) serving the folder
# WWW on 127.0.0.1:PORT with the location blocks LOCATIONS, starts nginx in the background,
# sets NGINX_PID and waits until it answers. Files without a known extension are served as
# text/html unless a location sets its own default_type. nginx's workers run as an
# unprivileged user: WWW and its files must be world-readable.
bench_start_nginx() {
    local dir=$1 port=$2 www=$3 locations=$4
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    types { text/html html; }
    default_type text/html;
    sendfile on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        root $www;
$locations
    }
}
EOF
    "$NGINX" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" &
    NGINX_PID=$!
    # Any answer will do (the root may have no index): wait until the port is open.
    local start=$SECONDS
    until (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; do
        if ! kill -0 "$NGINX_PID" 2>/dev/null || ((SECONDS - start >= 10)); then
            echo "ERROR: nginx did not start on port $port; its log:" >&2
            cat "$dir/error.log" >&2 || true
            return 1
        fi
        sleep 0.2
    done
    echo "ready: nginx on 127.0.0.1:$port"
}

# wrk_fields FILE: prints "req/s p50 p99 errors" from a wrk --latency report (errors: non-2xx
# or 3xx answers plus socket errors).
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

# proc_mb PID FIELD: a /proc/PID/status memory field (VmRSS, VmHWM…) in MB (10^6 bytes;
# /proc's "kB" are KiB).
proc_mb() {
    awk -v k="$2:" '$1 == k { printf "%.1f MB", $2 * 1024 / 1e6 }' "/proc/$1/status"
}
