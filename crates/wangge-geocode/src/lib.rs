//! Chinese addresses: parsing, the division gazetteer, resolution to the
//! five-level code chain, matching against the operator's standard address
//! base, reverse geocoding and coordinate systems.
//!
//! - [`Gazetteer`]: every province, city, county and town/street (embedded,
//!   compressed) and Hubei's villages; other village files can be loaded.
//! - [`parse`] / [`Geocoder::parse`]: an address into [`ParsedAddress`]
//!   (five levels, road, number, compound, building, unit, room, noise).
//! - [`Geocoder::resolve`]: the division chain with a [`Status`], a
//!   calibrated confidence and a reason a clerk understands.
//! - [`AddressBase`] and [`Geocoder::geocode`]: coordinates from the standard
//!   addresses, else road interpolation, else division centres.
//! - [`crs`]: WGS-84 (what wangge stores) and the two systems Chinese map apps
//!   give, GCJ-02 (高德, 腾讯) and BD-09 (百度), both ways.
//!
//! No I/O beyond the embedded data and readers the caller passes; no async.
//!
//! ```
//! use wangge_geocode::{Geocoder, Hints, Status};
//! let g = Geocoder::new();
//! let r = g.resolve_str("湖北十堰茅箭区武当路街道北京路12号3栋2单元301", &Hints::default());
//! assert_eq!(r.status, Status::Matched);
//! assert_eq!(r.town_code.unwrap().to_string(), "420302001");
//! assert!(r.confidence > 0.9);
//! ```

pub mod crs;

mod address_base;
mod changes;
mod code;
mod error;
mod gazetteer;
mod geocode;
mod matcher;
mod names;
mod normalize;
mod parse;
mod places;
mod resolve;
mod trie;
mod zones;

pub use address_base::{distance_m, AddressBase, Precision, StandardAddress};
pub use changes::{division_changes, DivisionChange};
pub use code::{DivisionCode, Level};
pub use error::GeocodeError;
pub use gazetteer::{Division, Gazetteer};
pub use geocode::{GeocodeResult, Geocoder};
pub use normalize::MAX_INPUT_CHARS;
pub use parse::{Evidence, ParsedAddress};
pub use places::{
    NamedPlace, NamedPlaces, PlaceChoice, PlaceMatch, MAX_PLACE_DISTANCE_M, MIN_PLACE_NAME_CHARS,
};
pub use resolve::{Candidate, Hints, Resolution, Status};
pub use zones::{zones, Zone, MIN_ZONE_ALIAS_CHARS};

/// Parse with the shared embedded gazetteer ([`Gazetteer::shared`]).
pub fn parse(text: &str) -> ParsedAddress {
    parse::parse_with(&Gazetteer::shared(), text)
}
