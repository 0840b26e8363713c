//! The real Shiyan county boundaries: validity verdicts, geodesic areas and
//! resolution, cross-checked against shapely 2.2 / GEOS 3.14.1 and pyproj
//! 3.7 (geographiclib).

mod support;

use std::collections::BTreeMap;

use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::bbox::bbox_of;
use wangge_spatial::partition::resolve_self_intersections;
use wangge_spatial::validate::{check_multipolygon, check_raw_polygons, summarize, ProblemKind};

use support::shiyan_counties;

/// code, name, |geodesic area| of the geometry as given and of
/// `shapely.make_valid(geometry)`, both from pyproj `Geod(ellps="WGS84")`.
const SHAPELY_AREAS_M2: [(&str, &str, f64, f64); 8] = [
    ("420302", "茅箭区", 540_269_411.9, 540_269_411.9),
    ("420303", "张湾区", 656_533_141.9, 656_518_260.7),
    ("420322", "郧西县", 3_514_248_226.3, 3_514_248_226.3),
    ("420304", "郧阳区", 3_852_199_599.7, 3_852_199_599.7),
    ("420323", "竹山县", 3_613_773_781.3, 3_613_773_781.3),
    ("420324", "竹溪县", 3_306_745_406.6, 3_306_745_406.6),
    ("420381", "丹江口市", 3_119_751_213.1, 3_119_751_213.1),
    ("420325", "房县", 5_120_264_360.0, 5_120_264_360.0),
];

#[test]
fn raw_coordinates_are_well_formed() {
    for county in shiyan_counties() {
        assert_eq!(check_raw_polygons(&county.raw), [], "{}", county.name);
    }
}

/// GEOS (shapely `is_valid`) calls 6 of the 8 invalid. Per part: 茅箭区,
/// 张湾区, 郧西县 and 郧阳区 have rings that touch or run back along
/// themselves; 张湾区, 郧阳区, 竹山县 and 房县 have parts that share
/// boundary segments (GEOS reports both as "Self-intersection" / "Ring
/// Self-intersection").
#[test]
fn validity_verdicts_match_geos() {
    use ProblemKind::{SelfIntersection as Ring, ShellsOverlap as Parts};
    let expected: BTreeMap<&str, Vec<ProblemKind>> = BTreeMap::from([
        ("420302", vec![Ring, Ring, Ring, Ring]),
        ("420303", vec![Ring, Ring, Parts, Ring, Ring]),
        ("420322", vec![Ring, Ring]),
        ("420304", vec![Ring, Ring, Parts, Ring, Ring]),
        ("420323", vec![Parts, Parts]),
        ("420324", vec![]),
        ("420381", vec![]),
        ("420325", vec![Parts, Parts]),
    ]);
    for county in shiyan_counties() {
        let problems = check_multipolygon(&county.multipolygon);
        let kinds: Vec<ProblemKind> = problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            expected[county.code.as_str()],
            "{} {:#?}",
            county.name,
            problems
        );
        assert!(problems.iter().all(|p| p.location.is_some()));
    }
    let invalid: Vec<String> = shiyan_counties()
        .into_iter()
        .filter(|c| !check_multipolygon(&c.multipolygon).is_empty())
        .map(|c| c.code)
        .collect();
    assert_eq!(
        invalid,
        ["420302", "420303", "420322", "420304", "420323", "420325"]
    );
}

#[test]
fn reasons_name_the_parts_and_places_geos_names() {
    let counties = shiyan_counties();
    let reason = |code: &str| {
        let county = counties.iter().find(|c| c.code == code).unwrap();
        summarize(&check_multipolygon(&county.multipolygon)).unwrap()
    };
    // GEOS: Self-intersection[110.7744140625 32.6845703125]
    assert!(
        reason("420302").contains(
            "polygon 1, ring 0 (exterior) runs back along itself at (110.774414, 32.68457)"
        ),
        "{}",
        reason("420302")
    );
    // GEOS: Self-intersection[109.9912109375 32.232421875]
    assert!(
        reason("420323").starts_with(
            "polygon 1, ring 0 (exterior) shares a segment with polygon 3, ring 0 (exterior) at (109.991211, 32.232422)"
        ),
        "{}",
        reason("420323")
    );
    // GEOS: Ring Self-intersection[110.4716796875 33.185546875], one of ten.
    assert!(
        reason("420322").contains("touches itself at (110.338867, 33.170898) (and 9 more places)")
    );
}

#[test]
fn geodesic_areas_match_geographiclib() {
    for (county, (code, name, area_m2, _)) in shiyan_counties().iter().zip(SHAPELY_AREAS_M2) {
        assert_eq!((county.code.as_str(), county.name.as_str()), (code, name));
        let ours_m2 = geodesic_area_m2(&county.multipolygon);
        assert!(
            (ours_m2 - area_m2).abs() < 1.0,
            "{name}: {ours_m2} vs {area_m2}"
        );
    }
}

#[test]
fn bboxes_match_shapely_bounds() {
    let bounds = [
        [
            110.587_890_625,
            32.393_554_687_5,
            110.949_218_75,
            32.685_546_875,
        ],
        [
            110.448_242_187_5,
            32.480_468_75,
            110.862_304_687_5,
            32.770_507_812_5,
        ],
        [
            109.439_453_125,
            32.782_226_562_5,
            110.675_781_25,
            33.276_367_187_5,
        ],
        [
            110.127_929_687_5,
            32.424_804_687_5,
            111.274_414_062_5,
            33.257_812_5,
        ],
        [
            109.566_406_25,
            31.506_835_937_5,
            110.438_476_562_5,
            32.619_140_625,
        ],
        [
            109.496_093_75,
            31.519_531_25,
            110.129_882_812_5,
            32.481_445_312_5,
        ],
        [110.806_640_625, 32.242_187_5, 111.585_937_5, 32.970_703_125],
        [
            110.047_851_562_5,
            31.563_476_562_5,
            111.257_812_5,
            32.508_789_062_5,
        ],
    ];
    for (county, expected) in shiyan_counties().iter().zip(bounds) {
        assert_eq!(
            bbox_of(&county.multipolygon),
            Some(expected),
            "{}",
            county.name
        );
    }
}

/// Resolving makes every county valid and keeps its area: exactly the area
/// as given (each part's rings even-odd, then unioned, as
/// `union_all(make_valid(part) for part)` in shapely), within 0.5% of
/// `make_valid` of the whole. They differ only for 张湾区, where GEOS nodes
/// both parts together and drops a 1.5-cell (15,000 m²) lobe of part 1 at
/// (110.7773, 32.6660) because part 0 runs along its edges.
#[test]
fn resolving_makes_counties_valid_and_keeps_their_area() {
    for (county, (_, name, given_m2, make_valid_m2)) in
        shiyan_counties().iter().zip(SHAPELY_AREAS_M2)
    {
        let resolved = resolve_self_intersections(&county.multipolygon);
        assert_eq!(check_multipolygon(&resolved), [], "{name}");
        let area_m2 = geodesic_area_m2(&resolved);
        assert!(
            (area_m2 / make_valid_m2 - 1.0).abs() < 0.005,
            "{name}: {area_m2} vs {make_valid_m2}"
        );
        assert!(
            (area_m2 / given_m2 - 1.0).abs() < 1e-6,
            "{name}: {area_m2} vs {given_m2}"
        );
    }
}
