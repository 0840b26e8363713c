//! Cleaning what clerks type before anything is matched: full-width forms,
//! spaces, brackets, phone numbers and directions (附近, 对面, 往东50米).
//! Work is bounded: only the first [`MAX_INPUT_CHARS`] characters are read.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::names::{has_prefix, FirstChars};

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
    // The cleaned characters, at most two per input character (a ',' and
    // the character): on the stack, no allocation per address.
    let mut chars = ['\0'; 2 * MAX_INPUT_CHARS];
    let mut len = 0;
    let mut space = false;
    for (n, c) in input.chars().enumerate() {
        if n >= MAX_INPUT_CHARS {
            out.truncated = true;
            break;
        }
        // Most characters are ideographs, kept as they are.
        if matches!(c, '\u{4E00}'..='\u{9FFF}') {
            if space && len > 0 && is_cjk(chars[len - 1]) {
                chars[len] = ',';
                len += 1;
            }
            space = false;
            chars[len] = c;
            len += 1;
            continue;
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
        if space && is_cjk(c) && len > 0 && is_cjk(chars[len - 1]) {
            chars[len] = ',';
            len += 1;
        }
        space = false;
        chars[len] = c;
        len += 1;
    }
    let mut s = String::with_capacity(len * 3);
    let digit_run = keep_text(&chars[..len], &mut s, &mut out.noise);
    // A phone number is a run of 7 or more digits and dashes.
    if digit_run >= 7 {
        strip_phones(&mut s, &mut out.noise);
    }
    strip_directions(&mut s, &mut out.noise);
    // Trim the separators in place.
    let end = s.trim_end_matches(',').len();
    s.truncate(end);
    let start = s.len() - s.trim_start_matches(',').len();
    s.drain(..start);
    out.text = s;
    out
}

/// The text of `chars` into `s`: bracketed remarks go to the noise, CJK,
/// ASCII letters and digits, '-' and '#' are kept, and every run of anything
/// else (punctuation, a removed remark) becomes one ','. Returns the longest
/// run of ASCII digits and '-' kept.
fn keep_text(chars: &[char], s: &mut String, noise: &mut Vec<String>) -> usize {
    let (mut run, mut longest) = (0, 0);
    // Not at the start, not twice.
    let sep = |s: &mut String| {
        if s.as_bytes().last().is_some_and(|&b| b != b',') {
            s.push(',');
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if is_cjk(c) {
            s.push(c);
            run = 0;
            continue;
        }
        if let Some(close) = open_bracket(c) {
            if let Some(j) = chars[i..].iter().position(|&d| d == close) {
                if j > 0 {
                    noise.push(chars[i..i + j].iter().collect());
                }
                sep(s);
                run = 0;
                i += j + 1;
            }
            continue;
        }
        if is_close_bracket(c) {
            continue;
        }
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '#') {
            s.push(c);
            if c.is_ascii_digit() || c == '-' {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        } else {
            // Punctuation and anything unknown separate pieces.
            sep(s);
            run = 0;
        }
    }
    longest
}

/// Runs of 7 or more digits (with one '-' after an area code) are phone
/// numbers; house numbers are never that long. `s` is rebuilt only when it
/// holds one.
fn strip_phones(s: &mut String, noise: &mut Vec<String>) {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
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
                let rebuilt = out.get_or_insert_with(|| String::with_capacity(s.len()));
                rebuilt.push_str(&s[last..cut]);
                rebuilt.push(',');
                noise.push(s[cut..j].trim_start_matches(',').to_string());
                last = j;
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    if let Some(mut rebuilt) = out {
        rebuilt.push_str(&s[last..]);
        *s = rebuilt;
    }
}

/// Chinese numerals: digits, 两 and the units 十, 百 and 千.
const CN_NUMERALS: [char; 15] = [
    '零', '〇', '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千',
];

/// Bit `c % 64` of every numeral: most characters fail this one test.
const CN_NUMERAL_LOW_BITS: u64 = {
    let mut bits = 0u64;
    let mut i = 0;
    while i < CN_NUMERALS.len() {
        bits |= 1 << (CN_NUMERALS[i] as u32 % 64);
        i += 1;
    }
    bits
};

fn is_cn_numeral(c: char) -> bool {
    CN_NUMERAL_LOW_BITS & (1 << (c as u32 % 64)) != 0 && CN_NUMERALS.contains(&c)
}

/// First characters of a direction word or a distance phrase.
const DIRECTION_FIRSTS: FirstChars =
    FirstChars::of(DIRECTION_WORDS).with_all(&["往", "向", "朝", "东", "南", "西", "北"]);

/// 往东50米, 向北一百米处, 东50米 and the plain direction words. `s` is
/// rebuilt only when it holds one.
fn strip_directions(s: &mut String, noise: &mut Vec<String>) {
    let mut out: Option<String> = None;
    let mut last = 0;
    for (i, c) in s.char_indices() {
        if i < last || !DIRECTION_FIRSTS.may_be_first(c) {
            continue;
        }
        let rest = &s[i..];
        // [往向朝]?[东南西北]{1,2}<number>米处?
        let len = distance_phrase(rest).or_else(|| {
            DIRECTION_WORDS
                .iter()
                .find(|w| has_prefix(rest, w))
                .map(|w| w.len())
        });
        if let Some(len) = len {
            noise.push(rest[..len].to_string());
            let rebuilt = out.get_or_insert_with(|| String::with_capacity(s.len()));
            rebuilt.push_str(&s[last..i]);
            rebuilt.push(',');
            last = i + len;
        }
    }
    if let Some(mut rebuilt) = out {
        rebuilt.push_str(&s[last..]);
        *s = rebuilt;
    }
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
    let mut run_start = None;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            return Some(i);
        }
        if is_cn_numeral(c) {
            run_start.get_or_insert(i);
        } else if let Some(start) = run_start.take() {
            if COUNTED.iter().any(|w| has_prefix(&s[i..], w)) {
                return Some(start);
            }
        }
    }
    None
}

/// Replace Chinese numerals that count something (十二号, 三栋, 二单元,
/// 三零一室) with digits; numerals inside names (五堰, 十堰, 三里) stay.
/// Borrows the text when it has no numeral.
pub(crate) fn numerals_to_digits(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(is_cn_numeral) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut i = first;
    while i < s.len() {
        let rest = &s[i..];
        let run = rest.find(|c: char| !is_cn_numeral(c)).unwrap_or(rest.len());
        if run == 0 {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        // Counted words are at most two characters: the text after the run
        // starts with one or it does not.
        let value = if COUNTED.iter().any(|w| has_prefix(&rest[run..], w)) {
            cn_numeral_value(&rest[..run])
        } else {
            None
        };
        match value {
            Some(v) => {
                let _ = write!(out, "{v}");
            }
            None => out.push_str(&rest[..run]),
        }
        i += run;
    }
    Cow::Owned(out)
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
