//! Seeding a store gives the field figures back through its statistics.

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use wangge_demo::{seed, DemoConfig, DemoReport, GRIDS_WITHOUT_OUTLET, SHIYAN_CUSTOMERS};
use wangge_model::Category;
use wangge_store::{EntityKind, Store};

/// The entity counts the store holds, in [`EntityKind::ALL`] order.
async fn stored_entities(store: &Store) -> Vec<i64> {
    let counts = store.entity_counts().await.expect("entity counts");
    EntityKind::ALL
        .iter()
        .map(|k| {
            counts
                .iter()
                .find(|(kind, _)| kind == k)
                .map_or(0, |(_, n)| *n)
        })
        .collect()
}

fn reported_entities(report: &DemoReport) -> Vec<i64> {
    [
        report.customers,
        report.resources,
        report.buildings,
        report.opportunities,
    ]
    .iter()
    .map(|&n| n as i64)
    .collect()
}

fn print_figures(what: &str, report: &DemoReport) {
    eprintln!(
        "{what}: generate grids {} ms + entities {} ms; store grids {} ms + entities {} ms; \
         {} customers, {} resources, {} buildings, {} opportunities",
        report.generate_grids_ms,
        report.generate_entities_ms,
        report.store_grids_ms,
        report.store_entities_ms,
        report.customers,
        report.resources,
        report.buildings,
        report.opportunities
    );
}

#[tokio::test]
async fn seeded_store_reports_the_field_figures() {
    let store = Store::connect("sqlite::memory:").await.expect("store");
    assert!(store.is_empty().await.expect("empty check"));
    let report = seed(&store, &DemoConfig::default()).await.expect("seeds");
    assert!(!store.is_empty().await.expect("empty check"));

    let stats = store.stats().await.expect("stats");
    let per_level: Vec<i64> = report.grids_per_level.iter().map(|&n| n as i64).collect();
    assert_eq!(stats.by_level.to_vec(), per_level);
    assert_eq!(&stats.by_level[..2], &[14, 249]);
    assert_eq!(stats.by_level[3], 7_183);
    let category = |c: Category| {
        stats
            .by_category
            .iter()
            .find(|x| x.category == c)
            .map(|x| x.cells)
    };
    assert_eq!(category(Category::Rural), Some(1_951));
    assert_eq!(category(Category::Industry), Some(742));
    assert_eq!(category(Category::Cluster), Some(1_861));
    assert_eq!(category(Category::NonCluster), Some(190));
    assert_eq!(category(Category::Community), Some(2_058));
    assert_eq!(category(Category::Vacant), Some(381));
    assert_eq!(stats.by_type.iter().filter(|t| t.cells > 0).count(), 20);
    assert_eq!(stats.invalid_geometries, 0);
    assert_eq!(stats.outlets, report.outlets as i64);
    assert_eq!(stats.level3_without_outlet, GRIDS_WITHOUT_OUTLET as i64);
    assert_eq!(stats.users, report.users.len() as i64);
    assert_eq!(report.customers, DemoConfig::default().customers);
    assert_eq!(stored_entities(&store).await, reported_entities(&report));
    // Broken coordinates come back as they went in (placement reports them).
    let points = store
        .entity_points(EntityKind::Customer)
        .await
        .expect("points");
    assert_eq!(points.len(), report.customers);
    assert!(points.iter().any(|p| p.lon.is_some_and(f64::is_nan)));
    assert!(points.iter().any(|p| p.lon.is_none() && p.has_address));
    assert!(points.iter().any(|p| p.lon.is_none() && !p.has_address));
    let resources = store
        .entity_points(EntityKind::Resource)
        .await
        .expect("points");
    assert!(resources
        .iter()
        .any(|p| p.lon.is_none() && p.parent_id.is_some()));

    // Users log in with the passwords the report prints.
    for user in &report.users {
        let (record, hash) = store
            .user_credentials(&user.name)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(record.role, user.role);
        assert_eq!(record.scopes, user.scopes);
        let hash = PasswordHash::new(&hash).expect("PHC string");
        assert!(
            Argon2::default()
                .verify_password(user.password.as_bytes(), &hash)
                .is_ok(),
            "{}",
            user.name
        );
    }
}

/// Prints how long the demo takes on a SQLite file (run with `--release
/// --nocapture` for the figures); asserts only what was stored.
#[tokio::test]
async fn seeding_a_sqlite_file_prints_its_timing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = Store::connect(&url).await.expect("store");
    let report = seed(&store, &DemoConfig::default()).await.expect("seeds");
    print_figures("demo on a SQLite file", &report);
    assert_eq!(store.stats().await.expect("stats").by_level[3], 7_183);
    assert_eq!(stored_entities(&store).await, reported_entities(&report));
}

/// The field's scale, 1,206,974 customers, on a SQLite file: run with
/// `cargo test -p wangge-demo --release --test store -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "full Shiyan scale: a few seconds in release, much longer in debug"]
async fn full_shiyan_scale_on_a_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = Store::connect(&url).await.expect("store");
    let config = DemoConfig {
        customers: SHIYAN_CUSTOMERS,
        ..DemoConfig::default()
    };
    let report = seed(&store, &config).await.expect("seeds");
    print_figures("full scale on a SQLite file", &report);
    assert_eq!(report.customers, SHIYAN_CUSTOMERS);
    assert_eq!(stored_entities(&store).await, reported_entities(&report));
}
