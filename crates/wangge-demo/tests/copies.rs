//! Province scale: copies of the demo side by side have unique codes, do not
//! overlap, hold twice the demo's everything, and follow the seed.

use std::collections::HashSet;
use std::sync::OnceLock;

use wangge_demo::{generate, generate_copies, DemoConfig, DemoTerritory};
use wangge_model::PlacementStatus;

const CUSTOMERS: usize = 2_000;

fn config() -> DemoConfig {
    DemoConfig {
        seed: 2011,
        customers: CUSTOMERS,
    }
}

fn one() -> &'static DemoTerritory {
    static ONE: OnceLock<DemoTerritory> = OnceLock::new();
    ONE.get_or_init(|| generate(&config()).expect("one copy"))
}

fn two() -> &'static DemoTerritory {
    static TWO: OnceLock<DemoTerritory> = OnceLock::new();
    TWO.get_or_init(|| generate_copies(&config(), 2).expect("two copies"))
}

fn assert_unique<'a>(what: &str, codes: impl Iterator<Item = &'a str>) -> usize {
    let mut seen = HashSet::new();
    for code in codes {
        assert!(seen.insert(code), "{what} code {code} repeats");
    }
    seen.len()
}

#[test]
fn two_copies_hold_twice_everything_with_unique_codes() {
    let (one, two) = (one(), two());
    let grids = assert_unique("grid", two.grids.iter().map(|g| g.code.as_str()));
    assert_eq!(grids, 2 * one.grids.len());
    let cells = two.grids.iter().filter(|g| g.level.is_cell()).count();
    assert_eq!(cells, 2 * 7_183);
    let outlets = assert_unique("outlet", two.outlets.iter().map(|o| o.code.as_str()));
    assert_eq!(outlets, 2 * one.outlets.len());
    let users = assert_unique("user", two.users.iter().map(|u| u.name.as_str()));
    assert_eq!(users, 2 * one.users.len());
    let customers = assert_unique("customer", two.customers.iter().map(|c| c.code.as_str()));
    assert_eq!(customers, 2 * CUSTOMERS);
    let resources = assert_unique("resource", two.resources.iter().map(|r| r.code.as_str()));
    assert_eq!(resources, 2 * one.resources.len());
    let buildings = assert_unique("building", two.buildings.iter().map(|b| b.code.as_str()));
    assert_eq!(buildings, 2 * one.buildings.len());
    let opportunities = assert_unique(
        "opportunity",
        two.opportunities.iter().map(|o| o.code.as_str()),
    );
    assert_eq!(opportunities, 2 * one.opportunities.len());
    let roads = assert_unique("road", two.roads.iter().map(|r| r.code.as_str()));
    assert_eq!(roads, 2 * one.roads.len());
    assert_eq!(two.intended.customers.len(), 2 * CUSTOMERS);

    // The first copy is the demo itself; the second carries C02- and （2）.
    assert_eq!(two.grids[..one.grids.len()], one.grids[..]);
    let second = &two.grids[one.grids.len()];
    assert_eq!(second.code.as_str(), format!("C02-{}", one.grids[0].code));
    assert_eq!(second.name, format!("{}（2）", one.grids[0].name));
}

#[test]
fn references_stay_inside_their_copy() {
    let two = two();
    let grids: HashSet<&str> = two.grids.iter().map(|g| g.code.as_str()).collect();
    let copy2 = |code: &str| code.starts_with("C02-");
    for grid in &two.grids {
        if let Some(parent) = &grid.parent {
            assert!(
                grids.contains(parent.as_str()),
                "{} has no parent",
                grid.code
            );
            assert_eq!(
                copy2(parent.as_str()),
                copy2(grid.code.as_str()),
                "{}",
                grid.code
            );
        }
    }
    for outlet in &two.outlets {
        for grid in &outlet.supports {
            assert!(grids.contains(grid.as_str()));
            assert_eq!(copy2(grid.as_str()), copy2(&outlet.code), "{}", outlet.code);
        }
    }
    for user in &two.users {
        let second = user.name.ends_with("-02");
        for scope in &user.scopes {
            assert_eq!(
                copy2(scope.as_str()),
                second,
                "{} scoped to {scope}",
                user.name
            );
        }
    }
    let resources: HashSet<&str> = two.resources.iter().map(|r| r.code.as_str()).collect();
    for r in &two.resources {
        if let Some(parent) = &r.parent {
            assert!(
                resources.contains(parent.as_str()),
                "{} hangs on nothing",
                r.code
            );
            assert_eq!(copy2(parent), copy2(&r.code), "{}", r.code);
        }
    }
    let customers: HashSet<&str> = two.customers.iter().map(|c| c.code.as_str()).collect();
    let buildings: HashSet<&str> = two.buildings.iter().map(|b| b.code.as_str()).collect();
    for o in &two.opportunities {
        for (target, known) in [(&o.customer, &customers), (&o.building, &buildings)] {
            if let Some(code) = target {
                assert!(known.contains(code.as_str()), "{} refers to {code}", o.code);
                assert_eq!(copy2(code), copy2(&o.code), "{}", o.code);
            }
        }
    }
}

/// The box of `boxes`.
fn union(boxes: impl Iterator<Item = [f64; 4]>) -> [f64; 4] {
    boxes.fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |[a, b, c, d], [x0, y0, x1, y1]| [a.min(x0), b.min(y0), c.max(x1), d.max(y1)],
    )
}

#[test]
fn copies_are_disjoint_and_their_entities_lie_in_their_copy() {
    let (one, two) = (one(), two());
    let n = one.grids.len();
    let first = union(two.grids[..n].iter().map(|g| g.bbox));
    let second = union(two.grids[n..].iter().map(|g| g.bbox));
    assert!(
        second[0] > first[2],
        "copy 2 {second:?} does not lie east of copy 1 {first:?}"
    );
    // Moved east only: the same latitudes and areas.
    assert_eq!((first[1], first[3]), (second[1], second[3]));
    for (a, b) in two.grids[..n].iter().zip(&two.grids[n..]) {
        assert!(
            (a.area_m2 - b.area_m2).abs() < 1e-6 * a.area_m2.max(1.0),
            "{}",
            b.code
        );
    }

    // Every customer of copy 2 meant to be placed lies in the box of its
    // intended cell, which is a cell of copy 2.
    let mut placed = 0;
    for (customer, intent) in two
        .customers
        .iter()
        .zip(&two.intended.customers)
        .skip(CUSTOMERS)
    {
        assert!(customer.code.starts_with("C02-"), "{}", customer.code);
        if intent.status != PlacementStatus::Assigned {
            continue;
        }
        let cell = &two.grids[intent.cell.expect("assigned to a cell") as usize];
        assert!(cell.code.as_str().starts_with("C02-"), "{}", cell.code);
        let (Some(lon), Some(lat)) = (customer.lon, customer.lat) else {
            continue;
        };
        let [x0, y0, x1, y1] = cell.bbox;
        assert!(
            (x0..=x1).contains(&lon) && (y0..=y1).contains(&lat),
            "{} at {lon},{lat} is not in {} {:?}",
            customer.code,
            cell.code,
            cell.bbox
        );
        placed += 1;
    }
    assert!(
        placed > CUSTOMERS * 9 / 10,
        "only {placed} placed customers checked"
    );

    // Coordinates that are no place (NaN, swapped, (0, 0)) are not moved.
    for (a, b) in one.customers.iter().zip(&two.customers[CUSTOMERS..]) {
        match (a.lon, a.lat) {
            (Some(x), Some(y))
                if x.is_finite() && (-90.0..=90.0).contains(&y) && (x, y) != (0.0, 0.0) =>
            {
                assert!(b.lon.unwrap() > second[0] - 0.5, "{} not moved", b.code);
            }
            _ => assert_eq!(
                format!("{:?}", (a.lon, a.lat)),
                format!("{:?}", (b.lon, b.lat))
            ),
        }
    }
}

#[test]
fn copies_follow_the_seed() {
    let again = generate_copies(&config(), 2).expect("two copies again");
    let two = two();
    assert_eq!(again.grids, two.grids);
    assert_eq!(
        format!("{:?}", again.customers),
        format!("{:?}", two.customers)
    );
    assert_eq!(again.users, two.users);
    assert_ne!(two.users[0].password, two.users[one().users.len()].password);
}

#[test]
fn copies_out_of_range_are_refused() {
    for copies in [0, 100] {
        let err = generate_copies(
            &DemoConfig {
                customers: 0,
                ..config()
            },
            copies,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("copies must be between 1 and 99"),
            "{err}"
        );
    }
}
