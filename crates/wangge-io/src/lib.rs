//! Files in and out of wangge.
//!
//! - [`grid_import`]: a GeoJSON FeatureCollection of grids or cells becomes
//!   [`wangge_model::NewGrid`]s, each invalid geometry flagged with its reason,
//!   every structural fault collected with the feature it came from.
//! - [`grid_export`]: stored grids as GeoJSON (RFC 7946) or CSV with a WKT
//!   column, both readable by GDAL/QGIS; the same writer serves the HTTP API.
//! - [`table`] and [`entities`]: CSV (UTF-8, BOM, GBK) or GeoJSON points →
//!   customers, resources, buildings, opportunities, outlets; bad rows are
//!   reported with their row number while the good ones load.
//! - [`csv_stream`]: a CSV arriving in pieces cut into whole rows of
//!   bounded size (streamed uploads).
//! - [`layer`]: one layer of any GIS file (GeoJSON, [`shp`], [`fgb`],
//!   [`gpkg`], [`kml`]) read as a FeatureCollection with its system; the
//!   typed columns the writers declare.
//! - [`encoding`]: one file, one encoding (BOM, whole-file UTF-8, GBK), for
//!   the CLI and the server alike.
//! - [`spreadsheet_cell`]: every CSV cell written for a spreadsheet is
//!   neutralised against formula (CSV) injection.

pub mod csv_out;
pub mod csv_stream;
pub mod encoding;
pub mod entities;
mod error;
pub mod fgb;
pub mod gpkg;
pub mod grid_export;
pub mod grid_import;
pub mod hierarchy;
pub mod kml;
pub mod layer;
mod non_finite;
pub mod points;
pub mod reproject;
pub mod shp;
mod spreadsheet;
pub mod table;
pub mod wkt;

pub use encoding::{decode_field, detect_encoding, detect_encoding_of, EncodingDetector};
pub use error::{shown_columns, FeatureError, IoError};
pub use grid_export::{
    grid_properties, write_feature_collection, write_feature_collection_in, write_grids_csv,
    write_grids_csv_in,
};
pub use grid_import::{read_grids_geojson, GridFields, ParsedGrids};
pub use spreadsheet::{spreadsheet_cell, spreadsheet_field, spreadsheet_record};
pub use table::{read_csv, read_geojson_points, Encoding, RowError, Table};
