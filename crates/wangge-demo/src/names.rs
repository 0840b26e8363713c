//! Chinese names for the demo's grids, cells and outlets: real division names
//! where they exist (towns, villages, communities, well-known institutions of
//! Shiyan), plausible ones built from templates elsewhere.

use std::collections::{HashMap, HashSet};

use crate::profile::TownClass;

/// Which family of names a place draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// The city core (茅箭/张湾 streets and their zones).
    Core,
    /// A county seat or a county's zone.
    Seat,
    /// Towns, townships and forest districts.
    Rural,
}

impl Tier {
    pub fn of(class: TownClass, city_district: bool) -> Tier {
        match class {
            TownClass::CityCore => Tier::Core,
            TownClass::Zone if city_district => Tier::Core,
            TownClass::Zone | TownClass::Seat => Tier::Seat,
            TownClass::Town | TownClass::Forest => Tier::Rural,
        }
    }
}

/// The short everyday name of a town for grid names: `白浪开发区白浪街道` → `白浪街道`.
pub fn town_display(county_short: &str, name: &str) -> String {
    match name {
        "白浪开发区白浪街道" => "白浪街道".into(),
        "槐树林特场管委会" => "槐树林特场".into(),
        "工业园区" => format!("{county_short}工业园区"),
        "新港经济开发管理处" => "新港开发区".into(),
        _ => match name.strip_suffix("林业开发管理区") {
            Some(stem) => format!("{stem}林区"),
            None => name.to_owned(),
        },
    }
}

/// The stem of a town's display name: `五堰街道` → `五堰`, `城关镇` → `城关`.
pub fn town_stem(display: &str) -> String {
    if display.ends_with("工业新区") {
        return "工业新区".into();
    }
    for suffix in [
        "回族乡",
        "工业园区",
        "开发区",
        "街道",
        "特场",
        "林场",
        "林区",
        "特区",
        "镇",
        "乡",
    ] {
        if let Some(stem) = display.strip_suffix(suffix) {
            if suffix == "工业园区" {
                return format!("{stem}工业园");
            }
            if !stem.is_empty() {
                return stem.to_owned();
            }
        }
    }
    display.to_owned()
}

/// `茅箭区` → `茅箭`, `房县` stays `房县`.
pub fn county_short(name: &str) -> String {
    if name.chars().count() <= 2 {
        return name.to_owned();
    }
    name.trim_end_matches(['区', '县', '市']).to_owned()
}

/// `梁家坪村` → `梁家坪`, `柳林社区` → `柳林`.
pub fn village_stem(name: &str) -> String {
    let stem = name
        .strip_suffix("社区")
        .or_else(|| name.strip_suffix('村'))
        .unwrap_or(name);
    if stem.is_empty() {
        name.to_owned()
    } else {
        stem.to_owned()
    }
}

/// Chinese numerals for ordinals 1..=99 (`第十二`), arabic beyond.
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 => {
            let ones = match n % 10 {
                0 => "",
                d => DIGITS[d],
            };
            format!("{}十{ones}", DIGITS[n / 10])
        }
        _ => n.to_string(),
    }
}

/// Where a name is needed: the town (display name and stem) and, for village
/// and community cells, the village or community itself.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub tier: Tier,
    /// 9-digit code of the town.
    pub town_code: &'a str,
    pub town: &'a str,
    pub town_stem: &'a str,
    pub village: Option<&'a str>,
}

/// Whether a template gives a new name each time it is used.
fn is_varying(template: &str) -> bool {
    [
        "{stem}",
        "{road}",
        "{street}",
        "{n}",
        "{num}",
        "{village}",
        "{dir}",
        "{trade}",
    ]
    .iter()
    .any(|p| template.contains(p))
}

/// Hands out the names of one county, each once: cursors over roads and name
/// pools, and a set of names already given.
#[derive(Debug)]
pub struct NameBook {
    county: String,
    county_short: String,
    county_code: String,
    roads: Vec<&'static str>,
    counters: HashMap<String, usize>,
    used: HashSet<String>,
}

impl NameBook {
    pub fn new(county_code: &str, county_name: &str) -> Self {
        let own: &[&'static str] = match county_code {
            "420302" => &ROADS_MAOJIAN,
            "420303" => &ROADS_ZHANGWAN,
            "420304" => &[
                "沿江大道",
                "郧阳大道",
                "解放路",
                "古城路",
                "汉江路",
                "郧阳路",
            ],
            "420322" => &["天河大道", "七夕大道", "人民路", "城关路", "滨河路"],
            "420323" => &["人民路", "女娲路", "堵河路", "上庸路", "迎宾大道"],
            "420324" => &["龙湖路", "人民路", "丰溪路", "建设路", "竹溪大道"],
            "420325" => &["诗经大道", "人民路", "廊桥路", "凤凰路", "房陵大道"],
            "420381" => &[
                "均州路",
                "大坝路",
                "丹赵路",
                "太和大道",
                "沧浪大道",
                "环库路",
                "三官殿路",
            ],
            _ => &[],
        };
        let mut roads = own.to_vec();
        if !matches!(county_code, "420302" | "420303") {
            roads.extend(ROADS_GENERIC.iter().filter(|r| !own.contains(r)));
        }
        NameBook {
            county: county_name.to_owned(),
            county_short: county_short(county_name),
            county_code: county_code.to_owned(),
            roads,
            counters: HashMap::new(),
            used: HashSet::new(),
        }
    }

    fn bump(&mut self, key: String) -> usize {
        let counter = self.counters.entry(key).or_insert(0);
        *counter += 1;
        *counter - 1
    }

    /// The next road of the county: `北京路`, later `北京路北段`, `北京路二巷`.
    pub fn road(&mut self) -> String {
        let i = self.bump("road".into());
        let base = self.roads[i % self.roads.len()];
        match i / self.roads.len() {
            0 => base.to_owned(),
            round @ 1..=5 => format!(
                "{base}{}",
                ["北段", "南段", "东段", "西段", "中段"][round - 1]
            ),
            round => format!("{base}{}巷", chinese_number(round - 5)),
        }
    }

    /// Whether `name` is still free in this county.
    pub fn is_free(&self, name: &str) -> bool {
        !self.used.contains(name)
    }

    /// `name` if not yet given in this county, else `name（二）`, `name（三）`...
    pub fn unique(&mut self, name: String) -> String {
        if self.used.insert(name.clone()) {
            return name;
        }
        (2..10_000)
            .map(|n| format!("{name}（{}）", chinese_number(n)))
            .find(|candidate| self.used.insert(candidate.clone()))
            .unwrap_or(name)
    }

    /// The name of a cell of type `code` (`01`..`20` as a number) at `place`.
    pub fn cell(&mut self, code: u8, place: &Place<'_>) -> String {
        // Well-known places first: the town's own (武当山金顶 in 武当山特区),
        // then the city core's (十堰市第一中学), each given once.
        let own = town_specials(place.town_code, code);
        let key = format!("special/{code}/{}", place.town_code);
        if let Some(name) = own.get(self.peek(&key)) {
            self.bump(key);
            return self.unique((*name).to_owned());
        }
        let famous = specials(&self.county_code, code, place.tier);
        let key = format!("special/{code}/{:?}", place.tier);
        if let Some(name) = famous.get(self.peek(&key)) {
            self.bump(key);
            return self.unique((*name).to_owned());
        }
        // Rural names are per town (every town has its government and
        // school), urban ones per county. Once each template has been used,
        // only those with a varying part ({stem}, {road}...) are used again.
        let scope = match place.tier {
            Tier::Rural => format!("{code}/{}", place.town),
            tier => format!("{code}/{tier:?}"),
        };
        let k = self.bump(scope);
        let list = templates(code, place.tier);
        let varying: Vec<&str> = list.iter().copied().filter(|t| is_varying(t)).collect();
        let template = match (list.get(k), varying.is_empty()) {
            (Some(t), _) => t,
            (None, true) => list[k % list.len()],
            (None, false) => varying[(k - list.len()) % varying.len()],
        };
        let name = self.expand(template, code, place);
        self.unique(name)
    }

    fn peek(&self, key: &str) -> usize {
        self.counters.get(key).copied().unwrap_or(0)
    }

    fn expand(&mut self, template: &str, code: u8, place: &Place<'_>) -> String {
        let mut out = template
            .replace("{county}", &self.county)
            .replace("{cs}", &self.county_short)
            .replace("{town}", place.town)
            .replace("{ts}", place.town_stem)
            .replace("{village}", place.village.unwrap_or(place.town_stem));
        if out.contains("{n}") {
            let n = self.bump(format!("n/{template}")) + 1;
            out = out.replace("{n}", &chinese_number(n));
        }
        if out.contains("{num}") {
            let k = self.bump("num".into());
            out = out.replace("{num}", &(1 + (k * 37) % 240).to_string());
        }
        if out.contains("{dir}") {
            let k = self.bump("dir".into());
            out = out.replace(
                "{dir}",
                ["东", "南", "西", "北", "东北", "西南", "东南", "西北"][k % 8],
            );
        }
        if out.contains("{stem}") {
            let pool = stem_pool(code);
            let k = self.bump(format!("stem/{code}"));
            // Shift by one each round, so stem and template pair up anew.
            out = out.replace("{stem}", pool[(k + k / pool.len()) % pool.len()]);
        }
        if out.contains("{street}") {
            let k = self.bump("street".into());
            out = out.replace("{street}", self.roads[k % self.roads.len()]);
        }
        if out.contains("{trade}") {
            let pool = if place.tier == Tier::Rural {
                &TRADES_RURAL[..]
            } else {
                &TRADES_URBAN[..]
            };
            let k = self.bump(format!("trade/{:?}", place.tier));
            out = out.replace("{trade}", pool[(k * 5) % pool.len()]);
        }
        if out.contains("{road}") {
            let road = self.road();
            out = out.replace("{road}", &road);
        }
        out
    }
}

const ROADS_MAOJIAN: [&str; 32] = [
    "北京路",
    "人民路",
    "朝阳路",
    "五堰街",
    "柳林路",
    "天津路",
    "上海路",
    "重庆路",
    "东岳路",
    "浙江路",
    "武当路",
    "公园路",
    "青年路",
    "市府路",
    "江苏路",
    "广东路",
    "福建路",
    "湖北路",
    "白浪路",
    "茅箭路",
    "东风大道",
    "北京北路",
    "北京南路",
    "顾家岗路",
    "二堰路",
    "三堰路",
    "四堰路",
    "大川路",
    "香港街",
    "火箭路",
    "红旗路",
    "北京中路",
];

const ROADS_ZHANGWAN: [&str; 28] = [
    "车城路",
    "汉江路",
    "花果路",
    "红卫路",
    "发展大道",
    "东风大道",
    "张湾路",
    "大岭路",
    "西城路",
    "黄龙大道",
    "柏林路",
    "方山路",
    "汉江北路",
    "车城西路",
    "车城南路",
    "三峡路",
    "广州路",
    "襄阳路",
    "河南路",
    "陕西路",
    "四川路",
    "云南路",
    "贵州路",
    "安徽路",
    "湖南路",
    "工业新区大道",
    "郧阳路",
    "头堰路",
];

const ROADS_GENERIC: [&str; 20] = [
    "建设路",
    "解放路",
    "新华路",
    "中山路",
    "滨河路",
    "文化路",
    "健康路",
    "和平路",
    "胜利路",
    "幸福路",
    "光明路",
    "工业路",
    "学府路",
    "迎宾大道",
    "环城路",
    "团结路",
    "友谊路",
    "振兴路",
    "发展路",
    "兴业路",
];

const TRADES_URBAN: [&str; 12] = [
    "汽配", "机械", "商贸", "物流", "建材", "电子", "广告", "装饰", "科技", "食品", "印务", "制冷",
];
const TRADES_RURAL: [&str; 8] = [
    "茶叶",
    "木耳",
    "香菇",
    "魔芋",
    "养殖",
    "砖瓦",
    "农机",
    "绿松石",
];

fn stem_pool(code: u8) -> &'static [&'static str] {
    match code {
        5 => &[
            "武当",
            "汉江",
            "东风",
            "金鹰",
            "鑫源",
            "国贸",
            "天元",
            "丽都",
            "华美",
            "车城",
            "东岳",
            "百二",
            "紫荆",
            "锦江之星",
            "如家",
            "汉庭",
            "维也纳",
            "格林豪泰",
        ],
        9 => &[
            "星际",
            "网鱼",
            "极速",
            "蓝天",
            "飞宇",
            "零距离",
            "e时代",
            "网事",
            "天空",
            "英雄",
            "传奇",
            "电竞",
        ],
        11 => &[
            "人民",
            "国贸",
            "东方",
            "金鹰",
            "华联",
            "百二河",
            "天和",
            "鑫源",
            "联投",
            "城市",
            "汉江",
            "金色",
            "汽车城",
            "世纪",
            "中百",
            "万达",
        ],
        15 => &[
            "阳光", "幸福", "和谐", "东风", "锦绣", "翠苑", "滨江", "龙湾", "御景", "世纪", "丽景",
            "盛世", "金色", "百合", "紫荆", "桂园", "枫林", "山水", "怡景", "书香", "福康", "康居",
            "碧水", "园林", "温馨", "绿洲", "金都", "凤凰", "天成", "新城", "香榭", "学府", "汉江",
            "东岳", "武当", "车城", "馨苑", "丽都", "明珠", "佳园", "东方", "花园", "润景", "博雅",
            "嘉禾", "龙城", "状元", "金桥", "玉泉", "文昌", "青年", "公园", "湖畔", "林语", "听涛",
            "锦程", "华庭", "银河", "龙门", "福星", "安康", "瑞景", "泰和", "宏达", "长江", "武侯",
            "望江", "时代", "德润", "金源",
        ],
        _ => &[
            "恒达", "宏远", "华新", "金洲", "顺通", "瑞丰", "龙泰", "鑫源", "同创", "天合", "众诚",
            "博远", "永兴", "润泽", "远航", "汇丰", "盛达", "华通", "长青", "东信",
        ],
    }
}

/// Real landmarks of a town, named first among its cells of that type.
pub fn town_specials(town_code: &str, code: u8) -> &'static [&'static str] {
    match (town_code, code) {
        ("420381450", 6) => &[
            "武当山金顶",
            "紫霄宫",
            "南岩宫",
            "太子坡",
            "琼台景区",
            "太极湖",
        ],
        ("420381002", 6) => &["丹江口大坝"],
        ("420381002", 3) => &["丹江口水力发电厂"],
        ("420381001", 6) => &["静乐宫"],
        ("420381003", 6) => &["沧浪海旅游港"],
        ("420322102", 6) => &["上津古城"],
        ("420323103", 6) => &["女娲山"],
        ("420323107", 6) => &["上庸古城"],
        ("420325108", 6) => &["野人谷景区", "野人洞"],
        ("420325210", 6) => &["九道梁"],
        ("420304112", 6) => &["青龙山恐龙蛋化石群"],
        ("420304117", 6) => &["郧阳岛"],
        ("420303100", 6) => &["黄龙古镇", "黄龙滩水库"],
        ("420302201", 6) => &["茅塔梯田", "赛武当自然保护区"],
        ("420324101", 6) => &["龙王垭茶文化旅游区", "关垭景区"],
        _ => &[],
    }
}

/// First names of a type in a county's core: the well-known institutions.
fn specials(county_code: &str, code: u8, tier: Tier) -> &'static [&'static str] {
    if tier != Tier::Core {
        return &[];
    }
    match (county_code, code) {
        ("420302", 1) => &[
            "十堰市人民政府",
            "十堰市公安局",
            "十堰市中级人民法院",
            "十堰市人民检察院",
            "十堰军分区",
            "十堰市财政局",
        ],
        ("420302", 2) => &[
            "中国人民银行十堰市分行",
            "中国工商银行十堰分行",
            "中国建设银行十堰分行",
        ],
        ("420302", 3) => &["国网十堰供电公司", "十堰市烟草公司"],
        ("420302", 5) => &["十堰国际大酒店", "武当国际酒店"],
        ("420302", 7) => &[
            "十堰市第一中学",
            "湖北医药学院",
            "汉江师范学院",
            "十堰市实验中学",
        ],
        ("420302", 8) => &["十堰市太和医院", "十堰市人民医院"],
        ("420302", 11) => &["十堰国贸大厦"],
        ("420302", 12) => &["十堰绿松石交易市场"],
        ("420302", 18) => &["十堰武当山机场", "十堰市图书馆"],
        ("420302", 19) => &["十堰市人民公园", "百二河生态公园"],
        ("420303", 3) => &[
            "东风商用车有限公司",
            "东风车桥有限公司",
            "东风汽车零部件公司",
            "东风铸造二厂",
            "东风车架厂",
            "东风锻造厂",
        ],
        ("420303", 7) => &["湖北汽车工业学院", "十堰职业技术学院"],
        ("420303", 8) => &["东风公司总医院", "十堰市中医医院"],
        ("420303", 10) => &["东风工业园", "十堰经济开发区", "白浪汽车零部件产业园"],
        ("420303", 12) => &["十堰汽配城"],
        ("420303", 18) => &["十堰火车站", "十堰市体育中心"],
        ("420303", 19) => &["东风公园", "犟河湿地公园"],
        _ => &[],
    }
}

/// Name templates per type and tier. Placeholders: `{county}` `{cs}` (county
/// and its short form), `{town}` `{ts}` (town and its stem), `{village}`,
/// `{road}` (next road of the county), `{street}` (a road, reused), `{stem}`, `{trade}`, `{n}` (Chinese ordinal), `{num}`, `{dir}`.
fn templates(code: u8, tier: Tier) -> &'static [&'static str] {
    use Tier::{Core, Rural, Seat};
    match (code, tier) {
        (1, Core | Seat) => &[
            "{county}人民政府",
            "{county}公安局",
            "{town}办事处",
            "{county}人民法院",
            "{county}人民检察院",
            "{ts}派出所",
            "{county}财政局",
            "{county}税务局",
            "{county}教育局",
            "{county}人武部",
            "{county}市场监督管理局",
            "{county}自然资源局",
            "{county}住建局",
            "{county}交通运输局",
            "{county}卫健局",
            "{county}民政局",
            "{county}消防救援大队",
            "{ts}司法所",
        ],
        (1, Rural) => &[
            "{town}人民政府",
            "{ts}派出所",
            "{ts}司法所",
            "{ts}财政所",
            "{ts}国土资源所",
            "{ts}林业站",
        ],
        (2, Core | Seat) => &[
            "中国工商银行{ts}支行",
            "中国农业银行{ts}支行",
            "中国银行{ts}支行",
            "中国建设银行{ts}支行",
            "十堰农商银行{ts}支行",
            "中国邮政储蓄银行{ts}支行",
            "湖北银行{ts}支行",
            "交通银行{ts}支行",
            "汉口银行{road}支行",
            "中国人寿{county}支公司",
            "中国人保财险{county}支公司",
            "招商银行{road}支行",
        ],
        (2, Rural) => &[
            "{ts}信用社",
            "中国邮政储蓄银行{ts}营业所",
            "中国农业银行{ts}分理处",
        ],
        (3, Core) => &[
            "东风{stem}零部件有限公司",
            "十堰{stem}汽车有限公司",
            "十堰{stem}实业集团",
        ],
        (3, Seat) => &[
            "国网{county}供电公司",
            "{county}烟草专卖局",
            "中石化{cs}分公司",
            "{county}自来水公司",
            "{county}燃气公司",
            "{cs}{stem}实业集团",
            "{cs}{stem}建设集团",
            "{cs}{stem}水泥有限公司",
        ],
        (3, Rural) => &["{ts}水电站", "{ts}{stem}矿业公司"],
        (4, Core) => &["十堰{stem}{trade}有限公司", "{cs}{stem}{trade}有限公司"],
        (4, Seat) => &["{cs}{stem}{trade}有限公司"],
        (4, Rural) => &["{ts}{stem}{trade}专业合作社", "{ts}{trade}厂"],
        (5, Core | Seat) => &[
            "{stem}大酒店",
            "{stem}宾馆",
            "{street}{stem}商务酒店",
            "{stem}快捷酒店",
        ],
        (5, Rural) => &["{ts}宾馆", "{village}农家客栈"],
        (6, Rural) => &[
            "{ts}生态旅游区",
            "{village}农家乐",
            "{ts}游客服务中心",
            "{village}生态园",
        ],
        (6, _) => &["{stem}旅行社", "{ts}旅游服务中心", "{road}旅游集散中心"],
        (7, Core | Seat) => &[
            "{county}第{n}中学",
            "{road}小学",
            "{ts}中心小学",
            "{stem}幼儿园",
            "{county}实验小学",
            "{county}职业技术学校",
            "{county}第{n}小学",
        ],
        (7, Rural) => &[
            "{ts}中心小学",
            "{ts}初级中学",
            "{village}小学",
            "{ts}中心幼儿园",
        ],
        (8, Core | Seat) => &[
            "{county}人民医院",
            "{county}中医院",
            "{ts}社区卫生服务中心",
            "{county}妇幼保健院",
            "{road}诊所",
            "{stem}口腔医院",
        ],
        (8, Rural) => &["{ts}卫生院", "{village}卫生室"],
        (9, Rural) => &["{ts}{stem}网吧"],
        (9, _) => &["{stem}网吧", "{stem}网咖", "{street}{stem}网吧"],
        (10, Core) => &[
            "{ts}工业园",
            "十堰经济开发区{stem}园",
            "{stem}科技园",
            "{road}创业园",
        ],
        (10, Seat) => &["{county}经济开发区", "{cs}工业园", "{cs}{stem}产业园"],
        (10, Rural) => &["{ts}工业园", "{ts}农业产业园"],
        (11, Rural) => &["{ts}商贸楼"],
        (11, _) => &[
            "{stem}大厦",
            "{stem}国际中心",
            "{stem}商务楼",
            "{street}{stem}写字楼",
        ],
        (12, Core) => &[
            "{ts}农贸市场",
            "十堰{stem}建材市场",
            "{road}家具城",
            "{stem}小商品市场",
            "{ts}蔬菜批发市场",
        ],
        (12, Seat) => &[
            "{cs}农贸市场",
            "{cs}建材市场",
            "{cs}小商品市场",
            "{road}市场",
        ],
        (12, Rural) => &["{ts}集贸市场"],
        (13, Rural) => &[
            "{ts}集镇临街店铺",
            "{village}沿街店铺",
            "{ts}老街店铺",
            "{ts}新街店铺",
            "{village}路口店铺",
        ],
        (13, _) => &["{road}临街店铺"],
        (14, Rural) => &[
            "{ts}采石场",
            "{village}养殖场",
            "{ts}加油站",
            "{village}砖厂",
        ],
        (14, _) => &[
            "{road}加油站",
            "{ts}物流仓储区",
            "{stem}驾校",
            "{road}停车场",
            "{ts}建筑工地",
        ],
        (15, _) => &[
            "{stem}小区",
            "{stem}花园",
            "{stem}家园",
            "{stem}苑",
            "{stem}新村",
            "{stem}公寓",
            "{stem}华府",
            "{stem}名都",
            "{stem}雅居",
            "{stem}嘉园",
        ],
        (16, _) => &["{street}{num}号住宅楼"],
        (17, Rural) => &[
            "{ts}{dir}部荒地",
            "{village}闲置地",
            "{village}荒坡",
            "{ts}{dir}部待建地块",
        ],
        (17, _) => &[
            "{road}{dir}侧空地",
            "{ts}{dir}片储备用地",
            "{ts}{dir}片拆迁空地",
        ],
        (18, Core) => &[
            "{ts}变电站",
            "{road}公交场站",
            "{ts}污水处理厂",
            "{county}体育中心",
            "{ts}自来水厂",
            "{road}垃圾中转站",
        ],
        (18, Seat) => &[
            "{county}汽车客运站",
            "{county}体育中心",
            "{ts}变电站",
            "{county}污水处理厂",
            "{county}图书馆",
            "{ts}自来水厂",
            "{road}公交场站",
            "{road}垃圾中转站",
        ],
        (18, Rural) => &["{ts}汽车站", "{ts}变电站", "{ts}自来水厂", "{ts}垃圾处理场"],
        (19, Rural) => &["{ts}休闲广场", "{village}文化广场"],
        (19, _) => &["{road}游园", "{ts}公园", "{cs}滨河公园", "{cs}人民公园"],
        (20, _) => &["{village}"],
        _ => &["{ts}其他网元"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn town_names_are_shortened() {
        assert_eq!(town_display("郧西", "工业园区"), "郧西工业园区");
        assert_eq!(town_stem("郧西工业园区"), "郧西工业园");
        assert_eq!(town_display("丹江口", "牛河林业开发管理区"), "牛河林区");
        assert_eq!(town_stem("五堰街道"), "五堰");
        assert_eq!(town_stem("湖北口回族乡"), "湖北口");
        assert_eq!(town_stem("城关镇"), "城关");
        assert_eq!(town_stem("西城开发区"), "西城");
        assert_eq!(county_short("房县"), "房县");
        assert_eq!(county_short("丹江口市"), "丹江口");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(40), "四十");
    }

    #[test]
    fn names_are_given_once_per_county() {
        let mut book = NameBook::new("420302", "茅箭区");
        let place = Place {
            tier: Tier::Core,
            town_code: "420302003",
            town: "五堰街道",
            town_stem: "五堰",
            village: None,
        };
        let first = book.cell(7, &place);
        assert_eq!(first, "十堰市第一中学");
        let names: Vec<String> = (0..400).map(|_| book.cell(13, &place)).collect();
        assert_eq!(names[0], "北京路临街店铺");
        let distinct: HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert_eq!(book.unique("北京路临街店铺".into()), "北京路临街店铺（二）");
    }
}
