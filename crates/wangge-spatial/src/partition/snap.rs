//! Rounding coordinates to a grid of degrees.

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Rounds every coordinate to a multiple of `step_deg` and drops repeated
/// points; rings that collapse below 3 distinct points are dropped, and a
/// polygon whose exterior collapses with them. A step that is not a positive
/// finite number returns the input unchanged.
///
/// Equal rounded values are bit-identical, so two rings that passed through
/// the same grid point share that vertex exactly.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_spatial::partition::snap_to_grid;
/// let mp = MultiPolygon(vec![polygon![
///     (x: 110.123_456_78, y: 32.0), (x: 110.5, y: 32.000_000_04), (x: 110.5, y: 32.5), (x: 110.5, y: 32.500_000_01),
/// ]]);
/// let snapped = snap_to_grid(&mp, 1e-7);
/// let ring: Vec<(f64, f64)> = snapped.0[0].exterior().coords().map(|c| (c.x, c.y)).collect();
/// assert_eq!(ring, [(110.123_456_8, 32.0), (110.5, 32.0), (110.5, 32.5), (110.123_456_8, 32.0)]);
/// ```
pub fn snap_to_grid(mp: &MultiPolygon<f64>, step_deg: f64) -> MultiPolygon<f64> {
    if !(step_deg.is_finite() && step_deg > 0.0) {
        return mp.clone();
    }
    let scale = scale_of(step_deg);
    let polygons =
        mp.0.iter()
            .filter_map(|polygon| {
                let exterior = snap_ring(polygon.exterior(), scale)?;
                let holes = polygon
                    .interiors()
                    .iter()
                    .filter_map(|ring| snap_ring(ring, scale))
                    .collect();
                Some(Polygon::new(exterior, holes))
            })
            .collect();
    MultiPolygon(polygons)
}

/// Grid points per degree. Rounded to an integer when it nearly is one, so
/// that `n / scale` is the correctly rounded decimal (1e-7 gives 1e7).
pub(crate) fn scale_of(step_deg: f64) -> f64 {
    let scale = 1.0 / step_deg;
    if (scale - scale.round()).abs() < 1e-6 * scale {
        scale.round()
    } else {
        scale
    }
}

pub(crate) fn snap_coord(c: Coord<f64>, scale: f64) -> Coord<f64> {
    Coord {
        x: (c.x * scale).round() / scale,
        y: (c.y * scale).round() / scale,
    }
}

fn snap_ring(ring: &LineString<f64>, scale: f64) -> Option<LineString<f64>> {
    close_ring(ring.0.iter().map(|&c| snap_coord(c, scale)).collect())
}

/// Drops repeated points and closes the ring; `None` below 3 distinct points.
pub(crate) fn close_ring(mut coords: Vec<Coord<f64>>) -> Option<LineString<f64>> {
    coords.dedup();
    while coords.len() > 1 && coords.first() == coords.last() {
        coords.pop();
    }
    if coords.len() < 3 {
        return None;
    }
    coords.push(coords[0]);
    Some(LineString(coords))
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // grid values are exact
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn collapsed_rings_go() {
        let tiny_hole =
            LineString::from(vec![(0.5, 0.5), (0.500_000_01, 0.5), (0.5, 0.500_000_01)]);
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let with_hole = Polygon::new(square.exterior().clone(), vec![tiny_hole.clone()]);
        let snapped = snap_to_grid(&MultiPolygon(vec![with_hole]), 1e-7);
        assert_eq!(snapped.0.len(), 1);
        assert!(snapped.0[0].interiors().is_empty());
        let only_tiny = MultiPolygon(vec![Polygon::new(tiny_hole, vec![])]);
        assert!(snap_to_grid(&only_tiny, 1e-7).0.is_empty());
    }

    #[test]
    fn grid_values_are_exact_decimals() {
        assert_eq!(scale_of(1e-7), 1e7);
        let c = snap_coord(
            Coord {
                x: 110.668_945_312_5,
                y: 32.454_101_562_5,
            },
            1e7,
        );
        assert_eq!((c.x, c.y), (110.668_945_3, 32.454_101_6));
        assert_eq!(scale_of(0.25), 4.0);
    }

    #[test]
    fn bad_step_changes_nothing() {
        let mp = MultiPolygon(vec![
            polygon![(x: 0.1, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)],
        ]);
        assert_eq!(snap_to_grid(&mp, 0.0), mp);
        assert_eq!(snap_to_grid(&mp, f64::NAN), mp);
    }
}
