//! Checks of GeoJSON coordinate arrays before they become geo types.

use super::{format_lonlat, more_places, ring_label, GeometryProblem, ProblemKind};

/// Checks raw GeoJSON polygon coordinates: `polygons` holds polygons, each a
/// list of rings (ring 0 the exterior), each a list of positions
/// `[lon, lat, (z)]`. A Polygon geometry is passed as a one-element slice.
///
/// Finds what geo types would hide: empty parts, positions with fewer than two
/// numbers, NaN or infinity, longitude outside [-180, 180] or latitude outside
/// [-90, 90], unclosed rings, rings with fewer than 4 positions or 3 distinct
/// ones. Problems of one kind in one ring are reported once, at the first
/// position, with a count.
///
/// ```
/// use wangge_spatial::validate::{check_raw_polygons, ProblemKind};
/// let unclosed = vec![vec![110.0, 32.0], vec![110.1, 32.0], vec![110.1, 32.1], vec![110.0, 32.1]];
/// let problems = check_raw_polygons(&[vec![unclosed]]);
/// assert_eq!(problems.len(), 1);
/// assert_eq!(problems[0].kind, ProblemKind::UnclosedRing);
/// assert_eq!(problems[0].location, Some([110.0, 32.0]));
/// ```
pub fn check_raw_polygons(polygons: &[Vec<Vec<Vec<f64>>>]) -> Vec<GeometryProblem> {
    let mut problems = Vec::new();
    if polygons.is_empty() {
        problems.push(GeometryProblem::new(
            ProblemKind::Empty,
            "geometry has no polygons".to_owned(),
            None,
        ));
        return problems;
    }
    for (polygon_index, rings) in polygons.iter().enumerate() {
        if rings.is_empty() {
            problems.push(GeometryProblem::new(
                ProblemKind::Empty,
                format!("polygon {polygon_index} has no rings"),
                None,
            ));
            continue;
        }
        for (ring_index, ring) in rings.iter().enumerate() {
            check_ring(&ring_label(polygon_index, ring_index), ring, &mut problems);
        }
    }
    problems
}

fn check_ring(label: &str, ring: &[Vec<f64>], problems: &mut Vec<GeometryProblem>) {
    if ring.is_empty() {
        problems.push(GeometryProblem::new(
            ProblemKind::Empty,
            format!("{label} has no positions"),
            None,
        ));
        return;
    }
    let mut malformed = Vec::new();
    let mut non_finite = Vec::new();
    let mut out_of_range = Vec::new();
    // Well-formed, finite positions in order: what closure and counts look at.
    let mut points: Vec<[f64; 2]> = Vec::with_capacity(ring.len());
    for (index, position) in ring.iter().enumerate() {
        let &[x, y, ..] = position.as_slice() else {
            malformed.push(index);
            continue;
        };
        if !x.is_finite() || !y.is_finite() {
            non_finite.push(index);
            continue;
        }
        if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
            out_of_range.push([x, y]);
        }
        points.push([x, y]);
    }

    if let Some(&first) = malformed.first() {
        problems.push(GeometryProblem::new(
            ProblemKind::MalformedPosition,
            format!(
                "{label} has a position with fewer than two numbers at index {first}{}",
                more_places(malformed.len())
            ),
            None,
        ));
    }
    if let Some(&first) = non_finite.first() {
        problems.push(GeometryProblem::new(
            ProblemKind::NonFinite,
            format!(
                "{label} has a non-finite coordinate (NaN or infinity) at index {first}{}",
                more_places(non_finite.len())
            ),
            None,
        ));
    }
    if let Some(&[x, y]) = out_of_range.first() {
        problems.push(GeometryProblem::new(
            ProblemKind::OutOfRange,
            format!(
                "{label} has a position outside lon/lat range at {}{}",
                format_lonlat(x, y),
                more_places(out_of_range.len())
            ),
            Some([x, y]),
        ));
    }

    // Closure is judged only when both ends are usable numbers.
    let ends_usable = malformed.first() != Some(&0)
        && non_finite.first() != Some(&0)
        && malformed.last() != Some(&(ring.len() - 1))
        && non_finite.last() != Some(&(ring.len() - 1));
    let (Some(&first), Some(&last)) = (points.first(), points.last()) else {
        return;
    };
    // GeoJSON closes a ring by repeating the first position exactly.
    #[allow(clippy::float_cmp)]
    let closed = first == last;
    if ends_usable && !closed {
        problems.push(GeometryProblem::new(
            ProblemKind::UnclosedRing,
            format!(
                "{label} is not closed: it starts at {} but ends at {}",
                format_lonlat(first[0], first[1]),
                format_lonlat(last[0], last[1])
            ),
            Some(first),
        ));
    }

    let mut distinct = points.clone();
    distinct.dedup();
    if distinct.len() > 1 && distinct.first() == distinct.last() {
        distinct.pop();
    }
    if ring.len() < 4 {
        problems.push(GeometryProblem::new(
            ProblemKind::TooFewPoints,
            format!(
                "{label} has {} positions; a ring needs at least 4 (3 corners and the closing one)",
                ring.len()
            ),
            Some(first),
        ));
    } else if malformed.is_empty() && non_finite.is_empty() && distinct.len() < 3 {
        problems.push(GeometryProblem::new(
            ProblemKind::TooFewPoints,
            format!(
                "{label} has only {} distinct positions; a ring needs at least 3",
                distinct.len()
            ),
            Some(first),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(x: f64, y: f64) -> Vec<f64> {
        vec![x, y]
    }

    fn square() -> Vec<Vec<f64>> {
        vec![
            pos(0.0, 0.0),
            pos(1.0, 0.0),
            pos(1.0, 1.0),
            pos(0.0, 1.0),
            pos(0.0, 0.0),
        ]
    }

    fn kinds(problems: &[GeometryProblem]) -> Vec<ProblemKind> {
        problems.iter().map(|p| p.kind).collect()
    }

    #[test]
    fn a_closed_square_with_z_is_fine() {
        let with_z: Vec<Vec<f64>> = square()
            .into_iter()
            .map(|mut p| {
                p.push(120.0);
                p
            })
            .collect();
        assert!(check_raw_polygons(&[vec![square()]]).is_empty());
        assert!(check_raw_polygons(&[vec![with_z]]).is_empty());
    }

    #[test]
    fn empty_parts() {
        assert_eq!(kinds(&check_raw_polygons(&[])), [ProblemKind::Empty]);
        let problems = check_raw_polygons(&[vec![square()], vec![]]);
        assert_eq!(kinds(&problems), [ProblemKind::Empty]);
        assert_eq!(problems[0].message, "polygon 1 has no rings");
        let problems = check_raw_polygons(&[vec![square(), vec![]]]);
        assert_eq!(
            problems[0].message,
            "polygon 0, ring 1 (hole) has no positions"
        );
    }

    #[test]
    fn unclosed_ring() {
        let mut ring = square();
        ring.pop();
        let problems = check_raw_polygons(&[vec![ring]]);
        assert_eq!(kinds(&problems), [ProblemKind::UnclosedRing]);
        assert_eq!(
            problems[0].message,
            "polygon 0, ring 0 (exterior) is not closed: it starts at (0, 0) but ends at (0, 1)"
        );
    }

    #[test]
    fn three_point_ring() {
        let ring = vec![pos(0.0, 0.0), pos(1.0, 0.0), pos(0.0, 0.0)];
        let problems = check_raw_polygons(&[vec![ring]]);
        assert_eq!(kinds(&problems), [ProblemKind::TooFewPoints]);
        assert_eq!(problems[0].location, Some([0.0, 0.0]));
        assert!(
            problems[0].message.contains("has 3 positions"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn repeated_positions_do_not_count() {
        let ring = vec![
            pos(0.0, 0.0),
            pos(1.0, 0.0),
            pos(1.0, 0.0),
            pos(0.0, 0.0),
            pos(0.0, 0.0),
        ];
        let problems = check_raw_polygons(&[vec![ring]]);
        assert_eq!(kinds(&problems), [ProblemKind::TooFewPoints]);
        assert!(
            problems[0].message.contains("only 2 distinct"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn nan_and_infinity() {
        let mut ring = square();
        ring[1] = pos(f64::NAN, 0.0);
        ring[2] = pos(1.0, f64::INFINITY);
        let problems = check_raw_polygons(&[vec![ring]]);
        assert_eq!(kinds(&problems), [ProblemKind::NonFinite]);
        assert_eq!(
            problems[0].message,
            "polygon 0, ring 0 (exterior) has a non-finite coordinate (NaN or infinity) at index 1 (and 1 more place)"
        );
        assert_eq!(problems[0].location, None);
    }

    #[test]
    fn nan_at_the_end_is_not_also_unclosed() {
        let mut ring = square();
        ring[4] = pos(f64::NAN, f64::NAN);
        let problems = check_raw_polygons(&[vec![ring]]);
        assert_eq!(kinds(&problems), [ProblemKind::NonFinite]);
    }

    #[test]
    fn latitude_91_and_longitude_181() {
        let ring = vec![
            pos(10.0, 89.0),
            pos(11.0, 91.0),
            pos(181.0, 89.5),
            pos(10.0, 89.0),
        ];
        let problems = check_raw_polygons(&[vec![ring]]);
        assert_eq!(kinds(&problems), [ProblemKind::OutOfRange]);
        assert_eq!(problems[0].location, Some([11.0, 91.0]));
        assert_eq!(
            problems[0].message,
            "polygon 0, ring 0 (exterior) has a position outside lon/lat range at (11, 91) (and 1 more place)"
        );
        // The edges of the range are inside it.
        let edge = vec![
            pos(-180.0, -90.0),
            pos(180.0, -90.0),
            pos(180.0, 90.0),
            pos(-180.0, -90.0),
        ];
        assert!(check_raw_polygons(&[vec![edge]]).is_empty());
    }

    #[test]
    fn malformed_position() {
        let mut ring = square();
        ring[2] = vec![1.0];
        let problems = check_raw_polygons(&[vec![ring]]);
        assert_eq!(kinds(&problems), [ProblemKind::MalformedPosition]);
    }

    #[test]
    fn every_ring_and_polygon_is_named() {
        let mut hole = square();
        hole.pop();
        let problems = check_raw_polygons(&[vec![square()], vec![square(), hole]]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0]
            .message
            .starts_with("polygon 1, ring 1 (hole) is not closed"));
    }
}
