//! Each topological problem kind on hand-made coordinates, and the touches
//! that OGC allows. (Raw-coordinate kinds are tested in src/validate/raw.rs.)

use geo::{Coord, LineString, MultiPolygon, Polygon};
use wangge_spatial::validate::{check_multipolygon, summarize, GeometryProblem, ProblemKind};

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = points.iter().map(|&(x, y)| Coord { x, y }).collect();
    coords.push(coords[0]);
    LineString(coords)
}

fn polygon(exterior: &[(f64, f64)], holes: &[&[(f64, f64)]]) -> Polygon<f64> {
    Polygon::new(ring(exterior), holes.iter().map(|h| ring(h)).collect())
}

fn square(x: f64, y: f64, size: f64) -> Vec<(f64, f64)> {
    vec![(x, y), (x + size, y), (x + size, y + size), (x, y + size)]
}

fn check(polygons: Vec<Polygon<f64>>) -> Vec<GeometryProblem> {
    check_multipolygon(&MultiPolygon(polygons))
}

fn only(problems: &[GeometryProblem]) -> &GeometryProblem {
    assert_eq!(problems.len(), 1, "{problems:#?}");
    &problems[0]
}

#[test]
fn bow_tie_crosses_itself() {
    let problems = check(vec![polygon(
        &[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0)],
        &[],
    )]);
    let p = only(&problems);
    assert_eq!(p.kind, ProblemKind::SelfIntersection);
    assert_eq!(
        p.message,
        "polygon 0, ring 0 (exterior) crosses itself at (1, 1)"
    );
    assert_eq!(p.location, Some([1.0, 1.0]));
}

#[test]
fn ring_touching_itself_at_a_vertex() {
    // The ring comes back to (2, 4), enclosing a pocket: an inverted hole.
    let shell = [
        (0.0, 0.0),
        (4.0, 0.0),
        (4.0, 4.0),
        (2.0, 4.0),
        (3.0, 2.0),
        (1.0, 2.0),
        (2.0, 4.0),
        (0.0, 4.0),
    ];
    let problems = check(vec![polygon(&shell, &[])]);
    let p = only(&problems);
    assert_eq!(p.kind, ProblemKind::SelfIntersection);
    assert_eq!(
        p.message,
        "polygon 0, ring 0 (exterior) touches itself at (2, 4)"
    );
}

#[test]
fn spike_runs_back_along_itself() {
    let shell = [
        (0.0, 0.0),
        (2.0, 0.0),
        (2.0, 2.0),
        (2.0, 3.0),
        (2.0, 2.0),
        (0.0, 2.0),
    ];
    let problems = check(vec![polygon(&shell, &[])]);
    assert!(
        problems
            .iter()
            .all(|p| p.kind == ProblemKind::SelfIntersection),
        "{problems:#?}"
    );
    let messages = summarize(&problems).unwrap();
    assert!(
        messages.contains("runs back along itself at (2, 3)"),
        "{messages}"
    );
}

#[test]
fn repeated_crossings_are_counted_once_per_ring() {
    // A zig-zag that crosses its own closing edge three times.
    let shell = [
        (0.0, 0.0),
        (6.0, 0.0),
        (6.0, 2.0),
        (5.0, -1.0),
        (4.0, 2.0),
        (3.0, -1.0),
        (2.0, 2.0),
        (1.0, -1.0),
        (0.0, 2.0),
    ];
    let p = only(&check(vec![polygon(&shell, &[])])).clone();
    assert_eq!(p.kind, ProblemKind::SelfIntersection);
    assert!(p.message.ends_with("(and 5 more places)"), "{}", p.message);
}

#[test]
fn hole_outside_shell() {
    let problems = check(vec![polygon(
        &square(0.0, 0.0, 4.0),
        &[&square(5.0, 1.0, 1.0)],
    )]);
    let p = only(&problems);
    assert_eq!(p.kind, ProblemKind::HoleOutsideShell);
    assert_eq!(
        p.message,
        "polygon 0, ring 1 (hole) lies outside the exterior ring at (5, 1)"
    );
}

#[test]
fn hole_crossing_shell() {
    let problems = check(vec![polygon(
        &square(0.0, 0.0, 4.0),
        &[&square(3.0, 1.0, 2.0)],
    )]);
    assert!(!problems.is_empty());
    assert!(
        problems
            .iter()
            .all(|p| p.kind == ProblemKind::RingsIntersect),
        "{problems:#?}"
    );
    assert_eq!(
        problems[0].message,
        "polygon 0, ring 0 (exterior) crosses ring 1 (hole) at (4, 1) (and 1 more place)"
    );
}

#[test]
fn hole_sharing_an_edge_with_shell() {
    let problems = check(vec![polygon(
        &square(0.0, 0.0, 4.0),
        &[&square(0.0, 1.0, 1.0)],
    )]);
    let p = only(&problems);
    assert_eq!(p.kind, ProblemKind::RingsIntersect);
    assert!(
        p.message.contains("shares a segment with ring 1 (hole)"),
        "{}",
        p.message
    );
}

#[test]
fn nested_holes() {
    let problems = check(vec![polygon(
        &square(0.0, 0.0, 10.0),
        &[&square(1.0, 1.0, 6.0), &square(2.0, 2.0, 1.0)],
    )]);
    let p = only(&problems);
    assert_eq!(p.kind, ProblemKind::HolesNested);
    assert_eq!(
        p.message,
        "polygon 0, ring 2 (hole) lies inside ring 1 (hole) at (2, 2)"
    );
}

#[test]
fn hole_touching_shell_twice_splits_the_interior() {
    let hole = [(0.0, 2.0), (2.0, 1.0), (4.0, 2.0), (2.0, 3.0)];
    let problems = check(vec![polygon(&square(0.0, 0.0, 4.0), &[&hole])]);
    let p = only(&problems);
    assert_eq!(p.kind, ProblemKind::DisconnectedInterior);
    assert!(
        p.location == Some([0.0, 2.0]) || p.location == Some([4.0, 2.0]),
        "{p:?}"
    );
}

#[test]
fn chain_of_holes_across_the_polygon_splits_the_interior() {
    // Hole A touches the west side, hole B the east side, and they touch each other.
    let a = [(0.0, 2.0), (2.0, 1.5), (2.0, 2.5)];
    let b = [(2.0, 2.5), (2.0, 1.5), (4.0, 2.0)];
    let problems = check(vec![polygon(&square(0.0, 0.0, 4.0), &[&a, &b])]);
    // A and B also share the segment (2, 1.5)-(2, 2.5): rings intersect.
    assert!(
        problems
            .iter()
            .any(|p| p.kind == ProblemKind::RingsIntersect),
        "{problems:#?}"
    );

    let a = [(0.0, 2.0), (2.0, 1.5), (2.0, 2.0)];
    let b = [(2.0, 2.0), (2.5, 1.5), (4.0, 2.0)];
    let problems = check(vec![polygon(&square(0.0, 0.0, 4.0), &[&a, &b])]);
    assert_eq!(only(&problems).kind, ProblemKind::DisconnectedInterior);
}

#[test]
fn touching_at_single_points_is_valid() {
    // Two polygons sharing a corner.
    assert!(check(vec![
        polygon(&square(0.0, 0.0, 1.0), &[]),
        polygon(&square(1.0, 1.0, 1.0), &[])
    ])
    .is_empty());
    // A polygon's corner on another's edge.
    assert!(check(vec![
        polygon(&square(0.0, 0.0, 2.0), &[]),
        polygon(&[(2.0, 1.0), (3.0, 0.0), (3.0, 2.0)], &[]),
    ])
    .is_empty());
    // A hole touching the shell at one vertex, and one touching a shell edge.
    assert!(check(vec![polygon(
        &square(0.0, 0.0, 4.0),
        &[&[(0.0, 0.0), (1.0, 2.0), (2.0, 1.0)]]
    )])
    .is_empty());
    assert!(check(vec![polygon(
        &square(0.0, 0.0, 4.0),
        &[&[(2.0, 0.0), (3.0, 1.0), (1.0, 1.0)]]
    )])
    .is_empty());
    // Two holes touching at one point.
    assert!(check(vec![polygon(
        &square(0.0, 0.0, 4.0),
        &[
            &[(1.0, 1.0), (2.0, 2.0), (1.0, 3.0)],
            &[(3.0, 1.0), (3.0, 3.0), (2.0, 2.0)]
        ],
    )])
    .is_empty());
    // An island inside a lake.
    assert!(check(vec![
        polygon(&square(0.0, 0.0, 10.0), &[&square(2.0, 2.0, 6.0)]),
        polygon(&square(4.0, 4.0, 2.0), &[])
    ])
    .is_empty());
}

#[test]
fn polygons_that_cross_share_an_edge_or_nest() {
    let crossing = check(vec![
        polygon(&square(0.0, 0.0, 2.0), &[]),
        polygon(&square(1.0, 1.0, 2.0), &[]),
    ]);
    let p = only(&crossing);
    assert_eq!(p.kind, ProblemKind::ShellsOverlap);
    assert_eq!(p.message, "polygon 0, ring 0 (exterior) crosses polygon 1, ring 0 (exterior) at (2, 1) (and 1 more place)");

    let sharing = check(vec![
        polygon(&square(0.0, 0.0, 1.0), &[]),
        polygon(&square(1.0, 0.0, 1.0), &[]),
    ]);
    let p = only(&sharing);
    assert_eq!(p.kind, ProblemKind::ShellsOverlap);
    assert!(
        p.message
            .contains("shares a segment with polygon 1, ring 0"),
        "{}",
        p.message
    );

    let nested = check(vec![
        polygon(&square(1.0, 1.0, 1.0), &[]),
        polygon(&square(0.0, 0.0, 4.0), &[]),
    ]);
    let p = only(&nested);
    assert_eq!(p.kind, ProblemKind::ShellsOverlap);
    assert_eq!(p.message, "polygon 0 lies inside polygon 1 at (1, 1)");
}

#[test]
fn degenerate_geo_values() {
    assert_eq!(only(&check(vec![])).kind, ProblemKind::Empty);
    let nan = Polygon::new(
        LineString::from(vec![(0.0, 0.0), (f64::NAN, 0.0), (1.0, 1.0), (0.0, 0.0)]),
        vec![],
    );
    assert_eq!(only(&check(vec![nan])).kind, ProblemKind::NonFinite);
    let flat = Polygon::new(
        LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (0.0, 0.0)]),
        vec![],
    );
    let p = only(&check(vec![flat])).clone();
    assert_eq!(p.kind, ProblemKind::TooFewPoints);
    assert_eq!(
        p.message,
        "polygon 0, ring 0 (exterior) has only 2 distinct positions; a ring needs at least 3"
    );
}

#[test]
fn problems_of_several_rings_are_all_named() {
    let problems = check(vec![
        polygon(&square(0.0, 0.0, 4.0), &[&square(5.0, 1.0, 1.0)]),
        polygon(&[(10.0, 0.0), (12.0, 2.0), (12.0, 0.0), (10.0, 2.0)], &[]),
    ]);
    assert_eq!(
        summarize(&problems).as_deref(),
        Some(
            "polygon 1, ring 0 (exterior) crosses itself at (11, 1); \
             polygon 0, ring 1 (hole) lies outside the exterior ring at (5, 1)"
        )
    );
}

/// A valid ring of `n` vertices on a wavy circle around Shiyan.
fn wavy_ring(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|k| {
            let angle = std::f64::consts::TAU * k as f64 / n as f64;
            let radius = 0.3 + 0.02 * (angle * 37.0).sin();
            (110.8 + radius * angle.cos(), 32.6 + radius * angle.sin())
        })
        .collect()
}

#[test]
fn long_rings_are_checked_and_faults_located() {
    let mut points = wavy_ring(1800);
    assert!(check(vec![polygon(&points, &[])]).is_empty());
    // Swap two neighbouring vertices: the ring now crosses itself between them.
    points.swap(900, 901);
    let problems = check(vec![polygon(&points, &[])]);
    let p = only(&problems);
    assert_eq!(p.kind, ProblemKind::SelfIntersection);
    let [x, y] = p.location.unwrap();
    let (ax, ay) = points[900];
    assert!((x - ax).abs() < 0.01 && (y - ay).abs() < 0.01, "{p:?}");
}
