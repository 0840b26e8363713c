//! Domain types of wangge: the four grid levels, the 20 network-cell types and
//! their categories, validated codes, and the territory that owns a grid.
//!
//! No I/O and no async: every other crate builds on these types.
//!
//! ```
//! use wangge_model::{CellTypeCatalog, LevelNo};
//! let catalog = CellTypeCatalog::default();
//! let village = catalog.resolve("乡村").unwrap();
//! assert_eq!(village.code.as_str(), "20");
//! assert_eq!(LevelNo::CELL.get(), 4);
//! ```

pub mod bbox;
mod category;
mod cell_type;
mod claim_defaults;
mod code;
mod error;
mod grid;
mod level;
pub mod name;
mod placement;
mod records;
mod role;

pub use bbox::BBox;
pub use category::Category;
pub use cell_type::{CellType, CellTypeCatalog};
pub use claim_defaults::{claim_rules_from_csv, default_claim_rules, DefaultClaimRule};
pub use code::{CellTypeCode, GridCode};
pub use error::ModelError;
pub use grid::{GridSummary, Territory};
pub use level::LevelNo;
pub use placement::{CustomerClass, PlacementStatus, ResourceKind};
pub use records::{
    GridRecord, NewBuilding, NewCustomer, NewGrid, NewOpportunity, NewOutlet, NewResource,
};
pub use role::{ManagerKind, Role};
