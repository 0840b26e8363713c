//! Making self-intersecting polygons valid (for generated data only).

use geo::{LineString, MultiPolygon, Polygon};
use i_overlay::core::fill_rule::FillRule;

use crate::overlay::{contours_of, fill};

/// Turns an invalid multipolygon (self-intersecting rings, crossing rings,
/// overlapping polygons) into a valid one covering the area it was drawn
/// to cover, as GEOS `MakeValid` does with its "structure" method: within
/// each polygon the rings count even-odd (a bow-tie keeps both lobes, a
/// hole cuts whatever its winding), then the polygons are unioned.
/// Collinear vertices are kept, so the area changes only where lobes or
/// overlaps are resolved. Rings with NaN or infinite coordinates are left
/// out. The demo generator and the coverage fixes (whose own output it
/// cleans) use it; imports are never "fixed", and the coverage report
/// reads invalid grids as GEOS does by default
/// ([`crate::repair::make_valid_linework`]).
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_spatial::partition::resolve_self_intersections;
/// use wangge_spatial::validate::check_multipolygon;
///
/// let bow_tie = MultiPolygon(vec![polygon![
///     (x: 0.0, y: 0.0), (x: 2.0, y: 2.0), (x: 2.0, y: 0.0), (x: 0.0, y: 2.0),
/// ]]);
/// assert!(!check_multipolygon(&bow_tie).is_empty());
/// let fixed = resolve_self_intersections(&bow_tie);
/// assert!(check_multipolygon(&fixed).is_empty());
/// assert_eq!(fixed.0.len(), 2); // the two lobes, touching at (1, 1)
/// ```
pub fn resolve_self_intersections(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    // Each polygon's rings even-odd; the results, wound alike, unioned.
    let contours =
        mp.0.iter()
            .filter_map(finite_polygon)
            .flat_map(|polygon| fill(&contours_of(&polygon), FillRule::EvenOdd).0)
            .flat_map(|polygon| contours_of(&polygon))
            .collect();
    fill(&contours, FillRule::Positive)
}

fn finite_polygon(polygon: &Polygon<f64>) -> Option<Polygon<f64>> {
    let finite = |ring: &LineString<f64>| ring.0.iter().all(|c| c.x.is_finite() && c.y.is_finite());
    if !finite(polygon.exterior()) || polygon.exterior().0.is_empty() {
        return None;
    }
    let holes = polygon
        .interiors()
        .iter()
        .filter(|r| finite(r))
        .cloned()
        .collect();
    Some(Polygon::new(polygon.exterior().clone(), holes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area::geodesic_area_m2;
    use crate::validate::check_multipolygon;
    use geo::polygon;

    #[test]
    fn overlapping_polygons_are_merged() {
        let a = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)];
        let b = polygon![(x: 1.0, y: 1.0), (x: 3.0, y: 1.0), (x: 3.0, y: 3.0), (x: 1.0, y: 3.0)];
        let mp = MultiPolygon(vec![a, b]);
        assert!(!check_multipolygon(&mp).is_empty());
        let fixed = resolve_self_intersections(&mp);
        assert!(
            check_multipolygon(&fixed).is_empty(),
            "{:?}",
            check_multipolygon(&fixed)
        );
        assert_eq!(fixed.0.len(), 1);
        let union_m2 = geodesic_area_m2(&fixed);
        let one_m2 = geodesic_area_m2(&MultiPolygon(vec![mp.0[0].clone()]));
        assert!(
            (union_m2 / one_m2 - 1.75).abs() < 1e-3,
            "{}",
            union_m2 / one_m2
        );
    }

    #[test]
    fn hole_wound_like_its_shell_still_cuts() {
        let shell = LineString::from(vec![
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]);
        let hole = LineString::from(vec![
            (1.0, 1.0),
            (3.0, 1.0),
            (3.0, 3.0),
            (1.0, 3.0),
            (1.0, 1.0),
        ]);
        let mp = MultiPolygon(vec![Polygon::new(shell, vec![hole])]);
        let fixed = resolve_self_intersections(&mp);
        assert!(check_multipolygon(&fixed).is_empty());
        let ratio = geodesic_area_m2(&fixed) / geodesic_area_m2(&mp);
        assert!((ratio - 1.0).abs() < 1e-9, "{ratio}");
    }

    #[test]
    fn empty_and_nan_give_empty() {
        assert!(resolve_self_intersections(&MultiPolygon(vec![]))
            .0
            .is_empty());
        let nan = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)];
        assert!(resolve_self_intersections(&MultiPolygon(vec![nan]))
            .0
            .is_empty());
    }
}
