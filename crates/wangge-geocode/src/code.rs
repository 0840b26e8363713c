//! Statistics-bureau division codes: 2/4/6/9/12 digits for province, city,
//! county, town/street and village/community.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::GeocodeError;

/// The five levels of the Chinese address standard (五级地址).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 省级: province, autonomous region, municipality.
    Province = 1,
    /// 地级: prefecture-level city, prefecture, league, autonomous prefecture.
    City = 2,
    /// 县级: county, district, county-level city, banner.
    County = 3,
    /// 乡级: town, township, street (街道).
    Town = 4,
    /// 村级: village or residents' committee (村委会/社区).
    Village = 5,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Town,
        Level::Village,
    ];

    /// Digits of a code at this level.
    pub fn digits(self) -> u32 {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Town => 9,
            Level::Village => 12,
        }
    }

    /// 0 for province … 4 for village.
    pub fn index(self) -> usize {
        self as usize - 1
    }

    pub fn from_index(i: usize) -> Option<Level> {
        Level::ALL.get(i).copied()
    }

    /// The Chinese word a clerk reads.
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "区县",
            Level::Town => "乡镇街道",
            Level::Village => "村社区",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
            Level::Village => "village",
        }
    }
}

/// A division code. The number of digits gives the level, so `42` is Hubei,
/// `4203` Shiyan, `420302` 茅箭区, `420302001` 武当路街道 and `420302001001` a
/// community in it. Codes never start with 0, so the value alone is enough.
///
/// ```
/// use wangge_geocode::{DivisionCode, Level};
/// let code: DivisionCode = "420302001".parse().unwrap();
/// assert_eq!(code.level(), Level::Town);
/// assert_eq!(code.ancestor(Level::City).unwrap().to_string(), "4203");
/// // 12-digit zero-padded forms are accepted too.
/// assert_eq!("420300000000".parse::<DivisionCode>().unwrap().to_string(), "4203");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DivisionCode(u64);

impl DivisionCode {
    /// A code from its number; `None` unless it has 2, 4, 6, 9 or 12 digits.
    pub fn new(value: u64) -> Option<DivisionCode> {
        digit_level(value).map(|_| DivisionCode(value))
    }

    pub fn value(self) -> u64 {
        self.0
    }

    pub fn level(self) -> Level {
        digit_level(self.0).unwrap_or(Level::Village)
    }

    /// The code of the division containing this one at `level` (itself at its
    /// own level; `None` for a deeper level).
    pub fn ancestor(self, level: Level) -> Option<DivisionCode> {
        let own = self.level();
        if level > own {
            return None;
        }
        Some(DivisionCode(
            self.0 / 10u64.pow(own.digits() - level.digits()),
        ))
    }

    /// Whether `self` lies inside `other` (or is it).
    pub fn is_within(self, other: DivisionCode) -> bool {
        self.ancestor(other.level()) == Some(other)
    }
}

fn digit_level(value: u64) -> Option<Level> {
    match value {
        10..=99 => Some(Level::Province),
        1_000..=9_999 => Some(Level::City),
        100_000..=999_999 => Some(Level::County),
        100_000_000..=999_999_999 => Some(Level::Town),
        100_000_000_000..=999_999_999_999 => Some(Level::Village),
        _ => None,
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = GeocodeError;

    /// 2/4/6/9/12 digits; a 12-digit code padded with zeros (`420300000000`)
    /// is shortened to its level.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = |why: &str| GeocodeError::BadCode {
            value: s.to_string(),
            reason: why.to_string(),
        };
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("a division code is 2, 4, 6, 9 or 12 digits"));
        }
        let value: u64 = t.parse().map_err(|_| bad("too long"))?;
        if t.len() == 12 {
            // Zero padding: 420300000000 is the city 4203.
            for level in [Level::Province, Level::City, Level::County, Level::Town] {
                let shift = 10u64.pow(12 - level.digits());
                if value.is_multiple_of(shift) {
                    return DivisionCode::new(value / shift).ok_or_else(|| bad("starts with 0"));
                }
            }
        }
        if t.starts_with('0') {
            return Err(bad("division codes never start with 0"));
        }
        DivisionCode::new(value).ok_or_else(|| bad("a division code is 2, 4, 6, 9 or 12 digits"))
    }
}

impl Serialize for DivisionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DivisionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_digits() {
        for (s, level) in [
            ("42", Level::Province),
            ("4203", Level::City),
            ("420302", Level::County),
            ("420302001", Level::Town),
            ("420302001001", Level::Village),
        ] {
            assert_eq!(s.parse::<DivisionCode>().unwrap().level(), level, "{s}");
        }
        for bad in [
            "",
            "4",
            "420",
            "42030",
            "4203020011",
            "0420",
            "abc",
            "42 03",
        ] {
            assert!(bad.parse::<DivisionCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ancestors_and_containment() {
        let v: DivisionCode = "420302001001".parse().unwrap();
        assert_eq!(v.ancestor(Level::Province).unwrap().value(), 42);
        assert_eq!(v.ancestor(Level::County).unwrap().value(), 420_302);
        assert!(v.is_within(DivisionCode::new(4203).unwrap()));
        assert!(!v.is_within(DivisionCode::new(4201).unwrap()));
        let c = DivisionCode::new(4203).unwrap();
        assert_eq!(c.ancestor(Level::Town), None);
    }

    #[test]
    fn padded_codes() {
        assert_eq!("420000000000".parse::<DivisionCode>().unwrap().value(), 42);
        assert_eq!(
            "420302001000".parse::<DivisionCode>().unwrap().value(),
            420_302_001
        );
        assert_eq!(
            serde_json::to_string(&DivisionCode::new(4203).unwrap()).unwrap(),
            "\"4203\""
        );
    }
}
