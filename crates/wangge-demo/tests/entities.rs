//! The demo's customers, resources, buildings and opportunities: counts,
//! shares, where they lie, and that the same seed gives the same entities.

mod support;

use std::collections::{HashMap, HashSet};

use geo::{Contains, MultiPolygon, Point};
use wangge_demo::{demo_roads, generate, DemoConfig, Intent};
use wangge_model::{Category, CellTypeCatalog, CustomerClass, PlacementStatus, ResourceKind};

use support::{demo, geometry};

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64
}

fn count_status(intents: &[Intent], status: PlacementStatus) -> usize {
    intents.iter().filter(|i| i.status == status).count()
}

/// Cell geometry by grid index, parsed once.
fn cell_geometry(index: u32) -> &'static MultiPolygon<f64> {
    use std::sync::OnceLock;
    static CELLS: OnceLock<HashMap<u32, MultiPolygon<f64>>> = OnceLock::new();
    let map = CELLS.get_or_init(|| {
        demo()
            .grids
            .iter()
            .enumerate()
            .filter(|(_, g)| g.level.is_cell())
            .map(|(i, g)| (i as u32, geometry(g)))
            .collect()
    });
    &map[&index]
}

fn category_of(index: u32) -> Category {
    let catalog = CellTypeCatalog::default();
    let grid = &demo().grids[index as usize];
    let code = grid.cell_type.expect("a cell has a type");
    catalog.get(code).expect("a default type").category
}

#[test]
fn customers_come_in_the_configured_number_with_realistic_shares() {
    let demo = demo();
    let n = demo.customers.len();
    assert_eq!(n, DemoConfig::default().customers);
    assert_eq!(demo.intended.customers.len(), n);
    let intents = &demo.intended.customers;

    // About 2.7 % not placeable, as in the field (97.27 % placed).
    let unplaced = intents.iter().filter(|i| !i.status.in_cell()).count();
    let rate = share(unplaced, n);
    assert!((0.022..=0.032).contains(&rate), "unplaced share {rate}");
    let no_location = count_status(intents, PlacementStatus::NoLocation);
    let invalid = count_status(intents, PlacementStatus::InvalidCoordinates);
    let outside = count_status(intents, PlacementStatus::Outside);
    assert!(
        no_location > invalid + outside,
        "{no_location} {invalid} {outside}"
    );
    assert!(
        (0.0004..0.002).contains(&share(invalid, n)),
        "invalid {invalid}"
    );
    assert!(
        (0.002..0.005).contains(&share(outside, n)),
        "outside {outside}"
    );
    // Most of those without a location still have an address to geocode.
    let with_address = demo
        .customers
        .iter()
        .zip(intents)
        .filter(|(c, i)| i.status == PlacementStatus::NoLocation && c.address.is_some())
        .count();
    assert!(
        with_address * 10 > no_location * 8,
        "{with_address} of {no_location}"
    );
    assert!(no_location > with_address, "some have no address at all");

    // Every status the intents claim matches the coordinates given.
    for (c, i) in demo.customers.iter().zip(intents) {
        match i.status {
            PlacementStatus::NoLocation => {
                assert!(c.lon.is_none() && c.lat.is_none(), "{}", c.code);
            }
            PlacementStatus::InvalidCoordinates => {
                let (x, y) = (c.lon.unwrap(), c.lat.unwrap());
                assert!(
                    x.is_nan() || y.is_nan() || y.abs() > 90.0,
                    "{} {x} {y}",
                    c.code
                );
            }
            _ => assert!(c.lon.is_some_and(f64::is_finite) && c.lat.is_some_and(f64::is_finite)),
        }
        assert!(i.cell.is_some(), "{} has a home cell", c.code);
    }

    let other = demo.customers.iter().filter(|c| c.other_operator).count();
    assert!(
        (0.07..0.09).contains(&share(other, n)),
        "other operators {other}"
    );
    let segments: HashSet<&str> = demo
        .customers
        .iter()
        .filter_map(|c| c.segment.as_deref())
        .collect();
    assert_eq!(segments, HashSet::from(["公众", "商客", "政企"]));
    let products: HashSet<&str> = demo
        .customers
        .iter()
        .filter_map(|c| c.product_type.as_deref())
        .collect();
    assert_eq!(
        products,
        HashSet::from(["固话", "宽带", "移动", "IPTV", "专线"])
    );
    for class in [CustomerClass::A, CustomerClass::B, CustomerClass::C] {
        assert!(
            demo.customers.iter().any(|c| c.class == Some(class)),
            "{class:?}"
        );
    }
    // 政企 spend more than 公众, and only enterprises and shops have staff.
    let median = |segment: &str| {
        let mut v: Vec<f64> = demo
            .customers
            .iter()
            .filter(|c| c.segment.as_deref() == Some(segment))
            .filter_map(|c| c.monthly_spend_yuan)
            .collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    assert!(median("政企") > 3.0 * median("公众"));
    assert!(demo
        .customers
        .iter()
        .all(|c| (c.segment.as_deref() == Some("公众")) == c.staff_count.is_none()));
    let codes: HashSet<&str> = demo.customers.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes.len(), n, "codes are unique");
}

#[test]
fn placed_customers_lie_strictly_inside_their_cell_and_never_on_vacant_land() {
    let demo = demo();
    let mut per_cell: HashMap<u32, usize> = HashMap::new();
    for (c, i) in demo.customers.iter().zip(&demo.intended.customers) {
        if i.status != PlacementStatus::Assigned {
            continue;
        }
        let cell = i.cell.unwrap();
        let p = Point::new(c.lon.unwrap(), c.lat.unwrap());
        assert!(
            cell_geometry(cell).contains(&p),
            "{} not inside {}",
            c.code,
            demo.grids[cell as usize].code
        );
        assert_ne!(
            category_of(cell),
            Category::Vacant,
            "{} on vacant land",
            c.code
        );
        *per_cell.entry(cell).or_default() += 1;
    }
    // Vacant cells hold nobody, other cells nearly all somebody.
    let cells: Vec<u32> = (0..demo.grids.len() as u32)
        .filter(|&i| demo.grids[i as usize].level.is_cell())
        .collect();
    let empty_non_vacant = cells
        .iter()
        .filter(|&&i| category_of(i) != Category::Vacant && !per_cell.contains_key(&i))
        .count();
    assert!(
        empty_non_vacant < cells.len() / 50,
        "{empty_non_vacant} non-vacant cells empty"
    );
}

#[test]
fn density_follows_the_cell_category() {
    let demo = demo();
    let mut customers: HashMap<Category, f64> = HashMap::new();
    let mut area_km2: HashMap<Category, f64> = HashMap::new();
    let mut cells: HashMap<Category, f64> = HashMap::new();
    for (i, grid) in demo.grids.iter().enumerate() {
        if grid.level.is_cell() {
            let category = category_of(i as u32);
            *area_km2.entry(category).or_default() += grid.area_m2 / 1e6;
            *cells.entry(category).or_default() += 1.0;
        }
    }
    for i in &demo.intended.customers {
        if i.status == PlacementStatus::Assigned {
            *customers.entry(category_of(i.cell.unwrap())).or_default() += 1.0;
        }
    }
    let density = |c: Category| customers.get(&c).copied().unwrap_or(0.0) / area_km2[&c];
    let per_cell = |c: Category| customers.get(&c).copied().unwrap_or(0.0) / cells[&c];
    for c in Category::ALL {
        eprintln!(
            "{c:?}: {:.1} per km², {:.1} per cell",
            density(c),
            per_cell(c)
        );
    }
    assert!(!customers.contains_key(&Category::Vacant));
    for dense in [Category::Community, Category::Cluster, Category::Industry] {
        assert!(density(dense) > 3.0 * density(Category::Rural), "{dense:?}");
        assert!(density(dense) > density(Category::NonCluster), "{dense:?}");
    }
    assert!(density(Category::Rural) > 0.0);
    assert!(per_cell(Category::Community) > per_cell(Category::Cluster));
    assert!(per_cell(Category::Community) > per_cell(Category::Rural));
    assert!(per_cell(Category::Rural) > per_cell(Category::NonCluster));
}

#[test]
fn outside_points_lie_outside_every_department() {
    let demo = demo();
    let departments: Vec<MultiPolygon<f64>> = support::level(1).map(geometry).collect();
    let mut outside = 0;
    for (c, i) in demo.customers.iter().zip(&demo.intended.customers) {
        if i.status != PlacementStatus::Outside {
            continue;
        }
        outside += 1;
        let p = Point::new(c.lon.unwrap(), c.lat.unwrap());
        assert!(
            !departments.iter().any(|d| d.contains(&p)),
            "{} {p:?}",
            c.code
        );
    }
    assert!(outside > 100, "{outside}");
}

#[test]
fn cabinets_carry_their_boxes_and_some_chains_have_no_coordinates() {
    let demo = demo();
    let resources = &demo.resources;
    let intents = &demo.intended.resources;
    assert_eq!(resources.len(), intents.len());
    let position: HashMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.as_str(), i))
        .collect();
    assert_eq!(position.len(), resources.len(), "codes are unique");
    for kind in ResourceKind::ALL {
        assert!(resources.iter().any(|r| r.kind == kind), "{kind:?}");
    }
    let mut boxes_per_cabinet: HashMap<&str, usize> = HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        if let Some(parent) = &r.parent {
            let p = position[parent.as_str()];
            assert!(p < i, "{} listed before its parent", r.code);
            let expected = match r.kind {
                ResourceKind::DistributionBox | ResourceKind::PortGroup => ResourceKind::Cabinet,
                ResourceKind::Splitter => ResourceKind::Olt,
                other => panic!("{other:?} has a parent"),
            };
            assert_eq!(resources[p].kind, expected);
        }
        if r.kind == ResourceKind::DistributionBox {
            let parent = r.parent.as_deref().expect("every box hangs on a cabinet");
            *boxes_per_cabinet.entry(parent).or_default() += 1;
        }
        if let (Some(c), Some(used)) = (r.capacity_ports, r.ports_in_use) {
            assert!(used <= c, "{}", r.code);
        }
    }
    // 4 to 12 boxes a cabinet; fewer only where the whole outlet area has fewer.
    assert!(boxes_per_cabinet.values().all(|n| *n <= 12));
    let in_range = boxes_per_cabinet.values().filter(|n| **n >= 4).count();
    assert!(
        in_range * 100 >= boxes_per_cabinet.len() * 80,
        "{in_range} of {}",
        boxes_per_cabinet.len()
    );

    // Boxes without coordinates: about 15 %, placed through their cabinet
    // unless the cabinet has none either.
    let boxes: Vec<usize> = (0..resources.len())
        .filter(|&i| resources[i].kind == ResourceKind::DistributionBox)
        .collect();
    let unsurveyed: Vec<usize> = boxes
        .iter()
        .copied()
        .filter(|&i| resources[i].lon.is_none())
        .collect();
    assert!((0.12..0.18).contains(&share(unsurveyed.len(), boxes.len())));
    let mut chains = 0;
    for &b in &unsurveyed {
        let cabinet = &resources[position[resources[b].parent.as_deref().unwrap()]];
        if cabinet.lon.is_some() {
            assert_eq!(
                intents[b].status,
                PlacementStatus::ViaParent,
                "{}",
                resources[b].code
            );
        } else {
            assert_eq!(
                intents[b].status,
                PlacementStatus::NoLocation,
                "{}",
                resources[b].code
            );
            chains += 1;
        }
    }
    assert!(
        chains >= 3,
        "{chains} boxes whose cabinet has no coordinates either"
    );
    assert!(
        count_status(intents, PlacementStatus::Assigned)
            > count_status(intents, PlacementStatus::ViaParent)
    );
    assert!(count_status(intents, PlacementStatus::InvalidCoordinates) > 0);
}

#[test]
fn blind_spots_have_no_network_and_busy_cells_run_hot() {
    let demo = demo();
    let mut resource_cells: HashSet<u32> = HashSet::new();
    for i in &demo.intended.resources {
        resource_cells.extend(i.cell);
    }
    let populated: HashSet<u32> = demo
        .intended
        .customers
        .iter()
        .filter(|i| i.status == PlacementStatus::Assigned)
        .filter_map(|i| i.cell)
        .collect();
    assert!(demo.intended.blind_spots.len() >= 3);
    for cell in &demo.intended.blind_spots {
        assert!(populated.contains(cell));
        assert!(
            !resource_cells.contains(cell),
            "blind spot {} has a resource",
            demo.grids[*cell as usize].code
        );
    }
    // Nearly every other populated cell has some resource placed in it (the
    // rest only boxes never surveyed, which land in their cabinet's cell).
    let covered = populated
        .iter()
        .filter(|c| resource_cells.contains(c))
        .count();
    let others = populated.len() - demo.intended.blind_spots.len();
    assert!(covered * 100 >= others * 95, "{covered} of {others}");

    let mut ports: HashMap<u32, (i64, i64)> = HashMap::new();
    for (r, i) in demo.resources.iter().zip(&demo.intended.resources) {
        if let (Some(c), Some(used), Some(cell)) = (r.capacity_ports, r.ports_in_use, i.cell) {
            let e = ports.entry(cell).or_default();
            e.0 += c;
            e.1 += used;
        }
    }
    assert!(!demo.intended.busy_cells.is_empty());
    for cell in &demo.intended.busy_cells {
        let (capacity, used) = ports[cell];
        assert!(
            used * 10 > capacity * 9,
            "{}: {used}/{capacity}",
            demo.grids[*cell as usize].code
        );
    }
    let hot = ports.values().filter(|(c, u)| u * 10 > c * 9).count();
    assert!(
        hot < ports.len() / 10,
        "{hot} of {} cells above 90 %",
        ports.len()
    );
}

#[test]
fn buildings_and_opportunities_refer_to_what_exists() {
    let demo = demo();
    assert!(demo.buildings.len() > 2_000, "{}", demo.buildings.len());
    let codes: HashSet<&str> = demo.buildings.iter().map(|b| b.code.as_str()).collect();
    assert_eq!(codes.len(), demo.buildings.len());
    for b in &demo.buildings {
        let contacts: Vec<serde_json::Value> =
            serde_json::from_str(b.contacts_json.as_deref().unwrap()).unwrap();
        assert!(!contacts.is_empty());
        assert!(contacts
            .iter()
            .all(|c| c["phone"].as_str().is_some_and(|p| p.len() == 11)));
        assert!(b.developer.is_some());
        assert!(b
            .address
            .as_deref()
            .is_some_and(|a| a.starts_with("湖北省十堰市")));
    }
    let customers: HashSet<&str> = demo.customers.iter().map(|c| c.code.as_str()).collect();
    assert!(
        demo.opportunities.len() > 1_000,
        "{}",
        demo.opportunities.len()
    );
    let mut on_buildings = 0;
    let mut on_customers = 0;
    for o in &demo.opportunities {
        if let Some(b) = &o.building {
            assert!(codes.contains(b.as_str()));
            on_buildings += 1;
        }
        if let Some(c) = &o.customer {
            assert!(customers.contains(c.as_str()));
            on_customers += 1;
        }
        assert!(o.value_yuan.is_some_and(|v| v > 0.0));
    }
    assert!(on_buildings > 0 && on_customers > 0);
}

#[test]
fn addresses_read_like_clerks_data() {
    let demo = demo();
    let addresses: Vec<&str> = demo
        .customers
        .iter()
        .filter_map(|c| c.address.as_deref())
        .collect();
    let n = addresses.len();
    let with = |pred: &dyn Fn(&str) -> bool| addresses.iter().filter(|a| pred(a)).count();
    let full = with(&|a| a.starts_with("湖北省十堰市"));
    assert!(
        (0.5..0.85).contains(&share(full, n)),
        "well formed {full} of {n}"
    );
    assert!(with(&|a| a.starts_with("十堰市")) > n / 20);
    assert!(with(&|a| a.contains("郧县")) > 100);
    assert!(with(&|a| a.contains('１') || a.contains('２')) > 100);
    assert!(with(&|a| a.contains("附近")) > 100);
    assert!(with(&|a| a.contains(' ')) > 100);
    assert!(with(&|a| a.contains("组")) > n / 10, "village addresses");
    assert!(with(&|a| a.contains("单元")) > n / 10, "compound addresses");
    assert!(with(&|a| a.contains("十") && a.contains("号") && !a.contains("十堰")) > 10);
    // Road addresses name the roads of the road list.
    let roads: HashSet<&str> = demo_roads(demo).iter().map(|r| r.name.as_str()).collect();
    let on_listed_road = with(&|a| a.contains('路') && roads.iter().any(|r| a.contains(r)));
    assert!(on_listed_road > n / 3, "{on_listed_road}");
}

#[test]
fn roads_are_unique_per_county_with_numbers_along_them() {
    let demo = demo();
    let roads = demo_roads(demo);
    assert!(roads.len() > 400, "{}", roads.len());
    let mut seen = HashSet::new();
    for r in roads {
        assert!(
            seen.insert((r.county_code.as_str(), r.name.as_str())),
            "{} twice",
            r.name
        );
        assert_eq!(r.max_number % 2, 0);
        assert!(r.town_code.starts_with(&r.county_code));
        assert!(r.number_at(r.from) <= 2, "{}", r.name);
        assert!(r.number_at(r.to) >= r.max_number - 1, "{}", r.name);
        let [x, y] = r.point_of(r.max_number / 2 + 1);
        let mid = [
            f64::midpoint(r.from[0], r.to[0]),
            f64::midpoint(r.from[1], r.to[1]),
        ];
        assert!((x - mid[0]).abs() + (y - mid[1]).abs() < 0.05);
    }
}

#[test]
fn same_seed_same_entities() {
    let config = DemoConfig {
        seed: 7,
        customers: 3_000,
    };
    let a = generate(&config).unwrap();
    let b = generate(&config).unwrap();
    // Debug text: NaN coordinates compare equal as text.
    assert_eq!(format!("{:?}", a.customers), format!("{:?}", b.customers));
    assert_eq!(format!("{:?}", a.resources), format!("{:?}", b.resources));
    assert_eq!(a.buildings, b.buildings);
    assert_eq!(a.opportunities, b.opportunities);
    assert_eq!(a.roads, b.roads);
    assert_eq!(a.intended.customers, b.intended.customers);
    assert_eq!(a.customers.len(), 3_000);
    let c = generate(&DemoConfig { seed: 8, ..config }).unwrap();
    assert_ne!(format!("{:?}", a.customers), format!("{:?}", c.customers));
}

#[test]
fn a_new_estate_on_vacant_land_is_a_blind_spot_with_residents() {
    let demo = demo();
    let estate = demo
        .intended
        .new_estate
        .as_ref()
        .expect("the demo cuts a new estate out of a vacant-land cell");
    let hole = geo::Polygon::new(estate.ring.clone(), vec![]);
    let cell = demo
        .grids
        .iter()
        .position(|g| g.code == estate.cell)
        .unwrap();
    assert_eq!(category_of(cell as u32), Category::Vacant);
    assert_eq!(demo.grids[cell].parent.as_ref(), Some(&estate.l3));
    // The estate is a hole in its cell and lies in no cell at all.
    let centre = Point::new(
        f64::midpoint(estate.ring.0[0].x, estate.ring.0[2].x),
        f64::midpoint(estate.ring.0[0].y, estate.ring.0[2].y),
    );
    let in_cells = demo
        .grids
        .iter()
        .enumerate()
        .filter(|(_, g)| g.level.is_cell())
        .filter(|(i, _)| cell_geometry(*i as u32).contains(&centre))
        .count();
    assert_eq!(in_cells, 0);
    // Up to 0.1 % of the customers (those of its level-3 grid) moved in:
    // in_gap, inside the estate.
    let residents: Vec<_> = demo
        .customers
        .iter()
        .zip(&demo.intended.customers)
        .filter(|(_, i)| i.status == PlacementStatus::InGap)
        .collect();
    assert!(
        (20..=demo.customers.len() / 1000).contains(&residents.len()),
        "{} residents",
        residents.len()
    );
    for (c, i) in residents {
        assert!(hole.contains(&Point::new(c.lon.unwrap(), c.lat.unwrap())));
        let home = i.cell.unwrap() as usize;
        assert_eq!(demo.grids[home].parent.as_ref(), Some(&estate.l3));
    }
}
