//! Addresses as the demo writes them: the parts of a five-level address
//! (province, city, county, town/street, village/community, then road,
//! number, compound, building, unit, room) and the damage clerks' data shows
//! — levels left out, short forms, old names (郧县 for 郧阳区), spaces,
//! full-width digits, Chinese numerals, noise such as phone numbers or 附近,
//! addresses that stop at the town.
//!
//! ```
//! use wangge_demo::address::{render, AddressParts, Damage, Digits, Noise};
//! let parts = AddressParts {
//!     county: "茅箭区",
//!     town: "武当路街道",
//!     road: Some("北京路"),
//!     number: Some(12),
//!     building: Some(3),
//!     unit: Some(2),
//!     room: Some(301),
//!     ..AddressParts::default()
//! };
//! assert_eq!(render(&parts, &Damage::default()), "湖北省十堰市茅箭区武当路街道北京路12号3栋2单元301");
//! let damaged = Damage { drop_top: 1, short_forms: true, digits: Digits::FullWidth, noise: Noise::Near, ..Damage::default() };
//! assert_eq!(render(&parts, &damaged), "十堰茅箭武当路街道北京路１２号３栋２单元３０１附近");
//! ```

use rand::Rng;

use crate::names::{chinese_number, county_short};

pub const PROVINCE: &str = "湖北省";
pub const CITY: &str = "十堰市";

/// The parts of one address; `None` parts are left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressParts<'a> {
    /// `茅箭区` (the current name).
    pub county: &'a str,
    /// The official town or street name: `武当路街道`, `军店镇`.
    pub town: &'a str,
    /// The everyday village or community name: `下店村`, `顾家岗社区`.
    pub village: Option<&'a str>,
    /// The villagers' group (村民小组) in a village: `三组`.
    pub group: Option<u32>,
    pub road: Option<&'a str>,
    /// The house number on the road (门牌).
    pub number: Option<u32>,
    /// A compound or a building with a name: `阳光小区`, `国贸大厦`.
    pub compound: Option<&'a str>,
    /// Building (栋) in a compound.
    pub building: Option<u32>,
    /// Stairway (单元).
    pub unit: Option<u32>,
    /// Flat or office number (`301`; offices get `室`).
    pub room: Option<u32>,
    /// The room is an office (`1502室`).
    pub office: bool,
}

/// How digits are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Digits {
    #[default]
    Ascii,
    /// `１２号`
    FullWidth,
    /// `十二号`, `三栋` (rooms stay in digits, as clerks write them).
    Chinese,
}

/// Noise after the address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Noise {
    #[default]
    None,
    /// A contact number: `电话13972812345` or just the number.
    Phone(u64),
    /// `附近`
    Near,
    /// `对面`
    Opposite,
    /// `旁`
    Beside,
    /// `（张先生）`
    Contact(&'static str),
}

/// Where the address stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stop {
    #[default]
    Full,
    /// Only down to the town: `五堰街道`.
    Town,
    /// Down to the road, without a number: `五堰街道北京路`.
    Road,
}

/// The damage done to one address; the default is none (well formed).
// Independent faults, each one clerks make: flags, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Damage {
    /// Levels left out from the top: 1 the province, 2 also the city.
    pub drop_top: u8,
    /// The county left out (`十堰市武当路街道…`).
    pub drop_county: bool,
    /// `十堰`, `茅箭`, `军店` for 十堰市, 茅箭区, 军店镇.
    pub short_forms: bool,
    /// 郧县 for 郧阳区 (renamed in 2014).
    pub old_names: bool,
    /// `街道办事处`, `村委会`, `社区居委会`.
    pub office_suffix: bool,
    /// Spaces between the levels.
    pub spaces: bool,
    pub digits: Digits,
    /// `3-2-301` for 3栋2单元301.
    pub compact_building: bool,
    pub noise: Noise,
    pub stop: Stop,
}

/// Old county names still in use, current → old.
pub const OLD_COUNTY_NAMES: [(&str, &str); 1] = [("郧阳区", "郧县")];

impl Damage {
    /// The damage of one clerk-written address: about half come out well
    /// formed (for 郧阳区 fewer: the old name 郧县 lives on), the rest with
    /// one or more faults.
    pub fn draw(rng: &mut impl Rng) -> Damage {
        let mut d = Damage::default();
        d.drop_top = match rng.gen_range(0..100) {
            0..=74 => 0,
            75..=91 => 1,
            _ => 2,
        };
        d.short_forms = rng.gen_bool(0.05);
        d.drop_county = d.drop_top < 2 && rng.gen_bool(0.04);
        d.old_names = rng.gen_bool(0.4);
        d.office_suffix = rng.gen_bool(0.04);
        d.spaces = rng.gen_bool(0.06);
        d.digits = match rng.gen_range(0..100) {
            0..=2 => Digits::FullWidth,
            3..=5 => Digits::Chinese,
            _ => Digits::Ascii,
        };
        d.compact_building = rng.gen_bool(0.15);
        d.noise = match rng.gen_range(0..100) {
            0..=1 => Noise::Phone(rng.gen_range(13_300_000_000..19_999_999_999)),
            2..=3 => Noise::Near,
            4 => Noise::Opposite,
            5 => Noise::Beside,
            6 => Noise::Contact(
                ["（张先生）", "（李女士）", "（王师傅）", "（刘经理）"][rng.gen_range(0..4)],
            ),
            _ => Noise::None,
        };
        d.stop = match rng.gen_range(0..100) {
            0 => Stop::Town,
            1..=2 => Stop::Road,
            _ => Stop::Full,
        };
        d
    }
}

/// Chinese numerals up to 9,999: `305` → `三百零五`, `12` → `十二`.
pub fn chinese_numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n < 100 {
        return chinese_number(n as usize);
    }
    if n >= 10_000 {
        return n.to_string();
    }
    let mut out = String::new();
    let (thousands, hundreds, rest) = (n / 1000, n / 100 % 10, n % 100);
    if thousands > 0 {
        out.push_str(DIGITS[thousands as usize]);
        out.push('千');
    }
    if hundreds > 0 {
        out.push_str(DIGITS[hundreds as usize]);
        out.push('百');
    } else if rest > 0 {
        out.push('零');
    }
    match rest {
        0 => {}
        1..=9 => {
            if hundreds > 0 {
                out.push('零');
            }
            out.push_str(DIGITS[rest as usize]);
        }
        // 一百一十二, not 一百十二.
        10..=19 => {
            out.push('一');
            out.push_str(&chinese_number(rest as usize));
        }
        _ => out.push_str(&chinese_number(rest as usize)),
    }
    out
}

fn push_number(out: &mut String, n: u32, digits: Digits) {
    match digits {
        Digits::Ascii => out.push_str(&n.to_string()),
        Digits::FullWidth => {
            out.extend(n.to_string().chars().map(|c| {
                char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap_or(c)
            }));
        }
        Digits::Chinese => out.push_str(&chinese_numeral(n)),
    }
}

/// A town's short form: `军店镇` → `军店`; streets keep their name.
fn short_town(town: &str) -> &str {
    match town.strip_suffix('镇').or_else(|| town.strip_suffix('乡')) {
        Some(stem) if stem.chars().count() >= 2 => stem,
        _ => town,
    }
}

/// The address written with `damage`.
pub fn render(parts: &AddressParts<'_>, damage: &Damage) -> String {
    let mut out = String::with_capacity(96);
    let sep = |out: &mut String| {
        if damage.spaces && !out.is_empty() {
            out.push(' ');
        }
    };
    if damage.drop_top < 1 {
        out.push_str(if damage.short_forms {
            "湖北"
        } else {
            PROVINCE
        });
    }
    if damage.drop_top < 2 {
        sep(&mut out);
        out.push_str(if damage.short_forms { "十堰" } else { CITY });
    }
    if !damage.drop_county {
        let county = if damage.old_names {
            OLD_COUNTY_NAMES
                .iter()
                .find(|(new, _)| *new == parts.county)
                .map_or(parts.county, |(_, old)| *old)
        } else {
            parts.county
        };
        sep(&mut out);
        if damage.short_forms && county.chars().count() > 2 {
            out.push_str(&county_short(county));
        } else {
            out.push_str(county);
        }
    }
    sep(&mut out);
    if damage.short_forms {
        out.push_str(short_town(parts.town));
    } else if damage.office_suffix && parts.town.ends_with("街道") {
        out.push_str(parts.town);
        out.push_str("办事处");
    } else {
        out.push_str(parts.town);
    }
    if damage.stop == Stop::Town {
        push_noise(&mut out, damage.noise);
        return out;
    }
    if let Some(village) = parts.village {
        sep(&mut out);
        out.push_str(village);
        if damage.office_suffix {
            out.push_str(if village.ends_with("社区") {
                "居委会"
            } else {
                "委会"
            });
        }
        if let Some(group) = parts.group {
            if damage.digits == Digits::Ascii {
                out.push_str(&group.to_string());
            } else {
                out.push_str(&chinese_numeral(group));
            }
            out.push('组');
        }
    }
    if let Some(road) = parts.road {
        sep(&mut out);
        out.push_str(road);
    }
    if damage.stop == Stop::Road {
        push_noise(&mut out, damage.noise);
        return out;
    }
    if let Some(number) = parts.number {
        push_number(&mut out, number, damage.digits);
        out.push('号');
    }
    if let Some(compound) = parts.compound {
        sep(&mut out);
        out.push_str(compound);
    }
    let digits = if damage.digits == Digits::Chinese {
        Digits::Ascii
    } else {
        damage.digits
    };
    match (parts.building, parts.unit, parts.room) {
        (Some(b), Some(u), Some(r)) if damage.compact_building => {
            for (i, n) in [b, u, r].into_iter().enumerate() {
                if i > 0 {
                    out.push('-');
                }
                push_number(&mut out, n, digits);
            }
        }
        (building, unit, room) => {
            if let Some(b) = building {
                push_number(&mut out, b, damage.digits);
                out.push('栋');
            }
            if let Some(u) = unit {
                push_number(&mut out, u, damage.digits);
                out.push_str("单元");
            }
            if let Some(r) = room {
                push_number(&mut out, r, digits);
                if parts.office {
                    out.push('室');
                }
            }
        }
    }
    push_noise(&mut out, damage.noise);
    out
}

fn push_noise(out: &mut String, noise: Noise) {
    match noise {
        Noise::None => {}
        Noise::Phone(n) => {
            out.push_str(if n % 2 == 0 { " 电话" } else { " " });
            out.push_str(&n.to_string());
        }
        Noise::Near => out.push_str("附近"),
        Noise::Opposite => out.push_str("对面"),
        Noise::Beside => out.push('旁'),
        Noise::Contact(who) => out.push_str(who),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn village_parts() -> AddressParts<'static> {
        AddressParts {
            county: "郧阳区",
            town: "城关镇",
            village: Some("下店村"),
            group: Some(3),
            number: Some(12),
            ..AddressParts::default()
        }
    }

    #[test]
    fn chinese_numerals_read_as_written() {
        assert_eq!(chinese_numeral(12), "十二");
        assert_eq!(chinese_numeral(100), "一百");
        assert_eq!(chinese_numeral(105), "一百零五");
        assert_eq!(chinese_numeral(112), "一百一十二");
        assert_eq!(chinese_numeral(230), "二百三十");
        assert_eq!(chinese_numeral(1005), "一千零五");
    }

    #[test]
    fn damage_is_written_as_clerks_write() {
        let parts = village_parts();
        assert_eq!(
            render(&parts, &Damage::default()),
            "湖北省十堰市郧阳区城关镇下店村3组12号"
        );
        let old = Damage {
            drop_top: 2,
            old_names: true,
            office_suffix: true,
            digits: Digits::Chinese,
            ..Damage::default()
        };
        assert_eq!(render(&parts, &old), "郧县城关镇下店村委会三组十二号");
        let town_only = Damage {
            drop_top: 1,
            spaces: true,
            stop: Stop::Town,
            noise: Noise::Phone(13_972_812_345),
            ..Damage::default()
        };
        assert_eq!(
            render(&parts, &town_only),
            "十堰市 郧阳区 城关镇 13972812345"
        );
        let street = AddressParts {
            county: "茅箭区",
            town: "武当路街道",
            road: Some("北京路"),
            number: Some(12),
            compound: Some("阳光小区"),
            building: Some(3),
            unit: Some(2),
            room: Some(301),
            ..AddressParts::default()
        };
        let compact = Damage {
            drop_county: true,
            office_suffix: true,
            compact_building: true,
            ..Damage::default()
        };
        assert_eq!(
            render(&street, &compact),
            "湖北省十堰市武当路街道办事处北京路12号阳光小区3-2-301"
        );
    }

    #[test]
    fn about_half_come_out_well_formed() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let parts = AddressParts {
            county: "房县",
            town: "军店镇",
            ..village_parts()
        };
        let clean = render(&parts, &Damage::default());
        let n = 10_000;
        let same = (0..n)
            .filter(|_| render(&parts, &Damage::draw(&mut rng)) == clean)
            .count();
        let share = same as f64 / f64::from(n);
        assert!((0.4..0.65).contains(&share), "{share}");
    }
}
