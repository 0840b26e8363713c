//! The geocoder: parse, resolve, then locate against the standard address
//! base, falling back to division centres.

use std::sync::Arc;

use serde::Serialize;

use crate::address_base::{AddressBase, BaseMatch, Precision};
use crate::code::{DivisionCode, Level};
use crate::gazetteer::Gazetteer;
use crate::parse::{parse_with, ParsedAddress};
use crate::places::{place_key, NamedPlaces, PlaceChoice};
use crate::resolve::{resolve, Candidate, Hints, Resolution, Status};

/// A located address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeocodeResult {
    pub province_code: Option<DivisionCode>,
    pub city_code: Option<DivisionCode>,
    pub county_code: Option<DivisionCode>,
    pub town_code: Option<DivisionCode>,
    pub village_code: Option<DivisionCode>,
    /// Full name of the deepest code.
    pub name: String,
    /// WGS-84; `None` when nothing could be located.
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub precision: Precision,
    /// How sure the location and codes are, 0-1; below 0.5 means: check it.
    pub confidence: f32,
    /// `matched`: located as precisely as the address allows (a standard
    /// address, a road, or the division it names when it names nothing finer);
    /// `partial`: located more coarsely than written; `ambiguous`; `failed`.
    pub status: Status,
    pub reason: String,
    /// Index of the matched standard address ([`AddressBase::get`]).
    pub standard_address: Option<usize>,
    pub candidates: Vec<Candidate>,
    /// The address names divisions where the standard address base has
    /// none (a Beijing address in Shiyan's system): not placed, a row to fix.
    pub outside_territory: bool,
    /// The cell the address names ([`Precision::Cell`]): its code.
    pub place_code: Option<String>,
    /// The division resolution on its own.
    #[serde(skip)]
    pub resolution: Resolution,
}

impl GeocodeResult {
    /// The row goes to the failures file for a clerk to fix: it failed, is
    /// ambiguous, resolved without coordinates (a partial row with codes and
    /// no point cannot be placed in a cell), or lies outside the territory. The one rule for
    /// `wangge geocode` and the geocoding jobs.
    pub fn needs_fixing(&self) -> bool {
        matches!(self.status, Status::Failed | Status::Ambiguous)
            || self.lon.is_none()
            || self.lat.is_none()
            || self.outside_territory
    }
}

/// Parses, resolves and geocodes Chinese addresses. Cheap to clone (shared
/// gazetteer and base); `Send + Sync`.
///
/// ```
/// use wangge_geocode::{Geocoder, Hints, Status};
/// let g = Geocoder::new();
/// let r = g.resolve_str("郧县城关镇", &Hints::default());
/// assert_eq!(r.status, Status::Matched);
/// assert_eq!(r.county_code.unwrap().to_string(), "420304"); // 郧阳区 since 2014
/// let r = g.resolve_str("鼓楼区", &Hints::default());
/// assert_eq!(r.status, Status::Ambiguous);
/// let hints = Hints { city_code: Some("3201".parse().unwrap()), ..Hints::default() };
/// assert_eq!(g.resolve_str("鼓楼区", &hints).county_code.unwrap().to_string(), "320106");
/// ```
#[derive(Debug, Clone)]
pub struct Geocoder {
    gazetteer: Arc<Gazetteer>,
    base: Arc<AddressBase>,
}

impl Default for Geocoder {
    fn default() -> Self {
        Geocoder::new()
    }
}

impl Geocoder {
    /// The embedded gazetteer (shared per process) and no standard addresses.
    pub fn new() -> Geocoder {
        Geocoder::with_gazetteer(Gazetteer::shared())
    }

    pub fn with_gazetteer(gazetteer: Arc<Gazetteer>) -> Geocoder {
        Geocoder {
            gazetteer,
            base: Arc::new(AddressBase::default()),
        }
    }

    /// The same gazetteer with a standard address base.
    #[must_use]
    pub fn with_base(&self, base: Arc<AddressBase>) -> Geocoder {
        Geocoder {
            gazetteer: self.gazetteer.clone(),
            base,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    pub fn base(&self) -> &AddressBase {
        &self.base
    }

    pub fn parse(&self, text: &str) -> ParsedAddress {
        parse_with(&self.gazetteer, text)
    }

    pub fn resolve(&self, parsed: &ParsedAddress, hints: &Hints) -> Resolution {
        resolve(&self.gazetteer, parsed, hints)
    }

    /// Parse and resolve.
    pub fn resolve_str(&self, text: &str, hints: &Hints) -> Resolution {
        self.resolve(&self.parse(text), hints)
    }

    /// Parse, resolve and locate one address.
    pub fn geocode(&self, text: &str, hints: &Hints) -> GeocodeResult {
        self.geocode_parsed(&self.parse(text), hints)
    }

    pub fn geocode_parsed(&self, parsed: &ParsedAddress, hints: &Hints) -> GeocodeResult {
        let res = self.resolve(parsed, hints);
        locate(&self.base, parsed, res, hints)
    }

    /// [`Geocoder::geocode`] that also knows the operator's named places
    /// (its cells): an address naming one, and nothing finer of the
    /// standard address base (a building, a compound, a road), is placed in
    /// it with [`Precision::Cell`] and [`GeocodeResult::place_code`].
    ///
    /// The divisions written beside the name decide between namesakes and
    /// must agree with the place (within [`crate::MAX_PLACE_DISTANCE_M`]);
    /// a division read from inside the name (`润景家园` read as a village
    /// 润景 elsewhere) is read again from the text without the name.
    pub fn geocode_in(
        &self,
        text: &str,
        hints: &Hints,
        places: Option<&NamedPlaces>,
    ) -> GeocodeResult {
        let parsed = self.parse(text);
        let out = self.geocode_parsed(&parsed, hints);
        match places {
            Some(places) if !places.is_empty() && out.precision > Precision::Road => {
                self.with_place(&parsed, out, hints, places)
            }
            _ => out,
        }
    }

    fn with_place(
        &self,
        parsed: &ParsedAddress,
        out: GeocodeResult,
        hints: &Hints,
        places: &NamedPlaces,
    ) -> GeocodeResult {
        // The parser's normalised text: normalised once per address.
        let key = place_key(&parsed.evidence.scan.text);
        let Some(found) = places.find_in_key(&key) else {
            return out;
        };
        let name = &found.places[0].name;
        let name_key = &key[found.at.0..found.at.1];
        let written = [
            &parsed.province,
            &parsed.city,
            &parsed.county,
            &parsed.town,
            &parsed.village,
        ];
        let read_inside_name = written
            .iter()
            .filter_map(|d| d.as_deref())
            .any(|d| name_key.contains(&place_key(d)));
        let divisions = if read_inside_name {
            self.geocode_parsed(&self.parse(&NamedPlaces::without(&key, found.at)), hints)
        } else {
            out.clone()
        };
        if divisions.outside_territory {
            return out; // a place of the same name, but the address is elsewhere
        }
        let resolved = matches!(divisions.status, Status::Matched | Status::Partial)
            && divisions.resolution.deepest().is_some();
        let near = divisions.lon.zip(divisions.lat).filter(|_| resolved);
        let place = match found.choose(near) {
            PlaceChoice::One(p) => p,
            PlaceChoice::Tied => {
                let mut out = out;
                out.reason = format!(
                    "{}；“{name}”是 {} 个网格的名字，地址未写明是哪一个 / {} cells have this name and the address does not say which",
                    out.reason,
                    found.places.len(),
                    found.places.len()
                );
                return out;
            }
            PlaceChoice::TooFar => return out,
        };
        let mut r = if resolved {
            divisions
        } else {
            self.codes_near(place.lon, place.lat)
        };
        r.lon = Some(place.lon);
        r.lat = Some(place.lat);
        r.precision = Precision::Cell;
        r.place_code = Some(place.code.clone());
        r.status = Status::Matched;
        r.candidates.clear();
        let namesakes = if found.places.len() > 1 {
            format!("（同名网格 {} 个，取最近的）", found.places.len())
        } else {
            String::new()
        };
        r.confidence = if resolved {
            r.confidence.max(0.85)
        } else {
            0.7
        };
        r.reason = if resolved {
            format!(
                "网格名称匹配：{name}{namesakes} / the cell named in the address；{}",
                r.resolution.reason
            )
        } else {
            format!("网格名称匹配：{name}{namesakes} / the cell named in the address (no division written)")
        };
        r
    }

    /// A result at (lon, lat) whose divisions are those of the nearest
    /// standard address (within 3 km), or none.
    fn codes_near(&self, lon: f64, lat: f64) -> GeocodeResult {
        let mut r = locate(
            &self.base,
            &ParsedAddress::default(),
            Resolution::failed(String::new()),
            &Hints::default(),
        );
        if let Some((a, d)) = self.base.nearest(lon, lat) {
            if d <= 3_000.0 {
                if let Some(county) = a.deepest().and_then(|c| c.ancestor(Level::County)) {
                    set_codes(&mut r, county);
                    r.name = self.gazetteer.full_name(county).unwrap_or_default();
                }
            }
        }
        r
    }
}

/// Where the base may be searched: the resolved county (or coarser level), the
/// candidates of an ambiguous reading, or the hinted area.
fn scopes(res: &Resolution, hints: &Hints) -> Vec<DivisionCode> {
    match res.status {
        Status::Matched | Status::Partial => res
            .county_code
            .or(res.city_code)
            .or(res.province_code)
            .into_iter()
            .collect(),
        Status::Ambiguous => res
            .candidates
            .iter()
            .map(|c| c.code.ancestor(Level::County).unwrap_or(c.code))
            .collect(),
        Status::Failed => {
            let mut s = hints.territory.clone();
            s.extend(hints.city_code);
            s
        }
    }
}

fn locate(
    base: &AddressBase,
    parsed: &ParsedAddress,
    res: Resolution,
    hints: &Hints,
) -> GeocodeResult {
    let mut out = GeocodeResult {
        province_code: res.province_code,
        city_code: res.city_code,
        county_code: res.county_code,
        town_code: res.town_code,
        village_code: res.village_code,
        name: res.name.clone(),
        lon: None,
        lat: None,
        precision: Precision::None,
        confidence: res.confidence,
        status: res.status,
        reason: res.reason.clone(),
        standard_address: None,
        candidates: res.candidates.clone(),
        outside_territory: false,
        place_code: None,
        resolution: res,
    };
    if out.resolution.deepest().is_some_and(|d| !base.covers(d)) {
        // Never a confident answer for a place the operator does not serve:
        // not placed, and a row to fix.
        out.outside_territory = true;
        out.confidence = out.confidence.min(0.3);
        if out.status == Status::Matched {
            out.status = Status::Partial;
        }
        out.reason = format!(
            "{}；{}不在本公司标准地址库的范围内 / outside the territory of the standard address base",
            out.reason,
            out.name
        );
        return out;
    }
    let res = &out.resolution;
    let hit = if base.is_empty() || !parsed.has_street_detail() {
        None
    } else {
        base.match_detail(
            parsed.road.as_deref(),
            parsed.number.as_deref(),
            parsed.compound.as_deref(),
            parsed.building.as_deref(),
            &scopes(res, hints),
        )
    };
    if let Some(hit) = hit {
        apply_base_match(&mut out, &hit);
        return out;
    }
    // Division centres, finest first.
    let centre = [
        (res.village_code, Precision::Village),
        (res.town_code, Precision::Town),
        (res.county_code, Precision::County),
    ]
    .into_iter()
    .find_map(|(code, p)| code.and_then(|c| base.centroid(c)).map(|ll| (ll, p)));
    let Some(((lon, lat), precision)) = centre else {
        match out.status {
            Status::Ambiguous | Status::Failed => {}
            // The chain resolved: a clerk keeps the codes; only the point is missing.
            Status::Matched | Status::Partial => {
                out.status = Status::Partial;
                out.reason = format!(
                    "{}；区划已识别，但没有标准地址或同名网格可定位 / divisions resolved, no standard address or grid to locate them",
                    res.reason
                );
            }
        }
        return out;
    };
    out.lon = Some(lon);
    out.lat = Some(lat);
    out.precision = precision;
    let finest_written = if parsed.has_street_detail() {
        None
    } else if parsed.village.is_some() {
        Some(Precision::Village)
    } else {
        Some(Precision::Town)
    };
    let as_written =
        res.status == Status::Matched && finest_written.is_some_and(|f| precision <= f);
    out.status = if as_written {
        Status::Matched
    } else {
        Status::Partial
    };
    let what = match precision {
        Precision::Village => "村/社区中心 / village centre",
        Precision::Town => "乡镇街道中心 / town centre",
        _ => "区县中心 / county centre",
    };
    out.reason = format!("{}；定位到{what}", res.reason);
    out
}

/// Take a base match: its location, and its division chain where it is
/// deeper than, or decides, the resolution.
fn apply_base_match(out: &mut GeocodeResult, hit: &BaseMatch) {
    let res = &out.resolution;
    out.lon = Some(hit.lon);
    out.lat = Some(hit.lat);
    out.precision = hit.precision;
    out.standard_address = hit.record;
    let (division_confidence, decided_by_base) = match res.status {
        Status::Matched | Status::Partial => (res.confidence, false),
        // The road or compound exists in one place only: that decides.
        Status::Ambiguous | Status::Failed => (0.75, true),
    };
    let mut reason = hit.note.clone();
    if let Some(d) = hit.division {
        let ours = res.deepest();
        let consistent = ours.is_none_or(|o| d.is_within(o) || o.is_within(d));
        let deeper = ours.is_none_or(|o| d.level() > o.level());
        if decided_by_base || deeper || !consistent {
            set_codes(out, d);
        }
        if !consistent {
            reason.push_str("；标准地址所在区划与地址文字不同，以标准地址为准 / the standard address lies in another division; it wins");
        }
    }
    if decided_by_base {
        reason.push_str("；行政区划不明，按标准地址唯一匹配确定 / divisions unclear; the standard address decided");
        out.candidates.clear();
    } else {
        reason.push('；');
        reason.push_str(&out.resolution.reason);
    }
    out.confidence = (division_confidence * hit.quality).clamp(0.0, 1.0);
    out.status = Status::Matched;
    out.reason = reason;
}

fn set_codes(out: &mut GeocodeResult, d: DivisionCode) {
    out.province_code = d.ancestor(Level::Province);
    out.city_code = d.ancestor(Level::City);
    out.county_code = d.ancestor(Level::County);
    out.town_code = d.ancestor(Level::Town);
    out.village_code = d.ancestor(Level::Village);
}
