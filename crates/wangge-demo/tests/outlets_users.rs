//! Outlets stand inside the grids they support; some grids have none; one
//! demo user per role.

mod support;

use std::collections::{HashMap, HashSet};

use geo::{Contains, Intersects, Point};
use support::{by_code, demo, geometry, level};
use wangge_demo::GRIDS_WITHOUT_OUTLET;
use wangge_model::{ManagerKind, Role};

#[test]
fn outlets_stand_inside_the_grids_they_support() {
    let outlets = &demo().outlets;
    let mut supported: HashMap<&str, &str> = HashMap::new();
    for outlet in outlets {
        assert!(
            !outlet.supports.is_empty() && outlet.supports.len() <= 2,
            "{}",
            outlet.code
        );
        for code in &outlet.supports {
            let grid = by_code()
                .get(code.as_str())
                .unwrap_or_else(|| panic!("{}: unknown grid {code}", outlet.code));
            assert_eq!(grid.level.get(), 3, "{} supports {code}", outlet.code);
            assert!(
                supported
                    .insert(code.as_str(), outlet.code.as_str())
                    .is_none(),
                "{code} has two outlets"
            );
        }
        let home = geometry(by_code()[outlet.supports[0].as_str()]);
        assert!(
            home.contains(&Point::new(outlet.lon, outlet.lat)),
            "{} is outside {}",
            outlet.code,
            outlet.supports[0]
        );
        if let Some(second) = outlet.supports.get(1) {
            let neighbour = geometry(by_code()[second.as_str()]);
            assert!(
                home.intersects(&neighbour),
                "{}: {second} is not a neighbour",
                outlet.code
            );
            assert_eq!(
                by_code()[second.as_str()].parent,
                by_code()[outlet.supports[0].as_str()].parent
            );
        }
        assert!(outlet.name.ends_with("营业厅"), "{}", outlet.name);
    }
    let l3 = level(3).count();
    let without: Vec<_> = level(3)
        .filter(|g| !supported.contains_key(g.code.as_str()))
        .collect();
    assert_eq!(without.len(), GRIDS_WITHOUT_OUTLET);
    assert!(
        outlets.iter().any(|o| o.supports.len() == 2),
        "no outlet supports two grids"
    );
    assert!(
        outlets.len() * 10 >= l3 * 9 && outlets.len() <= l3,
        "{} outlets for {l3} grids",
        outlets.len()
    );
    let codes: HashSet<&str> = outlets.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes.len(), outlets.len());
}

#[test]
fn every_role_has_a_user_with_a_random_password() {
    let users = &demo().users;
    for role in Role::ALL {
        assert!(users.iter().any(|u| u.role == role), "no {role}");
    }
    for kind in [ManagerKind::Zhengqi, ManagerKind::Community] {
        let manager = users
            .iter()
            .find(|u| u.role == Role::GridManager && u.kind == Some(kind))
            .unwrap_or_else(|| panic!("no {kind} manager"));
        assert!(!manager.scopes.is_empty());
        assert!(manager
            .scopes
            .iter()
            .all(|s| by_code()[s.as_str()].level.get() == 3));
    }
    let supervisor = users
        .iter()
        .find(|u| u.role == Role::Supervisor)
        .expect("supervisor");
    assert!(supervisor
        .scopes
        .iter()
        .all(|s| by_code()[s.as_str()].level.get() == 1));
    let passwords: HashSet<&str> = users.iter().map(|u| u.password.as_str()).collect();
    assert_eq!(passwords.len(), users.len(), "passwords repeat");
    for user in users {
        assert!(
            user.password.len() >= 12 && user.password != user.name,
            "{}",
            user.name
        );
        assert!(
            user.password.chars().any(|c| c.is_ascii_digit())
                || user.password.chars().any(char::is_uppercase)
        );
    }
}
