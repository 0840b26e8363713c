//! Lon/lat bounding boxes in degrees, `[min_lon, min_lat, max_lon, max_lat]`,
//! and the operations every crate needs on them (one definition, rather
//! than a union written out in each).

/// Lon/lat bounding box in degrees: `[min_lon, min_lat, max_lon, max_lat]`.
pub type BBox = [f64; 4];

/// The smallest box holding both.
pub fn union(a: BBox, b: BBox) -> BBox {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

/// The smallest box holding all of `boxes` (`None` for none).
///
/// ```
/// use wangge_model::bbox;
/// let boxes = [[1.0, 2.0, 3.0, 4.0], [0.0, 3.0, 2.0, 5.0]];
/// assert_eq!(bbox::union_all(boxes), Some([0.0, 2.0, 3.0, 5.0]));
/// assert_eq!(bbox::union_all([]), None);
/// ```
pub fn union_all(boxes: impl IntoIterator<Item = BBox>) -> Option<BBox> {
    boxes.into_iter().reduce(union)
}

/// `bbox` grown to hold the point `(x, y)` (a box of the point alone when
/// there is none yet).
pub fn including(bbox: Option<BBox>, x: f64, y: f64) -> BBox {
    match bbox {
        None => [x, y, x, y],
        Some(b) => [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)],
    }
}

/// Whether the boxes share a point (touching counts).
///
/// ```
/// use wangge_model::bbox;
/// assert!(bbox::intersects([0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 2.0, 2.0]));
/// assert!(!bbox::intersects([0.0, 0.0, 1.0, 1.0], [1.5, 0.0, 2.0, 1.0]));
/// ```
pub fn intersects(a: BBox, b: BBox) -> bool {
    a[2] >= b[0] && a[3] >= b[1] && a[0] <= b[2] && a[1] <= b[3]
}
