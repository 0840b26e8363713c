#!/usr/bin/env python3
"""Speed and accuracy of cpca (pip install cpca) on wangge's geocoding corpus,
side by side with wangge's own figures.

    pip install cpca
    cargo run --release -p wangge-geocode --example corpus_eval -- \
        crates/wangge-geocode/tests/data/corpus.tsv > /tmp/wangge_eval.json
    python3 scripts/geocode/compare_cpca.py \
        crates/wangge-geocode/tests/data/corpus.tsv --wangge-json /tmp/wangge_eval.json

cpca resolves province/city/county (its adcode is the county's); it has no
town/street level, so its town accuracy is reported as n/a. Speed is one
call of cpca.transform over the whole corpus (its batch API), one process.
"""
import argparse
import csv
import json
import sys
import time


def load(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--wangge-json", help="output of the corpus_eval example")
    args = ap.parse_args()
    rows = load(args.corpus)
    addresses = [r["address"] for r in rows]
    try:
        import cpca
    except ImportError:
        sys.exit("cpca is not installed: pip install cpca")
    cpca.transform(addresses[:10])  # load its dictionaries before timing
    t0 = time.perf_counter()
    df = cpca.transform(addresses)
    seconds = time.perf_counter() - t0
    county_ok = wrong = 0
    for r, adcode in zip(rows, df["adcode"]):
        got = (str(adcode) if adcode is not None else "")[:6]
        if got == r["county"]:
            county_ok += 1
        elif got and len(got) == 6 and not got.endswith("00"):
            wrong += 1
    n = len(rows)
    table = [
        ("cpca", n / seconds, county_ok / n, None, wrong),
    ]
    if args.wangge_json:
        with open(args.wangge_json, encoding="utf-8") as f:
            w = json.load(f)
        table.append(
            (
                "wangge",
                w["addresses_per_second"],
                w["county_accuracy"],
                w["town_accuracy"],
                w["wrong_answers"],
            )
        )
    print(f"corpus: {args.corpus} ({n} addresses)")
    print(f"{'tool':<8} {'addresses/s':>12} {'county %':>9} {'town %':>8} {'wrong county/town':>18}")
    for name, rate, county, town, wrong_n in table:
        town_s = "n/a" if town is None else f"{100 * town:.2f}"
        print(f"{name:<8} {rate:>12,.0f} {100 * county:>9.2f} {town_s:>8} {wrong_n:>18}")


if __name__ == "__main__":
    main()
