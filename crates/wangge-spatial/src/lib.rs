//! Geometry work of wangge on lon/lat degrees (WGS-84): validity with reasons
//! and locations, geodesic areas, bounding boxes, and partitions of a polygon
//! into pieces that tile it.
//!
//! Types are those of [`geo`] 0.33 (`f64` coordinates, x = longitude,
//! y = latitude).
//!
//! ```
//! use geo::{polygon, MultiPolygon};
//! use wangge_spatial::{area::geodesic_area_m2, bbox::bbox_of, validate::check_multipolygon};
//!
//! // A 0.01° square near Shiyan: about 1.1 km by 0.94 km.
//! let square = MultiPolygon(vec![polygon![
//!     (x: 110.80, y: 32.60), (x: 110.81, y: 32.60), (x: 110.81, y: 32.61), (x: 110.80, y: 32.61),
//! ]]);
//! assert!(check_multipolygon(&square).is_empty());
//! let area_m2 = geodesic_area_m2(&square);
//! assert!((area_m2 - 1_042_000.0).abs() < 2_000.0, "{area_m2}");
//! assert_eq!(bbox_of(&square), Some([110.80, 32.60, 110.81, 32.61]));
//! ```

pub mod area;
pub mod bbox;
pub mod coverage;
pub mod dissolve;
pub mod edit;
pub mod geojson;
pub mod index;
pub mod partition;
pub mod repair;
pub mod validate;

mod overlay;
mod planar;
