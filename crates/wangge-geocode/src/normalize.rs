//! Cleaning what clerks type before anything is matched: full-width forms,
//! spaces, brackets, phone numbers and directions (附近, 对面, 往东50米).
//! Work is bounded: only the first [`MAX_INPUT_CHARS`] characters are read.

use crate::names::has_prefix;

/// Longer input is cut here (real addresses are under 100 characters).
pub const MAX_INPUT_CHARS: usize = 256;

/// A cleaned address and what was taken out of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Normalized {
    /// Half-width, no spaces; ',' separates pieces that must not be read as
    /// one name.
    pub text: String,
    pub noise: Vec<String>,
    pub truncated: bool,
}

/// Full-width ASCII to half-width; the ideographic space to a space.
fn half_width(c: char) -> char {
    match c {
        '—' | '–' | '―' | '‐' => '-',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '〇')
}

fn open_bracket(c: char) -> Option<char> {
    Some(match c {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        '（' => '）',
        '【' => '】',
        '〔' => '〕',
        '「' => '」',
        '『' => '』',
        '《' => '》',
        _ => return None,
    })
}

fn is_close_bracket(c: char) -> bool {
    matches!(
        c,
        ')' | ']' | '}' | '>' | '）' | '】' | '〕' | '」' | '』' | '》'
    )
}

/// Words that say where, not what: removed wherever they stand.
const DIRECTION_WORDS: &[&str] = &[
    "斜对面",
    "正对面",
    "对面",
    "对过",
    "附近",
    "旁边",
    "隔壁",
    "楼下",
    "后面",
    "后侧",
    "背后",
    "东侧",
    "西侧",
    "南侧",
    "北侧",
    "一带",
    "周边",
];
const PHONE_LABELS: &[&str] = &["联系电话", "电话", "手机号", "手机", "tel", "Tel", "TEL"];

pub(crate) fn normalize(input: &str) -> Normalized {
    let mut out = Normalized::default();
    let mut chars: Vec<char> = Vec::with_capacity(input.len().min(MAX_INPUT_CHARS));
    let mut space = false;
    for (n, c) in input.chars().enumerate() {
        if n >= MAX_INPUT_CHARS {
            out.truncated = true;
            break;
        }
        let c = half_width(c);
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{FEFF}') {
            continue;
        }
        // A space between two names separates them (宜昌市 西陵 学院); between
        // digits and words it is nothing (12 号).
        if space && is_cjk(c) && chars.last().is_some_and(|&p| is_cjk(p)) {
            chars.push(',');
        }
        space = false;
        chars.push(c);
    }
    let chars = strip_brackets(&chars, &mut out.noise);
    let mut s = String::with_capacity(chars.len() * 3);
    let mut last_sep = true;
    for c in chars {
        let keep = is_cjk(c) || c.is_ascii_alphanumeric() || matches!(c, '-' | '#');
        if keep {
            s.push(c);
            last_sep = false;
        } else if !last_sep {
            // Punctuation and anything unknown separate pieces.
            s.push(',');
            last_sep = true;
        }
    }
    let s = strip_phones(&s, &mut out.noise);
    let s = strip_directions(&s, &mut out.noise);
    out.text = s.trim_matches(',').to_string();
    out
}

fn strip_brackets(chars: &[char], noise: &mut Vec<String>) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(close) = open_bracket(c) {
            if let Some(j) = chars[i + 1..].iter().position(|&d| d == close) {
                let inner: String = chars[i + 1..i + 1 + j].iter().collect();
                if !inner.is_empty() {
                    noise.push(inner);
                }
                out.push(',');
                i += j + 2;
                continue;
            }
            i += 1;
            continue;
        }
        if !is_close_bracket(c) {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Runs of 7 or more digits (with one '-' after an area code) are phone
/// numbers; house numbers are never that long.
fn strip_phones(s: &str, noise: &mut Vec<String>) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            let mut j = i;
            let mut digits = 0;
            let mut dashes = 0;
            while j < b.len()
                && (b[j].is_ascii_digit() || (b[j] == b'-' && dashes == 0 && digits >= 3))
            {
                if b[j] == b'-' {
                    dashes += 1;
                } else {
                    digits += 1;
                }
                j += 1;
            }
            let tail_digits = s[start..j].rsplit('-').next().map_or(0, str::len);
            if digits >= 7 && tail_digits >= 7 {
                // Drop a label right before it (电话, 手机).
                let mut cut = start;
                let head = &s[last..start];
                let head = head.trim_end_matches(',');
                for label in PHONE_LABELS {
                    if head.ends_with(label) {
                        cut = last + head.len() - label.len();
                        break;
                    }
                }
                out.push_str(&s[last..cut]);
                out.push(',');
                noise.push(s[cut..j].trim_start_matches(',').to_string());
                last = j;
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '两'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
    )
}

/// 往东50米, 向北一百米处, 东50米 and the plain direction words.
fn strip_directions(s: &str, noise: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    'outer: while i < s.len() {
        let rest = &s[i..];
        let Some(c) = rest.chars().next() else { break };
        // [往向朝]?[东南西北]{1,2}<number>米处?
        if let Some(len) = distance_phrase(rest) {
            noise.push(rest[..len].to_string());
            out.push(',');
            i += len;
            continue;
        }
        for w in DIRECTION_WORDS {
            if has_prefix(rest, w) {
                noise.push((*w).to_string());
                out.push(',');
                i += w.len();
                continue 'outer;
            }
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Length in bytes of a distance phrase at the start of `s` (往东50米处).
fn distance_phrase(s: &str) -> Option<usize> {
    let mut it = s.char_indices().peekable();
    let mut dirs = 0;
    if let Some(&(_, '往' | '向' | '朝')) = it.peek() {
        it.next();
    }
    while let Some(&(_, '东' | '南' | '西' | '北')) = it.peek() {
        it.next();
        dirs += 1;
    }
    if dirs == 0 || dirs > 2 {
        return None;
    }
    let mut digits = 0;
    while let Some(&(_, c)) = it.peek() {
        if c.is_ascii_digit() || is_cn_numeral(c) {
            it.next();
            digits += 1;
        } else {
            break;
        }
    }
    if digits == 0 {
        return None;
    }
    let (i, c) = it.next()?;
    if c != '米' {
        return None;
    }
    let mut end = i + c.len_utf8();
    if s[end..].starts_with('处') {
        end += '处'.len_utf8();
    }
    Some(end)
}

/// The value of a Chinese numeral: 十二 → 12, 一百零五 → 105, 三零一 → 301
/// (digit by digit when there is no 十/百/千).
pub(crate) fn cn_numeral_value(s: &str) -> Option<u32> {
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    if s.is_empty() || s.chars().count() > 8 {
        return None;
    }
    if !s.contains(['十', '百', '千']) {
        let mut v = 0u32;
        for c in s.chars() {
            v = v * 10 + digit(c)?;
        }
        return Some(v);
    }
    let mut total = 0u32;
    let mut current: Option<u32> = None;
    for c in s.chars() {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => {
                current = Some(digit(c)?);
                continue;
            }
        };
        total += current.take().unwrap_or(1) * unit;
    }
    Some(total + current.unwrap_or(0))
}

/// Words a house, building, unit or room number is followed by.
const COUNTED: &[&str] = &[
    "号楼", "号院", "号", "栋", "幢", "单元", "楼", "层", "室", "组", "座", "弄", "户", "房",
];

/// Byte offset of the first number in the text (ASCII digits, or a Chinese
/// numeral that counts something: 十二号): where the street detail begins.
pub(crate) fn first_number(s: &str) -> Option<usize> {
    let digit = s.find(|c: char| c.is_ascii_digit());
    let mut run_start = None;
    for (i, c) in s.char_indices() {
        if Some(i) >= digit && digit.is_some() {
            break;
        }
        if is_cn_numeral(c) {
            run_start.get_or_insert(i);
        } else if let Some(start) = run_start.take() {
            if COUNTED.iter().any(|w| has_prefix(&s[i..], w)) {
                return Some(start);
            }
        }
    }
    digit
}

/// Replace Chinese numerals that count something (十二号, 三栋, 二单元,
/// 三零一室) with digits; numerals inside names (五堰, 十堰, 三里) stay.
pub(crate) fn numerals_to_digits(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if is_cn_numeral(chars[i]) {
            let mut j = i;
            while j < chars.len() && is_cn_numeral(chars[j]) {
                j += 1;
            }
            let after: String = chars[j..chars.len().min(j + 2)].iter().collect();
            let run: String = chars[i..j].iter().collect();
            if COUNTED.iter().any(|w| has_prefix(&after, w)) {
                if let Some(v) = cn_numeral_value(&run) {
                    out.push_str(&v.to_string());
                    i = j;
                    continue;
                }
            }
            out.push_str(&run);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_spaces() {
        let n = normalize("十堰市　茅箭区 北京路１２ 号");
        assert_eq!(n.text, "十堰市,茅箭区,北京路12号");
    }

    #[test]
    fn noise_is_removed() {
        let n = normalize("北京路12号(人民医院对面) 电话13812345678 往东50米");
        assert_eq!(n.text, "北京路12号");
        assert!(n.noise.iter().any(|x| x == "人民医院对面"), "{:?}", n.noise);
        assert!(
            n.noise.iter().any(|x| x.contains("13812345678")),
            "{:?}",
            n.noise
        );
        let n = normalize("人民路附近0719-8123456");
        assert_eq!(n.text, "人民路");
        assert_eq!(normalize("人民路3号旁边").text, "人民路3号");
    }

    #[test]
    fn numerals() {
        assert_eq!(cn_numeral_value("十二"), Some(12));
        assert_eq!(cn_numeral_value("二十"), Some(20));
        assert_eq!(cn_numeral_value("一百零五"), Some(105));
        assert_eq!(cn_numeral_value("三零一"), Some(301));
        assert_eq!(cn_numeral_value("两千"), Some(2000));
        assert_eq!(
            numerals_to_digits("北京路十二号三栋二单元三零一室"),
            "北京路12号3栋2单元301室"
        );
        assert_eq!(numerals_to_digits("五堰十堰三里店"), "五堰十堰三里店");
        assert_eq!(first_number("城关镇十二号三栋"), Some("城关镇".len()));
        assert_eq!(first_number("十堰市三里店5号"), Some("十堰市三里店".len()));
        assert_eq!(first_number("十堰市"), None);
    }

    #[test]
    fn truncation_is_bounded() {
        let long = "十".repeat(10 * 1024 * 1024);
        let n = normalize(&long);
        assert!(n.truncated);
        assert_eq!(n.text.chars().count(), MAX_INPUT_CHARS);
    }
}
