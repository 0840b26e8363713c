use std::time::Instant;

use anyhow::Context;
use wangge_io::{read_grids_geojson, GridFields};
use wangge_store::Store;

use crate::args::ImportGridsArgs;

pub async fn grids(store: &Store, args: &ImportGridsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not UTF-8 (byte {}): GeoJSON must be UTF-8 (RFC 7946); re-save it as UTF-8",
            args.file.display(),
            e.valid_up_to()
        )
    })?;
    let fields = GridFields {
        name: args.name_field.clone(),
        code: args.code_field.clone(),
        cell_type: args.type_field.clone(),
        parent: args.parent_field.clone(),
    };
    let catalog = store.cell_types().await?;
    let parsed = read_grids_geojson(text, args.level, &fields, &catalog)
        .with_context(|| format!("{} was not imported", args.file.display()))?;

    let invalid: Vec<(&str, &str)> = parsed.invalid().collect();
    for (source, reason) in &invalid {
        println!("invalid geometry, stored flagged: {source}: {reason}");
    }
    if args.dry_run {
        println!(
            "dry run: {} level-{} features read, {} with invalid geometry; nothing written",
            parsed.grids.len(),
            args.level,
            invalid.len()
        );
        return Ok(());
    }
    let territory = super::territory_or_new(store, &args.territory, &args.territory_name).await?;
    let report = store
        .import_grids(&territory, &parsed.grids)
        .await
        .with_context(|| {
            format!(
                "{} was not imported; the database is unchanged",
                args.file.display()
            )
        })?;
    println!(
        "imported {} level-{} grids into {} ({} new, {} updated, {} invalid stored flagged) in {} ms",
        parsed.grids.len(),
        args.level,
        territory.code,
        report.inserted,
        report.updated,
        invalid.len(),
        started.elapsed().as_millis()
    );
    super::assign::after_change(store).await
}
