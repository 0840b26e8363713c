//! [`CellIndex::update`] against a fresh [`CellIndex::build`] of the same
//! grids: the same answers for every point, and (on the same raster plan)
//! the same raster, after geometry changes, a split, a merge, and a chain
//! of them.

use geo::{polygon, MultiPolygon};
use wangge_model::LevelNo;

use super::{CellIndex, IndexedGrid, LocateOptions, UpdatedGrid};

const X0: f64 = 110.0;
const Y0: f64 = 32.0;
/// Cells per side, and their side in degrees.
const N: usize = 7;
const SIDE: f64 = 0.01;

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1),
    ]])
}

fn grid(
    id: i64,
    code: &str,
    level: u8,
    parent_id: Option<i64>,
    geometry: MultiPolygon<f64>,
) -> IndexedGrid {
    IndexedGrid {
        id,
        code: code.parse().unwrap(),
        level: LevelNo::try_from(level).unwrap(),
        parent_id,
        geometry,
    }
}

/// One department, branch and outlet area over N × N square cells (ids
/// 10 + k, codes `C-kk`), as a store returns them: by level, then code.
fn territory() -> Vec<IndexedGrid> {
    let all = rect(X0, Y0, X0 + N as f64 * SIDE, Y0 + N as f64 * SIDE);
    let mut grids = vec![
        grid(1, "D", 1, None, all.clone()),
        grid(2, "D-B", 2, Some(1), all.clone()),
        grid(3, "D-B-O", 3, Some(2), all),
    ];
    for k in 0..N * N {
        let (i, j) = ((k % N) as f64, (k / N) as f64);
        let (x, y) = (X0 + i * SIDE, Y0 + j * SIDE);
        grids.push(grid(
            10 + k as i64,
            &format!("C-{k:02}"),
            4,
            Some(3),
            rect(x, y, x + SIDE, y + SIDE),
        ));
    }
    grids
}

fn sorted(mut grids: Vec<IndexedGrid>) -> Vec<IndexedGrid> {
    grids.sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
    grids
}

/// The update of `old` to `grids`, outlines of the ids in `changed` given,
/// the others left to the index.
fn update(old: &CellIndex, grids: &[IndexedGrid], changed: &[i64]) -> CellIndex {
    let updated = grids
        .iter()
        .map(|g| UpdatedGrid {
            id: g.id,
            code: g.code.clone(),
            level: g.level,
            parent_id: g.parent_id,
            geometry: (changed.contains(&g.id) || old.by_id(g.id).is_none())
                .then(|| g.geometry.clone()),
        })
        .collect();
    old.update(updated).expect("update")
}

/// Every answer of the two indexes agrees on a dense lattice that hits
/// edges and vertices exactly, and the rasters are equal.
fn assert_same(updated: &CellIndex, fresh: &CellIndex, what: &str) {
    assert_same_answers(updated, fresh, what);
    assert_eq!(updated.grids, fresh.grids, "{what}: grids");
    assert_eq!(
        updated.grids_with_dropped_rings(),
        fresh.grids_with_dropped_rings(),
        "{what}"
    );
    assert_eq!(
        updated.stored_edge_count(),
        fresh.stored_edge_count(),
        "{what}"
    );
    assert!(updated.tiles == fresh.tiles, "{what}: the rasters differ");
}

#[test]
fn a_changed_outline_updates_as_a_fresh_build() {
    let before = territory();
    let base = CellIndex::build(before.clone()).unwrap();
    // Cell 24 (the middle) shrinks to its south-west quarter: a gap.
    let mut after = before.clone();
    let middle = after.iter_mut().find(|g| g.id == 10 + 24).unwrap();
    let [x, y] = [X0 + 3.0 * SIDE, Y0 + 3.0 * SIDE];
    middle.geometry = rect(x, y, x + SIDE / 2.0, y + SIDE / 2.0);
    let updated = update(&base, &after, &[10 + 24]);
    let fresh = CellIndex::build(after).unwrap();
    assert!(updated.raster_patched());
    assert_same(&updated, &fresh, "shrunk");
    // The gap is seen: in the outlet area, no cell.
    let gap = updated.locate(x + 0.8 * SIDE, y + 0.8 * SIDE, &LocateOptions::default());
    assert_eq!(gap.status, super::PointStatus::InGap);
}

#[test]
fn a_split_and_a_merge_update_as_fresh_builds() {
    let before = territory();
    let base = CellIndex::build(before.clone()).unwrap();
    // Split cell 10 (C-10) in two: C-10 keeps the west half, C-10-2 (a new
    // id, its code in the middle of the order) takes the east half.
    let (i, j) = ((10 % N) as f64, (10 / N) as f64);
    let (x, y) = (X0 + i * SIDE, Y0 + j * SIDE);
    let mut split = before.clone();
    split
        .iter_mut()
        .find(|g| g.code.as_str() == "C-10")
        .unwrap()
        .geometry = rect(x, y, x + SIDE / 2.0, y + SIDE);
    split.push(grid(
        900,
        "C-10-2",
        4,
        Some(3),
        rect(x + SIDE / 2.0, y, x + SIDE, y + SIDE),
    ));
    let split = sorted(split);
    let after_split = update(&base, &split, &[10 + 10]);
    assert!(after_split.raster_patched());
    assert_same(
        &after_split,
        &CellIndex::build(split.clone()).unwrap(),
        "split",
    );

    // Merge C-11 into C-12 (both east of the split): C-11 is removed.
    let mut merged: Vec<IndexedGrid> = split
        .into_iter()
        .filter(|g| g.code.as_str() != "C-11")
        .collect();
    let (i, j) = ((11 % N) as f64, (11 / N) as f64);
    let (x, y) = (X0 + i * SIDE, Y0 + j * SIDE);
    merged
        .iter_mut()
        .find(|g| g.code.as_str() == "C-12")
        .unwrap()
        .geometry = rect(x, y, x + 2.0 * SIDE, y + SIDE);
    // From the split's index (a chain of updates) and from the first one.
    let chained = update(&after_split, &merged, &[10 + 12]);
    assert!(chained.raster_patched());
    let fresh = CellIndex::build(merged).unwrap();
    assert_same(&chained, &fresh, "split then merge");
    assert_eq!(chained.by_code(&"C-11".parse().unwrap()), None);
}

#[test]
fn an_update_that_moves_the_territorys_box_is_built_whole() {
    let before = territory();
    let base = CellIndex::build(before.clone()).unwrap();
    // A cell that reaches beyond the department: the raster's box grows.
    let mut after = before;
    let corner = after.iter_mut().find(|g| g.id == 10).unwrap();
    corner.geometry = rect(X0 - SIDE, Y0 - SIDE, X0 + SIDE, Y0 + SIDE);
    let updated = update(&base, &after, &[10]);
    assert!(!updated.raster_patched());
    assert_same(&updated, &CellIndex::build(after).unwrap(), "grown");
}

#[test]
fn an_update_without_an_outline_for_a_new_grid_is_refused() {
    let base = CellIndex::build(territory()).unwrap();
    let mut grids: Vec<UpdatedGrid> = territory()
        .into_iter()
        .map(|g| UpdatedGrid {
            geometry: None,
            ..g.into()
        })
        .collect();
    assert!(base.update(grids.clone()).is_ok(), "nothing changed");
    grids.push(UpdatedGrid {
        id: 999,
        code: "C-99".parse().unwrap(),
        level: LevelNo::CELL,
        parent_id: Some(3),
        geometry: None,
    });
    let refused = base.update(grids).unwrap_err();
    assert!(refused.to_string().contains("C-99"), "{refused}");
}

/// A random edit of one cell: a new outline (a rectangle anywhere in or
/// around the territory, overlaps and gaps allowed: data is not always
/// valid), removed, or a new cell beside it.
#[derive(Debug, Clone)]
enum Edit {
    Reshape { cell: usize, rect: [f64; 4] },
    Remove { cell: usize },
    Add { rect: [f64; 4] },
}

fn rect_strategy() -> impl proptest::strategy::Strategy<Value = [f64; 4]> {
    use proptest::prelude::*;
    // Inside the department mostly; now and then a little beyond it.
    let span = N as f64 * SIDE;
    (-0.05..1.05f64, -0.05..1.05f64, 0.02..0.4f64, 0.02..0.4f64).prop_map(move |(x, y, w, h)| {
        let (x0, y0) = (X0 + x * span, Y0 + y * span);
        [x0, y0, x0 + w * span, y0 + h * span]
    })
}

fn edit_strategy() -> impl proptest::strategy::Strategy<Value = Edit> {
    use proptest::prelude::*;
    prop_oneof![
        (0..N * N, rect_strategy()).prop_map(|(cell, rect)| Edit::Reshape { cell, rect }),
        (0..N * N).prop_map(|cell| Edit::Remove { cell }),
        rect_strategy().prop_map(|rect| Edit::Add { rect }),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Chains of random edits, each applied by `update` to the previous
    /// update's index: every answer and the raster equal a fresh build's.
    #[test]
    fn random_edit_chains_update_as_fresh_builds(edits in proptest::collection::vec(edit_strategy(), 1..5)) {
        let mut grids = territory();
        let mut index = CellIndex::build(grids.clone()).unwrap();
        let mut next_id = 1_000;
        for (step, edit) in edits.iter().enumerate() {
            let cells: Vec<usize> = (0..grids.len()).filter(|&i| grids[i].level.is_cell()).collect();
            let mut changed = Vec::new();
            match *edit {
                Edit::Reshape { cell, rect: [x0, y0, x1, y1] } => {
                    let i = cells[cell % cells.len()];
                    grids[i].geometry = rect(x0, y0, x1, y1);
                    changed.push(grids[i].id);
                }
                Edit::Remove { cell } if cells.len() > 1 => {
                    grids.remove(cells[cell % cells.len()]);
                }
                Edit::Remove { .. } => {}
                Edit::Add { rect: [x0, y0, x1, y1] } => {
                    next_id += 1;
                    grids.push(grid(next_id, &format!("C-{next_id}"), 4, Some(3), rect(x0, y0, x1, y1)));
                    grids = sorted(grids);
                }
            }
            let updated = update(&index, &grids, &changed);
            let fresh = CellIndex::build(grids.clone()).unwrap();
            if updated.raster_patched() {
                assert_same(&updated, &fresh, &format!("step {step}: {edit:?}"));
            } else {
                // Built whole (the territory's box moved): a fresh build
                // whose plan may differ; every answer still agrees.
                assert_same_answers(&updated, &fresh, &format!("step {step}: {edit:?}"));
            }
            index = updated;
        }
    }
}

/// The answers of [`assert_same`] without the raster: on a dense lattice
/// that hits edges and vertices exactly, and off it.
fn assert_same_answers(updated: &CellIndex, fresh: &CellIndex, what: &str) {
    let options = LocateOptions::default();
    let steps = 8 * N + 4;
    for a in 0..=steps {
        for b in 0..=steps {
            let x = X0 - SIDE + a as f64 * (N as f64 + 2.0) * SIDE / steps as f64;
            let y = Y0 - SIDE + b as f64 * (N as f64 + 2.0) * SIDE / steps as f64;
            for (x, y) in [(x, y), (x + 0.000_37, y + 0.000_11)] {
                assert_eq!(
                    updated.locate(x, y, &options),
                    fresh.locate(x, y, &options),
                    "{what}: at ({x}, {y})"
                );
            }
        }
    }
}
