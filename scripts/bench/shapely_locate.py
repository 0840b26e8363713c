#!/usr/bin/env python3
"""Point location throughput: shapely 2 against `wangge assign-points`.

Takes the demo cells as GeoJSON (`wangge export cells --format geojson`),
draws N random points (seeded numpy, uniform in the cells' bounding box),
writes them as CSV `lon,lat`, then
  1. times shapely 2: `STRtree(cells).query(points, predicate="within")`
     (one thread, as shapely runs; point creation timed apart);
  2. runs `wangge assign-points IN.csv -o OUT.csv` on the same file and reads
     the throughput it prints (locating only, and end to end with CSV I/O);
  3. prints both throughputs and their ratio, and checks that the two agree
     on the cell of every point that is not on a cell's edge.

Exit status 1 when a point not on an edge is placed differently.

Needs: pip install shapely numpy (shapely >= 2).
Usage: shapely_locate.py --cells cells.geojson --wangge target/release/wangge \
           --db sqlite:///tmp/x/demo.db [--points 10000000] [--seed 2011] [--work DIR]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import shapely
from shapely import STRtree


def load_cells(path):
    with open(path, encoding="utf-8") as f:
        collection = json.load(f)
    codes, geometries = [], []
    for feature in collection["features"]:
        codes.append(feature["properties"]["code"])
        geometries.append(shapely.from_geojson(json.dumps(feature["geometry"])))
    return np.array(codes, dtype=object), np.array(geometries, dtype=object)


def random_points(bounds, count, seed):
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bounds
    return rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)


def write_csv(path, lon, lat):
    # repr() is the shortest text that reads back to the same double, so the
    # Rust side sees exactly the points shapely sees.
    with open(path, "w", encoding="utf-8") as f:
        f.write("lon,lat\n")
        step = 1_000_000
        for start in range(0, len(lon), step):
            xs = lon[start:start + step].tolist()
            ys = lat[start:start + step].tolist()
            f.write("\n".join(map("{!r},{!r}".format, xs, ys)))
            f.write("\n")


def run_shapely(codes, cells, lon, lat):
    started = time.perf_counter()
    tree = STRtree(cells)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    points = shapely.points(lon, lat)
    points_s = time.perf_counter() - started
    started = time.perf_counter()
    pairs = tree.query(points, predicate="within")
    query_s = time.perf_counter() - started
    found = np.full(len(lon), "", dtype=object)
    found[pairs[0]] = codes[pairs[1]]
    doubles = len(pairs[0]) - len(np.unique(pairs[0]))
    return tree, points, found, doubles, build_s, points_s, query_s


def run_wangge(binary, db, csv_in, csv_out, threads):
    command = [binary, "--db", db, "assign-points", csv_in, "-o", csv_out]
    if threads:
        command += ["--threads", str(threads)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall_s = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    # "... N points/s end to end, M points/s locating ..."
    report = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    end_to_end = re.search(r"([\d.]+) points/s end to end", report)
    locating = re.search(r"([\d.]+) points/s locating", report)
    return (
        report,
        float(locating.group(1)) if locating else None,
        float(end_to_end.group(1)) if end_to_end else None,
        wall_s,
    )


def read_cell_codes(path, count):
    codes = np.empty(count, dtype=object)
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        column = header.index("cell_code")
        for k, line in enumerate(f):
            codes[k] = line.split(",", column + 1)[column]
    return codes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", required=True, help="cells GeoJSON (wangge export cells)")
    parser.add_argument("--wangge", required=True, help="the wangge binary")
    parser.add_argument("--db", required=True, help="database URL holding the same grid")
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--threads", type=int, default=0, help="wangge threads (default: all cores)")
    parser.add_argument("--work", default=None, help="folder for the CSV files (default: a temp dir)")
    args = parser.parse_args()

    work = args.work or tempfile.mkdtemp(prefix="wangge-locate-")
    codes, cells = load_cells(args.cells)
    bounds = shapely.total_bounds(cells)
    lon, lat = random_points(bounds, args.points, args.seed)
    csv_in = os.path.join(work, "points.csv")
    csv_out = os.path.join(work, "points.located.csv")
    started = time.perf_counter()
    write_csv(csv_in, lon, lat)
    print(f"{len(cells)} cells; {args.points} random points in {np.round(bounds, 6).tolist()} "
          f"written to {csv_in} in {time.perf_counter() - started:.1f} s")

    tree, points, shapely_codes, doubles, build_s, points_s, query_s = run_shapely(codes, cells, lon, lat)
    shapely_rate = args.points / query_s
    print(f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}): STRtree built in "
          f"{build_s * 1e3:.0f} ms; points created in {points_s:.2f} s; "
          f"query(points, predicate='within') {query_s:.2f} s = {shapely_rate:,.0f} points/s "
          f"({args.points / (points_s + query_s):,.0f} points/s with point creation)")

    report, ours_rate, ours_end_to_end, wall_s = run_wangge(args.wangge, args.db, csv_in, csv_out, args.threads)
    print(f"wangge assign-points: {report} (wall {wall_s:.2f} s incl. loading the index)")
    if ours_rate is None:
        sys.exit("could not read the points/s figure wangge printed")

    ours_codes = read_cell_codes(csv_out, args.points)
    differ = np.nonzero(ours_codes != shapely_codes)[0]
    # A point differing only because it lies on an edge (shapely's `within`
    # excludes the boundary; wangge gives it to one cell) is not a disagreement.
    on_edge = 0
    if len(differ):
        touching = tree.query(points[differ], predicate="intersects")
        touched = np.zeros(len(differ), dtype=bool)
        touched[touching[0]] = True
        for k in np.nonzero(touched)[0]:
            if not shapely.within(points[differ[k]], cells).any():
                on_edge += 1
        real = len(differ) - on_edge
    else:
        real = 0
    placed = int((shapely_codes != "").sum())
    print(f"agreement: {args.points - len(differ):,} of {args.points:,} points placed alike "
          f"({placed:,} in a cell); {on_edge} differ on an edge; {real} differ elsewhere; "
          f"{doubles} points within two cells by shapely")

    print()
    print(f"shapely 2 STRtree.query within : {shapely_rate:>14,.0f} points/s (1 thread)")
    print(f"wangge assign-points, locating : {ours_rate:>14,.0f} points/s")
    if ours_end_to_end:
        print(f"wangge assign-points, with CSV : {ours_end_to_end:>14,.0f} points/s")
    print(f"ratio (locating / shapely)     : {ours_rate / shapely_rate:>14.1f} x")
    if ours_end_to_end:
        print(f"ratio (with CSV / shapely)     : {ours_end_to_end / shapely_rate:>14.1f} x")
    if real:
        for k in differ[:10]:
            print(f"  differs: {lon[k]!r},{lat[k]!r} wangge={ours_codes[k]!r} shapely={shapely_codes[k]!r}")
        sys.exit(1)


if __name__ == "__main__":
    main()
