//! The overlays of one family (a parent and its children) on one integer
//! grid, through i_overlay's integer API.
//!
//! One grid for the whole family makes a point shared by two grids the same
//! integer in every overlay, so shared edges cancel exactly and areas can be
//! compared exactly. Output vertices map back to the input coordinates they
//! came from, so a gap's corners are its neighbours' corners bit for bit;
//! only points the overlay computed (crossings) are new.

use std::collections::HashMap;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use i_overlay::core::extract::BooleanExtractionBuffer;
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{ContourDirection, IntOverlayOptions, Overlay, ShapeType};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::{IntContour, IntShapes};

/// The rings of a polygonal geometry on the grid: exteriors counter-clockwise,
/// holes clockwise, open (no closing point).
pub(crate) type Rings = Vec<IntContour>;

/// Integer coordinates span at most ±2^29 (i_overlay works exactly below 2^30).
const HALF_RANGE_LOG2: i32 = 29;

pub(crate) struct Frame {
    offset: Coord<f64>,
    scale: f64,
    /// The first input coordinate seen at each grid point.
    recover: HashMap<IntPoint, Coord<f64>>,
}

impl Frame {
    /// A grid fine enough for `bbox` (about 0.3 mm for a 3° box).
    pub(crate) fn new([x0, y0, x1, y1]: [f64; 4]) -> Self {
        let half = (0.5 * (x1 - x0)).max(0.5 * (y1 - y0));
        let scale = if half > 0.0 && half.is_finite() {
            2f64.powi(HALF_RANGE_LOG2 - half.log2().ceil() as i32)
        } else {
            1.0
        };
        Self {
            offset: Coord {
                x: 0.5 * (x0 + x1),
                y: 0.5 * (y0 + y1),
            },
            scale,
            recover: HashMap::new(),
        }
    }

    fn grid_point(&mut self, c: Coord<f64>) -> IntPoint {
        let p = IntPoint::new(
            ((c.x - self.offset.x) * self.scale).round() as i32,
            ((c.y - self.offset.y) * self.scale).round() as i32,
        );
        self.recover.entry(p).or_insert(c);
        p
    }

    fn coord_of(&self, p: IntPoint) -> Coord<f64> {
        self.recover.get(&p).copied().unwrap_or_else(|| Coord {
            x: f64::from(p.x) / self.scale + self.offset.x,
            y: f64::from(p.y) / self.scale + self.offset.y,
        })
    }

    /// Whether `p` is a point of some input (not one the overlay computed).
    #[cfg(test)]
    pub(crate) fn is_input_point(&self, c: Coord<f64>) -> bool {
        let p = IntPoint::new(
            ((c.x - self.offset.x) * self.scale).round() as i32,
            ((c.y - self.offset.y) * self.scale).round() as i32,
        );
        self.recover.get(&p) == Some(&c)
    }

    /// The rings of `mp` on the grid, oriented. Rings with non-finite
    /// coordinates or fewer than 3 distinct grid points are left out.
    pub(crate) fn rings(&mut self, mp: &MultiPolygon<f64>) -> Rings {
        let mut rings = Vec::new();
        for polygon in mp {
            for (index, ring) in std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .enumerate()
            {
                if ring.0.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
                    continue;
                }
                let mut points: Vec<IntPoint> =
                    ring.0.iter().map(|&c| self.grid_point(c)).collect();
                points.dedup();
                while points.len() > 1 && points.first() == points.last() {
                    points.pop();
                }
                if points.len() < 3 {
                    continue;
                }
                let exterior = index == 0;
                if (area2(&points) > 0) != exterior {
                    points.reverse();
                }
                rings.push(points);
            }
        }
        rings
    }

    /// Shapes back to lon/lat, input coordinates recovered.
    pub(crate) fn multipolygon(&self, shapes: &IntShapes) -> MultiPolygon<f64> {
        let ring = |contour: &IntContour| {
            let mut coords: Vec<Coord<f64>> = contour.iter().map(|&p| self.coord_of(p)).collect();
            if let Some(&first) = coords.first() {
                coords.push(first);
            }
            LineString(coords)
        };
        MultiPolygon(
            shapes
                .iter()
                .filter_map(|shape| {
                    let (exterior, holes) = shape.split_first()?;
                    Some(Polygon::new(
                        ring(exterior),
                        holes.iter().map(ring).collect(),
                    ))
                })
                .collect(),
        )
    }
}

/// Twice the signed area of an open contour, counter-clockwise positive.
pub(crate) fn area2(points: &[IntPoint]) -> i128 {
    let n = points.len();
    (0..n)
        .map(|i| {
            let (a, b) = (points[i], points[(i + 1) % n]);
            i128::from(a.x) * i128::from(b.y) - i128::from(b.x) * i128::from(a.y)
        })
        .sum()
}

/// Twice the area of shapes (holes subtract).
pub(crate) fn shapes_area2(shapes: &IntShapes) -> i128 {
    shapes.iter().flatten().map(|c| area2(c)).sum()
}

/// Twice the area of oriented rings (holes subtract).
pub(crate) fn rings_area2(rings: &Rings) -> i128 {
    rings.iter().map(|c| area2(c)).sum()
}

fn options() -> IntOverlayOptions {
    IntOverlayOptions {
        // Collinear vertices are where neighbours' edges meet: keep them.
        preserve_input_collinear: true,
        output_direction: ContourDirection::CounterClockwise,
        preserve_output_collinear: true,
        min_output_area: 0,
        ogc: true,
    }
}

/// One overlay of `subject` against `clip` (each the union of its rings,
/// counted by winding: overlapping inputs are fine), extracted by each rule.
pub(crate) fn overlay(
    subject: &[&Rings],
    clip: &[&Rings],
    rules: &[OverlayRule],
) -> Vec<IntShapes> {
    let capacity = subject
        .iter()
        .chain(clip)
        .flat_map(|rings| rings.iter())
        .map(Vec::len)
        .sum();
    let mut engine = Overlay::new_custom(capacity, options(), Solver::default());
    for (sources, shape_type) in [(subject, ShapeType::Subject), (clip, ShapeType::Clip)] {
        for contour in sources.iter().flat_map(|rings| rings.iter()) {
            engine.add_contour(contour, shape_type);
        }
    }
    let Some(graph) = engine.build_graph_view(FillRule::Positive) else {
        return vec![Vec::new(); rules.len()];
    };
    let mut buffer = BooleanExtractionBuffer::default();
    rules
        .iter()
        .map(|&rule| graph.extract_shapes(rule, &mut buffer))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side),
        ]])
    }

    #[test]
    fn shared_edges_cancel_exactly_and_coordinates_come_back() {
        let mut frame = Frame::new([110.0, 32.0, 110.3, 32.1]);
        let a = frame.rings(&square(110.0, 32.0, 0.1));
        let b = frame.rings(&square(110.1, 32.0, 0.1));
        let [union] = overlay(&[&a, &b], &[], &[OverlayRule::Subject])
            .try_into()
            .unwrap();
        assert_eq!(shapes_area2(&union), rings_area2(&a) + rings_area2(&b));
        let mp = frame.multipolygon(&union);
        assert_eq!(mp.0.len(), 1);
        // The far corner of b, bit for bit (110.1 + 0.1 is not 110.2 in f64).
        assert!(mp.0[0].exterior().0.contains(&Coord {
            x: 110.1 + 0.1,
            y: 32.0 + 0.1
        }));
        assert!(frame.is_input_point(Coord {
            x: 110.1,
            y: 32.0 + 0.1
        }));
        assert!(!frame.is_input_point(Coord { x: 110.15, y: 32.1 }));
    }

    #[test]
    fn clockwise_input_and_holes_are_oriented() {
        let mut frame = Frame::new([0.0, 0.0, 4.0, 4.0]);
        let shell = LineString::from(vec![(0.0, 0.0), (0.0, 4.0), (4.0, 4.0), (4.0, 0.0)]);
        let hole = LineString::from(vec![(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0)]);
        let rings = frame.rings(&MultiPolygon(vec![Polygon::new(shell, vec![hole])]));
        assert!(area2(&rings[0]) > 0);
        assert!(area2(&rings[1]) < 0);
        let filler = frame.rings(&square(1.0, 1.0, 2.0));
        let [union] = overlay(&[&rings, &filler], &[], &[OverlayRule::Subject])
            .try_into()
            .unwrap();
        assert_eq!(union.len(), 1);
        assert_eq!(union[0].len(), 1, "the hole is filled");
    }
}
