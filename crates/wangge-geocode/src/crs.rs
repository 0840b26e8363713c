//! Coordinate systems: WGS-84 ↔ GCJ-02 ↔ BD-09, and the EPSG systems
//! (CGCS2000, its Gauss–Krüger zones, Web Mercator) through proj4rs.
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

use std::collections::HashMap;
use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock, RwLock};

use proj4rs::proj::Proj;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A coordinate reference system for input and output: the two offsets
/// Chinese map apps use, and any system of the EPSG register that PROJ's
/// string form describes — CGCS2000 geographic (EPSG:4490), its
/// Gauss–Krüger 6° and 3° zones (EPSG:4491–4554, with and without the zone
/// number in the false easting), Web Mercator (EPSG:3857), UTM …
///
/// Geographic systems take `(lon, lat)` in degrees, projected ones
/// `(easting, northing)` in metres. CGCS2000 and WGS-84 differ by a few
/// centimetres in China (the realisations, not the ellipsoids, which share
/// their axes): wangge treats CGCS2000 coordinates as WGS-84, as GIS tools
/// do without a time-dependent transformation.
///
/// ```
/// use wangge_geocode::crs::{from_wgs84, to_wgs84, Crs};
/// let gk: Crs = "EPSG:4546".parse().unwrap(); // 3° Gauss–Krüger, CM 111°E
/// let (e, n) = from_wgs84(gk, 110.79, 32.63);
/// assert!((e - 480_293.303).abs() < 0.001 && (n - 3_611_734.083).abs() < 0.001);
/// let (lon, lat) = to_wgs84(gk, e, n);
/// assert!((lon - 110.79).abs() < 1e-9 && (lat - 32.63).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Crs {
    #[default]
    Wgs84,
    Gcj02,
    Bd09,
    /// Any other EPSG system ([`Crs::epsg`]); never 4326 (that is `Wgs84`).
    Epsg(u16),
}

/// EPSG:4490, CGCS2000 geographic.
pub const CGCS2000: Crs = Crs::Epsg(4490);
/// EPSG:3857, Web Mercator.
pub const WEB_MERCATOR: Crs = Crs::Epsg(3857);

impl Crs {
    /// `wgs84`, `gcj02`, `bd09`, or `EPSG:NNNN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
            Crs::Epsg(code) => epsg_name(code),
        }
    }

    /// The EPSG code, where the system has one (GCJ-02 and BD-09 have none).
    pub fn epsg(self) -> Option<u16> {
        match self {
            Crs::Wgs84 => Some(4326),
            Crs::Epsg(code) => Some(code),
            Crs::Gcj02 | Crs::Bd09 => None,
        }
    }

    /// Coordinates are degrees of longitude and latitude (not metres).
    pub fn is_geographic(self) -> bool {
        match self {
            Crs::Wgs84 | Crs::Gcj02 | Crs::Bd09 => true,
            Crs::Epsg(code) => projection(code).is_some_and(|p| p.is_latlong()),
        }
    }

    /// The system's definition as OGC WKT 1 (for a `.prj` or a GeoPackage
    /// SRS); GCJ-02 and BD-09 have none and are written as WGS-84's.
    pub fn wkt(self) -> &'static str {
        let code = self.epsg().unwrap_or(4326);
        crs_definitions::from_code(code).map_or("", |d| d.wkt)
    }

    /// The EPSG system a `.prj` (OGC or ESRI WKT) describes: by its
    /// AUTHORITY code, else by comparing its parameters with the systems
    /// used in China (CGCS2000 and its Gauss–Krüger zones, WGS-84, Web
    /// Mercator, UTM on WGS-84).
    pub fn from_wkt(wkt: &str) -> Result<Crs, String> {
        if let Some(code) = authority_code(wkt) {
            if let Ok(crs) = Crs::from_epsg(code) {
                return Ok(crs);
            }
        }
        let proj = proj4wkt::wkt_to_projstring(wkt)
            .map_err(|e| format!("the coordinate system cannot be read ({e})"))?;
        // The 3° and 6° zones of one central meridian are the same
        // projection under two codes: the name says which family.
        let name = wkt.to_ascii_lowercase();
        let three_degree =
            name.contains("3_degree") || name.contains("3-degree") || name.contains("3 degree");
        let matches = Crs::from_proj_string(&proj);
        let in_family =
            |c: &Crs| c.epsg().is_some_and(|e| (4513..=4554).contains(&e)) == three_degree;
        matches
            .iter()
            .copied()
            .find(in_family)
            .or_else(|| matches.first().copied())
            .ok_or_else(|| {
                format!("the coordinate system {proj:?} is none wangge knows: give it as --crs EPSG:NNNN")
            })
    }

    /// The system of this EPSG code, if PROJ's string form describes it.
    pub fn from_epsg(code: u16) -> Result<Crs, String> {
        if code == 4326 {
            return Ok(Crs::Wgs84);
        }
        if projection(code).is_none() {
            return Err(format!(
                "EPSG:{code} is not a coordinate system wangge can convert"
            ));
        }
        Ok(Crs::Epsg(code))
    }

    /// The known systems with the same projection, origin, false easting
    /// and scale as this PROJ string.
    fn from_proj_string(proj: &str) -> Vec<Crs> {
        let params = proj_params(proj);
        let num = |k: &str| {
            params
                .get(k)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let known = (4490u16..=4554).chain([4326, 3857]).chain(32643..=32653);
        known
            .into_iter()
            .filter_map(|code| {
                let def = crs_definitions::from_code(code)?;
                let theirs = proj_params(def.proj4);
                let their = |k: &str| {
                    theirs
                        .get(k)
                        .and_then(|v| v.parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                let same = params.get("proj") == theirs.get("proj")
                    && ["lon_0", "lat_0", "x_0", "y_0"]
                        .iter()
                        .all(|k| (num(k) - their(k)).abs() < 1e-6)
                    && (!params.contains_key("k")
                        || (num("k") - theirs.get("k").map_or(1.0, |_| their("k"))).abs() < 1e-9);
                same.then(|| Crs::from_epsg(code).ok()).flatten()
            })
            .collect()
    }
}

/// `EPSG:NNNN`, made once per code and kept (a handful per process).
fn epsg_name(code: u16) -> &'static str {
    static NAMES: OnceLock<RwLock<HashMap<u16, &'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(RwLock::default);
    if let Some(name) = names.read().ok().and_then(|n| n.get(&code).copied()) {
        return name;
    }
    let name: &'static str = Box::leak(format!("EPSG:{code}").into_boxed_str());
    if let Ok(mut n) = names.write() {
        n.insert(code, name);
    }
    name
}

/// The proj4rs projection of an EPSG code (built once per code).
fn projection(code: u16) -> Option<Arc<Proj>> {
    static CACHE: OnceLock<RwLock<HashMap<u16, Option<Arc<Proj>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(RwLock::default);
    if let Some(p) = cache.read().ok().and_then(|c| c.get(&code).cloned()) {
        return p;
    }
    let p = crs_definitions::from_code(code)
        .and_then(|d| Proj::from_proj_string(d.proj4).ok())
        .map(Arc::new);
    if let Ok(mut c) = cache.write() {
        c.insert(code, p.clone());
    }
    p
}

/// WGS-84 longitude and latitude, for proj4rs.
fn wgs84_lonlat() -> &'static Proj {
    static WGS84: OnceLock<Proj> = OnceLock::new();
    WGS84.get_or_init(|| {
        Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs")
            .unwrap_or_else(|e| unreachable!("the WGS-84 definition is fixed: {e}"))
    })
}

fn proj_params(proj: &str) -> HashMap<&str, &str> {
    proj.split_whitespace()
        .filter_map(|p| p.strip_prefix('+'))
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect()
}

/// The code of the WKT's outermost `AUTHORITY["EPSG","NNNN"]` (the whole
/// system's; inner ones name its datum, units, axes).
fn authority_code(wkt: &str) -> Option<u16> {
    let compact: String = wkt.chars().filter(|c| !c.is_whitespace()).collect();
    let upper = compact.to_ascii_uppercase();
    let at = upper.rfind("AUTHORITY[\"EPSG\",")?;
    let rest = &compact[at + "AUTHORITY[\"EPSG\",".len()..];
    let digits: String = rest
        .trim_start_matches('"')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // Only the outermost AUTHORITY names the system: it closes the WKT.
    let tail = &rest[rest.find(']')? + 1..];
    (tail.trim_matches(|c| c == ']').is_empty())
        .then(|| digits.parse().ok())
        .flatten()
}

impl FromStr for Crs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
        match key.as_str() {
            "wgs84" | "epsg:4326" | "epsg4326" | "4326" => return Ok(Crs::Wgs84),
            "gcj02" | "gcj" | "mars" => return Ok(Crs::Gcj02),
            "bd09" | "baidu" | "bd09ll" => return Ok(Crs::Bd09),
            "cgcs2000" => return Ok(CGCS2000),
            "webmercator" | "pseudomercator" | "900913" => return Ok(WEB_MERCATOR),
            _ => {}
        }
        // EPSG:4546, epsg4546, 4546, urn:ogc:def:crs:EPSG::4546
        let digits = key
            .rsplit(':')
            .next()
            .unwrap_or("")
            .trim_start_matches("epsg");
        match digits.parse::<u16>() {
            Ok(code) if key.contains("epsg") || key.chars().all(|c| c.is_ascii_digit()) => {
                Crs::from_epsg(code)
            }
            _ => Err(format!(
                "coordinate system {s:?} is unknown: use wgs84, gcj02, bd09, cgcs2000, webmercator or EPSG:NNNN (4490, 4491-4554, 3857 …)"
            )),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Crs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Crs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Converts `(x, y)` given in `from` to WGS-84 `(lon, lat)`; a point the
/// projection cannot invert (far outside its zone) is `(NaN, NaN)`.
pub fn to_wgs84(from: Crs, x: f64, y: f64) -> (f64, f64) {
    match from {
        Crs::Wgs84 => (x, y),
        Crs::Gcj02 => gcj02_to_wgs84(x, y),
        Crs::Bd09 => {
            let (lon, lat) = bd09_to_gcj02(x, y);
            gcj02_to_wgs84(lon, lat)
        }
        Crs::Epsg(code) => match projection(code) {
            Some(p) if p.is_latlong() => (x, y),
            Some(p) => {
                let mut point = (x, y, 0.0);
                match proj4rs::transform::transform(&p, wgs84_lonlat(), &mut point) {
                    Ok(()) => (point.0.to_degrees(), point.1.to_degrees()),
                    Err(_) => (f64::NAN, f64::NAN),
                }
            }
            None => (f64::NAN, f64::NAN),
        },
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
        Crs::Epsg(code) => match projection(code) {
            Some(p) if p.is_latlong() => (lon, lat),
            Some(p) => {
                let mut point = (lon.to_radians(), lat.to_radians(), 0.0);
                match proj4rs::transform::transform(wgs84_lonlat(), &p, &mut point) {
                    Ok(()) => (point.0, point.1),
                    Err(_) => (f64::NAN, f64::NAN),
                }
            }
            None => (f64::NAN, f64::NAN),
        },
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

    /// Reference points computed by PROJ 9.5.1 (pyproj 3.7.2,
    /// `Transformer.from_crs("EPSG:4326", "EPSG:N", always_xy=True)`): the
    /// 3° and 6° Gauss–Krüger zones of Shiyan (CM 111°E, with and without the
    /// zone number), Chengdu's (CM 105°E) and Hangzhou's (CM 120°E), and Web
    /// Mercator; to 1 mm, and back to 1e-9°.
    #[test]
    fn projected_systems_agree_with_proj() {
        let cases = [
            (4546, (110.79, 32.63), (480_293.302_9, 3_611_734.082_8)),
            (4525, (110.79, 32.63), (37_480_293.302_9, 3_611_734.082_8)),
            (4497, (110.79, 32.63), (19_480_293.302_9, 3_611_734.082_8)),
            (4508, (110.79, 32.63), (480_293.302_9, 3_611_734.082_8)),
            (4544, (104.07, 30.67), (410_874.758_0, 3_394_757.315_1)),
            (4549, (120.16, 30.27), (515_395.853_1, 3_350_055.008_7)),
            (3857, (110.79, 32.63), (12_333_086.385_0, 3_846_295.004_1)),
            (4490, (110.79, 32.63), (110.79, 32.63)),
        ];
        for (code, (lon, lat), (x, y)) in cases {
            let crs = Crs::from_epsg(code).unwrap();
            let got = from_wgs84(crs, lon, lat);
            assert!(
                (got.0 - x).abs() < 1e-3 && (got.1 - y).abs() < 1e-3,
                "EPSG:{code}: {got:?}"
            );
            let back = to_wgs84(crs, got.0, got.1);
            assert!(close(back, (lon, lat), 1e-9), "EPSG:{code}: {back:?}");
        }
    }

    /// The transverse Mercator example of EPSG Guidance Note 7-2 (OSGB 1936 /
    /// British National Grid, 50°30′N 0°30′E → E 577 274.99 m, N 69 740.50 m),
    /// through the same proj4rs projection wangge uses: within 1 cm.
    #[test]
    fn the_epsg_transverse_mercator_example() {
        let osgb = Crs::from_epsg(27700).unwrap();
        // proj4rs applies OSGB's datum shift; the guidance example is on
        // the Airy ellipsoid without it, so project there directly.
        let tm = Proj::from_proj_string(
            "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +units=m +no_defs",
        )
        .unwrap();
        let ll = Proj::from_proj_string("+proj=longlat +ellps=airy +no_defs").unwrap();
        let mut p = (0.5f64.to_radians(), 50.5f64.to_radians(), 0.0);
        proj4rs::transform::transform(&ll, &tm, &mut p).unwrap();
        assert!(
            (p.0 - 577_274.99).abs() < 0.01 && (p.1 - 69_740.50).abs() < 0.01,
            "{p:?}"
        );
        assert!(!osgb.is_geographic());
    }

    #[test]
    fn systems_are_named_as_users_write_them() {
        for (text, crs) in [
            ("EPSG:4546", Crs::Epsg(4546)),
            ("epsg:4490", CGCS2000),
            ("urn:ogc:def:crs:EPSG::4549", Crs::Epsg(4549)),
            ("4326", Crs::Wgs84),
            ("CGCS2000", CGCS2000),
            ("web-mercator", WEB_MERCATOR),
            ("GCJ-02", Crs::Gcj02),
        ] {
            assert_eq!(text.parse::<Crs>().unwrap(), crs, "{text}");
        }
        assert_eq!(Crs::Epsg(4546).as_str(), "EPSG:4546");
        assert_eq!("EPSG:4546".parse::<Crs>().unwrap().to_string(), "EPSG:4546");
        assert!("EPSG:1".parse::<Crs>().unwrap_err().contains("EPSG:1"));
        assert!("mars2000".parse::<Crs>().unwrap_err().contains("EPSG:NNNN"));
        assert!(Crs::Epsg(4490).is_geographic() && !Crs::Epsg(4546).is_geographic());
        let json = serde_json::to_string(&Crs::Epsg(4546)).unwrap();
        assert_eq!(json, "\"EPSG:4546\"");
        assert_eq!(serde_json::from_str::<Crs>(&json).unwrap(), Crs::Epsg(4546));
    }

    /// A `.prj` as ArcGIS writes it (ESRI WKT, no authority) and as GDAL
    /// writes it (with the EPSG authority).
    #[test]
    fn a_prj_names_its_system() {
        let esri = r#"PROJCS["CGCS2000_3_Degree_GK_CM_111E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_wkt(esri).unwrap(), Crs::Epsg(4546));
        let zone = esri.replace("500000.0", "37500000.0");
        assert_eq!(Crs::from_wkt(&zone).unwrap(), Crs::Epsg(4525));
        assert_eq!(
            Crs::from_wkt(Crs::Epsg(4549).wkt()).unwrap(),
            Crs::Epsg(4549)
        );
        assert_eq!(Crs::from_wkt(Crs::Wgs84.wkt()).unwrap(), Crs::Wgs84);
        let other = esri.replace("111.0", "111.5");
        assert!(Crs::from_wkt(&other).unwrap_err().contains("--crs"));
    }
}
