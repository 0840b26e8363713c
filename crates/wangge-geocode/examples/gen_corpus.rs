//! Generates the accuracy corpus: addresses built from real division names
//! (all provinces; Hubei with villages) and damaged the way clerks' data is
//! (missing levels, short forms, old names, full-width digits, Chinese
//! numerals, spaces, phone numbers, directions, remarks in brackets, repeated
//! levels, roads named after cities). Deterministic: the same seed writes the
//! same file.
//!
//! `cargo run -p wangge-geocode --example gen_corpus -- crates/wangge-geocode/tests/data/corpus.tsv [ROWS] [SEED]`
//!
//! Columns (tab-separated, with a header): address, province, city, county,
//! town, village (true codes; village empty when not written), tags (the
//! damage applied). Short forms here are written by simple rules of their
//! own (strip one plain suffix; a fixed list for provinces), not by the
//! library's alias code.

use std::fmt::Write as _;
use std::fs;

use wangge_geocode::{division_changes, Division, Gazetteer, Level};

/// splitmix64: tiny, fixed forever, so the corpus never changes under us.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const PROVINCE_SHORT: &[(&str, &str)] = &[
    ("北京市", "北京"),
    ("天津市", "天津"),
    ("河北省", "河北"),
    ("山西省", "山西"),
    ("内蒙古自治区", "内蒙古"),
    ("辽宁省", "辽宁"),
    ("吉林省", "吉林"),
    ("黑龙江省", "黑龙江"),
    ("上海市", "上海"),
    ("江苏省", "江苏"),
    ("浙江省", "浙江"),
    ("安徽省", "安徽"),
    ("福建省", "福建"),
    ("江西省", "江西"),
    ("山东省", "山东"),
    ("河南省", "河南"),
    ("湖北省", "湖北"),
    ("湖南省", "湖南"),
    ("广东省", "广东"),
    ("广西壮族自治区", "广西"),
    ("海南省", "海南"),
    ("重庆市", "重庆"),
    ("四川省", "四川"),
    ("贵州省", "贵州"),
    ("云南省", "云南"),
    ("西藏自治区", "西藏"),
    ("陕西省", "陕西"),
    ("甘肃省", "甘肃"),
    ("青海省", "青海"),
    ("宁夏回族自治区", "宁夏"),
    ("新疆维吾尔自治区", "新疆"),
];

/// Roads named after places (the parser must not read them as divisions)
/// and ordinary ones.
const CITY_ROADS: &[&str] = &[
    "北京路",
    "上海路",
    "太原路",
    "中山路",
    "南京路",
    "天津路",
    "重庆路",
    "武汉路",
    "广州路",
    "长沙路",
    "青岛路",
    "西安路",
    "成都路",
    "杭州路",
    "湖北路",
    "江苏路",
    "河南路",
    "山东路",
    "延安路",
    "朝阳路",
    "北京大道",
    "上海街",
    "十堰路",
    "襄阳路",
    "汉阳大道",
    "黄石路",
];
const PLAIN_ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "和平路",
    "胜利路",
    "文化路",
    "新华路",
    "工农路",
    "发展大道",
    "光明路",
    "车站路",
    "滨江大道",
    "学府路",
    "幸福路",
    "团结路",
    "民主路",
    "东风路",
    "红旗路",
    "公园路",
    "健康路",
    "育才路",
    "友谊路",
    "跃进路",
    "工业路",
    "劳动路",
    "迎宾大道",
    "环城路",
    "青年路",
    "振兴路",
    "兴业街",
    "新民巷",
    "桂花巷",
    "柳林路",
];
const COMPOUNDS: &[&str] = &[
    "阳光",
    "锦绣",
    "金色家园",
    "翠苑",
    "幸福",
    "东方",
    "明珠",
    "盛世",
    "龙城",
    "华府",
    "书香",
    "碧桂园",
    "绿城",
    "恒大",
    "万科",
    "世纪",
    "滨江",
    "和谐",
    "丽景",
    "紫荆",
];
const COMPOUND_KINDS: &[&str] = &["小区", "花园", "家园", "苑", "公寓"];
const DIRECTIONS: &[&str] = &["附近", "对面", "旁边", "往东50米", "向北100米处", "斜对面"];
const REMARKS: &[&str] = &[
    "(原址)",
    "（门面房）",
    "【新装】",
    "(二楼)",
    "（近农行）",
    "(老城区)",
];

const CN_DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

fn cn_number(n: u32) -> String {
    if n < 10 {
        return CN_DIGITS[n as usize].to_string();
    }
    if n < 100 {
        let (t, u) = (n / 10, n % 10);
        let mut s = String::new();
        if t > 1 {
            s.push(CN_DIGITS[t as usize]);
        }
        s.push('十');
        if u > 0 {
            s.push(CN_DIGITS[u as usize]);
        }
        return s;
    }
    // Room numbers are read digit by digit: 三零一.
    n.to_string()
        .chars()
        .map(|c| CN_DIGITS[c.to_digit(10).unwrap_or(0) as usize])
        .collect()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() || c == '-' {
                char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

fn without_brackets(name: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in name.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Strip one plain suffix if at least two characters remain.
fn plain_short(name: &str, suffixes: &[&str]) -> Option<String> {
    if name.contains("自治") {
        return None;
    }
    suffixes.iter().find_map(|s| {
        name.strip_suffix(s)
            .filter(|b| b.chars().count() >= 2)
            .map(str::to_string)
    })
}

struct Truth<'a> {
    province: Division<'a>,
    city: Division<'a>,
    county: Division<'a>,
    town: Division<'a>,
    village: Option<Division<'a>>,
}

fn parent<'a>(g: &'a Gazetteer, d: Division<'_>, level: Level) -> Division<'a> {
    let code = d.code.ancestor(level).unwrap_or(d.code);
    g.division(code)
        .unwrap_or_else(|| panic!("gazetteer has no {code}"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "crates/wangge-geocode/tests/data/corpus.tsv".into());
    let rows: usize = args.get(2).map_or(Ok(6000), |s| s.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(20_240_501), |s| s.parse())?;
    let gaz = Gazetteer::embedded();
    let mut rng = Rng(seed);

    let towns: Vec<Division> = gaz.iter_level(Level::Town).collect();
    let hubei_towns: Vec<Division> = towns
        .iter()
        .copied()
        .filter(|t| {
            t.code
                .ancestor(Level::Province)
                .is_some_and(|p| p.value() == 42)
        })
        .collect();
    // Old names of counties and cities, with the towns under the new division.
    let renamed: Vec<(&str, Level, Vec<Division>)> = division_changes()
        .iter()
        .filter(|c| !c.is_move() && c.successors.len() == 1)
        .filter_map(|c| {
            let code = c.successors[0];
            let under: Vec<Division> = towns
                .iter()
                .copied()
                .filter(|t| t.code.is_within(code))
                .collect();
            (!under.is_empty()).then_some((c.old_name.as_str(), code.level(), under))
        })
        .collect();

    let mut out = String::from("address\tprovince\tcity\tcounty\ttown\tvillage\ttags\n");
    for _ in 0..rows {
        let mut tags: Vec<&str> = Vec::new();
        let roll = rng.below(100);
        let mut old: Option<(&str, Level)> = None;
        let town = if roll < 5 {
            let (name, level, under) = rng.pick(&renamed);
            old = Some((name, *level));
            *rng.pick(under)
        } else if roll < 40 {
            *rng.pick(&hubei_towns)
        } else {
            *rng.pick(&towns)
        };
        let village = if town
            .code
            .ancestor(Level::Province)
            .is_some_and(|p| p.value() == 42)
            && rng.chance(0.5)
        {
            let kids: Vec<Division> = gaz.children(town.code).collect();
            (!kids.is_empty()).then(|| *rng.pick(&kids))
        } else {
            None
        };
        let truth = Truth {
            province: parent(&gaz, town, Level::Province),
            city: parent(&gaz, town, Level::City),
            county: parent(&gaz, town, Level::County),
            town,
            village,
        };
        let municipality = [
            "市辖区",
            "县",
            "省直辖县级行政区划",
            "自治区直辖县级行政区划",
        ]
        .contains(&truth.city.name);
        let mut parts: Vec<String> = Vec::new();

        // Province.
        let write_province = if municipality {
            rng.chance(0.8)
        } else {
            rng.chance(0.45)
        };
        if write_province {
            let short = PROVINCE_SHORT
                .iter()
                .find(|(f, _)| *f == truth.province.name)
                .map(|(_, s)| *s);
            match short {
                Some(s) if rng.chance(0.4) => {
                    parts.push(s.to_string());
                    tags.push("short_province");
                }
                _ => parts.push(truth.province.name.to_string()),
            }
        } else {
            tags.push("no_province");
        }
        // County first decided: a clerk who drops the county keeps the city.
        let write_county = rng.chance(0.88);
        // City.
        if !municipality {
            let write_city = if write_county {
                rng.chance(0.7)
            } else {
                rng.chance(0.95)
            };
            if matches!(old, Some((_, Level::City))) && write_city {
                parts.push(old.map(|o| o.0.to_string()).unwrap_or_default());
                tags.push("old_city");
            } else if write_city {
                match plain_short(truth.city.name, &["市"]) {
                    Some(s) if rng.chance(0.4) => {
                        parts.push(s);
                        tags.push("short_city");
                    }
                    _ => parts.push(truth.city.name.to_string()),
                }
                if rng.chance(0.03) {
                    parts.push(truth.city.name.to_string());
                    tags.push("repeated");
                }
            } else {
                tags.push("no_city");
            }
        }
        // County.
        let county_is_city = truth.county.name == truth.city.name;
        if write_county && !county_is_city {
            if let Some((name, Level::County)) = old {
                parts.push(name.to_string());
                tags.push("old_county");
            } else {
                match plain_short(truth.county.name, &["区", "县", "市"]) {
                    Some(s) if rng.chance(0.25) => {
                        parts.push(s);
                        tags.push("short_county");
                    }
                    _ => parts.push(truth.county.name.to_string()),
                }
            }
        } else if !county_is_city {
            tags.push("no_county");
        }
        // Town.
        let town_name = without_brackets(truth.town.name);
        if rng.chance(0.02) {
            tags.push("no_town");
        } else {
            let r = rng.below(100);
            if r < 10 && parts.len() >= 2 {
                match plain_short(&town_name, &["街道", "镇", "乡"]) {
                    Some(s) => {
                        parts.push(s);
                        tags.push("short_town");
                    }
                    None => parts.push(town_name.clone()),
                }
            } else if r < 22 && town_name.ends_with("街道") {
                let v = if rng.chance(0.5) {
                    "街道办事处"
                } else {
                    "办事处"
                };
                parts.push(format!("{}{v}", town_name.trim_end_matches("街道")));
                tags.push("variant_town");
            } else {
                parts.push(town_name.clone());
            }
        }
        // Village (Hubei).
        if let Some(v) = truth.village {
            let name = without_brackets(v.name);
            let written = name
                .strip_suffix("村村民委员会")
                .or_else(|| name.strip_suffix("村民委员会"))
                .or_else(|| name.strip_suffix("村委会"))
                .map(|b| format!("{b}村"))
                .or_else(|| {
                    name.strip_suffix("社区居民委员会")
                        .or_else(|| name.strip_suffix("社区居委会"))
                        .map(|b| format!("{b}社区"))
                })
                .unwrap_or(name);
            parts.push(written);
            tags.push("village");
        }
        // Street detail.
        let mut detail = String::new();
        let chinese = rng.chance(0.15);
        let num = |n: u32, chinese: bool| if chinese { cn_number(n) } else { n.to_string() };
        if rng.chance(0.8) {
            let road = if rng.chance(0.35) {
                tags.push("city_road");
                (*rng.pick(CITY_ROADS)).to_string()
            } else if rng.chance(0.08) {
                // A road named after the county itself: 茅箭路.
                tags.push("own_name_road");
                format!(
                    "{}路",
                    plain_short(truth.county.name, &["区", "县", "市"])
                        .unwrap_or_else(|| "人民".into())
                )
            } else {
                (*rng.pick(PLAIN_ROADS)).to_string()
            };
            let n = 1 + rng.below(300) as u32;
            let _ = write!(detail, "{road}{}号", num(n, chinese && n < 100));
        }
        if rng.chance(0.4) {
            let _ = write!(
                detail,
                "{}{}",
                rng.pick(COMPOUNDS),
                rng.pick(COMPOUND_KINDS)
            );
            let (b, u, r) = (
                1 + rng.below(20) as u32,
                1 + rng.below(6) as u32,
                101 + rng.below(18) as u32 * 100 + rng.below(4) as u32,
            );
            if rng.chance(0.25) {
                let _ = write!(detail, "{b}-{u}-{r}");
            } else {
                let _ = write!(
                    detail,
                    "{}栋{}单元{}室",
                    num(b, chinese),
                    num(u, chinese),
                    num(r, chinese)
                );
            }
        }
        if chinese && detail.contains(|c: char| CN_DIGITS.contains(&c) || c == '十') {
            tags.push("cn_numerals");
        }
        if rng.chance(0.15) && !chinese {
            detail = full_width(&detail);
            tags.push("fullwidth");
        }
        let mut address = if rng.chance(0.2) {
            tags.push("spaces");
            parts.join(" ")
        } else {
            parts.concat()
        };
        if !detail.is_empty() {
            if rng.chance(0.2) {
                address.push(' ');
            }
            address.push_str(&detail);
        }
        if rng.chance(0.08) {
            address.push_str(rng.pick::<&str>(DIRECTIONS));
            tags.push("direction");
        }
        if rng.chance(0.06) {
            address.push_str(rng.pick::<&str>(REMARKS));
            tags.push("remark");
        }
        if rng.chance(0.08) {
            let phone = format!("1{}{:09}", 3 + rng.below(7), rng.next() % 1_000_000_000);
            address.push_str(if rng.chance(0.5) { " 电话" } else { " " });
            address.push_str(&phone);
            tags.push("phone");
        }
        let _ = writeln!(
            out,
            "{address}\t{}\t{}\t{}\t{}\t{}\t{}",
            truth.province.code,
            truth.city.code,
            truth.county.code,
            truth.town.code,
            truth
                .village
                .map(|v| v.code.to_string())
                .unwrap_or_default(),
            tags.join(",")
        );
    }
    fs::write(&path, out)?;
    eprintln!("wrote {rows} addresses to {path}");
    Ok(())
}
