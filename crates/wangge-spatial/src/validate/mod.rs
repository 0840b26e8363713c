//! Geometry validity with reasons a person can act on, each naming the
//! polygon and ring and, where there is one, the lon/lat of the fault.
//!
//! Two stages, because [`geo_types`] closes rings silently:
//! [`check_raw_polygons`] looks at GeoJSON coordinate arrays (empty parts,
//! NaN, out-of-range degrees, unclosed rings, too few points), then
//! [`check_multipolygon`] applies the OGC rules as GEOS does (rings that
//! cross or touch themselves, rings of one polygon that cross, holes outside
//! their shell, nested holes, a split interior, polygons that overlap).
//! Nothing here repairs a geometry: imports keep what they were given.
//!
//! ```
//! use geo::{polygon, MultiPolygon};
//! use wangge_spatial::validate::{check_multipolygon, summarize, ProblemKind};
//!
//! let bow_tie = MultiPolygon(vec![polygon![
//!     (x: 110.0, y: 32.0), (x: 110.2, y: 32.2), (x: 110.2, y: 32.0), (x: 110.0, y: 32.2),
//! ]]);
//! let problems = check_multipolygon(&bow_tie);
//! assert_eq!(problems[0].kind, ProblemKind::SelfIntersection);
//! assert_eq!(problems[0].location, Some([110.1, 32.1]));
//! assert_eq!(
//!     summarize(&problems).as_deref(),
//!     Some("polygon 0, ring 0 (exterior) crosses itself at (110.1, 32.1)")
//! );
//! ```

mod raw;
mod topology;

use std::fmt::Write as _;

pub use raw::check_raw_polygons;
pub use topology::check_multipolygon;

/// What is wrong with a geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// No polygons, a polygon without rings, or a ring without positions.
    Empty,
    /// A position with fewer than two numbers.
    MalformedPosition,
    /// NaN or infinity in a position.
    NonFinite,
    /// Longitude outside [-180, 180] or latitude outside [-90, 90].
    OutOfRange,
    /// A ring whose last position differs from its first.
    UnclosedRing,
    /// A ring with fewer than 4 positions, or fewer than 3 distinct ones.
    TooFewPoints,
    /// A ring crosses, touches or runs back along itself.
    SelfIntersection,
    /// Two rings of one polygon cross or share a segment.
    RingsIntersect,
    /// A hole lies (partly) outside its polygon's exterior ring.
    HoleOutsideShell,
    /// A hole lies inside another hole of the same polygon.
    HolesNested,
    /// The rings of a polygon touch in a cycle that cuts its interior in two.
    DisconnectedInterior,
    /// Two polygons of a multipolygon cross, share a segment, or one lies
    /// inside the other.
    ShellsOverlap,
}

/// One problem of a geometry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GeometryProblem {
    pub kind: ProblemKind,
    /// Human reason naming where: "polygon 2, ring 0 (exterior) crosses itself at (110.81, 32.59)"
    pub message: String,
    /// A lon/lat where the problem is, when there is one.
    pub location: Option<[f64; 2]>,
}

impl GeometryProblem {
    pub(crate) fn new(kind: ProblemKind, message: String, location: Option<[f64; 2]>) -> Self {
        Self {
            kind,
            message,
            location,
        }
    }
}

/// One line joining all problems' messages with "; ", `None` when there are
/// none. This is what a grid stores as its invalid reason.
///
/// ```
/// use wangge_spatial::validate::{check_raw_polygons, summarize};
/// let ring = vec![vec![110.0, 32.0], vec![110.1, 32.0], vec![110.1, 91.0], vec![110.0, 32.0]];
/// let problems = check_raw_polygons(&[vec![ring]]);
/// assert_eq!(
///     summarize(&problems).as_deref(),
///     Some("polygon 0, ring 0 (exterior) has a position outside lon/lat range at (110.1, 91)")
/// );
/// assert_eq!(summarize(&[]), None);
/// ```
pub fn summarize(problems: &[GeometryProblem]) -> Option<String> {
    if problems.is_empty() {
        return None;
    }
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    Some(messages.join("; "))
}

/// "polygon 2, ring 0 (exterior)" or "polygon 2, ring 1 (hole)".
pub(crate) fn ring_label(polygon: usize, ring: usize) -> String {
    let role = if ring == 0 { "exterior" } else { "hole" };
    format!("polygon {polygon}, ring {ring} ({role})")
}

/// "(110.774414, 32.68457)": at most 6 decimals (about 0.1 m), no trailing zeros.
pub(crate) fn format_lonlat(x: f64, y: f64) -> String {
    let mut out = String::from("(");
    out.push_str(&format_degrees(x));
    out.push_str(", ");
    out.push_str(&format_degrees(y));
    out.push(')');
    out
}

fn format_degrees(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let mut text = String::new();
    let _ = write!(text, "{value:.6}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// " (and 3 more places)" when a fault repeats.
pub(crate) fn more_places(count: usize) -> String {
    match count {
        0 | 1 => String::new(),
        2 => " (and 1 more place)".to_owned(),
        n => format!(" (and {} more places)", n - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_degrees_briefly() {
        assert_eq!(
            format_lonlat(110.774_414_062_5, 32.684_570_312_5),
            "(110.774414, 32.68457)"
        );
        assert_eq!(format_lonlat(110.0, -0.000_000_1), "(110, 0)");
        assert_eq!(format_lonlat(f64::NAN, 1.5), "(NaN, 1.5)");
    }

    #[test]
    fn labels_rings_and_counts_places() {
        assert_eq!(ring_label(2, 0), "polygon 2, ring 0 (exterior)");
        assert_eq!(ring_label(0, 3), "polygon 0, ring 3 (hole)");
        assert_eq!(more_places(1), "");
        assert_eq!(more_places(2), " (and 1 more place)");
        assert_eq!(more_places(5), " (and 4 more places)");
    }

    #[test]
    fn kinds_serialize_snake_case() {
        let problem = GeometryProblem::new(ProblemKind::HoleOutsideShell, "m".into(), None);
        let json = serde_json::to_string(&problem).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"hole_outside_shell","message":"m","location":null}"#
        );
    }
}
