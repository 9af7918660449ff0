# shellcheck shell=bash
# Helpers shared by .ci/run and bench/run.sh. Source it; it runs nothing by itself.

# A banner line announcing a step, easy to find in a CI log.
banner() {
    printf '\n==== [%s] %s ====\n' "$(date +%H:%M:%S)" "$*"
}

# Installs the Debian packages that are not installed yet, quietly. Runs
# 'apt-get update' only when something is missing, so a second run is a no-op.
apt_ensure() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "apt: already installed: $*"
        return 0
    fi
    echo "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Prints the first TCP port on 127.0.0.1, from $1 upwards, that nothing listens on.
free_port() {
    local port=${1:-18080} last=$((${1:-18080} + 200))
    while ((port < last)); do
        if ! (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
    done
    echo "free_port: no free port from ${1:-18080}" >&2
    return 1
}

# wait_ready URL TIMEOUT_SECONDS PID LOGFILE
# Polls URL until it answers 2xx. Fails (and prints the log) when the timeout
# runs out or when process PID exits first.
wait_ready() {
    local url=$1 timeout=$2 pid=$3 log=$4 start=$SECONDS
    while ! curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "ERROR: server (pid $pid) exited before $url answered; its log:" >&2
            cat "$log" >&2 || true
            return 1
        fi
        if ((SECONDS - start >= timeout)); then
            echo "ERROR: $url not ready after ${timeout}s; server log:" >&2
            cat "$log" >&2 || true
            return 1
        fi
        sleep 1
    done
    echo "ready: $url answered after $((SECONDS - start))s"
}

# stop_pid PID [NAME]: TERM, up to 10 s grace, then KILL. Never fails.
stop_pid() {
    local pid=$1 name=${2:-process} _
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.5
    done
    echo "stop_pid: $name (pid $pid) still alive after 10s, sending KILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
