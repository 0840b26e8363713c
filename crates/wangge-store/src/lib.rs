//! Persistence of wangge: territories, the four-level grid with its cells,
//! the editable cell-type table, outlets and users, the customers,
//! resources, buildings and opportunities placed in the grid with their
//! placements and assignment rates, over `SQLite` (embedded
//! default) or `PostgreSQL` with one code path (the sqlx Any driver).
//!
//! Migrations for both backends are embedded and applied by
//! [`Store::connect`]. The database itself enforces the hierarchy (a level-n
//! grid's parent is level n-1) and the cell-type rules; the store checks the
//! same rules first so that errors name the offending grid.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wangge_store::StoreError> {
//! use wangge_store::{GridFilter, Store};
//! let store = Store::connect("sqlite::memory:").await?;
//! assert!(store.territory().await?.is_none());
//! assert!(store.grids(&GridFilter::default()).await?.is_empty());
//! assert_eq!(store.stats().await?.by_category.len(), 6);
//! # Ok(()) }
//! ```

mod addresses;
mod auth;
mod bulk;
mod cell_types;
mod claims;
mod connect;
mod coords;
mod coverage;
mod customer_search;
mod demo_seed;
mod entities;
mod entity_query;
mod entity_upsert;
mod error;
mod float_param;
mod grid_edit;
mod grid_import;
mod grid_query;
mod grid_search;
mod jobs;
mod login_throttle;
mod outlets;
mod placements;
mod points;
mod rates;
mod revisions;
mod row;
mod stats;
mod territory;
mod types;
mod users;

pub use addresses::{StandardAddressRecord, VillageRecord};
pub use auth::SessionRecord;
pub use claims::*;
pub use connect::{sqlite_file, Backend, Store};
pub use coverage::{CellLoad, GeometryUpdate, PlacementGaps};
pub use customer_search::CustomerHit;
pub use demo_seed::{DemoSeedPlan, DemoSeedRecord};
pub use entities::*;
pub use error::StoreError;
pub use grid_edit::{GridEdit, MergeOutcome, NewPiece};
pub use grid_search::GridNameHit;
pub use jobs::{
    ChunkCommit, JobChunk, JobPart, JobRecord, JobState, NewJob, NewUpload, UploadedJob, UPLOADING,
};
pub use login_throttle::{LoginLimits, LoginOutcome, LoginReservation, LoginTicket};
pub use revisions::{GridChanges, Revisions, POSTGRES_POLL, SQLITE_POLL};
pub use types::*;
