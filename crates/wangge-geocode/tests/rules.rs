//! One test per parser rule and per status, with addresses as clerks write
//! them (Shiyan, Hubei, where the demo territory is, and elsewhere).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::collections::HashMap;
use std::sync::Arc;

use wangge_geocode::{
    parse, AddressBase, DivisionCode, Geocoder, Hints, Precision, StandardAddress, Status, RENAMES,
};

fn code(s: &str) -> DivisionCode {
    s.parse().unwrap()
}

fn county(text: &str) -> String {
    Geocoder::new()
        .resolve_str(text, &Hints::default())
        .county_code
        .map(|c| c.to_string())
        .unwrap_or_default()
}

// --- parser rules ---------------------------------------------------------

#[test]
fn five_levels_and_the_detail_are_split() {
    let p = parse("湖北十堰茅箭区武当路街道北京路12号3栋2单元301");
    assert_eq!(p.province.as_deref(), Some("湖北"));
    assert_eq!(p.city.as_deref(), Some("十堰"));
    assert_eq!(p.county.as_deref(), Some("茅箭区"));
    assert_eq!(p.town.as_deref(), Some("武当路街道"));
    assert_eq!(p.road.as_deref(), Some("北京路"));
    assert_eq!(p.number.as_deref(), Some("12"));
    assert_eq!(p.building.as_deref(), Some("3"));
    assert_eq!(p.unit.as_deref(), Some("2"));
    assert_eq!(p.room.as_deref(), Some("301"));
}

#[test]
fn a_road_named_after_a_city_is_a_road() {
    // 北京路 in Shiyan is a road, not Beijing; 太原路 is not Taiyuan.
    let g = Geocoder::new();
    let r = g.resolve_str("十堰市茅箭区北京路12号", &Hints::default());
    assert_eq!(r.province_code, Some(code("42")));
    assert_eq!(r.county_code, Some(code("420302")));
    let p = parse("十堰市张湾区太原路8号");
    assert_eq!(p.road.as_deref(), Some("太原路"));
    assert_eq!(p.city.as_deref(), Some("十堰市"));
    assert_eq!(county("十堰市张湾区太原路8号"), "420303");
}

#[test]
fn full_width_digits_and_spaces_are_read() {
    let p = parse("湖北 十堰市　茅箭区 北京路１２号３栋");
    assert_eq!(p.number.as_deref(), Some("12"));
    assert_eq!(p.building.as_deref(), Some("3"));
    assert_eq!(p.county.as_deref(), Some("茅箭区"));
}

#[test]
fn chinese_numerals_become_digits() {
    let p = parse("十堰市茅箭区北京路十二号三栋二单元");
    assert_eq!(p.number.as_deref(), Some("12"));
    assert_eq!(p.building.as_deref(), Some("3"));
    assert_eq!(p.unit.as_deref(), Some("2"));
    // 十堰 keeps its 十: numerals are read only in the detail, not in names.
    assert_eq!(p.city.as_deref(), Some("十堰市"));
}

#[test]
fn phone_numbers_and_directions_are_noise() {
    let p = parse("十堰市茅箭区北京路12号附近 电话13907191234");
    assert_eq!(p.number.as_deref(), Some("12"));
    assert!(
        p.noise.iter().any(|n| n.contains("13907191234")),
        "{:?}",
        p.noise
    );
    assert!(p.noise.iter().any(|n| n.contains("附近")), "{:?}", p.noise);
    let p = parse("张湾区车城路街道人民路对面（老邮局）");
    assert_eq!(p.road.as_deref(), Some("人民路"));
    assert_eq!(county("张湾区车城路街道人民路对面（老邮局）"), "420303");
}

#[test]
fn missing_levels_are_filled_bottom_up() {
    // Only the street: unique in China, so county and city follow.
    let g = Geocoder::new();
    let r = g.resolve_str("武当路街道北京路12号", &Hints::default());
    assert_eq!(r.status, Status::Matched);
    assert_eq!(r.county_code, Some(code("420302")));
    assert_eq!(r.city_code, Some(code("4203")));
    let r = g.resolve_str("五堰街道", &Hints::default());
    assert_eq!(r.town_code, Some(code("420302003")));
}

#[test]
fn repeated_levels_do_not_contradict() {
    let g = Geocoder::new();
    let r = g.resolve_str("十堰市十堰市茅箭区茅箭区五堰街道", &Hints::default());
    assert_eq!(r.status, Status::Matched);
    assert_eq!(r.town_code, Some(code("420302003")));
    assert!(r.confidence > 0.9);
}

#[test]
fn short_forms_and_suffix_variants() {
    assert_eq!(county("十堰茅箭"), "420302");
    let g = Geocoder::new();
    for written in ["五堰街道办事处", "五堰办事处", "十堰茅箭五堰"] {
        let r = g.resolve_str(written, &Hints::default());
        assert_eq!(r.town_code, Some(code("420302003")), "{written}");
    }
}

#[test]
fn renamed_divisions_resolve_to_the_new_code() {
    // 郧县 became 郧阳区 in 2014.
    let g = Geocoder::new();
    let r = g.resolve_str("郧县城关镇", &Hints::default());
    assert_eq!(r.status, Status::Matched);
    assert_eq!(r.county_code, Some(code("420304")));
    assert!(r.town_code.unwrap().to_string().starts_with("420304"));
    assert!(RENAMES.iter().any(|r| r.old_name == "郧县"));
    // Every rename in the table leads to a division that exists.
    for rename in RENAMES {
        let new = DivisionCode::new(rename.new_code).unwrap();
        let div = g.gazetteer().division(new);
        assert!(div.is_some(), "{} → {}", rename.old_name, rename.new_code);
        let got = g.resolve_str(rename.old_name, &Hints::default());
        assert_eq!(
            got.deepest(),
            Some(new),
            "{} ({})",
            rename.old_name,
            got.reason
        );
    }
}

#[test]
fn an_overlong_line_is_cut_not_choked_on() {
    let long = format!("十堰市茅箭区五堰街道{}", "很".repeat(10 * 1024 * 1024 / 3));
    let p = parse(&long);
    assert!(p.truncated);
    let r = Geocoder::new().resolve_str(&long, &Hints::default());
    assert_eq!(r.town_code, Some(code("420302003")));
    assert!(r.reason.contains("256"));
}

// --- statuses ------------------------------------------------------------

#[test]
fn status_matched() {
    let r = Geocoder::new().resolve_str(
        "湖北十堰茅箭区武当路街道北京路12号3栋2单元301",
        &Hints::default(),
    );
    assert_eq!(r.status, Status::Matched);
    assert_eq!(r.town_code, Some(code("420302001")));
    assert!(r.confidence > 0.9);
}

#[test]
fn status_partial_when_only_a_county_is_found() {
    let r = Geocoder::new().resolve_str("十堰市茅箭区某某小区", &Hints::default());
    assert_eq!(r.status, Status::Partial);
    assert_eq!(r.county_code, Some(code("420302")));
    assert_eq!(r.town_code, None);
    assert!(r.reason.contains("只匹配到"), "{}", r.reason);
}

#[test]
fn status_ambiguous_with_candidates_unless_a_hint_decides() {
    let g = Geocoder::new();
    let r = g.resolve_str("鼓楼区中山路5号", &Hints::default());
    assert_eq!(r.status, Status::Ambiguous);
    assert!(r.candidates.len() >= 4, "{:?}", r.candidates);
    assert!(r.confidence < 0.5);
    let names: Vec<&str> = r.candidates.iter().map(|c| c.name.as_str()).collect();
    assert!(names.iter().any(|n| n.contains("南京市")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("福州市")), "{names:?}");
    // 南京 as the --city hint decides it.
    let hints = Hints {
        city_code: Some(code("3201")),
        ..Hints::default()
    };
    let r = g.resolve_str("鼓楼区中山路5号", &hints);
    assert_eq!(r.county_code, Some(code("320106")));
    assert_ne!(r.status, Status::Ambiguous);
    // So does a city written in the address.
    assert_eq!(county("福州鼓楼区"), "350102");
}

#[test]
fn status_failed_with_a_reason() {
    for junk in ["", "   ", "13907191234", "asdf qwer", "\u{0}\u{1}\u{7f}"] {
        let r = Geocoder::new().resolve_str(junk, &Hints::default());
        assert_eq!(r.status, Status::Failed, "{junk:?}");
        assert!(r.confidence < 0.01, "{}", r.confidence);
        assert!(!r.reason.is_empty());
    }
}

// --- locating against the standard address base -------------------------

fn std_addr(
    town: &str,
    road: &str,
    number: &str,
    building: Option<&str>,
    lon: f64,
    lat: f64,
) -> StandardAddress {
    StandardAddress {
        province_code: None,
        city_code: None,
        county_code: None,
        town_code: Some(code(town)),
        village_code: None,
        road: road.into(),
        number: Some(number.into()),
        compound: None,
        building: building.map(String::from),
        lon,
        lat,
    }
}

fn shiyan_base() -> Geocoder {
    let base = AddressBase::new(vec![
        std_addr(
            "420302001",
            "北京路",
            "12号",
            Some("3栋"),
            110.7901,
            32.6501,
        ),
        std_addr(
            "420302001",
            "北京路",
            "12号",
            Some("4栋"),
            110.7903,
            32.6502,
        ),
        std_addr("420302001", "北京路", "30号", None, 110.7950, 32.6520),
    ])
    .unwrap()
    .with_centroids(HashMap::from([
        (code("420302003"), (110.80, 32.64)),
        (code("420302"), (110.81, 32.63)),
    ]));
    Geocoder::new().with_base(Arc::new(base))
}

#[test]
fn precision_building_road_town_and_none() {
    let g = shiyan_base();
    let h = Hints::default();
    let r = g.geocode("十堰茅箭区武当路街道北京路12号3栋2单元301", &h);
    assert_eq!(r.precision, Precision::Building);
    assert_eq!(r.status, Status::Matched);
    assert_eq!((r.lon, r.lat), (Some(110.7901), Some(32.6501)));
    assert!(r.confidence > 0.9);

    // 20号 lies between 12号 and 30号: interpolated on the road.
    let r = g.geocode("茅箭区北京路20号", &h);
    assert_eq!(r.precision, Precision::Road);
    let lon = r.lon.unwrap();
    assert!(lon > 110.7901 && lon < 110.7950, "{lon}");

    // A town written without detail: its centre, matched as written.
    let r = g.geocode("茅箭区五堰街道", &h);
    assert_eq!(r.precision, Precision::Town);
    assert_eq!(r.status, Status::Matched);

    // An unknown road in 五堰: the town centre, but only partial.
    let r = g.geocode("茅箭区五堰街道无名路8号", &h);
    assert_eq!(r.precision, Precision::Town);
    assert_eq!(r.status, Status::Partial);

    // Resolved divisions with no coordinates for them: partial, codes kept.
    let r = g.geocode("福州鼓楼区", &h);
    assert_eq!(r.precision, Precision::None);
    assert_eq!(r.status, Status::Partial);
    assert_eq!(r.county_code, Some(code("350102")));
    assert!(r.lon.is_none());
    assert!(r.reason.contains("divisions resolved"), "{}", r.reason);

    // Nothing resolved at all: failed.
    let r = g.geocode("不知道在哪里", &h);
    assert_eq!(r.status, Status::Failed);
    assert!(r.confidence < 0.5);
}

#[test]
fn without_a_base_a_resolved_chain_is_partial_not_failed() {
    let g = Geocoder::new();
    let h = Hints::default();
    let r = g.geocode("十堰市张湾区车城路街道 人民路", &h);
    assert_eq!(r.status, Status::Partial, "{}", r.reason);
    assert_eq!(r.county_code, Some(code("420303")));
    assert!(r.town_code.is_some());
    assert_eq!(r.precision, Precision::None);
    let r = g.geocode("郧县城关镇", &h);
    assert_eq!(r.status, Status::Partial, "{}", r.reason);
    assert_eq!(r.county_code, Some(code("420304")));
    let r = g.geocode("13907191234", &h);
    assert_eq!(r.status, Status::Failed);
}

#[test]
fn a_unique_road_decides_an_address_without_divisions() {
    let g = shiyan_base();
    let r = g.geocode("北京路30号", &Hints::default());
    // 北京路 exists in many cities; the base knows one, in 武当路街道.
    assert_eq!(r.county_code, Some(code("420302")));
    assert_eq!(r.precision, Precision::Building);
}

#[test]
fn reverse_nearest_standard_address() {
    let g = shiyan_base();
    let (a, d_m) = g.base().nearest(110.7950, 32.6521).unwrap();
    assert_eq!(a.number.as_deref(), Some("30号"));
    assert!(d_m < 20.0, "{d_m}");
}
