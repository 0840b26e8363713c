use anyhow::bail;
use wangge_demo::{DemoConfig, DemoReport};
use wangge_store::Store;

use crate::args::DemoArgs;

pub async fn run(store: &Store, args: &DemoArgs) -> anyhow::Result<()> {
    if !store.is_empty().await? {
        bail!("the database already holds a grid; the demo seeds only an empty database (choose another with --db)");
    }
    let config = DemoConfig {
        seed: args.seed,
        customers: args.customers,
    };
    let report = wangge_demo::seed_copies(store, &config, usize::from(args.copies)).await?;
    print_report(&report);
    super::assign::after_change(store).await
}

/// Seeds the demo, then places its customers and resources in cells.
pub async fn seed_and_place(store: &Store, config: DemoConfig) -> anyhow::Result<()> {
    let report = wangge_demo::seed(store, &config).await?;
    print_report(&report);
    super::assign::after_change(store).await
}

/// Prints what was seeded, with the demo users' passwords: shown this once.
pub fn print_report(report: &DemoReport) {
    let [l1, l2, l3, l4] = report.grids_per_level;
    println!("demo territory seeded: {l1} departments, {l2} branches, {l3} outlet areas, {l4} cells, {} outlets", report.outlets);
    println!(
        "generated in {} ms, stored in {} ms",
        report.generate_ms, report.store_ms
    );
    println!("demo users (passwords are shown only now):");
    for user in &report.users {
        let scope: Vec<&str> = user
            .scopes
            .iter()
            .map(wangge_model::GridCode::as_str)
            .collect();
        let kind = user.kind.map(|k| format!(" ({k})")).unwrap_or_default();
        println!(
            "  {:<16} {:<13}{kind:<12} password {}  scope {}",
            user.name,
            user.role.as_str(),
            user.password,
            if scope.is_empty() {
                "-".to_owned()
            } else {
                scope.join(",")
            }
        );
    }
}
