//! `wangge import grids FILE --level N`: the same edit as the server's
//! `POST /api/v1/grids/import` (`wangge_edit::import_grids`), so both write
//! the same rows, raise the same revisions and place the changed area again.

use std::time::Instant;

use anyhow::Context;
use std::path::Path;

use wangge_edit::{HierarchyRequest, ImportRequest, PlacedAgain};
use wangge_geocode::crs::Crs;
use wangge_io::hierarchy::{BuiltGrid, Hierarchy, HierarchyFields};
use wangge_io::layer::FileFormat;
use wangge_io::GridFields;
use wangge_model::Territory;
use wangge_store::Store;

use crate::args::{ImportCellsArgs, ImportGridsArgs};

pub async fn grids(store: &Store, args: &ImportGridsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (bytes, crs) = read_file(&args.file, args.encoding, args.layer.as_deref(), args.crs)?;
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
        .with_context(|| not_imported(&args.file))?;
    for (source, reason) in &done.invalid {
        outln!("invalid geometry, stored flagged: {source}: {reason}")?;
    }
    if args.dry_run {
        outln!(
            "dry run: {} level-{} features read ({} new, {} updated), {} with invalid geometry; nothing written",
            done.features,
            args.level,
            done.inserted,
            done.updated,
            done.invalid.len()
        )?;
        return Ok(());
    }
    outln!(
        "imported {} level-{} grids into {} ({} new, {} updated, {} invalid stored flagged) in {} ms",
        done.features,
        args.level,
        done.territory.code,
        done.inserted,
        done.updated,
        done.invalid.len(),
        started.elapsed().as_millis()
    )?;
    match &done.changed.placed_again {
        PlacedAgain::NotNeeded => {}
        PlacedAgain::Entities { count } => {
            outln!("placed {count} entities of the changed area again")?;
        }
        PlacedAgain::Failed { reason } => {
            eprintln!("warning: {reason}; run `wangge assign`");
        }
    }
    Ok(())
}

/// The file's features as GeoJSON and their system (`--crs`, else the
/// file's own), with a line on what was read.
fn read_file(
    path: &Path,
    encoding: Option<wangge_io::Encoding>,
    layer: Option<&str>,
    crs: Option<Crs>,
) -> anyhow::Result<(Vec<u8>, Option<Crs>)> {
    let layer =
        wangge_io::layer::read_layer(path, encoding, layer).with_context(|| not_imported(path))?;
    let crs = crs.or(layer.crs);
    if layer.format != FileFormat::GeoJson {
        let table = layer
            .encoding
            .map(|e| format!(", attribute table in {e}"))
            .unwrap_or_default();
        eprintln!(
            "{}: {} {} features{table}, coordinates in {}",
            path.display(),
            layer.features,
            layer.format.name(),
            crs.unwrap_or_default()
        );
    }
    Ok((layer.geojson.into_bytes(), crs))
}

/// `wangge import cells FILE --l1-field … --l2-field … --l3-field …`: the
/// four levels from one layer of cells, in one transaction.
pub async fn cells(store: &Store, args: &ImportCellsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (bytes, crs) = read_file(&args.file, args.encoding, args.layer.as_deref(), args.crs)?;
    let names = match args.name_fields.as_deref() {
        None => None,
        Some([l1, l2, l3]) => Some([l1.clone(), l2.clone(), l3.clone()]),
        Some(_) => anyhow::bail!("--name-fields takes three names: level 1, 2 and 3"),
    };
    let request = HierarchyRequest {
        geojson: &bytes,
        levels: HierarchyFields {
            levels: [
                args.l1_field.clone(),
                args.l2_field.clone(),
                args.l3_field.clone(),
            ],
            names,
        },
        cell_fields: GridFields {
            name: args.name_field.clone(),
            code: args.code_field.clone(),
            cell_type: args.type_field.clone(),
            parent: "parent".into(),
        },
        crs,
        territory: Some(Territory {
            code: args.territory.clone(),
            name: args.territory_name.clone(),
        }),
        dry_run: args.dry_run,
    };
    let done = wangge_edit::import_hierarchy(store, &request)
        .await
        .with_context(|| not_imported(&args.file))?;
    let [l1, l2, l3, l4] = done.counts;
    if args.dry_run {
        outln!(
            "dry run: {} would make {l1} departments, {l2} branches, {l3} outlet areas and {l4} cells ({} new, {} updated); nothing written",
            args.file.display(),
            done.inserted,
            done.updated,
        )?;
        // A reader that has seen enough (`| head`) is no error.
        match print_tree(&done.hierarchy, &mut std::io::stdout().lock()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    } else {
        outln!(
            "imported {l1} departments, {l2} branches, {l3} outlet areas and {l4} cells into {} ({} new, {} updated) in {} ms",
            done.territory.code,
            done.inserted,
            done.updated,
            started.elapsed().as_millis()
        )?;
    }
    for (source, reason) in &done.invalid {
        outln!("invalid geometry, stored flagged: {source}: {reason}")?;
    }
    for note in done.hierarchy.notes() {
        outln!("{note}")?;
    }
    if let PlacedAgain::Failed { reason } = &done.changed.placed_again {
        eprintln!("warning: {reason}; run `wangge assign`");
    }
    Ok(())
}

/// The grids of `grids` under `parent`.
fn under<'a>(grids: &'a [BuiltGrid], parent: &BuiltGrid) -> impl Iterator<Item = &'a BuiltGrid> {
    let code = parent.code.clone();
    grids
        .iter()
        .filter(move |g| g.parent.as_ref() == Some(&code))
}

/// The hierarchy as an indented tree with each grid's cells.
fn print_tree(hierarchy: &Hierarchy, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let [departments, branches, areas] = &hierarchy.grids;
    for department in departments {
        writeln!(
            out,
            "{} {} ({} cells)",
            department.code, department.name, department.cells
        )?;
        for branch in under(branches, department) {
            writeln!(
                out,
                "  {} {} ({} cells)",
                branch.code, branch.name, branch.cells
            )?;
            for area in under(areas, branch) {
                writeln!(
                    out,
                    "    {} {} ({} cells)",
                    area.code, area.name, area.cells
                )?;
            }
        }
    }
    out.flush()
}

/// What every refused import says after its reason.
fn not_imported(path: &Path) -> String {
    format!(
        "{} was not imported; the database is unchanged",
        path.display()
    )
}
