//! The operator's standard address base (标准地址): buildings with their
//! division chain, road, house number and coordinates, indexed by road and
//! compound for matching and by an R-tree for reverse geocoding.

use std::collections::HashMap;

use rstar::primitives::GeomWithData;
use rstar::RTree;
use serde::{Deserialize, Serialize};

use crate::code::{DivisionCode, Level};
use crate::error::GeocodeError;
use crate::normalize::{normalize, numerals_to_digits};

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// One standard address: a building (or a gate) with its place in the
/// five-level chain. Codes may be partial; the deepest given decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardAddress {
    pub province_code: Option<DivisionCode>,
    pub city_code: Option<DivisionCode>,
    pub county_code: Option<DivisionCode>,
    pub town_code: Option<DivisionCode>,
    pub village_code: Option<DivisionCode>,
    /// 北京路; may be empty when only a compound is known.
    pub road: String,
    /// House number (门牌): `12`, `12-1`, `12号`.
    pub number: Option<String>,
    /// Residential compound (小区).
    pub compound: Option<String>,
    /// Building: `3`, `3栋`, `A座`.
    pub building: Option<String>,
    /// WGS-84.
    pub lon: f64,
    pub lat: f64,
}

impl StandardAddress {
    /// The deepest code given.
    pub fn deepest(&self) -> Option<DivisionCode> {
        [
            self.village_code,
            self.town_code,
            self.county_code,
            self.city_code,
            self.province_code,
        ]
        .into_iter()
        .flatten()
        .next()
    }

    /// The code at `level`, given or implied by a deeper one.
    pub fn code(&self, level: Level) -> Option<DivisionCode> {
        self.deepest().and_then(|d| d.ancestor(level))
    }
}

/// How precisely a result is located.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// A standard address (one building or gate).
    Building,
    /// The centre of a compound (小区) of the standard address base.
    Compound,
    /// A number interpolated on a road, or a road's centre.
    Road,
    /// A cell the address names (its name is in the text): a point inside it.
    Cell,
    /// The centre of a village or community.
    Village,
    /// The centre of a town or street.
    Town,
    /// The centre of a county.
    County,
    /// No location.
    None,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Building => "building",
            Precision::Compound => "compound",
            Precision::Road => "road",
            Precision::Cell => "cell",
            Precision::Village => "village",
            Precision::Town => "town",
            Precision::County => "county",
            Precision::None => "none",
        }
    }
}

/// Normalised keys of one record.
#[derive(Debug, Clone)]
struct Keys {
    number: String,
    number_value: Option<u32>,
    building: String,
}

/// What the base says about an address.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BaseMatch {
    pub lon: f64,
    pub lat: f64,
    pub precision: Precision,
    /// How good the match itself is (1 = the building).
    pub quality: f32,
    /// The record, for a building match.
    pub record: Option<usize>,
    /// The division the matched records share (their common chain).
    pub division: Option<DivisionCode>,
    pub note: String,
}

/// The standard addresses, indexed. Build it from records; it is read-only
/// and `Send + Sync`.
///
/// ```
/// use wangge_geocode::{AddressBase, StandardAddress};
/// let rec = StandardAddress {
///     province_code: None, city_code: None,
///     county_code: Some("420302".parse().unwrap()), town_code: None, village_code: None,
///     road: "北京路".into(), number: Some("12号".into()), compound: None,
///     building: Some("3栋".into()), lon: 110.79, lat: 32.65,
/// };
/// let base = AddressBase::new(vec![rec]).unwrap();
/// let (nearest, d_m) = base.nearest(110.7901, 32.65).unwrap();
/// assert_eq!(nearest.road, "北京路");
/// assert!((d_m - 9.4).abs() < 0.5);
/// ```
#[derive(Debug, Default)]
pub struct AddressBase {
    records: Vec<StandardAddress>,
    keys: Vec<Keys>,
    deepest: Vec<Option<DivisionCode>>,
    by_road: HashMap<String, Vec<u32>>,
    by_compound: HashMap<String, Vec<u32>>,
    rtree: RTree<GeomWithData<[f64; 3], u32>>,
    centroids: HashMap<DivisionCode, (f64, f64)>,
    /// The cities the standard addresses lie in, sorted: the operator's
    /// territory as far as the base knows it (cities, not counties: a base
    /// loaded for some counties of a city still serves the whole city).
    cities: Vec<DivisionCode>,
}

/// A point on the unit sphere: chord distance orders like great-circle distance.
fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Great-circle distance in metres (haversine).
pub fn distance_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Road, compound, number and building keys as the parser would write them.
pub(crate) fn key_text(s: &str) -> String {
    numerals_to_digits(&normalize(s).text).to_uppercase()
}

fn strip_any<'a>(s: &'a str, suffixes: &[&str]) -> &'a str {
    suffixes.iter().find_map(|x| s.strip_suffix(x)).unwrap_or(s)
}

pub(crate) fn number_key(s: &str) -> String {
    strip_any(&key_text(s), &["号院", "号"]).to_string()
}

pub(crate) fn building_key(s: &str) -> String {
    let k = key_text(s);
    strip_any(&k, &["号楼", "栋", "幢", "座", "#楼", "#", "楼"]).to_string()
}

/// The leading integer of a house number: 12 of `12-1`.
fn number_value(key: &str) -> Option<u32> {
    let end = key.find(|c: char| !c.is_ascii_digit()).unwrap_or(key.len());
    key[..end].parse().ok()
}

impl AddressBase {
    /// Index the records. Coordinates must be finite WGS-84 lon/lat, and the
    /// codes given must form one chain.
    pub fn new(records: Vec<StandardAddress>) -> Result<AddressBase, GeocodeError> {
        let mut base = AddressBase::default();
        let mut points = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let bad = |reason: String| GeocodeError::BadStandardAddress { index: i, reason };
            let on_earth = r.lon.is_finite()
                && r.lat.is_finite()
                && (-180.0..=180.0).contains(&r.lon)
                && (-90.0..=90.0).contains(&r.lat);
            if !on_earth {
                return Err(bad(format!("lon/lat {} {} out of range", r.lon, r.lat)));
            }
            let deepest = r.deepest();
            if let Some(d) = deepest {
                for level in Level::ALL {
                    let given = match level {
                        Level::Province => r.province_code,
                        Level::City => r.city_code,
                        Level::County => r.county_code,
                        Level::Town => r.town_code,
                        Level::Village => r.village_code,
                    };
                    if let Some(g) = given {
                        if g.level() != level || !d.is_within(g) {
                            return Err(bad(format!("{g} is not the {} of {d}", level.as_str())));
                        }
                    }
                }
            }
            let road = key_text(&r.road);
            let compound = r.compound.as_deref().map(key_text).unwrap_or_default();
            if road.is_empty() && compound.is_empty() {
                return Err(bad("neither road nor compound".into()));
            }
            let idx = i as u32;
            if !road.is_empty() {
                base.by_road.entry(road).or_default().push(idx);
            }
            if !compound.is_empty() {
                base.by_compound.entry(compound).or_default().push(idx);
            }
            let number = r.number.as_deref().map(number_key).unwrap_or_default();
            base.keys.push(Keys {
                number_value: number_value(&number),
                number,
                building: r.building.as_deref().map(building_key).unwrap_or_default(),
            });
            base.deepest.push(deepest);
            if let Some(city) = deepest.and_then(|d| d.ancestor(Level::City)) {
                base.cities.push(city);
            }
            points.push(GeomWithData::new(unit_vector(r.lon, r.lat), idx));
        }
        base.rtree = RTree::bulk_load(points);
        base.records = records;
        base.cities.sort_unstable();
        base.cities.dedup();
        Ok(base)
    }

    /// Centres of divisions (code → lon, lat), e.g. of the cells named after
    /// villages and towns; used when no standard address matches.
    #[must_use]
    pub fn with_centroids(mut self, centroids: HashMap<DivisionCode, (f64, f64)>) -> AddressBase {
        self.centroids = centroids;
        self
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&StandardAddress> {
        self.records.get(index)
    }

    /// Whether the division is in (or holds) a city with standard
    /// addresses: inside the operator's territory. An empty base covers
    /// everything (it knows no territory).
    pub fn covers(&self, code: DivisionCode) -> bool {
        if self.cities.is_empty() {
            return true;
        }
        match code.ancestor(Level::City) {
            Some(city) => self.cities.binary_search(&city).is_ok(),
            None => self.cities.iter().any(|c| c.is_within(code)),
        }
    }

    pub fn centroid(&self, code: DivisionCode) -> Option<(f64, f64)> {
        self.centroids.get(&code).copied()
    }

    /// The nearest standard address and its distance in metres.
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(&StandardAddress, f64)> {
        if !(lon.is_finite() && lat.is_finite()) {
            return None;
        }
        let hit = self.rtree.nearest_neighbor(&unit_vector(lon, lat))?;
        let r = &self.records[hit.data as usize];
        Some((r, distance_m(lon, lat, r.lon, r.lat)))
    }

    /// Records of a road or compound within one of `scopes` (all if empty).
    fn lookup(
        &self,
        map: &HashMap<String, Vec<u32>>,
        key: &str,
        scopes: &[DivisionCode],
    ) -> Vec<u32> {
        let Some(ids) = map.get(key) else {
            return Vec::new();
        };
        ids.iter()
            .copied()
            .filter(|&i| {
                scopes.is_empty()
                    || self.deepest[i as usize]
                        .is_none_or(|d| scopes.iter().any(|s| d.is_within(*s) || s.is_within(d)))
            })
            .collect()
    }

    /// The division all `ids` share, down to the county.
    fn common_division(&self, ids: &[u32]) -> Option<DivisionCode> {
        let mut common: Option<DivisionCode> = None;
        for level in [Level::County, Level::City, Level::Province] {
            let first = ids
                .first()
                .and_then(|&i| self.deepest[i as usize]?.ancestor(level));
            if first.is_some()
                && ids
                    .iter()
                    .all(|&i| self.deepest[i as usize].and_then(|d| d.ancestor(level)) == first)
            {
                common = first;
                break;
            }
        }
        common
    }

    /// The records spread over more than one county: the road is not one road.
    fn spans_counties(&self, ids: &[u32]) -> bool {
        let mut county = None;
        for &i in ids {
            if let Some(c) = self.deepest[i as usize].and_then(|d| d.ancestor(Level::County)) {
                if county.is_some_and(|k| k != c) {
                    return true;
                }
                county = Some(c);
            }
        }
        false
    }

    fn mean(&self, ids: &[u32]) -> (f64, f64) {
        let n = ids.len().max(1) as f64;
        let (sx, sy) = ids.iter().fold((0.0, 0.0), |(x, y), &i| {
            let r = &self.records[i as usize];
            (x + r.lon, y + r.lat)
        });
        (sx / n, sy / n)
    }

    /// Match road/compound + number + building within `scopes`.
    pub(crate) fn match_detail(
        &self,
        road: Option<&str>,
        number: Option<&str>,
        compound: Option<&str>,
        building: Option<&str>,
        scopes: &[DivisionCode],
    ) -> Option<BaseMatch> {
        let building = building.map(building_key).filter(|b| !b.is_empty());
        if let Some(road) = road.map(key_text).filter(|r| !r.is_empty()) {
            let ids = self.lookup(&self.by_road, &road, scopes);
            if !ids.is_empty() && !self.spans_counties(&ids) {
                let number = number.map(number_key).filter(|n| !n.is_empty());
                return Some(self.on_road(&road, &ids, number.as_deref(), building.as_deref()));
            }
        }
        let compound = compound.map(key_text).filter(|c| !c.is_empty())?;
        let ids = self.lookup(&self.by_compound, &compound, scopes);
        if ids.is_empty() || self.spans_counties(&ids) {
            return None;
        }
        if let Some(b) = &building {
            let hits: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|&i| self.keys[i as usize].building == *b)
                .collect();
            if hits.len() == 1 {
                return Some(self.building_match(hits[0], &format!("{compound}{b}栋")));
            }
        }
        let (lon, lat) = self.mean(&ids);
        Some(BaseMatch {
            lon,
            lat,
            precision: Precision::Compound,
            quality: 0.85,
            record: None,
            division: self.common_division(&ids),
            note: format!("小区中心：{compound} / centre of the compound"),
        })
    }

    fn building_match(&self, id: u32, what: &str) -> BaseMatch {
        let r = &self.records[id as usize];
        BaseMatch {
            lon: r.lon,
            lat: r.lat,
            precision: Precision::Building,
            quality: 1.0,
            record: Some(id as usize),
            division: self.deepest[id as usize],
            note: format!("标准地址匹配：{what} / standard address matched"),
        }
    }

    fn on_road(
        &self,
        road: &str,
        ids: &[u32],
        number: Option<&str>,
        building: Option<&str>,
    ) -> BaseMatch {
        let division = self.common_division(ids);
        let centre = |note: String, quality: f32| {
            let (lon, lat) = self.mean(ids);
            BaseMatch {
                lon,
                lat,
                precision: Precision::Road,
                quality,
                record: None,
                division,
                note,
            }
        };
        let Some(number) = number else {
            return centre(format!("道路中心：{road} / centre of the road"), 0.8);
        };
        let exact: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&i| self.keys[i as usize].number == number)
            .collect();
        if !exact.is_empty() {
            if let Some(b) = building {
                if let Some(&hit) = exact.iter().find(|&&i| self.keys[i as usize].building == b) {
                    return self.building_match(hit, &format!("{road}{number}号{b}栋"));
                }
            }
            if exact.len() == 1 {
                return self.building_match(exact[0], &format!("{road}{number}号"));
            }
            let (lon, lat) = self.mean(&exact);
            return BaseMatch {
                lon,
                lat,
                precision: Precision::Road,
                quality: 0.95,
                record: None,
                division,
                note: format!(
                    "门牌{road}{number}号的楼栋中心 / centre of the buildings at this number"
                ),
            };
        }
        let Some(n) = number_value(number) else {
            return centre(
                format!("门牌未收录，取道路中心：{road} / number unknown, centre of the road"),
                0.75,
            );
        };
        match self.interpolate(ids, n) {
            Some((lon, lat, note)) => BaseMatch {
                lon,
                lat,
                precision: Precision::Road,
                quality: 0.85,
                record: None,
                division,
                note: format!("{road}{number}号{note}"),
            },
            None => centre(
                format!("门牌未收录，取道路中心：{road} / number unknown, centre of the road"),
                0.75,
            ),
        }
    }

    /// Between the nearest known numbers below and above on the same side
    /// (odd/even), else the nearest known number.
    fn interpolate(&self, ids: &[u32], n: u32) -> Option<(f64, f64, String)> {
        let numbered: Vec<(u32, u32)> = ids
            .iter()
            .filter_map(|&i| self.keys[i as usize].number_value.map(|v| (v, i)))
            .collect();
        let same_side: Vec<(u32, u32)> = numbered
            .iter()
            .copied()
            .filter(|(v, _)| v % 2 == n % 2)
            .collect();
        let pool = if same_side.is_empty() {
            &numbered
        } else {
            &same_side
        };
        let below = pool.iter().filter(|(v, _)| *v < n).max_by_key(|(v, _)| *v);
        let above = pool.iter().filter(|(v, _)| *v > n).min_by_key(|(v, _)| *v);
        let rec = |i: u32| &self.records[i as usize];
        match (below, above) {
            (Some(&(v0, i0)), Some(&(v1, i1))) => {
                let t = f64::from(n - v0) / f64::from(v1 - v0);
                let (a, b) = (rec(i0), rec(i1));
                Some((
                    a.lon + t * (b.lon - a.lon),
                    a.lat + t * (b.lat - a.lat),
                    format!("按{v0}号与{v1}号插值 / interpolated between {v0} and {v1}"),
                ))
            }
            (Some(&(v, i)), None) | (None, Some(&(v, i))) => {
                let r = rec(i);
                Some((
                    r.lon,
                    r.lat,
                    format!("取最近门牌{v}号 / nearest known number {v}"),
                ))
            }
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(number_key("１２号"), "12");
        assert_eq!(number_key("十二号"), "12");
        assert_eq!(building_key("3栋"), "3");
        assert_eq!(building_key("A座"), "A");
        assert_eq!(building_key("三号楼"), "3");
        assert_eq!(key_text("北京路 "), "北京路");
    }

    #[test]
    fn haversine() {
        // One degree of latitude is about 111.2 km.
        let d = distance_m(110.0, 32.0, 110.0, 33.0);
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }
}
