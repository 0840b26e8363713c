//! Places stored customers, resources, buildings and opportunities in cells.
//!
//! The store is the truth; this crate loads the grid into the in-memory
//! [`CellIndex`], locates every entity (pure, parallel, in `wangge-spatial`),
//! explains every one it cannot place, and writes the placements back in one
//! transaction per kind. Re-running gives the same rows (idempotent).

mod address;
mod error;
mod geocode_table;
mod geocoder;
mod geometry;
mod place;
mod run;

pub use address::{place_with_addresses, AddressHook, AddressOutcome};
pub use error::AssignError;
pub use geocode_table::{
    address_column, failure_fields, ChunkOutput, RowCounts, TableGeocoder, ADDED_COLUMNS,
    ADDRESS_COLUMN_NAMES, ADDRESS_COLUMN_WORDS, FAILURE_COLUMNS,
};
pub use geocoder::{load_geocoder, standard_address};
pub use geometry::{
    load_index, load_index_and_cell_names, load_index_around, load_named_cells, named_cells,
    parse_multipolygon,
};
pub use place::{place_points, status_of};
pub use run::{assign_all, reassign_area, AssignOptions, AssignReport, KindReport};
