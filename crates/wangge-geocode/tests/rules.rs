//! One test per parser rule and per status, with addresses as clerks write
//! them (Shiyan, Hubei, where the demo territory is, and elsewhere).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::collections::HashMap;
use std::sync::Arc;

use wangge_geocode::{
    division_changes, parse, AddressBase, DivisionCode, Geocoder, Hints, NamedPlace, NamedPlaces,
    Precision, StandardAddress, Status,
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
    assert!(
        r.reason.contains("郧县（2014 年撤县设区为郧阳区）"),
        "{}",
        r.reason
    );
}

#[test]
fn every_old_name_of_the_change_table_resolves_to_its_successors() {
    let g = Geocoder::new();
    let mut checked = 0;
    for change in division_changes() {
        for (code, name) in change.successors.iter().zip(&change.successor_names) {
            let div = g.gazetteer().division(*code);
            assert_eq!(div.map(|d| d.name), Some(name.as_str()), "{change:?}");
        }
        if change.is_move() {
            continue;
        }
        // With its old city, as people write it (大同市城区: 城区 alone is
        // the name of several current districts).
        let written = format!("{}{}", change.old_parent, change.old_name);
        let got = g.resolve_str(&written, &Hints::default());
        if change.successors.len() == 1 {
            assert_eq!(
                got.deepest(),
                Some(change.successors[0]),
                "{written}: {}",
                got.reason
            );
            // The latest change of the name is told (错那县 moved in 2016 and
            // became 错那市 in 2023).
            let told = format!("“{}”是旧名", change.old_name);
            assert!(got.reason.contains(&told), "{written}: {}", got.reason);
        } else {
            // Split, and no town to decide: ambiguous among the successors.
            assert_eq!(got.status, Status::Ambiguous, "{written}: {}", got.reason);
            for s in &change.successors {
                assert!(
                    got.candidates.iter().any(|c| c.code == *s),
                    "{written}: {s} {:?}",
                    got.candidates
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 150, "{checked}");
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
    let r = g.geocode("十堰市郧阳区城关镇", &h);
    assert_eq!(r.precision, Precision::None);
    assert_eq!(r.status, Status::Partial);
    assert_eq!(r.county_code, Some(code("420304")));
    assert!(r.lon.is_none());
    assert!(r.reason.contains("divisions resolved"), "{}", r.reason);
    // The same outside the base's territory: codes kept, and said so.
    let r = g.geocode("福州鼓楼区", &h);
    assert_eq!(r.precision, Precision::None);
    assert_eq!(r.status, Status::Partial);
    assert_eq!(r.county_code, Some(code("350102")));
    assert!(r.lon.is_none());
    assert!(r.reason.contains("outside the territory"), "{}", r.reason);

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

/// Issue 13, class 1: the old districts people keep writing, each read as
/// its successor, and the clerk told which old name was read.
#[test]
fn old_districts_resolve_to_their_successors_and_say_so() {
    let g = Geocoder::new();
    let cases = [
        // 江东区 was merged into 鄞州区 (2016).
        ("浙江省宁波市江东区百丈街道", "330212008", "江东区"),
        // 下城区 into 拱墅区 (2021).
        ("杭州市下城区武林街道", "330105013", "下城区"),
        // 江干区 was split: the street decides which successor.
        ("杭州市江干区下沙街道", "330114001", "江干区"),
        ("杭州市江干区凯旋街道", "330102011", "江干区"),
        // A city renamed (襄樊 → 襄阳, 2010) with its district.
        ("湖北省襄樊市樊城区", "420606", "襄樊"),
        // A city merged into another (莱芜市 → 济南市, 2019), its district renamed.
        ("山东省莱芜市莱城区", "370116", "莱城区"),
        // 城区 of 大同 became 平城区 (2018); other cities still have a 城区.
        ("山西省大同市城区", "140213", "城区"),
    ];
    for (written, want, old) in cases {
        let r = g.resolve_str(written, &Hints::default());
        assert_eq!(
            r.deepest().map(|c| c.to_string()).as_deref(),
            Some(want),
            "{written}: {}",
            r.reason
        );
        assert!(
            r.confidence >= 0.8,
            "{written}: {} {}",
            r.confidence,
            r.reason
        );
        assert!(
            r.reason.contains(&format!("“{old}")) && r.reason.contains("旧名"),
            "{written}: {}",
            r.reason
        );
    }
    // Split, and no street to decide: ambiguous among the successors, saying why.
    let r = g.resolve_str("杭州市江干区", &Hints::default());
    assert_eq!(r.status, Status::Ambiguous, "{}", r.reason);
    let codes: Vec<String> = r.candidates.iter().map(|c| c.code.to_string()).collect();
    assert!(
        codes.contains(&"330102".into()) && codes.contains(&"330114".into()),
        "{codes:?}"
    );
    assert!(r.reason.contains("分入上城区、钱塘区"), "{}", r.reason);
}

/// Issue 13, class 1: a county moved to another city, a street moved to
/// another district of its city; the former parent written with them is
/// evidence, not a contradiction.
#[test]
fn a_division_written_with_its_former_parent_is_found_and_noted() {
    let g = Geocoder::new();
    // 公主岭市: 四平市 until 2020, then 长春市.
    let r = g.resolve_str("吉林省四平市公主岭市", &Hints::default());
    assert_eq!(r.county_code, Some(code("220184")), "{}", r.reason);
    assert!(r.confidence >= 0.9, "{} {}", r.confidence, r.reason);
    assert!(
        r.reason.contains("原属地") && r.reason.contains("改隶长春市"),
        "{}",
        r.reason
    );
    // 临平街道: 余杭区 until 2021, then 临平区.
    let r = g.resolve_str("浙江省杭州市余杭区临平街道", &Hints::default());
    assert_eq!(r.town_code, Some(code("330113001")), "{}", r.reason);
    assert_eq!(r.status, Status::Matched, "{}", r.reason);
    assert!(r.confidence >= 0.9, "{} {}", r.confidence, r.reason);
    assert!(r.reason.contains("改隶临平区"), "{}", r.reason);
}

/// Issue 13, class 2: a city the text names constrains everything after it.
/// 东区 is a district of 攀枝花; in 宁波 it names nothing, so the answer
/// stays at 宁波市, and its confidence says that part was not understood.
#[test]
fn a_named_city_constrains_a_suffix_match_elsewhere() {
    let g = Geocoder::new();
    let r = g.resolve_str("浙江省宁波市东区", &Hints::default());
    assert_eq!(r.city_code, Some(code("3302")), "{}", r.reason);
    assert_eq!(r.county_code, None, "{}", r.reason);
    assert!(r.confidence < 0.5, "{} {}", r.confidence, r.reason);
    assert!(r.reason.contains("东区"), "{}", r.reason);
    // Without the city, 东区 alone is still 攀枝花's.
    let r = g.resolve_str("攀枝花东区", &Hints::default());
    assert_eq!(r.county_code, Some(code("510402")), "{}", r.reason);
    // The short city name constrains as well.
    let r = g.resolve_str("宁波江东区", &Hints::default());
    assert_eq!(r.county_code, Some(code("330212")), "{}", r.reason);
}

/// Issue 13, class 3: a zone written after its county is that county's
/// zone, not one of the 16 streets named 经济开发区 across China.
#[test]
fn a_zone_after_its_county_stays_in_that_county() {
    let g = Geocoder::new();
    let r = g.resolve_str("山东省新泰市经济开发区", &Hints::default());
    assert_ne!(r.status, Status::Ambiguous, "{}", r.reason);
    assert_eq!(r.county_code, Some(code("370982")), "{}", r.reason);
    assert!(r.reason.contains("园区"), "{}", r.reason);
    // A county that does have a street of that name gets it.
    let r = g.resolve_str("江苏省新沂市经济开发区", &Hints::default());
    assert_eq!(r.town_code, Some(code("320381401")), "{}", r.reason);
    assert_eq!(r.status, Status::Matched, "{}", r.reason);
}

/// Issue 13, class 4: an address outside the operator's territory (a
/// Beijing address in Shiyan's system) is reported as such, not placed.
#[test]
fn an_address_outside_the_territory_is_reported_not_placed() {
    let g = shiyan_base();
    let r = g.geocode("北京市朝阳区建国路88号", &Hints::default());
    assert!(r.outside_territory, "{}", r.reason);
    assert!(r.confidence <= 0.3, "{} {}", r.confidence, r.reason);
    assert_eq!(r.lon, None);
    assert_ne!(r.status, Status::Matched);
    assert!(r.needs_fixing());
    assert!(
        r.reason.contains("不在本公司标准地址库的范围内"),
        "{}",
        r.reason
    );
    // Elsewhere in the city of the base is inside (郧阳区 has no address in
    // this base, 茅箭区 has).
    let r = g.geocode("十堰市郧阳区城关镇", &Hints::default());
    assert!(!r.outside_territory, "{}", r.reason);
    // Without a base nothing is outside.
    let r = Geocoder::new().geocode("北京市朝阳区建国路88号", &Hints::default());
    assert!(!r.outside_territory);
}

/// Issue 13, class 3: zones the code list has no county-level unit for
/// belong to their county, by the zone table (data/zones): the bureau's
/// town-level unit where it lists one, else the county or city.
#[test]
fn zones_of_the_table_read_as_their_division() {
    let g = Geocoder::new();
    let h = Hints::default();
    // An alias of a zone listed as a town-level unit: that town.
    let r = g.resolve_str("北京经开区科创十三街18号", &h);
    assert_eq!(r.town_code, Some(code("110115403")), "{}", r.reason);
    // A zone placed by hand-checked pages in one county: that county.
    let r = g.resolve_str("杭州未来科技城文一西路998号", &h);
    assert_eq!(r.county_code, Some(code("330110")), "{}", r.reason);
    assert!(
        r.confidence < 0.5,
        "a county read from a zone is to check: {}",
        r.confidence
    );
    // A zone spanning the counties of its city: the city, no county.
    let r = g.resolve_str("武汉东湖高新区光谷大道77号", &h);
    assert_eq!(r.city_code, Some(code("4201")), "{}", r.reason);
    assert_eq!(r.county_code, None, "{}", r.reason);
    assert_ne!(r.status, Status::Ambiguous, "{}", r.reason);
    // 前海: once ambiguous among zones of China, now 南山区's unit.
    let r = g.resolve_str("深圳前海深港现代服务业合作区前湾一路1号", &h);
    assert_eq!(r.town_code, Some(code("440305400")), "{}", r.reason);
    // An alias that is the name of another town of the county is left to
    // that town (随州市经济开发区 is a town of 曾都区, not 湖北曾都经济开发区).
    let r = g.resolve_str("湖北省随州市曾都区随州市经济开发区", &h);
    assert_eq!(r.town_code, Some(code("421303587")), "{}", r.reason);
    // Every row names a division of the gazetteer.
    for z in wangge_geocode::zones() {
        assert!(
            g.gazetteer().division(z.division).is_some(),
            "{} {}",
            z.name,
            z.division
        );
    }
}

/// A town named only by generic zone words (开发区) is no street that moved
/// between counties: 昆山市开发区 stays in 昆山市 (it read as 吴中区 with
/// confidence 0.95 while the change table held that false move).
#[test]
fn a_generic_zone_name_is_no_move() {
    let g = Geocoder::new();
    let r = g.resolve_str("昆山市开发区同丰东路585号", &Hints::default());
    assert_eq!(r.county_code, Some(code("320583")), "{}", r.reason);
    assert!(
        !division_changes()
            .iter()
            .any(|c| c.old_name == "开发区" || c.old_name == "经济开发区"),
        "the change table holds a generic zone name"
    );
}

fn cells(list: &[(&str, &str, f64, f64)]) -> NamedPlaces {
    NamedPlaces::new(
        list.iter()
            .map(|&(code, name, lon, lat)| NamedPlace {
                code: code.into(),
                name: name.into(),
                lon,
                lat,
            })
            .collect(),
    )
}

/// Issue 13, class 4: the name of one of the operator's cells in an
/// address places it in that cell (precision cell), the divisions written
/// beside it choosing among namesakes; an address elsewhere is not placed
/// in a cell of the same name, and a bare name several cells share is
/// said to be undecided, never guessed.
#[test]
fn a_cell_named_in_the_address_places_it_in_that_cell() {
    let g = shiyan_base();
    let h = Hints::default();
    let places = cells(&[
        ("MJ-0005", "润景家园", 110.795, 32.640),
        ("YY-0009", "润景家园", 110.812, 32.835), // 郧阳区, 22 km north
        ("MJ-0007", "幸福花园", 110.797, 32.641),
    ]);
    let r = g.geocode_in("十堰市茅箭区润景家园", &h, Some(&places));
    assert_eq!(r.precision, Precision::Cell, "{}", r.reason);
    assert_eq!(r.place_code.as_deref(), Some("MJ-0005"), "{}", r.reason);
    assert_eq!(r.status, Status::Matched);
    assert_eq!(r.county_code, Some(code("420302")));
    assert!(r.confidence >= 0.85);
    assert!(r.reason.contains("网格名称匹配"), "{}", r.reason);
    assert!(!r.needs_fixing());
    // Without the places, the same address is the county's centre.
    let r = g.geocode("十堰市茅箭区润景家园", &h);
    assert_eq!(r.precision, Precision::County);
    // A bare name two cells share: undecided, and said so.
    let r = g.geocode_in("润景家园", &h, Some(&places));
    assert_ne!(r.precision, Precision::Cell, "{}", r.reason);
    assert_eq!(r.place_code, None);
    assert!(r.reason.contains("2 个网格"), "{}", r.reason);
    // A bare name one cell has: that cell, to be checked.
    let r = g.geocode_in("幸福花园5栋", &h, Some(&places));
    assert_eq!(r.place_code.as_deref(), Some("MJ-0007"), "{}", r.reason);
    assert!(r.confidence < 0.85);
    // An address of another city is not placed in a cell of the name.
    let r = g.geocode_in("北京市朝阳区润景家园", &h, Some(&places));
    assert_eq!(r.place_code, None, "{}", r.reason);
    assert!(r.outside_territory);
    // A standard address is finer than a cell's name: it wins.
    let r = g.geocode_in("十堰茅箭区武当路街道北京路12号3栋", &h, Some(&places));
    assert_eq!(r.precision, Precision::Building);
}

/// A compound of the standard address base is located at its centre with
/// its own precision (`compound`), finer than a road.
#[test]
fn a_compound_of_the_base_has_its_own_precision() {
    assert!(Precision::Building < Precision::Compound);
    assert!(Precision::Compound < Precision::Road);
    assert!(Precision::Road < Precision::Cell && Precision::Cell < Precision::Village);
    assert_eq!(Precision::Compound.as_str(), "compound");
    assert_eq!(Precision::Cell.as_str(), "cell");
}
