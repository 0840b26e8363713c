//! Coordinates stored as given, NaN included, the same on both backends.
//!
//! `SQLite` cannot keep a NaN (binding one stores NULL) while `PostgreSQL`
//! can, and "no coordinate" must stay distinguishable from "a coordinate that
//! is not a number" (`no_location` vs `invalid_coordinates`). So when either
//! given coordinate is not finite, `lon`/`lat` hold only the finite one(s)
//! and `raw_coordinates` holds the pair as text, `lon,lat`, each part Rust's
//! round-tripping `f64` text (`NaN`, `inf`, `-inf`, `32.6`) or empty when not
//! given. Finite values, out of range or not, go to `lon`/`lat` unchanged
//! (except `-0.0`, stored as `0.0` like every float of the store).

use crate::row::positive_zero;

/// What goes into the `lon`, `lat` and `raw_coordinates` columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredCoords {
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub raw: Option<String>,
}

/// The columns for a given pair.
pub(crate) fn to_stored(lon: Option<f64>, lat: Option<f64>) -> StoredCoords {
    let finite = |v: Option<f64>| v.filter(|x| x.is_finite()).map(positive_zero);
    let all_finite = lon.is_none_or(f64::is_finite) && lat.is_none_or(f64::is_finite);
    StoredCoords {
        lon: finite(lon),
        lat: finite(lat),
        raw: (!all_finite).then(|| format!("{},{}", text(lon), text(lat))),
    }
}

fn text(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The pair as given, from the stored columns. A `raw_coordinates` text
/// that does not parse (only possible if written outside the store) counts as
/// NaN: still invalid, never "no location".
pub(crate) fn from_stored(
    lon: Option<f64>,
    lat: Option<f64>,
    raw: Option<&str>,
) -> (Option<f64>, Option<f64>) {
    let Some(raw) = raw else {
        return (lon, lat);
    };
    let part = |p: Option<&str>| {
        let p = p.unwrap_or("").trim();
        (!p.is_empty()).then(|| p.parse::<f64>().unwrap_or(f64::NAN))
    };
    let mut parts = raw.splitn(2, ',');
    (part(parts.next()), part(parts.next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(lon: Option<f64>, lat: Option<f64>) -> (Option<f64>, Option<f64>) {
        let s = to_stored(lon, lat);
        from_stored(s.lon, s.lat, s.raw.as_deref())
    }

    fn bits(pair: (Option<f64>, Option<f64>)) -> (Option<u64>, Option<u64>) {
        (pair.0.map(f64::to_bits), pair.1.map(f64::to_bits))
    }

    #[test]
    fn finite_pairs_go_to_the_columns_unchanged() {
        let s = to_stored(Some(110.798_123_456_789), Some(-95.0));
        assert_eq!(s.raw, None);
        assert_eq!(s.lon, Some(110.798_123_456_789));
        assert_eq!(s.lat, Some(-95.0), "out of range is stored as given");
        assert_eq!(to_stored(None, None).raw, None);
        assert_eq!(to_stored(Some(-0.0), None).lon.map(f64::to_bits), Some(0));
    }

    #[test]
    fn non_finite_pairs_round_trip_through_the_text() {
        let s = to_stored(Some(f64::NAN), Some(32.6));
        assert_eq!(
            (s.lon, s.lat, s.raw.as_deref()),
            (None, Some(32.6), Some("NaN,32.6"))
        );
        let (lon, lat) = round_trip(Some(f64::NAN), Some(32.6));
        assert!(lon.is_some_and(f64::is_nan));
        assert_eq!(lat, Some(32.6));
        let (lon, lat) = round_trip(None, Some(f64::NEG_INFINITY));
        assert_eq!((lon, lat), (None, Some(f64::NEG_INFINITY)));
        let exact = (Some(0.1 + 0.2), Some(f64::INFINITY));
        assert_eq!(bits(round_trip(exact.0, exact.1)), bits(exact));
    }

    #[test]
    fn garbage_text_is_still_invalid() {
        let (lon, lat) = from_stored(None, None, Some("x,"));
        assert!(lon.is_some_and(f64::is_nan));
        assert_eq!(lat, None);
    }
}
