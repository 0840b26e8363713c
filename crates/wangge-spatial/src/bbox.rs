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
            Some(match bbox {
                None => [c.x, c.y, c.x, c.y],
                Some([x0, y0, x1, y1]) => [x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y)],
            })
        })
}
