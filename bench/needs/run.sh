#!/usr/bin/env bash
# Suggestions benchmark: the matchmaking engine on distinct needs among a million generated
# members and 50,000 generated case studies. See bench/README.md (« Suggestions benchmark »).
#   bash bench/needs/run.sh                                  # 1,000,000 members, 50,000 cases, 500 needs
#   bash bench/needs/run.sh --members 100000 --needs 200
#   SKIP_BUILD=1 bash bench/needs/run.sh                     # reuse the release binary
# Prints a Markdown report on stdout (progress on stderr); writes nothing in the repository.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
CARGO_BIN=${HOME:-/root}/.cargo/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then PATH=$CARGO_BIN:$PATH; fi

if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build --release --locked -p catalyse-needs-bench >&2
fi
exec "${CARGO_TARGET_DIR:-target}/release/catalyse-needs-bench" "$@"
