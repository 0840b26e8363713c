//! Cutting a polygon into pieces that tile it, and the clean-ups that make
//! such pieces fit: snapping to a grid and resolving self-intersections.
//!
//! ```
//! use geo::{coord, polygon, MultiPolygon};
//! use wangge_spatial::area::geodesic_area_m2;
//! use wangge_spatial::partition::voronoi_partition;
//!
//! let parent = MultiPolygon(vec![polygon![
//!     (x: 110.0, y: 32.0), (x: 110.2, y: 32.0), (x: 110.2, y: 32.1), (x: 110.0, y: 32.1),
//! ]]);
//! let seeds = [coord! {x: 110.05, y: 32.05}, coord! {x: 110.15, y: 32.05}];
//! let pieces = voronoi_partition(&parent, &seeds);
//! // Two halves split at lon 110.1, sharing that edge.
//! assert_eq!(pieces.len(), 2);
//! let halves: f64 = pieces.iter().map(geodesic_area_m2).sum();
//! // Not exactly equal: an edge is a geodesic, and the 20 km edges along
//! // lat 32.1 bend differently when split at lon 110.1.
//! assert!((halves / geodesic_area_m2(&parent) - 1.0).abs() < 1e-6);
//! assert!(pieces[0].0[0].exterior().0.contains(&coord! {x: 110.1, y: 32.1}));
//! assert!(pieces[1].0[0].exterior().0.contains(&coord! {x: 110.1, y: 32.1}));
//! ```

mod resolve;
mod shared_vertices;
mod snap;
mod voronoi;

pub use resolve::resolve_self_intersections;
pub use snap::snap_to_grid;
pub use voronoi::voronoi_partition;

/// The grid, in degrees (about 1 cm), that [`voronoi_partition`] snaps its
/// pieces to.
pub const PARTITION_STEP_DEG: f64 = 1e-7;
