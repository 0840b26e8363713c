//! The coverage report's fix proposals (gaps given to a neighbour,
//! overlaps split) written back. The analysis is too slow to run inside a
//! write transaction, so it runs on a snapshot first and the transaction
//! checks that the grid is still at the snapshot's revision.

use std::sync::Arc;

use wangge_coverage::{
    analyze_snapshot, difference, fixed_snapshot, plan_fixes, DiffRow, FixPlan, ReportOptions,
    Snapshot,
};
use wangge_spatial::coverage::CoverageReport;
use wangge_store::Store;

use crate::change::{finish, union_bbox};
use crate::place::Scope;
use crate::{Changed, EditError};

/// Apply the proposals of `report`, analysed on `snapshot` with `options`
/// (only those inside `options.parent` when it is set).
#[derive(Debug, Clone)]
pub struct FixRequest {
    pub snapshot: Arc<Snapshot>,
    pub report: Arc<CoverageReport>,
    pub options: ReportOptions,
    /// The grid revision the caller previewed; a different one refuses.
    pub expected_revision: Option<i64>,
    pub dry_run: bool,
}

/// What the fixes change, and the report after them.
#[derive(Debug, Clone)]
pub struct FixesApplied {
    /// The revision the proposals were computed on.
    pub revision: i64,
    pub plan: FixPlan,
    /// The report on the fixed grid (computed in memory: the same numbers
    /// a fresh report gives after writing).
    pub after: CoverageReport,
    pub difference: Vec<DiffRow>,
    pub changed: Changed,
}

/// Writes the plan in ONE transaction (a dry run: the same, rolled back).
pub async fn apply_fixes(store: &Store, request: &FixRequest) -> Result<FixesApplied, EditError> {
    let snapshot = &request.snapshot;
    if let Some(expected) = request.expected_revision {
        if expected != snapshot.revision {
            return Err(EditError::conflict(format!(
                "the grid changed since the preview (revision {expected}, now {}): preview again",
                snapshot.revision
            )));
        }
    }
    let mut chosen = (*request.report).clone();
    if let Some(parent) = &request.options.parent {
        chosen
            .fixes
            .retain(|f| snapshot.within(f.parent.as_ref(), parent));
    }
    let plan = plan_fixes(snapshot, &chosen);
    let after = {
        let fixed = fixed_snapshot(snapshot, &plan);
        let options = request.options.clone();
        tokio::task::spawn_blocking(move || analyze_snapshot(&fixed, &options))
            .await
            .map_err(|e| EditError::bad_input("level", format!("coverage analysis failed: {e}")))?
    };
    let difference = difference(&request.report, &after);

    let mut edit = store.begin_grid_edit().await?;
    let now = edit.revision_at_start();
    if now != snapshot.revision {
        return Err(EditError::conflict(format!(
            "the grid changed since it was analysed (revision {}, now {now}): preview again",
            snapshot.revision
        )));
    }
    let updates: Vec<_> = plan.changes.iter().map(|c| c.update.clone()).collect();
    edit.update_geometries(&updates).await?;
    let area = union_bbox(
        plan.changes
            .iter()
            .flat_map(|c| c.old_bbox.into_iter().chain([c.update.bbox])),
    );
    let codes = plan.changes.iter().map(|c| c.grid.clone()).collect();
    let changed = finish(store, edit, request.dry_run, codes, area, Scope::of(area)).await?;
    Ok(FixesApplied {
        revision: snapshot.revision,
        plan,
        after,
        difference,
        changed,
    })
}
