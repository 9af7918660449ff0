#!/usr/bin/env bash
# Search benchmark: catalyse-search (tantivy) against SQLite FTS5 and PostgreSQL full-text
# search on generated example resources. See bench/README.md.
#   bash bench/search/run.sh                                   # 100,000 documents, 300 queries
#   bash bench/search/run.sh --docs 10000 --queries 100
#   bash bench/search/run.sh --postgres postgres://postgres@127.0.0.1:5432/test
#   SKIP_BUILD=1 bash bench/search/run.sh                      # reuse the release binary
# PostgreSQL: --postgres URL, else $CATALYSE_TEST_POSTGRES_URL, else skipped.
# Prints a Markdown report on stdout; writes nothing in the repository.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
CARGO_BIN=${HOME:-/root}/.cargo/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then PATH=$CARGO_BIN:$PATH; fi

if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build --release --locked -p catalyse-search-bench >&2
fi
exec "${CARGO_TARGET_DIR:-target}/release/catalyse-search-bench" "$@"
