//! WGS-84 ↔ GCJ-02 ↔ BD-09.
//!
//! GCJ-02 is WGS-84 with a published, deliberately non-linear offset of a few
//! hundred metres inside China; BD-09 adds a further rotation and shift on top
//! of GCJ-02. wangge stores WGS-84 and converts at the edges. The forward
//! offsets are closed formulas; the inverses are solved by fixed-point
//! iteration to 1e-10 degree (about 0.01 mm), not the one-step
//! approximation many libraries use (which is off by up to a few metres).
//!
//! ```
//! use wangge_geocode::crs::{Crs, to_wgs84, from_wgs84};
//! let (lon, lat) = from_wgs84(Crs::Gcj02, 121.5272106, 31.1774276);
//! assert!((lon - 121.531541859215).abs() < 1e-9 && (lat - 31.17530398364597).abs() < 1e-9);
//! let (back_lon, back_lat) = to_wgs84(Crs::Gcj02, lon, lat);
//! assert!((back_lon - 121.5272106).abs() < 1e-9 && (back_lat - 31.1774276).abs() < 1e-9);
//! ```

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A coordinate reference system for lon/lat input and output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    #[default]
    Wgs84,
    Gcj02,
    Bd09,
}

impl Crs {
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }
}

impl FromStr for Crs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "wgs84" | "epsg4326" => Ok(Crs::Wgs84),
            "gcj02" | "gcj" | "mars" => Ok(Crs::Gcj02),
            "bd09" | "baidu" | "bd09ll" => Ok(Crs::Bd09),
            _ => Err(format!(
                "coordinate system {s:?} is unknown: use wgs84, gcj02 or bd09"
            )),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Converts `(lon, lat)` given in `from` to WGS-84.
pub fn to_wgs84(from: Crs, lon: f64, lat: f64) -> (f64, f64) {
    match from {
        Crs::Wgs84 => (lon, lat),
        Crs::Gcj02 => gcj02_to_wgs84(lon, lat),
        Crs::Bd09 => {
            let (lon, lat) = bd09_to_gcj02(lon, lat);
            gcj02_to_wgs84(lon, lat)
        }
    }
}

/// Converts WGS-84 `(lon, lat)` to `to`.
pub fn from_wgs84(to: Crs, lon: f64, lat: f64) -> (f64, f64) {
    match to {
        Crs::Wgs84 => (lon, lat),
        Crs::Gcj02 => wgs84_to_gcj02(lon, lat),
        Crs::Bd09 => {
            let (lon, lat) = wgs84_to_gcj02(lon, lat);
            gcj02_to_bd09(lon, lat)
        }
    }
}

/// The offset applies only inside China's rough bounding box; outside it
/// GCJ-02 equals WGS-84.
fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

/// The published GCJ-02 offset in degrees at a WGS-84 point.
fn gcj02_offset_deg(lon: f64, lat: f64) -> (f64, f64) {
    // Krasovsky 1940 ellipsoid, as the published algorithm uses.
    const SEMI_MAJOR_M: f64 = 6_378_245.0;
    const ECCENTRICITY_SQ: f64 = 0.006_693_421_622_965_943;
    let (x, y) = (lon - 105.0, lat - 35.0);
    let common = 20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin();
    let mut d_lat = common + 20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin();
    let mut d_lon = common + 20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin();
    d_lat += 160.0 * (y / 12.0 * PI).sin() + 320.0 * (y / 30.0 * PI).sin();
    d_lon += 150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin();
    d_lat *= 2.0 / 3.0;
    d_lon *= 2.0 / 3.0;
    d_lat += -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    d_lon += 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();

    let rad_lat = lat.to_radians();
    let magic = 1.0 - ECCENTRICITY_SQ * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat_deg =
        d_lat * 180.0 / (SEMI_MAJOR_M * (1.0 - ECCENTRICITY_SQ) / (magic * sqrt_magic) * PI);
    let d_lon_deg = d_lon * 180.0 / (SEMI_MAJOR_M / sqrt_magic * rad_lat.cos() * PI);
    (d_lon_deg, d_lat_deg)
}

pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let (d_lon, d_lat) = gcj02_offset_deg(lon, lat);
    (lon + d_lon, lat + d_lat)
}

/// Inverse of [`wgs84_to_gcj02`] by fixed-point iteration (the offset varies
/// slowly, so each step gains several digits; 10 steps are far more than needed).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let (mut w_lon, mut w_lat) = (lon, lat);
    for _ in 0..10 {
        let (g_lon, g_lat) = wgs84_to_gcj02(w_lon, w_lat);
        let (e_lon, e_lat) = (g_lon - lon, g_lat - lat);
        w_lon -= e_lon;
        w_lat -= e_lat;
        if e_lon.abs() < 1e-10 && e_lat.abs() < 1e-10 {
            break;
        }
    }
    (w_lon, w_lat)
}

const BD_X_PI: f64 = PI * 3000.0 / 180.0;

pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = lon.hypot(lat) + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000_003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// Inverse of [`gcj02_to_bd09`], refined by iteration like [`gcj02_to_wgs84`].
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 0.0065, lat - 0.006);
    let z = x.hypot(y) - 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * BD_X_PI).cos();
    let (mut g_lon, mut g_lat) = (z * theta.cos(), z * theta.sin());
    for _ in 0..10 {
        let (b_lon, b_lat) = gcj02_to_bd09(g_lon, g_lat);
        let (e_lon, e_lat) = (b_lon - lon, b_lat - lat);
        g_lon -= e_lon;
        g_lat -= e_lat;
        if e_lon.abs() < 1e-10 && e_lat.abs() < 1e-10 {
            break;
        }
    }
    (g_lon, g_lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64), tolerance_deg: f64) -> bool {
        (a.0 - b.0).abs() < tolerance_deg && (a.1 - b.1).abs() < tolerance_deg
    }

    /// Published pairs from eviltransform's test suite (Shanghai, Shenzhen,
    /// Beijing; lon, lat order here): equal to 1e-9 degree.
    const WGS_TO_GCJ: [((f64, f64), (f64, f64)); 3] = [
        (
            (121.527_210_6, 31.177_427_6),
            (121.531_541_859_215, 31.175_303_983_645_97),
        ),
        (
            (113.912_316, 22.543_847),
            (113.917_176_480_836_3, 22.540_796_131_694_766),
        ),
        (
            (116.377_817, 39.911_954),
            (116.384_047_224_556_57, 39.913_345_455_360_69),
        ),
    ];

    #[test]
    fn wgs84_to_gcj02_matches_published_pairs() {
        for (wgs, gcj) in WGS_TO_GCJ {
            assert!(close(wgs84_to_gcj02(wgs.0, wgs.1), gcj, 1e-9), "{wgs:?}");
            assert!(close(gcj02_to_wgs84(gcj.0, gcj.1), wgs, 1e-9), "{gcj:?}");
        }
    }

    #[test]
    fn bd09_matches_published_pairs() {
        // geotool (Jiaxing): its constants differ from eviltransform's in the
        // last digits, so the pairs agree to about a centimetre: 1e-6 degree.
        let gcj = wgs84_to_gcj02(121.091_707_7, 30.610_777_9);
        assert!(
            close(gcj, (121.096_269_355_750_27, 30.608_604_331_756_705), 1e-6),
            "{gcj:?}"
        );
        let bd = from_wgs84(Crs::Bd09, 121.091_707_7, 30.610_777_9);
        assert!(
            close(bd, (121.102_717_323_712_03, 30.614_845_721_850_35), 1e-6),
            "{bd:?}"
        );
        // gcoord: GCJ-02 (123, 45) -> BD-09, to 5 decimals.
        assert!(close(
            gcj02_to_bd09(123.0, 45.0),
            (123.006_364_99, 45.006_368_99),
            1e-5
        ));
        // gcoord: GCJ-02 (123, 45) -> WGS-84, to 5 decimals.
        assert!(close(
            gcj02_to_wgs84(123.0, 45.0),
            (122.993_955_97, 44.998_040_71),
            1e-5
        ));
    }

    #[test]
    fn round_trips_are_exact_in_shiyan_and_identity_abroad() {
        for crs in [Crs::Gcj02, Crs::Bd09] {
            let (lon, lat) = from_wgs84(crs, 110.798, 32.629);
            let back = to_wgs84(crs, lon, lat);
            assert!(close(back, (110.798, 32.629), 1e-10), "{crs}: {back:?}");
        }
        assert_eq!(from_wgs84(Crs::Gcj02, 2.35, 48.85), (2.35, 48.85));
        assert_eq!("GCJ-02".parse::<Crs>().unwrap(), Crs::Gcj02);
        assert!("utm".parse::<Crs>().unwrap_err().contains("utm"));
    }
}
