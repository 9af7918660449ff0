#!/usr/bin/env python3
"""Renders data/maps/*.json to SVG previews, to check the shapes by eye.

Usage: python3 tools/maps/preview.py [out_dir]   (default /tmp)
Writes maps-preview-regions.svg and maps-preview-departments.svg; convert with
`rsvg-convert -w 1200 in.svg -o out.png`. Standard library only. The previews
are not part of the repository.
"""
import html
import json
import os
import sys

COLOURS = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462"]
INSET_BOX = 100.0  # each inset is drawn in a 100 x 100 cell in a left column
GAP = 10.0


def render(doc):
    vx, vy, vw, vh = (float(v) for v in doc["viewBox"].split())
    n = len(doc["insets"])
    col_w = INSET_BOX + 2 * GAP
    total_h = max(vh, n * (INSET_BOX + GAP) + GAP)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g">'
           % (col_w + vw, total_h + 20, 2 * (col_w + vw), 2 * (total_h + 20)),
           '<rect width="100%" height="100%" fill="#fff"/>',
           '<g stroke="#333" stroke-width=".4" stroke-linejoin="round">']
    for i, ins in enumerate(doc["insets"]):
        ix, iy, iw, ih = (float(v) for v in ins["viewBox"].split())
        s = INSET_BOX / max(iw, ih)
        y = GAP + i * (INSET_BOX + GAP)
        out.append('<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#999" stroke-width=".5"/>'
                   % (GAP, y, INSET_BOX, INSET_BOX))
        out.append('<g transform="translate(%g %g) scale(%g) translate(%g %g)">'
                   % (GAP, y, s, -ix, -iy))
        out.append('<path fill="%s" stroke-width="%g" d="%s"><title>%s</title></path></g>'
                   % (COLOURS[i % len(COLOURS)], 0.4 / s, ins["d"], html.escape(ins["code"] + " " + ins["name"])))
        out.append('<text x="%g" y="%g" font-size="7" font-family="sans-serif" stroke="none">%s</text>'
                   % (GAP + 2, y + 8, html.escape(ins["code"] + " " + ins["name"])))
    out.append('<g transform="translate(%g %g)">' % (col_w - vx, -vy))
    for i, a in enumerate(doc["areas"]):
        out.append('<path fill="%s" d="%s"><title>%s</title></path>'
                   % (COLOURS[i % len(COLOURS)], a["d"], html.escape(a["code"] + " " + a["name"])))
    out.append("</g></g>")
    out.append('<text x="%g" y="%g" font-size="8" font-family="sans-serif">%s</text>'
               % (col_w, total_h + 14, html.escape(doc["attribution"])))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for kind in ("regions", "departments"):
        doc = json.load(open(os.path.join(repo, "data", "maps", kind + ".json"), encoding="utf-8"))
        svg = render(doc)
        path = os.path.join(out_dir, "maps-preview-%s.svg" % kind)
        with open(path, "w", encoding="utf-8") as f:
            f.write(svg)
        print("%s: %d bytes, %d areas, %d insets" % (path, len(svg.encode()), len(doc["areas"]), len(doc["insets"])))


if __name__ == "__main__":
    main()
