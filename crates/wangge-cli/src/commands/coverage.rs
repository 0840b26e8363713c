//! `wangge coverage`: the coverage report as JSON, GeoJSON or CSV; with
//! `--fix`, the proposals applied (or, `--dry-run`, only shown) and the
//! difference they make.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Instant;

use std::sync::Arc;

use wangge_coverage::{
    analyze_snapshot, build_report, write_report, DiffRow, FixPlan, Format, Kind, Report,
    ReportOptions, Snapshot,
};
use wangge_edit::{FixRequest, PlacedAgain};
use wangge_spatial::coverage::CoverageReport;
use wangge_store::Store;

use crate::args::{CoverageArgs, CoverageFormat};

pub async fn run(store: &Store, args: &CoverageArgs) -> anyhow::Result<()> {
    let options = ReportOptions {
        level: args.level,
        gap_width_m: args.gap_width_m,
        parent: args.parent.clone(),
        kinds: args
            .kind
            .as_deref()
            .map(Kind::parse_list)
            .transpose()?
            .unwrap_or_default(),
    };
    options.check()?;
    let (snapshot, geometry) = analyse(store, &options).await?;
    if args.fix {
        return fix(store, args, &options, snapshot, geometry).await;
    }
    let started = Instant::now();
    let report = build_report(store, &snapshot, &geometry, &options).await?;
    tracing::info!(
        ms = started.elapsed().as_millis(),
        "ownership and data gaps read"
    );
    // A person at a terminal gets the summary; the whole report (megabytes
    // of JSON) goes to a file, a pipe, or wherever --format asks.
    if args.format.is_none()
        && args.output.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        outln!("{}", summary_table(&report))?;
        return Ok(());
    }
    let format = match args.format.unwrap_or(CoverageFormat::Json) {
        CoverageFormat::Json => Format::Json,
        CoverageFormat::Geojson => Format::Geojson,
        CoverageFormat::Csv => Format::Csv,
        gis => return write_findings_layer(&report, gis, args),
    };
    let mut out = if format == Format::Csv {
        crate::output::open_csv(args.output.as_deref())?
    } else {
        crate::output::open(args.output.as_deref())?
    };
    write_report(&report, format, &mut out)?;
    out.flush()?;
    if let Some(path) = &args.output {
        eprintln!("{} written to {}", one_line(&report), path.display());
    }
    Ok(())
}

/// Loads the grids and runs the geometric analysis.
async fn analyse(
    store: &Store,
    options: &ReportOptions,
) -> anyhow::Result<(Snapshot, CoverageReport)> {
    let started = Instant::now();
    let snapshot = Snapshot::load(store).await?;
    if snapshot.grids.is_empty() {
        anyhow::bail!(
            "the database has no grids: import some first (wangge import grids FILE --level 1)"
        );
    }
    let load_ms = started.elapsed().as_millis();
    let started = Instant::now();
    let geometry = analyze_snapshot(&snapshot, options);
    tracing::info!(
        grids = snapshot.grids.len(),
        load_ms,
        analyze_ms = started.elapsed().as_millis(),
        "coverage analysed"
    );
    Ok((snapshot, geometry))
}

/// The report's summary as tables for a terminal: per level, then the
/// ownership and data counts, then how to get the whole report.
fn summary_table(report: &Report) -> String {
    use crate::table::{Align, Table};
    let mut levels = Table::new(&[
        ("level", Align::Right),
        ("grids", Align::Right),
        ("gaps", Align::Right),
        ("gap m²", Align::Right),
        ("blind spots", Align::Right),
        ("slivers", Align::Right),
        ("overlaps", Align::Right),
        ("overlap m²", Align::Right),
        ("outside parent", Align::Right),
        ("edge mismatches", Align::Right),
        ("invalid", Align::Right),
    ]);
    for l in &report.summary.levels {
        levels.row([
            l.level.to_string(),
            l.grids.to_string(),
            l.gaps.count.to_string(),
            format!("{:.1}", l.gaps.area_m2),
            l.blind_spots.count.to_string(),
            l.slivers.count.to_string(),
            l.overlaps.count.to_string(),
            format!("{:.1}", l.overlaps.area_m2),
            l.outside_parent.count.to_string(),
            l.edge_mismatches.count.to_string(),
            l.invalid.to_string(),
        ]);
    }
    let mut text = format!(
        "coverage at grid revision {} (gaps under {} m wide are slivers)\n\n{}",
        report.summary.revision,
        report.summary.gap_width_m,
        levels.render()
    );
    let mut counts = Table::new(&[("", Align::Left), ("count", Align::Right)]);
    if let Some(o) = &report.summary.ownership {
        counts.row(["unclaimed cells".to_owned(), o.unclaimed_cells.to_string()]);
        counts.row([
            "level-3 grids without a manager".to_owned(),
            o.level3_without_manager.to_string(),
        ]);
        counts.row([
            "grids without an outlet".to_owned(),
            o.grids_without_outlet.to_string(),
        ]);
    }
    if let Some(d) = &report.summary.data {
        counts.row([
            "customers in no cell".to_owned(),
            d.customers_not_in_cell.to_string(),
        ]);
        counts.row([
            "resources in no cell".to_owned(),
            d.resources_not_in_cell.to_string(),
        ]);
        counts.row([
            "network blind spots".to_owned(),
            d.network_blind_spots.to_string(),
        ]);
        counts.row([
            "cells with ports over 90 %".to_owned(),
            d.ports_over_90pct.to_string(),
        ]);
    }
    if report.summary.ownership.is_some() || report.summary.data.is_some() {
        text.push('\n');
        text.push_str(&counts.render());
    }
    text.push_str(
        "\nthe whole report: -o FILE, or --format json|geojson|csv|geopackage|flatgeobuf|kml|shapefile",
    );
    text
}

/// "12 gaps (3.4 m²), 2 overlaps, ..." for the terminal.
fn one_line(report: &Report) -> String {
    let levels = &report.summary.levels;
    let gaps: usize = levels.iter().map(|l| l.gaps.count).sum();
    let gap_m2: f64 = levels.iter().map(|l| l.gaps.area_m2).sum();
    let blind: usize = levels.iter().map(|l| l.blind_spots.count).sum();
    let overlaps: usize = levels.iter().map(|l| l.overlaps.count).sum();
    let outside: usize = levels.iter().map(|l| l.outside_parent.count).sum();
    let edges: usize = levels.iter().map(|l| l.edge_mismatches.count).sum();
    let invalid: usize = levels.iter().map(|l| l.invalid).sum();
    let mut line = format!(
        "coverage report: {gaps} gaps ({gap_m2:.1} m², {blind} blind spots), {overlaps} overlaps, \
         {outside} grids outside their parent, {edges} edge mismatches, {invalid} invalid"
    );
    if let Some(o) = &report.summary.ownership {
        let _ = write!(
            line,
            "; {} unclaimed cells, {} level-3 grids without manager, {} without outlet",
            o.unclaimed_cells, o.level3_without_manager, o.grids_without_outlet
        );
    }
    if let Some(d) = &report.summary.data {
        let _ = write!(
            line,
            "; {} customers and {} resources not in a cell, {} network blind spots, {} cells with ports over 90 %",
            d.customers_not_in_cell, d.resources_not_in_cell, d.network_blind_spots, d.ports_over_90pct
        );
    }
    line
}

/// What writing the plan did: grids written, entities placed again.
struct Applied {
    grids_changed: usize,
    placed_again: PlacedAgain,
}

/// `--fix`: the same edit as the server's `POST /api/v1/coverage/fixes`.
async fn fix(
    store: &Store,
    args: &CoverageArgs,
    options: &ReportOptions,
    snapshot: Snapshot,
    before: CoverageReport,
) -> anyhow::Result<()> {
    let done = wangge_edit::apply_fixes(
        store,
        &FixRequest {
            snapshot: Arc::new(snapshot),
            report: Arc::new(before),
            options: options.clone(),
            expected_revision: None,
            dry_run: args.dry_run,
        },
    )
    .await?;
    let plan = &done.plan;
    let applied = (!args.dry_run && !plan.changes.is_empty()).then(|| Applied {
        grids_changed: plan.changes.len(),
        placed_again: done.changed.placed_again.clone(),
    });
    if let Some(reason) = applied.as_ref().and_then(|a| a.placed_again.failure()) {
        eprintln!("warning: {reason}; run `wangge assign`");
    }
    let diff = &done.difference;
    let mut out = crate::output::open(args.output.as_deref())?;
    if args.format == Some(CoverageFormat::Json) {
        let json = serde_json::json!({
            "dry_run": args.dry_run,
            "plan": plan,
            "applied": applied.as_ref().map(|a| serde_json::json!({
                "grids_changed": a.grids_changed,
                "entities_replaced": a.placed_again.count(),
            })),
            "difference": diff,
        });
        serde_json::to_writer(&mut out, &json)?;
        writeln!(out)?;
    } else {
        print_fix(&mut out, args.dry_run, plan, applied.as_ref(), diff)?;
    }
    out.flush()?;
    Ok(())
}

fn print_fix(
    out: &mut dyn Write,
    dry_run: bool,
    plan: &FixPlan,
    applied: Option<&Applied>,
    diff: &[DiffRow],
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} proposals move a piece (gap to a neighbour, overlap split); {} blind spots are left for a new cell",
        plan.proposals_applied, plan.blind_spots_left
    )?;
    let verb = if dry_run { "would change" } else { "changed" };
    writeln!(out, "{} grids {verb}:", plan.changes.len())?;
    for c in &plan.changes {
        writeln!(
            out,
            "  {:<24} level {}  {:.2} m² -> {:.2} m² ({:+.2} m²){}",
            c.grid.as_str(),
            c.level,
            c.area_before_m2,
            c.area_after_m2,
            c.area_after_m2 - c.area_before_m2,
            c.update
                .invalid_reason
                .as_deref()
                .map(|r| format!("  still invalid: {r}"))
                .unwrap_or_default()
        )?;
    }
    for left in &plan.left_alone {
        writeln!(out, "  {}: left alone, {}", left.grid.as_str(), left.reason)?;
    }
    match applied {
        None if dry_run => writeln!(out, "dry run: nothing written")?,
        None => writeln!(out, "nothing to change")?,
        Some(a) => writeln!(
            out,
            "wrote {} grids in one transaction; placed {} entities again",
            a.grids_changed,
            a.placed_again.count()
        )?,
    }
    let when = if dry_run { "after (dry run)" } else { "after" };
    writeln!(out, "report difference: level, kind, before -> {when}")?;
    for row in diff
        .iter()
        // Unchanged to the printed precision: left out.
        .filter(|r| {
            r.count_before != r.count_after || (r.amount_before - r.amount_after).abs() >= 0.005
        })
    {
        let unit = match row.kind {
            "edge_mismatches" => " m",
            "invalid" => "",
            _ => " m²",
        };
        let amount = |count: usize, amount: f64| {
            if unit.is_empty() {
                count.to_string()
            } else {
                format!("{count} ({amount:.2}{unit})")
            }
        };
        writeln!(
            out,
            "  level {}  {:<16} {} -> {}",
            row.level,
            row.kind,
            amount(row.count_before, row.amount_before),
            amount(row.count_after, row.amount_after)
        )?;
    }
    Ok(())
}

/// The findings (the GeoJSON report's features: gaps, overlaps, parts
/// outside parents, edge mismatches, invalid grids, ownership and data
/// items) as one layer of a GIS file, every feature with every column.
fn write_findings_layer(
    report: &Report,
    format: CoverageFormat,
    args: &CoverageArgs,
) -> anyhow::Result<()> {
    use serde_json::Value;
    let mut collection = wangge_coverage::feature_collection(report)?;
    if let Some(Value::Array(features)) = collection.get_mut("features") {
        // The same keys on every feature (FlatGeobuf reads by position).
        let mut keys = std::collections::BTreeSet::new();
        for feature in features.iter() {
            if let Some(properties) = feature["properties"].as_object() {
                keys.extend(properties.keys().cloned());
            }
        }
        for feature in features.iter_mut() {
            if let Some(properties) = feature["properties"].as_object_mut() {
                for key in &keys {
                    properties.entry(key.clone()).or_insert(Value::Null);
                }
            }
        }
        features.retain(|f| !f["geometry"].is_null());
    }
    if let Some(object) = collection.as_object_mut() {
        object.remove("summary");
    }
    let geojson = collection.to_string();
    let owned_fields = wangge_io::layer::fields_of(&geojson)?;
    if format == CoverageFormat::Shapefile {
        let Some(path) = args.output.as_deref() else {
            anyhow::bail!("Shapefiles are several files: give -o FILE.shp");
        };
        let written = wangge_io::shp::write_mixed_shapefiles(
            &geojson,
            &owned_fields,
            path,
            wangge_geocode::crs::Crs::Wgs84,
            wangge_io::Encoding::Utf8,
        )?;
        for (file, n) in &written {
            eprintln!("{n} findings written to {}", file.display());
        }
        eprintln!("{}", one_line(report));
        return Ok(());
    }
    let fields: Vec<(&str, wangge_io::layer::FieldType)> =
        owned_fields.iter().map(|(k, t)| (k.as_str(), *t)).collect();
    let format = match format {
        CoverageFormat::Geopackage => wangge_io::layer::FileFormat::GeoPackage,
        CoverageFormat::Kml => wangge_io::layer::FileFormat::Kml,
        _ => wangge_io::layer::FileFormat::FlatGeobuf,
    };
    crate::output::write_gis_layer(
        format,
        &geojson,
        "coverage",
        wangge_geocode::crs::Crs::Wgs84,
        &fields,
        args.output.as_deref(),
    )?;
    if let Some(path) = &args.output {
        eprintln!("{} written to {}", one_line(report), path.display());
    }
    Ok(())
}
