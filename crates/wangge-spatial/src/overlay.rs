//! Polygon overlays through i_overlay, the engine behind geo's `BooleanOps`,
//! used directly for two things geo does not expose: keeping collinear
//! vertices (they carry geodesic area and shared edges), and one integer
//! grid for all the overlays of a partition, so that a point two pieces
//! share is computed the same way in both.

use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::ShapeType;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::float::overlay::{FloatOverlay, OverlayOptions};
use i_overlay::i_float::adapter::FloatPointAdapter;
use i_overlay::i_float::float::rect::FloatRect;

type Point = [f64; 2];

/// Open rings (no closing point) as i_overlay takes them.
pub(crate) type Contours = Vec<Vec<Point>>;

fn options() -> OverlayOptions<f64> {
    OverlayOptions {
        preserve_input_collinear: true,
        preserve_output_collinear: true,
        ogc: true,
        ..OverlayOptions::default()
    }
}

/// Every ring of `polygon` as an open contour.
pub(crate) fn contours_of(polygon: &Polygon<f64>) -> Contours {
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .filter_map(|ring| {
            let coords = ring.0.as_slice();
            let open = match coords {
                [first, .., last] if first == last => &coords[..coords.len() - 1],
                _ => coords,
            };
            (open.len() >= 3).then(|| open.iter().map(|c| [c.x, c.y]).collect())
        })
        .collect()
}

/// The region of `contours` under `fill_rule`, as a valid multipolygon
/// (exteriors counter-clockwise, holes clockwise).
pub(crate) fn fill(contours: &Contours, fill_rule: FillRule) -> MultiPolygon<f64> {
    if contours.is_empty() {
        return MultiPolygon(vec![]);
    }
    let shapes = FloatOverlay::with_subj_custom(contours, options(), Solver::default())
        .overlay(OverlayRule::Subject, fill_rule);
    to_multipolygon(shapes)
}

/// A fixed integer grid over a box, shared by several overlays.
pub(crate) struct SharedGrid {
    adapter: FloatPointAdapter<Point, f64>,
}

impl SharedGrid {
    pub(crate) fn new([x0, y0, x1, y1]: [f64; 4]) -> Self {
        Self {
            adapter: FloatPointAdapter::new(FloatRect::new(x0, x1, y0, y1)),
        }
    }

    /// `subject ∩ clip`, each read even-odd. Both must lie inside the box.
    pub(crate) fn intersect(&self, subject: &Contours, clip: &[Point]) -> MultiPolygon<f64> {
        let capacity = subject.iter().map(Vec::len).sum::<usize>() + clip.len();
        let shapes =
            FloatOverlay::new_custom(self.adapter.clone(), options(), Solver::default(), capacity)
                .unsafe_add_source(subject, ShapeType::Subject)
                .unsafe_add_contour(clip, ShapeType::Clip)
                .overlay(OverlayRule::Intersect, FillRule::EvenOdd);
        to_multipolygon(shapes)
    }
}

/// First contour of a shape is its exterior, the rest its holes. Windings are
/// set here (exterior counter-clockwise, holes clockwise): in OGC mode
/// i_overlay 4.5 can emit a hole split off a self-touching ring
/// counter-clockwise, which a later non-zero fill would read as filled.
fn to_multipolygon(shapes: Vec<Vec<Vec<Point>>>) -> MultiPolygon<f64> {
    let ring = |contour: Vec<Point>| {
        let mut coords: Vec<Coord<f64>> =
            contour.into_iter().map(|[x, y]| Coord { x, y }).collect();
        if let Some(&first) = coords.first() {
            coords.push(first);
        }
        LineString(coords)
    };
    MultiPolygon(
        shapes
            .into_iter()
            .filter_map(|shape| {
                let mut rings = shape.into_iter().map(ring);
                let exterior = rings.next()?;
                Some(Polygon::new(exterior, rings.collect()).orient(Direction::Default))
            })
            .collect(),
    )
}
