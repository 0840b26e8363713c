//! `wangge demo` and the seeding of `serve --demo`: seed, place, mark
//! complete, then print the passwords once. A seeding that was cut (killed,
//! or failed) is finished by running the same command again; the server
//! refuses to serve it meanwhile (see `wangge_demo::seeding`).

use anyhow::bail;
use wangge_demo::{DemoConfig, DemoReport, DemoState, SeedPlan, Unfinished};
use wangge_store::Store;

use crate::args::DemoArgs;

pub async fn run(store: &Store, db_url: &str, args: &DemoArgs) -> anyhow::Result<()> {
    let plan = SeedPlan {
        config: DemoConfig {
            seed: args.seed,
            customers: args.customers,
        },
        copies: usize::from(args.copies),
        password_seed: args.password_seed,
    };
    match wangge_demo::demo_state(store).await? {
        DemoState::Empty => {}
        DemoState::Unfinished(unfinished) if unfinished.plan == plan => {
            outln!(
                "finishing the demo seeding that was interrupted ({})",
                unfinished.progress()
            )?;
        }
        DemoState::Unfinished(unfinished) => bail!(
            "the database holds a demo seeding that was interrupted with other options ({}); \
             finish it with `{}`, or seed into an empty database (choose another with --db)",
            unfinished.progress(),
            command(db_url, &unfinished.plan)
        ),
        DemoState::Complete(_) => bail!(
            "the database already holds the complete demo; the demo seeds only an empty database (choose another with --db)"
        ),
        DemoState::OtherData => bail!(
            "the database already holds a grid; the demo seeds only an empty database (choose another with --db)"
        ),
    }
    seed_place_complete(store, db_url, &plan).await
}

/// `serve --demo` on an empty database: the default demo.
pub async fn seed_default(store: &Store, db_url: &str) -> anyhow::Result<()> {
    seed_place_complete(store, db_url, &SeedPlan::new(DemoConfig::default())).await
}

/// `serve --demo` on an interrupted seeding: finished with its own plan.
pub async fn finish(store: &Store, db_url: &str, unfinished: &Unfinished) -> anyhow::Result<()> {
    tracing::info!(progress = %unfinished.progress(), "finishing the interrupted demo seeding");
    seed_place_complete(store, db_url, &unfinished.plan).await
}

/// The refusal of `serve` (without --demo) on an interrupted seeding.
pub fn refuse_unfinished(db_url: &str, unfinished: &Unfinished) -> anyhow::Error {
    anyhow::anyhow!(
        "refusing to serve a half-seeded demo: its seeding was interrupted ({}). \
         Finish it with `{}` (or `wangge --db {} serve --demo`), or serve another database",
        unfinished.progress(),
        command(db_url, &unfinished.plan),
        super::redact(db_url)
    )
}

/// The full command line that seeds or finishes `plan` on this database.
fn command(db_url: &str, plan: &SeedPlan) -> String {
    format!("wangge --db {} {}", super::redact(db_url), plan.command())
}

/// Stores the demo (resuming a cut seeding of the same plan), places it,
/// marks it complete, and only then prints the passwords.
async fn seed_place_complete(store: &Store, db_url: &str, plan: &SeedPlan) -> anyhow::Result<()> {
    let report = wangge_demo::seed_plan(store, plan).await?;
    super::assign::after_change(store).await?;
    wangge_demo::mark_complete(store).await?;
    print_report(&report, db_url)?;
    Ok(())
}

/// Prints what was seeded, with the demo users' passwords: shown this once.
fn print_report(report: &DemoReport, db_url: &str) -> std::io::Result<()> {
    let [l1, l2, l3, l4] = report.grids_per_level;
    outln!("demo territory seeded: {l1} departments, {l2} branches, {l3} outlet areas, {l4} cells, {} outlets", report.outlets)?;
    outln!(
        "generated in {} ms, stored in {} ms",
        report.generate_ms,
        report.store_ms
    )?;
    outln!("demo users (random passwords, shown only now):")?;
    for user in &report.users {
        let scope: Vec<&str> = user
            .scopes
            .iter()
            .map(wangge_model::GridCode::as_str)
            .collect();
        let kind = user.kind.map(|k| format!(" ({k})")).unwrap_or_default();
        outln!(
            "  {:<16} {:<13}{kind:<12} password {}  scope {}",
            user.name,
            user.role.as_str(),
            user.password,
            if scope.is_empty() {
                "-".to_owned()
            } else {
                scope.join(",")
            }
        )?;
    }
    outln!(
        "a lost password is reset with `wangge --db {} user passwd NAME` (prints a new one)",
        super::redact(db_url)
    )?;
    Ok(())
}
