//! `wangge assign`: place everything, print the rates.

use std::time::Instant;

use wangge_assign::{assign_all, load_index, AddressHook, AssignOptions, AssignReport};
use wangge_geocode::Hints;
use wangge_store::{GridRate, Store};

use crate::args::AssignArgs;

pub async fn run(store: &Store, args: &AssignArgs) -> anyhow::Result<()> {
    let addresses = if args.geocode {
        Some(AddressHook {
            geocoder: super::geocoder::load_geocoder(store).await?,
            hints: Hints::default(),
        })
    } else {
        None
    };
    let options = AssignOptions {
        snap_distance_m: args.snap_distance_m,
        addresses,
        ..AssignOptions::default()
    };
    let started = Instant::now();
    let index = load_index(store).await?;
    let index_ms = started.elapsed().as_millis();
    let report = assign_all(store, &index, &options).await?;
    let rates = store.assignment_rates(args.level).await?;
    if args.json {
        let json = serde_json::json!({ "index_ms": index_ms, "report": report, "rates": rates });
        outln!("{}", serde_json::to_string_pretty(&json)?)?;
        return Ok(());
    }
    outln!(
        "index of {} cells built in {index_ms} ms",
        index.cell_count()
    )?;
    print_report(&report)?;
    print_rates(&rates)?;
    Ok(())
}

/// After grids or entities change: place everything again when there is
/// anything to place (idempotent), and say so in one line per kind.
pub async fn after_change(store: &Store) -> anyhow::Result<()> {
    let counts = store.entity_counts().await?;
    if counts.iter().all(|(_, n)| *n == 0) || store.is_empty().await? {
        return Ok(());
    }
    let index = load_index(store).await?;
    let report = assign_all(store, &index, &AssignOptions::default()).await?;
    print_report(&report)?;
    Ok(())
}

/// At a server's start: places everything again when some customer or
/// resource has no placement yet (an import or a demo seeding killed after
/// loading), so that nothing stays `not_placed_yet`.
pub async fn place_not_placed_yet(store: &Store) -> anyhow::Result<()> {
    let not_placed = store.not_placed_yet_counts().await?;
    if not_placed.iter().all(|(_, n)| *n == 0) || store.is_empty().await? {
        return Ok(());
    }
    let counts: Vec<String> = not_placed
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    tracing::info!(not_placed_yet = %counts.join(", "), "placing what was loaded but not placed yet");
    let index = load_index(store).await?;
    let report = assign_all(store, &index, &AssignOptions::default()).await?;
    print_report(&report)?;
    Ok(())
}

fn print_report(report: &AssignReport) -> std::io::Result<()> {
    for kind in report.kinds.iter().filter(|k| k.total > 0) {
        let statuses: Vec<String> = kind
            .by_status
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let plural = match kind.kind.strip_suffix('y') {
            Some(stem) => format!("{stem}ies"),
            None => format!("{}s", kind.kind),
        };
        outln!(
            "placed {} {plural}: {} (read {} ms, located {} ms, stored {} ms)",
            kind.total,
            statuses.join(", "),
            kind.load_ms,
            kind.compute_ms,
            kind.persist_ms
        )?;
    }
    Ok(())
}

fn print_rates(rates: &[GridRate]) -> std::io::Result<()> {
    use crate::table::{Align, Table};
    let mut table = Table::new(&[
        ("grid", Align::Left),
        ("name", Align::Left),
        ("customers", Align::Right),
        ("in cell", Align::Right),
        ("rate", Align::Right),
        ("resources", Align::Right),
        ("in cell", Align::Right),
        ("rate", Align::Right),
    ]);
    for r in rates {
        let code = r
            .code
            .as_ref()
            .map_or_else(|| "(territory)".to_owned(), ToString::to_string);
        table.row([
            code,
            truncate(&r.name, 9),
            r.customers.total.to_string(),
            r.customers.in_cell.to_string(),
            format!("{:.2}%", r.customers.rate * 100.0),
            r.resources.total.to_string(),
            r.resources.in_cell.to_string(),
            format!("{:.2}%", r.resources.rate * 100.0),
        ]);
    }
    outln!("\n{}", table.render().trim_end())?;
    if let Some(territory) = rates.iter().find(|r| r.code.is_none()) {
        let line: Vec<String> = territory
            .customers
            .by_status
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        outln!("\ncustomers by status: {}", line.join(" · "))?;
        let line: Vec<String> = territory
            .resources
            .by_status
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        outln!("resources by status: {}", line.join(" · "))?;
    }
    Ok(())
}

/// At most `chars` characters (CJK names are wide; keep columns tidy).
fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}
