//! The `no_location` hook: an entity without coordinates but with an address
//! is geocoded (division chain + the store's standard address base) and, when
//! the result is located finely enough to pick a cell, placed from it.

use std::collections::HashMap;
use std::hash::BuildHasher;

use wangge_geocode::{Geocoder, Hints, Precision};
use wangge_model::PlacementStatus;
use wangge_spatial::index::{CellIndex, LocateOptions};
use wangge_store::{EntityPoint, Placement};

use crate::place_points;

/// The geocoder (with the store's villages and standard addresses loaded)
/// and what is known about where the addresses are.
#[derive(Debug, Clone, Default)]
pub struct AddressHook {
    pub geocoder: Geocoder,
    pub hints: Hints,
}

/// What geocoding one address gave.
#[derive(Debug, Clone, PartialEq)]
pub enum AddressOutcome {
    /// Located at a building, road, village or town: fine enough for a cell.
    Located {
        lon: f64,
        lat: f64,
        precision: Precision,
        confidence: f32,
    },
    /// Not located, or only to a county or coarser: why, for a clerk.
    NotLocated(String),
}

impl AddressHook {
    /// Geocodes one address.
    pub fn outcome(&self, address: &str) -> AddressOutcome {
        let r = self.geocoder.geocode(address, &self.hints);
        match (r.lon, r.lat, r.precision) {
            (
                Some(lon),
                Some(lat),
                p @ (Precision::Building
                | Precision::Compound
                | Precision::Road
                | Precision::Cell
                | Precision::Village
                | Precision::Town),
            ) => AddressOutcome::Located {
                lon,
                lat,
                precision: p,
                confidence: r.confidence,
            },
            (Some(_), Some(_), p) => AddressOutcome::NotLocated(format!(
                "the address is located only to the {} ({}), too coarse for a cell",
                p.as_str(),
                r.name
            )),
            _ => AddressOutcome::NotLocated(format!(
                "the address is {}: {}",
                r.status.as_str(),
                r.reason
            )),
        }
    }

    /// Geocodes `addresses` (id, text) on `threads` threads.
    pub fn outcomes(
        &self,
        addresses: &[(i64, String)],
        threads: usize,
    ) -> HashMap<i64, AddressOutcome> {
        let chunk = addresses.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|s| {
            let parts: Vec<_> = addresses
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .map(|(id, text)| (*id, self.outcome(text)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|p| p.join().unwrap_or_default())
                .collect()
        })
    }
}

/// [`place_points`], with the points that have no coordinates placed at
/// their geocoded address when `outcomes` has one; their reasons say so.
pub fn place_with_addresses<S: BuildHasher>(
    index: &CellIndex,
    points: &[EntityPoint],
    outcomes: &HashMap<i64, AddressOutcome, S>,
    options: &LocateOptions,
    threads: usize,
) -> Vec<Placement> {
    let unlocated = |p: &EntityPoint| p.lon.is_none() || p.lat.is_none();
    let mut geocoded = Vec::with_capacity(points.len());
    for p in points {
        let mut p = *p;
        if let (true, Some(AddressOutcome::Located { lon, lat, .. })) =
            (unlocated(&p), outcomes.get(&p.id))
        {
            p.lon = Some(*lon);
            p.lat = Some(*lat);
        }
        geocoded.push(p);
    }
    let mut placements = place_points(index, &geocoded, options, threads);
    for (placement, point) in placements.iter_mut().zip(points) {
        if !unlocated(point) {
            continue;
        }
        match outcomes.get(&point.id) {
            Some(AddressOutcome::Located {
                precision,
                confidence,
                ..
            }) => {
                let from = format!(
                    "no coordinates; located from its address (precision {}, confidence {confidence:.2})",
                    precision.as_str()
                );
                placement.reason = Some(match placement.reason.take() {
                    Some(rest) => format!("{from}: {rest}"),
                    None => from,
                });
            }
            Some(AddressOutcome::NotLocated(why))
                if placement.status == PlacementStatus::NoLocation =>
            {
                placement.reason = Some(format!("no coordinates; {why}"));
            }
            _ => {}
        }
    }
    placements
}
