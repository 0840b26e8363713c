"""Writes geos_verdicts.json: random small multipolygons on integer grids
(full of touches, shared edges and degenerate rings) with the validity GEOS
gives them, for tests/geos_verdicts.rs.

    pip install shapely==2.*  &&  python3 make_geos_verdicts.py
"""
import collections
import json
import math
import random

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity

rng = random.Random(20261123)


def scribble(grid=5):
    """Any ring of 3-7 points on a small grid: mostly invalid."""
    pts = [(rng.randrange(grid), rng.randrange(grid)) for _ in range(rng.randrange(3, 8))]
    return pts + [pts[0]]


def star(cx, cy, radius):
    """A ring around a centre, rounded to the grid: often simple."""
    n = rng.randrange(4, 10)
    pts = []
    for k in range(n):
        a = 2 * math.pi * (k + 0.3 * rng.randrange(3)) / n
        r = radius * (0.5 + 0.25 * rng.randrange(3))
        p = (round(cx + r * math.cos(a)), round(cy + r * math.sin(a)))
        if not pts or pts[-1] != p:
            pts.append(p)
    return pts + [pts[0]]


def block(x0, y0, w, h):
    """A rectangle or right triangle on the grid, either winding: many touches."""
    x1, y1 = x0 + rng.randrange(1, w + 1), y0 + rng.randrange(1, h + 1)
    pts = [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], [(x0, y0), (x1, y0), (x0, y1)], [(x0, y0), (x1, y1), (x0, y1)]][rng.randrange(3)]
    if rng.randrange(2):
        pts.reverse()
    return pts + [pts[0]]


def polygon(kind):
    holes = rng.randrange(3)
    if kind == 0:
        return [scribble()] + [scribble() for _ in range(holes)]
    if kind == 1:
        cx, cy = rng.randrange(12), rng.randrange(12)
        return [star(cx, cy, 8)] + [star(cx + rng.randrange(5) - 2, cy + rng.randrange(5) - 2, 3) for _ in range(holes)]
    x0, y0 = rng.randrange(4), rng.randrange(4)
    return [block(x0, y0, 6, 6)] + [block(x0 + rng.randrange(5), y0 + rng.randrange(5), 3, 3) for _ in range(holes)]


by_reason = collections.defaultdict(list)
for case in range(40000):
    kind = case % 3
    coords = [polygon(kind) for _ in range(1 + rng.randrange(4) // 3)]
    geom = MultiPolygon([Polygon(p[0], p[1:]) for p in coords])
    reason = explain_validity(geom).split("[")[0]
    by_reason[reason].append({"coords": coords, "geos": reason})

def cap(reason):
    return 150 if reason == "Valid Geometry" else 60


cases = [c for reason in sorted(by_reason) for c in by_reason[reason][: cap(reason)]]
with open("geos_verdicts.json", "w") as out:
    json.dump({"geos": shapely.geos_version_string, "cases": cases}, out, separators=(",", ":"))
print(shapely.geos_version_string, {r: min(len(v), cap(r)) for r, v in sorted(by_reason.items())})
