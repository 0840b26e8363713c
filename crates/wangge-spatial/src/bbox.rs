//! Bounding boxes in lon/lat degrees.

use geo::{CoordsIter, MultiPolygon};

/// `[min_lon, min_lat, max_lon, max_lat]` of all finite coordinates; `None`
/// when there are none.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_spatial::bbox::bbox_of;
/// let triangle = MultiPolygon(vec![polygon![(x: 110.5, y: 32.0), (x: 111.0, y: 32.5), (x: 110.0, y: 33.0)]]);
/// assert_eq!(bbox_of(&triangle), Some([110.0, 32.0, 111.0, 33.0]));
/// assert_eq!(bbox_of(&MultiPolygon(vec![])), None);
/// ```
pub fn bbox_of(mp: &MultiPolygon<f64>) -> Option<[f64; 4]> {
    mp.coords_iter()
        .filter(|c| c.x.is_finite() && c.y.is_finite())
        .fold(None, |bbox, c| {
            Some(wangge_model::bbox::including(bbox, c.x, c.y))
        })
}

/// Metres per degree of latitude on a sphere of the mean Earth radius.
const METRES_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// `bbox` grown by at least `distance_m` on every side (longitude scaled at
/// the box's latitude farthest from the equator, so the reach is never short).
///
/// ```
/// use wangge_spatial::bbox::grown_by_m;
/// let [x0, y0, x1, y1] = grown_by_m([110.0, 32.0, 110.1, 32.1], 111.2);
/// assert!((32.0 - y0 - 0.001).abs() < 1e-5 && (y1 - 32.1 - 0.001).abs() < 1e-5);
/// assert!(110.0 - x0 > 0.00117 && x1 - 110.1 > 0.00117);
/// ```
pub fn grown_by_m(bbox: [f64; 4], distance_m: f64) -> [f64; 4] {
    let [x0, y0, x1, y1] = bbox;
    let dy = distance_m.max(0.0) / METRES_PER_DEG;
    let lat = y0.abs().max(y1.abs()).min(89.0);
    let dx = dy / lat.to_radians().cos();
    [x0 - dx, y0 - dy, x1 + dx, y1 + dy]
}
