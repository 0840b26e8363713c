//! How division names are written: the standard suffixes of each level, the
//! ethnic parts of autonomous names, and the base ("short form") left when
//! they are stripped (十堰市 → 十堰, 恩施土家族苗族自治州 → 恩施).
//!
//! The matcher looks for bases and then reads the suffix that follows in the
//! text, so 茅箭, 茅箭区 and 茅箭县 are one lookup that differs only in how
//! much it is trusted.

use std::borrow::Cow;

use crate::code::Level;

/// A suffix class: suffixes of one class are the same thing written
/// differently (街道 = 街道办事处 = 办事处); different classes of one level are
/// variants (镇 ≠ 乡, but a clerk may write either after a re-designation).
pub(crate) type SuffixClass = u8;

/// The name is complete as it stands (no standard suffix).
pub(crate) const CLASS_NONE: SuffixClass = 0;
/// 市 after a province base: only the four municipalities.
pub(crate) const CLASS_MUNICIPALITY: SuffixClass = 2;

/// Suffixes per level, longest first so the first hit is the longest.
const PROVINCE: &[(&str, SuffixClass)] = &[("自治区", 3), ("省", 1), ("市", CLASS_MUNICIPALITY)];
const CITY: &[(&str, SuffixClass)] = &[
    ("自治州", 13),
    ("地区", 11),
    ("市", 10),
    ("盟", 12),
    ("州", 13),
];
const COUNTY: &[(&str, SuffixClass)] = &[
    ("自治县", 21),
    ("自治旗", 23),
    ("新区", 27),
    ("林区", 25),
    ("特区", 26),
    ("区", 20),
    ("县", 21),
    ("市", 22),
    ("旗", 23),
];
const TOWN: &[(&str, SuffixClass)] = &[
    ("街道办事处", 30),
    ("街道办", 30),
    ("办事处", 30),
    ("街道", 30),
    ("街办", 30),
    ("民族乡", 32),
    ("苏木", 33),
    ("镇", 31),
    ("乡", 32),
];
const VILLAGE: &[(&str, SuffixClass)] = &[
    ("社区居民委员会", 41),
    ("村村民委员会", 40),
    ("村民委员会", 40),
    ("居民委员会", 41),
    ("社区居委会", 41),
    ("居民居委会", 41),
    ("村村委会", 40),
    ("村委会", 40),
    ("居委会", 41),
    ("社区", 41),
    ("村", 40),
];

pub(crate) fn suffixes(level: Level) -> &'static [(&'static str, SuffixClass)] {
    match level {
        Level::Province => PROVINCE,
        Level::City => CITY,
        Level::County => COUNTY,
        Level::Town => TOWN,
        Level::Village => VILLAGE,
    }
}

/// Suffixes after which the stripped part may carry ethnic names.
const AUTONOMOUS: &[&str] = &["自治区", "自治州", "自治县", "自治旗", "民族乡", "乡"];

/// The 55 recognised minorities. Names of two or more characters are also
/// written without 族 (伊犁哈萨克自治州); single-character ones only with it.
const ETHNIC: &[&str] = &[
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "民",
];

/// Remove bracketed parts: (工业园区)城南街道 → 城南街道.
pub(crate) fn without_brackets(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0u32;
    for c in name.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Strip trailing ethnic names (苗族, 土家族, 哈萨克) while at least two
/// characters remain.
fn strip_ethnic(mut base: &str) -> &str {
    loop {
        let mut stripped = None;
        for e in ETHNIC {
            let with_zu_len = e.len() + "族".len();
            if base.ends_with('族') && base[..base.len() - "族".len()].ends_with(e) {
                stripped = Some(&base[..base.len() - with_zu_len]);
            } else if char_len(e) >= 2 && base.ends_with(e) {
                stripped = Some(&base[..base.len() - e.len()]);
            }
            if let Some(s) = stripped {
                if char_len(s) >= 2 {
                    break;
                }
                stripped = None;
            }
        }
        match stripped {
            Some(s) => base = s,
            None => return base,
        }
    }
}

/// The base of an official name, the class of its own suffix and the name
/// without brackets. A base is at least two characters (城区 stays 城区, 沛县
/// stays 沛县).
///
/// `split_name("恩施土家族苗族自治州", City)` is `("恩施", 13, …)`.
pub(crate) fn split_name(name: &str, level: Level) -> (Cow<'_, str>, SuffixClass, Cow<'_, str>) {
    let clean: Cow<'_, str> = if name.contains(['（', '(']) {
        Cow::Owned(without_brackets(name))
    } else {
        Cow::Borrowed(name)
    };
    for &(suffix, class) in suffixes(level) {
        if let Some(stem) = clean.strip_suffix(suffix) {
            let stem = if AUTONOMOUS.contains(&suffix) {
                strip_ethnic(stem)
            } else {
                stem
            };
            if char_len(stem) >= 2 {
                let base = match &clean {
                    Cow::Borrowed(b) => Cow::Borrowed(&b[..stem.len()]),
                    Cow::Owned(o) => Cow::Owned(o[..stem.len()].to_string()),
                };
                return (base, class, clean);
            }
        }
    }
    (clean.clone(), CLASS_NONE, clean)
}

/// First characters of the suffixes of each level.
const SUFFIX_FIRSTS: [FirstChars; 5] = [
    FirstChars::of_pairs(PROVINCE),
    FirstChars::of_pairs(CITY),
    FirstChars::of_pairs(COUNTY),
    FirstChars::of_pairs(TOWN),
    FirstChars::of_pairs(VILLAGE),
];

/// The longest suffix of `level` at the start of `rest`.
pub(crate) fn suffix_at(rest: &str, level: Level) -> Option<(usize, SuffixClass)> {
    if !SUFFIX_FIRSTS[level.index()].may_start(rest) {
        return None;
    }
    suffixes(level)
        .iter()
        .find(|(s, _)| has_prefix(rest, s))
        .map(|&(s, class)| (s.len(), class))
}

/// The first character of a word (valid UTF-8, not empty), decoded at
/// compile time.
#[allow(clippy::cast_lossless)] // `u32::from` is not const
const fn first_char(b: &[u8]) -> u32 {
    let b0 = b[0] as u32;
    if b0 < 0x80 {
        b0
    } else if b0 < 0xE0 {
        ((b0 & 0x1F) << 6) | (b[1] as u32 & 0x3F)
    } else if b0 < 0xF0 {
        ((b0 & 0x0F) << 12) | ((b[1] as u32 & 0x3F) << 6) | (b[2] as u32 & 0x3F)
    } else {
        ((b0 & 0x07) << 18)
            | ((b[1] as u32 & 0x3F) << 12)
            | ((b[2] as u32 & 0x3F) << 6)
            | (b[3] as u32 & 0x3F)
    }
}

/// A 256-bit filter of the first characters of a word list, built at compile
/// time. Word lists are tested at every position of a text, and most
/// positions start none of the words: the filter answers those with one bit
/// test instead of a comparison per word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FirstChars([u64; 4]);

impl FirstChars {
    const fn bucket(key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B1) >> 24) as usize
    }

    const fn with(mut self, word: &str) -> FirstChars {
        if !word.is_empty() {
            let b = Self::bucket(first_char(word.as_bytes()));
            self.0[b / 64] |= 1 << (b % 64);
        }
        self
    }

    pub const fn of(words: &[&str]) -> FirstChars {
        FirstChars([0; 4]).with_all(words)
    }

    /// These first characters too.
    pub const fn with_all(mut self, words: &[&str]) -> FirstChars {
        let mut i = 0;
        while i < words.len() {
            self = self.with(words[i]);
            i += 1;
        }
        self
    }

    pub const fn of_pairs<T: Copy>(words: &[(&str, T)]) -> FirstChars {
        let mut f = FirstChars([0; 4]);
        let mut i = 0;
        while i < words.len() {
            f = f.with(words[i].0);
            i += 1;
        }
        f
    }

    /// False when no word of the list can start `text`.
    #[inline]
    pub fn may_start(&self, text: &str) -> bool {
        text.chars().next().is_some_and(|c| self.may_be_first(c))
    }

    /// False when no word of the list starts with `c`.
    #[inline]
    pub fn may_be_first(&self, c: char) -> bool {
        let b = Self::bucket(c as u32);
        self.0[b / 64] & (1 << (b % 64)) != 0
    }
}

/// A word list tested at text positions: the words' first characters are
/// decoded at compile time, so a position is tested by one filter lookup,
/// and only the words with its first character are compared.
#[derive(Debug)]
pub(crate) struct Words<const N: usize> {
    list: [&'static str; N],
    firsts: [u32; N],
    filter: FirstChars,
}

impl<const N: usize> Words<N> {
    pub const fn new(words: [&'static str; N]) -> Words<N> {
        let mut firsts = [0u32; N];
        let mut i = 0;
        while i < N {
            firsts[i] = first_char(words[i].as_bytes());
            i += 1;
        }
        Words {
            list: words,
            firsts,
            filter: FirstChars([0; 4]).with_all(&words),
        }
    }

    /// The words that start `text`, in list order.
    #[inline]
    pub fn all_at<'t>(&'t self, text: &'t str) -> impl Iterator<Item = &'static str> + 't {
        // No word starts with the first character: nothing to compare.
        let (c, n) = match text.chars().next() {
            Some(c) if self.filter.may_be_first(c) => (c as u32, N),
            _ => (0, 0),
        };
        (0..n)
            .filter(move |&i| self.firsts[i] == c && has_prefix(text, self.list[i]))
            .map(|i| self.list[i])
    }

    /// The first word of the list that starts `text`.
    #[inline]
    pub fn at(&self, text: &str) -> Option<&'static str> {
        self.all_at(text).next()
    }
}

/// `text.starts_with(prefix)` as a byte loop: the prefixes here are one to
/// five characters and compared millions of times a second, where a call to
/// libc's memcmp costs more than the comparison (most fail on the first byte).
#[inline]
pub(crate) fn has_prefix(text: &str, prefix: &str) -> bool {
    let (t, p) = (text.as_bytes(), prefix.as_bytes());
    t.len() >= p.len() && t.iter().zip(p).all(|(a, b)| a == b)
}

/// `text.ends_with(suffix)` as a byte loop from the end (see [`has_prefix`]).
#[inline]
pub(crate) fn has_suffix(text: &str, suffix: &str) -> bool {
    let (t, p) = (text.as_bytes(), suffix.as_bytes());
    t.len() >= p.len() && t.iter().rev().zip(p.iter().rev()).all(|(a, b)| a == b)
}

/// Whether a base followed by `rest` names a road or a place rather than a
/// division: 北京路, 中山大道, 十堰花园, 武汉大学.
pub(crate) fn is_road_or_place_after(rest: &str) -> bool {
    const ROAD: Words<8> = Words::new(["大道", "大街", "路", "街", "巷", "胡同", "弄", "道"]);
    const PLACE: Words<42> = Words::new([
        "小区",
        "花园",
        "广场",
        "大厦",
        "公寓",
        "家园",
        "新村",
        "新城",
        "医院",
        "学校",
        "中学",
        "小学",
        "大学",
        "学院",
        "公司",
        "酒店",
        "宾馆",
        "饭店",
        "市场",
        "商场",
        "超市",
        "公园",
        "车站",
        "火车站",
        "机场",
        "银行",
        "大楼",
        "大桥",
        "中心",
        "宿舍",
        "商城",
        "工业园",
        "产业园",
        "饭庄",
        "宾舍",
        "水库",
        "厂",
        "站",
        "苑",
        "府",
        "湾",
        "园",
    ]);
    if ROAD.at(rest).is_some() {
        return true;
    }
    // 车站路 after a base is a road named 车站路, not the place 车站.
    PLACE
        .all_at(rest)
        .any(|w| ROAD.at(&rest[w.len()..]).is_none())
}

/// Whether a base is itself a road name (武当路 of 武当路街道).
pub(crate) fn ends_like_road(base: &str) -> bool {
    ["路", "街", "道", "巷", "大道"]
        .iter()
        .any(|s| has_suffix(base, s))
}

/// A name made only of generic zone words (开发区, 经济技术开发区, 县经济开发区,
/// 高新区): it names no place, so it says nothing of its county. One rule for
/// the matcher (towns literally so named) and the resolver (a reading
/// resting on such a town).
pub(crate) fn is_generic_zone_name(name: &str) -> bool {
    const WORDS: [&str; 12] = [
        "经济",
        "技术",
        "高新",
        "工业",
        "产业",
        "开发区",
        "园区",
        "新区",
        "试验区",
        "示范区",
        "管委会",
        "区",
    ];
    let mut rest = ["县", "市"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    if rest.is_empty() {
        return false;
    }
    while let Some(next) = WORDS.iter().find_map(|w| rest.strip_prefix(w)) {
        rest = next;
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases() {
        for (name, level, base) in [
            ("湖北省", Level::Province, "湖北"),
            ("广西壮族自治区", Level::Province, "广西"),
            ("内蒙古自治区", Level::Province, "内蒙古"),
            ("新疆维吾尔自治区", Level::Province, "新疆"),
            ("西藏自治区", Level::Province, "西藏"),
            ("北京市", Level::Province, "北京"),
            ("十堰市", Level::City, "十堰"),
            ("恩施土家族苗族自治州", Level::City, "恩施"),
            ("伊犁哈萨克自治州", Level::City, "伊犁"),
            ("博尔塔拉蒙古自治州", Level::City, "博尔塔拉"),
            ("海西蒙古族藏族自治州", Level::City, "海西"),
            ("大兴安岭地区", Level::City, "大兴安岭"),
            ("锡林郭勒盟", Level::City, "锡林郭勒"),
            ("茅箭区", Level::County, "茅箭"),
            ("丹江口市", Level::County, "丹江口"),
            ("长阳土家族自治县", Level::County, "长阳"),
            ("积石山保安族东乡族撒拉族自治县", Level::County, "积石山"),
            ("浦东新区", Level::County, "浦东"),
            ("神农架林区", Level::County, "神农架"),
            ("城区", Level::County, "城区"),
            ("沛县", Level::County, "沛县"),
            ("武当路街道", Level::Town, "武当路"),
            ("城关镇", Level::Town, "城关"),
            ("五堰街道办事处", Level::Town, "五堰"),
            ("（工业园区）城南街道", Level::Town, "城南"),
            ("白岭村委会", Level::Village, "白岭"),
            ("黑龙口村村民委员会", Level::Village, "黑龙口"),
            ("明星村民委员会", Level::Village, "明星"),
            ("安心桥社区居民委员会", Level::Village, "安心桥"),
        ] {
            assert_eq!(split_name(name, level).0, base, "{name}");
        }
    }

    #[test]
    fn first_char_filter_never_hides_a_word() {
        let lists: [&[&str]; 3] = [
            &["大道", "路", "tel", "Tel", "é", "𠀀x", "小区"],
            AUTONOMOUS,
            ETHNIC,
        ];
        for words in lists {
            let f = FirstChars::of(words);
            for w in words {
                assert!(f.may_start(w), "{w}");
                assert!(f.may_start(&format!("{w}尾")), "{w}");
            }
            assert!(!f.may_start(""));
        }
        for level in Level::ALL {
            for &(suffix, class) in suffixes(level) {
                let text = format!("{suffix}x");
                let found = suffix_at(&text, level).expect(suffix);
                assert!(found.0 >= suffix.len(), "{suffix}");
                if found.0 == suffix.len() {
                    assert_eq!(found.1, class);
                }
            }
        }
        let words = Words::new(["大道", "大街", "路", "tel", "é", "𠀀x", "小区", "大"]);
        for w in words.list {
            assert_eq!(words.at(&format!("{w}尾")), Some(w));
        }
        assert_eq!(words.at("大家"), Some("大"));
        assert_eq!(words.all_at("大道口").collect::<Vec<_>>(), ["大道", "大"]);
        assert_eq!(words.at("家"), None);
        assert_eq!(words.at(""), None);
        // Most characters start none of a short list.
        let f = FirstChars::of(&["路", "街", "巷"]);
        let misses = ('\u{4E00}'..'\u{5000}')
            .filter(|c| !f.may_start(&c.to_string()))
            .count();
        assert!(misses > 200, "{misses}");
    }

    #[test]
    fn byte_loop_affixes() {
        assert!(has_suffix("十堰市", "市"));
        assert!(has_suffix("市", "市"));
        assert!(!has_suffix("市", "堰市"));
        assert!(!has_suffix("十堰市", "区"));
        assert!(has_prefix("十堰市", "十堰"));
    }

    #[test]
    fn ethnic_townships() {
        let (base, class, _) = split_name("大水回族乡", Level::Town);
        assert_eq!(base, "大水");
        assert_eq!(class, 32);
    }
}
