//! The administrator's edits of the grid, below the HTTP layer: a grid's
//! name or a cell's type ([`set_attributes`]), a GeoJSON import
//! ([`import_grids`]), cutting a cell along a line ([`split`]), merging
//! neighbouring cells ([`merge_cells`]) and the coverage report's fixes
//! ([`apply_fixes`]). The server's handlers and the CLI call the same
//! functions, so both write the same rows and raise the same revisions.
//!
//! Every edit is ONE store transaction ([`wangge_store::GridEdit`]) that
//! takes the grid's write lock first, then reads what it depends on, checks
//! it against what the caller read or previewed (a grid's `version`, the
//! grid revision) and refuses with [`EditError::Conflict`] when it moved;
//! a dry run is the same transaction rolled back. After the commit the
//! entities of the changed area are placed again ([`PlacedAgain`]); that
//! step's failure is reported in the result, never as a failed edit.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use wangge_edit::{import_grids, ImportRequest, EditError};
//! let store = wangge_store::Store::connect("sqlite::memory:").await?;
//! let file = br#"{"type": "FeatureCollection", "features": [{"type": "Feature",
//!     "properties": {"code": "A", "name": "A"},
//!     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}"#;
//! let request = ImportRequest {
//!     geojson: file,
//!     level: wangge_model::LevelNo::try_from(1u8)?,
//!     fields: wangge_io::GridFields::default(),
//!     crs: None,
//!     territory: Some(wangge_model::Territory { code: "T".parse()?, name: "T".into() }),
//!     expected_revision: None,
//!     dry_run: true,
//! };
//! let preview = import_grids(&store, &request).await?;
//! assert_eq!(preview.inserted, 1);
//! assert!(store.grid(&"A".parse()?).await?.is_none(), "a dry run writes nothing");
//! // A preview of an older grid is refused.
//! let stale = ImportRequest { expected_revision: Some(-1), dry_run: false, ..request };
//! assert!(matches!(import_grids(&store, &stale).await, Err(EditError::Conflict { .. })));
//! # Ok(()) }
//! ```

mod attributes;
mod cells;
mod change;
mod error;
mod fixes;
mod import;
mod place;

pub use attributes::{set_attributes, AttributesRequest, AttributesSet};
pub use cells::{merge_cells, split, EditedCell, MergeRequest, Merged, Split, SplitRequest};
pub use change::{union_bbox, Changed};
pub use error::EditError;
pub use fixes::{apply_fixes, FixRequest, FixesApplied};
pub use import::{
    import_grids, import_hierarchy, HierarchyImported, HierarchyRequest, ImportRequest, Imported,
};
pub use place::PlacedAgain;
