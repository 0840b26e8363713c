//! `wangge import grids FILE --level N`: the same edit as the server's
//! `POST /api/v1/grids/import` (`wangge_edit::import_grids`), so both write
//! the same rows, raise the same revisions and place the changed area again.

use std::time::Instant;

use anyhow::Context;
use wangge_edit::{ImportRequest, PlacedAgain};
use wangge_io::layer::FileFormat;
use wangge_io::GridFields;
use wangge_model::Territory;
use wangge_store::Store;

use crate::args::ImportGridsArgs;

pub async fn grids(store: &Store, args: &ImportGridsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let layer = wangge_io::layer::read_layer(&args.file, args.encoding, args.layer.as_deref())
        .with_context(|| {
            format!(
                "{} was not imported; the database is unchanged",
                args.file.display()
            )
        })?;
    let crs = args.crs.or(layer.crs);
    if layer.format != FileFormat::GeoJson {
        let table = layer
            .encoding
            .map(|e| format!(", attribute table in {e}"))
            .unwrap_or_default();
        eprintln!(
            "{}: {} {} features{table}, coordinates in {}",
            args.file.display(),
            layer.features,
            layer.format.name(),
            crs.unwrap_or_default()
        );
    }
    let bytes = layer.geojson.into_bytes();
    let fields = GridFields {
        name: args.name_field.clone(),
        code: args.code_field.clone(),
        cell_type: args.type_field.clone(),
        parent: args.parent_field.clone(),
    };
    let request = ImportRequest {
        geojson: &bytes,
        level: args.level,
        fields,
        crs,
        territory: Some(Territory {
            code: args.territory.clone(),
            name: args.territory_name.clone(),
        }),
        expected_revision: None,
        dry_run: args.dry_run,
    };
    let done = wangge_edit::import_grids(store, &request)
        .await
        .with_context(|| {
            format!(
                "{} was not imported; the database is unchanged",
                args.file.display()
            )
        })?;
    for (source, reason) in &done.invalid {
        println!("invalid geometry, stored flagged: {source}: {reason}");
    }
    if args.dry_run {
        println!(
            "dry run: {} level-{} features read ({} new, {} updated), {} with invalid geometry; nothing written",
            done.features,
            args.level,
            done.inserted,
            done.updated,
            done.invalid.len()
        );
        return Ok(());
    }
    println!(
        "imported {} level-{} grids into {} ({} new, {} updated, {} invalid stored flagged) in {} ms",
        done.features,
        args.level,
        done.territory.code,
        done.inserted,
        done.updated,
        done.invalid.len(),
        started.elapsed().as_millis()
    );
    match &done.changed.placed_again {
        PlacedAgain::NotNeeded => {}
        PlacedAgain::Entities { count } => {
            println!("placed {count} entities of the changed area again");
        }
        PlacedAgain::Failed { reason } => {
            eprintln!("warning: {reason}; run `wangge assign`");
        }
    }
    Ok(())
}
