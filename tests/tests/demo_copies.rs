//! Province scale on every backend: two copies of the demo seeded side by
//! side give twice the demo's grids and entities, with unique codes, and
//! every customer of the second copy is placed in a cell of the second copy.

use wangge_assign::{assign_all, load_index, AssignOptions};
use wangge_demo::{seed, seed_copies, DemoConfig};
use wangge_model::{GridCode, LevelNo, PlacementStatus};
use wangge_store::EntityKind;
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
        t.finish().await;
    }
}
