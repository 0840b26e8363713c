//! Points a little outside the territory: beyond its outer boundary or in
//! the small gaps the real county boundaries leave between counties — where
//! a customer's GPS fix or a clerk's map click lands when the address is
//! right next to the border. Each point belongs to the cell on the inner side.

use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point};
use rand::Rng;

use crate::build::CellSite;
use crate::pip::BandedPolygon;
use crate::rng::rng_for;
use crate::sampler::round6;

/// Distances from the boundary: log-uniform between these (metres), so some
/// fall within the engine's 30 m snap distance and get a suggestion.
const MIN_OFFSET_M: f64 = 3.0;
const MAX_OFFSET_M: f64 = 400.0;
/// At most this many distinct points; more products share them (several
/// lines of one household or firm).
pub const MAX_DISTINCT: usize = 1_500;

/// `wanted` points outside every department, each with the index of the cell on
/// the inner side of the boundary it was taken from; deterministic in `seed`.
pub fn outside_points(
    departments: &[MultiPolygon<f64>],
    cells: &[CellSite],
    wanted: usize,
    seed: u64,
) -> Vec<(Coord<f64>, usize)> {
    if wanted == 0 {
        return Vec::new();
    }
    let banded: Vec<BandedPolygon> = departments.iter().filter_map(BandedPolygon::new).collect();
    let cell_boxes: Vec<[f64; 4]> = cells
        .iter()
        .map(|c| {
            c.geometry
                .bounding_rect()
                .map_or([0.0; 4], |r| [r.min().x, r.min().y, r.max().x, r.max().y])
        })
        .collect();
    // Every boundary edge of every department, by cumulative length.
    let mut edges: Vec<(Coord<f64>, Coord<f64>)> = Vec::new();
    let mut cumulative: Vec<f64> = Vec::new();
    let mut total = 0.0;
    for mp in departments {
        for polygon in &mp.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for pair in ring.0.windows(2) {
                    let length = (pair[1].x - pair[0].x).hypot(pair[1].y - pair[0].y);
                    if length > 0.0 {
                        total += length;
                        edges.push((pair[0], pair[1]));
                        cumulative.push(total);
                    }
                }
            }
        }
    }
    if edges.is_empty() {
        return Vec::new();
    }
    let inside_any = |p: Coord<f64>| banded.iter().any(|b| b.contains(p));
    let owner = |p: Coord<f64>| {
        (0..cells.len()).find(|&i| {
            let [x0, y0, x1, y1] = cell_boxes[i];
            p.x >= x0
                && p.x <= x1
                && p.y >= y0
                && p.y <= y1
                && cells[i].geometry.contains(&Point(p))
        })
    };
    let mut rng = rng_for(seed, "outside");
    let distinct = wanted.min(MAX_DISTINCT);
    let mut points = Vec::with_capacity(distinct);
    let mut attempts = 0;
    while points.len() < distinct && attempts < distinct * 400 {
        attempts += 1;
        let at = rng.gen::<f64>() * total;
        let (start, end) = edges[cumulative.partition_point(|c| *c < at).min(edges.len() - 1)];
        let along: f64 = rng.gen();
        let mid = Coord {
            x: start.x + (end.x - start.x) * along,
            y: start.y + (end.y - start.y) * along,
        };
        // The unit normal in metres, turned back into degrees.
        let (mx, my) = (111_320.0 * mid.y.to_radians().cos(), 110_570.0);
        let (ex, ey) = ((end.x - start.x) * mx, (end.y - start.y) * my);
        let len = ex.hypot(ey);
        let side = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
        let (nx, ny) = (-ey / len * side, ex / len * side);
        let offset_m = (rng.gen_range(MIN_OFFSET_M.ln()..MAX_OFFSET_M.ln())).exp();
        let out = Coord {
            x: round6(mid.x + nx * offset_m / mx),
            y: round6(mid.y + ny * offset_m / my),
        };
        if inside_any(out) {
            continue;
        }
        let back = Coord {
            x: mid.x - nx * 2.0 / mx,
            y: mid.y - ny * 2.0 / my,
        };
        if let Some(cell) = owner(back) {
            points.push((out, cell));
        }
    }
    // Further products share the distinct points in turn.
    (0..wanted)
        .filter_map(|i| points.get(i % points.len().max(1)).copied())
        .collect()
}
