//! Geodesic areas on the WGS-84 ellipsoid (geographiclib, through geo).

use geo::{GeodesicArea, LineString, MultiPolygon, Polygon};

/// Geodesic area in m² of a multipolygon on the WGS-84 ellipsoid.
///
/// Each polygon counts its exterior ring minus its holes, whatever their
/// winding; polygons are summed (overlaps count twice). Works on invalid
/// polygons too: a self-intersecting ring counts its signed area as given, so
/// the two lobes of a bow-tie cancel. Never NaN: rings with NaN or infinite
/// coordinates count 0, and an empty multipolygon is 0.0. Never negative: a
/// polygon whose holes are larger than its exterior (invalid, and reported so
/// by the validation) counts 0. Meant for areas smaller than half the earth.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_spatial::area::geodesic_area_m2;
/// // 1° by 1° at the equator: about 12,309 km².
/// let square = MultiPolygon(vec![polygon![
///     (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0),
/// ]]);
/// assert_eq!((geodesic_area_m2(&square) / 1e6).round(), 12_309.0);
/// assert_eq!(geodesic_area_m2(&MultiPolygon(vec![])), 0.0);
/// ```
pub fn geodesic_area_m2(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(polygon_area_m2).sum()
}

fn polygon_area_m2(polygon: &Polygon<f64>) -> f64 {
    let holes_m2: f64 = polygon.interiors().iter().map(ring_area_m2).sum();
    (ring_area_m2(polygon.exterior()) - holes_m2).max(0.0)
}

/// Unsigned area enclosed by one ring.
fn ring_area_m2(ring: &LineString<f64>) -> f64 {
    if ring.0.len() < 3 || ring.0.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return 0.0;
    }
    let area_m2 = Polygon::new(ring.clone(), vec![])
        .geodesic_area_signed()
        .abs();
    if area_m2.is_finite() {
        area_m2
    } else {
        0.0
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // grid values are exact
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn winding_does_not_matter_and_holes_subtract() {
        let ccw = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let mut cw = ccw.clone();
        cw.exterior_mut(|r| r.0.reverse());
        let a_ccw = geodesic_area_m2(&MultiPolygon(vec![ccw.clone()]));
        let a_cw = geodesic_area_m2(&MultiPolygon(vec![cw]));
        assert!((a_ccw - a_cw).abs() < 1e-6, "{a_ccw} {a_cw}");
        assert!(a_ccw > 1.2e10);

        let hole = LineString::from(vec![(0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)]);
        let with_hole = Polygon::new(ccw.exterior().clone(), vec![hole.clone()]);
        let hole_m2 = geodesic_area_m2(&MultiPolygon(vec![Polygon::new(hole, vec![])]));
        let total = geodesic_area_m2(&MultiPolygon(vec![with_hole]));
        assert!((total - (a_ccw - hole_m2)).abs() < 1e-3);
        assert!((hole_m2 / a_ccw - 0.25).abs() < 1e-3);
    }

    #[test]
    fn bow_tie_lobes_cancel_and_nan_counts_zero() {
        let bow_tie =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
        let area_m2 = geodesic_area_m2(&MultiPolygon(vec![bow_tie]));
        assert!(area_m2.abs() < 1e3, "{area_m2}");
        let nan = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)];
        assert_eq!(geodesic_area_m2(&MultiPolygon(vec![nan])), 0.0);
    }

    /// Found by the `grid_import` fuzz target: a one-point exterior with a
    /// real hole gave a negative area.
    #[test]
    fn a_hole_larger_than_its_exterior_counts_zero_not_negative() {
        let point = LineString::from(vec![(110.7, 32.0)]);
        let hole = LineString::from(vec![
            (110.72, 32.62),
            (110.72, 32.64),
            (110.74, 32.64),
            (110.74, 32.62),
            (110.72, 32.62),
        ]);
        let area_m2 = geodesic_area_m2(&MultiPolygon(vec![Polygon::new(point, vec![hole])]));
        assert_eq!(area_m2, 0.0);
    }
}
