#!/usr/bin/env python3
"""Check wangge's coverage report against shapely 2 (GEOS) on the same grids.

    python3 scripts/coverage/compare_shapely.py GRIDS.geojson [CELLS.geojson ...]
        [--as-level N] [--level N] [--report REPORT.json] [--binary PATH]

Reads grids as `wangge export grids|cells --format geojson` writes them
(properties code, level, parent; a boundary file without levels takes
--as-level, codes from feature ids), and per level, within each parent
(level 1 within the union of level 1 with its holes filled), computes with
shapely:

  gaps      parent.difference(unary_union(children)), one per polygon
  overlaps  pairwise intersections of siblings found through an STRtree
  outside   child.difference(parent)
  invalid   not shapely.is_valid (reported by us with a reason)
  edges     shapely.coverage_invalid_edges over the whole level

and compares them with our report (from --report, or by running the
coverage_report example, --binary or `cargo run --release`): the same number
of gaps and total gap area within 1 %, the same overlap pairs, the same
grids outside their parent, the same invalid grids. Exits 1 on disagreement.
Edge mismatches are printed for information: GEOS also flags edges that
merely cross into a neighbour (we report those as overlaps) and, with
gap_width 0, nothing along a gap; see the printout.

Pieces under 0.01 m² count as arithmetic noise on both sides. Areas are on
the WGS-84 ellipsoid for regions with edges straight in lon/lat (what the
overlays see), the formula our report uses; pyproj is not needed.

Also times the shapely pipeline against ours (best of --repeat runs each)
and prints the ratio.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import defaultdict

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

AREA_TOLERANCE_M2 = 0.01
# Items this close to the tolerance may fall either side of it in two
# overlay engines (a 0.4 mm sliver); they are listed, not failed.
NOISE_M2 = 10 * AREA_TOLERANCE_M2
EDGE_TOLERANCE_DEG = 0.05 / 111_000
SEMI_MAJOR_M = 6378137.0
FLATTENING = 1 / 298.257223563
E2 = FLATTENING * (2 - FLATTENING)
E = math.sqrt(E2)
GAUSS = [
    (0.5 - 0.5 * math.sqrt(3 / 5), 5 / 18),
    (0.5, 8 / 18),
    (0.5 + 0.5 * math.sqrt(3 / 5), 5 / 18),
]
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def _g(lat_deg):
    s = math.sin(math.radians(lat_deg))
    w = 1 - E2 * s * s
    return SEMI_MAJOR_M**2 * (1 - E2) * (s / (2 * w) + math.atanh(E * s) / (2 * E))


def _ring_area_m2(coords):
    coords = list(coords)
    if len(coords) < 4:
        return 0.0
    g0 = _g(coords[0][1])
    total = 0.0
    for (x0, y0), (x1, y1) in zip(coords, coords[1:]):
        d_lon = math.radians(x1 - x0)
        if d_lon:
            total += d_lon * sum(w * (_g(y0 + t * (y1 - y0)) - g0) for t, w in GAUSS)
    return abs(total)


def area_m2(geom):
    """Ellipsoidal area of a (multi)polygon whose edges are straight in lon/lat."""
    if geom.is_empty:
        return 0.0
    if geom.geom_type == "Polygon":
        return _ring_area_m2(geom.exterior.coords) - sum(_ring_area_m2(r.coords) for r in geom.interiors)
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return sum(area_m2(g) for g in geom.geoms)
    return 0.0


def repaired(geom):
    """The valid version of a geometry used for the overlays: GEOS's
    MakeValid as shapely, QGIS and PostGIS call it (the default 'linework'
    method), its polygonal part, which is what wangge's
    make_valid_linework reproduces."""
    if not geom.is_empty and shapely.is_valid(geom):
        return geom
    fixed = polygons_of(shapely.make_valid(geom))
    return shapely.unary_union(fixed) if fixed else Polygon()


def polygons_of(geom):
    """The polygons of any geometry (make_valid can return collections)."""
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for g in geom.geoms for p in polygons_of(g)]
    return []


def read_grids(paths, as_level):
    grids = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            collection = json.load(f)
        for feature in collection["features"]:
            props = feature.get("properties") or {}
            code = props.get("code") or feature.get("id")
            level = props.get("level") or as_level
            if code is None or level is None:
                sys.exit(f"{path}: a feature without code or level (use --as-level)")
            geometry = feature.get("geometry")
            geom = shape(geometry) if geometry else Polygon()
            grids.append({"code": str(code), "level": int(level), "parent": props.get("parent"), "geom": geom})
    return grids


def shapely_findings(grids, levels):
    """Everything shapely finds, per level; also the time it took."""
    start = time.perf_counter()
    by_level = defaultdict(list)
    for g in grids:
        by_level[g["level"]].append(g)
    found = {}
    for level in levels:
        members = sorted({g["code"]: g for g in reversed(by_level.get(level, []))}.values(), key=lambda g: g["code"])
        if not members:
            continue
        invalid = set()
        for g in members:
            if g["geom"].is_empty or not shapely.is_valid(g["geom"]):
                invalid.add(g["code"])
            g["usable"] = repaired(g["geom"])
        # Parents and their children.
        if level == 1:
            union = shapely.unary_union([g["usable"] for g in members])
            territory = MultiPolygon([Polygon(p.exterior) for p in polygons_of(union)])
            families = [(None, territory, members)]
        else:
            parents = sorted({g["code"]: g for g in reversed(by_level.get(level - 1, []))}.values(), key=lambda g: g["code"])
            for p in parents:
                if "usable" not in p:
                    p["usable"] = repaired(p["geom"])
            children = defaultdict(list)
            for g in members:
                children[g["parent"]].append(g)
            families = [(p["code"], p["usable"], children.get(p["code"], [])) for p in parents]
        gaps, overlaps, outside = [], {}, {}
        for parent_code, parent, kids in families:
            covered = shapely.unary_union([k["usable"] for k in kids]) if kids else Polygon()
            for piece in polygons_of(parent.difference(covered)):
                a = area_m2(piece)
                if a > AREA_TOLERANCE_M2:
                    gaps.append((parent_code, a))
            geoms = [k["usable"] for k in kids]
            tree = shapely.STRtree(geoms)
            left, right = tree.query(geoms, predicate="intersects")
            for i, j in zip(left, right):
                if i < j:
                    a = area_m2(shapely.intersection(geoms[i], geoms[j]))
                    if a > AREA_TOLERANCE_M2:
                        pair = tuple(sorted((kids[i]["code"], kids[j]["code"])))
                        overlaps[pair] = a
            for k in kids:
                a = area_m2(k["usable"].difference(parent))
                if a > AREA_TOLERANCE_M2:
                    outside[k["code"]] = a
        # GEOS's tolerance for edges running nearly along each other set to
        # our EDGE_TOLERANCE_M (0.05 m) in degrees: the same finding as ours.
        geoms = [g["geom"] for g in members]
        near = shapely.coverage_invalid_edges(geoms, gap_width=EDGE_TOLERANCE_DEG)
        near_grids = {g["code"] for g, e in zip(members, near) if e is not None and not e.is_empty}
        found[level] = {
            "gaps": gaps,
            "overlaps": overlaps,
            "outside": outside,
            "invalid": invalid,
            "near_grids": near_grids,
            "geoms": (members, geoms),
        }
    seconds = time.perf_counter() - start
    # Strict GEOS (gap_width 0): only edges that touch or cross, for the printout.
    for t in found.values():
        members, geoms = t.pop("geoms")
        edges = shapely.coverage_invalid_edges(geoms)
        t["edge_grids"] = {g["code"] for g, e in zip(members, edges) if e is not None and not e.is_empty}
    return found, seconds


def our_report(args):
    if args.report:
        with open(args.report, encoding="utf-8") as f:
            return json.load(f), None
    binary = args.binary
    if binary:
        command = [binary]
    else:
        command = ["cargo", "run", "--quiet", "--release", "-p", "wangge-spatial", "--example", "coverage_report", "--"]
    command += [os.path.abspath(p) for p in args.files]
    if args.as_level:
        command += ["--as-level", str(args.as_level)]
    if args.level:
        command += ["--level", str(args.level)]
    command += ["--repeat", str(args.repeat)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"coverage_report failed:\n{run.stderr}")
    timing = re.search(r"analyze: \d+ grids in ([0-9.]+) ms", run.stderr)
    return json.loads(run.stdout), (float(timing.group(1)) / 1e3 if timing else None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--as-level", type=int)
    parser.add_argument("--level", type=int)
    parser.add_argument("--report", help="our report JSON (else run the coverage_report example)")
    parser.add_argument("--binary", help="path of a built coverage_report example")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs, best counts")
    args = parser.parse_args()

    grids = read_grids(args.files, args.as_level)
    levels = [args.level] if args.level else sorted({g["level"] for g in grids})
    theirs, their_s = None, math.inf
    for _ in range(max(1, args.repeat)):
        fresh = [dict(g) for g in grids]
        theirs, seconds = shapely_findings(fresh, levels)
        their_s = min(their_s, seconds)
    ours, our_s = our_report(args)

    failures = []
    print(f"{len(grids)} grids; shapely {shapely.__version__}, GEOS {'.'.join(map(str, shapely.geos_version))}")
    for level, t in sorted(theirs.items()):
        gaps = [g for g in ours["gaps"] if g["level"] == level]
        our_gap_m2 = sum(g["area_m2"] for g in gaps)
        their_gap_m2 = sum(a for _, a in t["gaps"])
        our_pairs = {(o["a"], o["b"]): o["area_m2"] for o in ours["overlaps"] if o["level"] == level}
        our_outside = {o["grid"]: o["area_m2"] for o in ours["outside_parent"] if o["level"] == level}
        our_invalid = {i["grid"] for i in ours["invalid"] if i["level"] == level}
        mismatches = [m for m in ours["edge_mismatches"] if m["level"] == level]
        our_edge_grids = {c for m in mismatches for c in (m["a"], m["b"])}
        flagged = our_edge_grids | {c for pair in our_pairs for c in pair}

        print(f"\nlevel {level}")
        print(f"  gaps      ours {len(gaps):6} / {our_gap_m2:14.1f} m²   shapely {len(t['gaps']):6} / {their_gap_m2:14.1f} m²")
        print(f"  overlaps  ours {len(our_pairs):6} pairs           shapely {len(t['overlaps']):6} pairs")
        print(f"  outside   ours {len(our_outside):6} grids           shapely {len(t['outside']):6} grids")
        print(f"  invalid   ours {len(our_invalid):6} grids           shapely {len(t['invalid']):6} grids  {sorted(t['invalid'])[:8]}")
        print(
            f"  edges     ours {len(mismatches):6} mismatched pairs on {len(our_edge_grids)} grids; GEOS invalid edges "
            f"(gap_width 0.05 m) on {len(t['near_grids'])} grids, {len(t['near_grids'] & flagged)} of them ours too "
            f"(mismatch or overlap), {len(flagged - t['near_grids'])} only ours; strict GEOS (gap_width 0) on "
            f"{len(t['edge_grids'])} grids, {len(t['edge_grids'] & flagged)} ours too"
        )

        # Counts may differ only by pieces near the tolerance.
        our_noise = sum(1 for g in gaps if g["area_m2"] < NOISE_M2)
        their_noise = sum(1 for _, a in t["gaps"] if a < NOISE_M2)
        if abs(len(gaps) - len(t["gaps"])) > max(our_noise, their_noise):
            failures.append(f"level {level}: {len(gaps)} gaps, shapely {len(t['gaps'])}")
        if abs(our_gap_m2 - their_gap_m2) > 0.01 * max(their_gap_m2, 1.0):
            failures.append(f"level {level}: gap area {our_gap_m2:.1f} m², shapely {their_gap_m2:.1f} m²")
        for kind, ours_by_key, theirs_by_key in [
            ("overlap pairs", our_pairs, t["overlaps"]),
            ("outside parent", our_outside, t["outside"]),
        ]:
            only_ours = {k: a for k, a in ours_by_key.items() if k not in theirs_by_key}
            only_theirs = {k: a for k, a in theirs_by_key.items() if k not in ours_by_key}
            near = [k for k, a in {**only_ours, **only_theirs}.items() if a < NOISE_M2]
            if near:
                print(f"  near the {AREA_TOLERANCE_M2} m² tolerance, found by one side only ({kind}): {near[:5]}")
            solid_ours = sorted(k for k, a in only_ours.items() if a >= NOISE_M2)
            solid_theirs = sorted(k for k, a in only_theirs.items() if a >= NOISE_M2)
            if solid_ours or solid_theirs:
                failures.append(f"level {level}: {kind} only ours {solid_ours[:5]}, only shapely {solid_theirs[:5]}")
        if our_invalid != t["invalid"]:
            failures.append(f"level {level}: invalid only ours {sorted(our_invalid - t['invalid'])}, only shapely {sorted(t['invalid'] - our_invalid)}")

    print(f"\ntime: shapely {their_s * 1e3:.0f} ms", end="")
    if our_s is not None:
        print(f", wangge {our_s * 1e3:.0f} ms (analyze only), shapely / wangge = {their_s / our_s:.1f}")
    else:
        print()
    if failures:
        print("\nDISAGREEMENT:")
        for f in failures:
            print("  " + f)
        return 1
    print("\nagree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
