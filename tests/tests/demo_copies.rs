//! Province scale on every backend: two copies of the demo seeded side by
//! side give twice the demo's grids and entities, with unique codes, and
//! every customer of the second copy is placed in a cell of the second copy.

use std::collections::HashMap;
use wangge_assign::{assign_all, load_index, AssignOptions};
use wangge_demo::{seed, seed_copies, DemoConfig};
use wangge_model::{GridCode, LevelNo, PlacementStatus};

use wangge_store::{EntityKind, GridFilter, GridRecord, Placement, Store};
use wangge_tests::{each_backend, fresh_store, log_line, BackendKind};

/// Below 2,000 per copy: one upsert chunk per call.
const CUSTOMERS: usize = 1_500;

fn config() -> DemoConfig {
    DemoConfig {
        seed: 2011,
        customers: CUSTOMERS,
    }
}

#[tokio::test]
async fn two_copies_seed_twice_the_demo_and_place_within_their_copy() {
    // The one-copy figures, once (the demo is the same on every backend).
    let single = fresh_store(BackendKind::SqliteMemory).await;
    let one = seed(&single.store, &config()).await.expect("one copy");
    let one_stats = single.store.stats().await.expect("stats");
    single.finish().await;

    for t in each_backend().await {
        let store = &t.store;
        let two = seed_copies(store, &config(), 2)
            .await
            .unwrap_or_else(|e| panic!("{}: two copies: {e}", t.kind));
        let stats = store.stats().await.expect("stats");
        let doubled: Vec<i64> = one_stats.by_level.iter().map(|n| 2 * n).collect();
        assert_eq!(stats.by_level.to_vec(), doubled, "{}", t.kind);
        assert_eq!(stats.outlets, 2 * one_stats.outlets, "{}", t.kind);
        assert_eq!(two.users.len(), 2 * one.users.len(), "{}", t.kind);
        let counts = store.entity_counts().await.expect("entity counts");
        let count = |kind| {
            counts
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(0, |(_, n)| *n)
        };
        assert_eq!(
            count(EntityKind::Customer),
            2 * CUSTOMERS as i64,
            "{}",
            t.kind
        );
        assert_eq!(
            count(EntityKind::Resource),
            2 * one.resources as i64,
            "{}",
            t.kind
        );
        assert_eq!(
            count(EntityKind::Building),
            2 * one.buildings as i64,
            "{}",
            t.kind
        );
        assert_eq!(
            count(EntityKind::Opportunity),
            2 * one.opportunities as i64,
            "{}",
            t.kind
        );

        let index = load_index(store).await.expect("index");
        assert_eq!(index.cell_count(), 2 * 7_183, "{}", t.kind);
        let report = assign_all(store, &index, &AssignOptions::default())
            .await
            .expect("placement");
        let customers = report
            .kinds
            .iter()
            .find(|k| k.kind == "customer")
            .expect("customers placed");
        let assigned = customers
            .by_status
            .iter()
            .find(|(s, _)| *s == PlacementStatus::Assigned)
            .map_or(0, |(_, n)| *n);
        // Each copy places as the demo does (about 97 %): the copies do not
        // swallow each other's points.
        assert!(
            assigned * 100 > 2 * CUSTOMERS * 95,
            "{}: {assigned} assigned",
            t.kind
        );
        log_line(&format!(
            "{}: two copies, {assigned} of {} customers assigned",
            t.kind,
            2 * CUSTOMERS
        ));

        // Every department of the second copy holds what its original holds:
        // the copied customers and resources lie in their own copy.
        let rates = store
            .assignment_rates(LevelNo::DEPARTMENT)
            .await
            .expect("rates");
        let by_code = |code: &str| {
            let r = rates
                .iter()
                .find(|r| r.code.as_ref().map(GridCode::as_str) == Some(code))
                .unwrap_or_else(|| panic!("{}: no rates of {code}", t.kind));
            format!("{:?} {:?}", r.customers, r.resources)
        };
        let originals: Vec<&GridCode> = rates
            .iter()
            .filter_map(|r| r.code.as_ref())
            .filter(|c| !c.as_str().starts_with("C02-"))
            .collect();
        assert_eq!(originals.len(), 14, "{}", t.kind);
        for code in originals {
            assert_eq!(
                by_code(&format!("C02-{code}")),
                by_code(code.as_str()),
                "{}: department {code} and its copy",
                t.kind
            );
        }
        edits_place_their_area_as_a_full_run(store, &t.kind.to_string()).await;
        t.finish().await;
    }
}

/// Every placement of every kind.
async fn all_placements(store: &Store) -> Vec<Vec<Placement>> {
    let mut all = Vec::new();
    for kind in KINDS {
        all.push(store.placements(kind).await.expect("placements"));
    }
    all
}

const KINDS: [EntityKind; 4] = [
    EntityKind::Customer,
    EntityKind::Resource,
    EntityKind::Building,
    EntityKind::Opportunity,
];

/// A split and a merge place only their area again (through the area's
/// index and the placements), and leave every placement as a full run of
/// `wangge assign` would: the run afterwards changes nothing.
async fn edits_place_their_area_as_a_full_run(store: &Store, backend: &str) {
    // The cell of the second copy holding most customers.
    let customers = store
        .placements(EntityKind::Customer)
        .await
        .expect("placements");
    let mut per_cell: HashMap<i64, usize> = HashMap::new();
    for p in customers
        .iter()
        .filter(|p| p.status == PlacementStatus::Assigned)
    {
        *per_cell.entry(p.cell_id.expect("a cell")).or_default() += 1;
    }
    let cells = store
        .grids(&GridFilter {
            level: Some(LevelNo::CELL),
            ..GridFilter::default()
        })
        .await
        .expect("cells");
    let mut busiest: Vec<&GridRecord> = cells
        .iter()
        .filter(|c| c.code.as_str().starts_with("C02-"))
        .collect();
    busiest.sort_by_key(|c| std::cmp::Reverse(per_cell.get(&c.id).copied().unwrap_or(0)));
    let cell = busiest[0];
    let before = per_cell[&cell.id];
    assert!(before >= 2, "{backend}: {} holds {before}", cell.code);

    // Cut it north-south between the middle two of its customers.
    let inside: std::collections::HashSet<i64> = customers
        .iter()
        .filter(|p| p.cell_id == Some(cell.id))
        .map(|p| p.entity_id)
        .collect();
    let mut lons: Vec<f64> = store
        .entity_points(EntityKind::Customer)
        .await
        .expect("points")
        .iter()
        .filter(|p| inside.contains(&p.id))
        .filter_map(|p| p.lon)
        .collect();
    lons.sort_by(f64::total_cmp);
    let x = 0.5 * (lons[lons.len() / 2 - 1] + lons[lons.len() / 2]);
    let [_, y0, _, y1] = cell.bbox;
    let split = wangge_edit::split(
        store,
        &wangge_edit::SplitRequest {
            cell: cell.code.clone(),
            line: vec![
                geo::Coord { x, y: y0 - 0.01 },
                geo::Coord { x, y: y1 + 0.01 },
            ],
            new_code: None,
            new_name: None,
            expected_version: None,
            dry_run: false,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{backend}: split {}: {e}", cell.code));
    let placed = split.changed.placed_again.count();
    assert!(
        placed >= before,
        "{backend}: {placed} placed again, the cell held {before}"
    );
    let after_split = all_placements(store).await;
    let cut = store
        .grid(&split.cut.geometry.code)
        .await
        .expect("read")
        .expect("the cut cell");
    let in_cut = after_split[0]
        .iter()
        .filter(|p| p.cell_id == Some(cut.id))
        .count();
    assert!(
        in_cut > 0,
        "{backend}: no customer in the cut-off side {}",
        cut.code
    );

    let full = |store: &Store| {
        let store = store.clone();
        async move {
            let index = load_index(&store).await.expect("index");
            assign_all(&store, &index, &AssignOptions::default())
                .await
                .expect("full run");
            all_placements(&store).await
        }
    };
    assert!(
        after_split == full(store).await,
        "{backend}: the split's placements differ from a full run"
    );

    // Merge back: the cut cell is deleted (its placements set NULL first).
    let merged = wangge_edit::merge_cells(
        store,
        &wangge_edit::MergeRequest {
            cells: vec![cell.code.clone(), cut.code.clone()],
            into: Some(cell.code.clone()),
            name: None,
            expected_versions: Vec::new(),
            actor_user_id: None,
            dry_run: false,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{backend}: merge: {e}"));
    assert!(merged.changed.placed_again.count() >= before, "{backend}");
    let after_merge = all_placements(store).await;
    assert!(
        after_merge[0].iter().all(|p| p.cell_id != Some(cut.id)),
        "{backend}"
    );
    assert!(
        after_merge == full(store).await,
        "{backend}: the merge's placements differ from a full run"
    );
    log_line(&format!(
        "{backend}: split of {} placed {placed} again ({in_cut} customers in the cut side), \
         merge {}; both as a full run",
        cell.code,
        merged.changed.placed_again.count()
    ));
}
