//! Entity points → placements, with a reason for every one not in a cell.

use std::collections::HashMap;

use wangge_model::PlacementStatus;
use wangge_spatial::index::{CellIndex, GridRef, LocateOptions, Location, PointStatus};
use wangge_store::{EntityPoint, Placement};

/// The placement status a located point gets.
pub fn status_of(location: &Location) -> PlacementStatus {
    match location.status {
        PointStatus::Assigned => PlacementStatus::Assigned,
        PointStatus::InGap => PlacementStatus::InGap,
        PointStatus::Outside => PlacementStatus::Outside,
        PointStatus::InvalidCoordinates => PlacementStatus::InvalidCoordinates,
    }
}

/// Places `points` of one kind. Points without coordinates but with a
/// `parent_id` (a box hanging on a cabinet) take their parent's cell as
/// `via_parent`, following the chain up to 16 links.
pub fn place_points(
    index: &CellIndex,
    points: &[EntityPoint],
    options: &LocateOptions,
    threads: usize,
) -> Vec<Placement> {
    let located: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].lon.is_some() && points[i].lat.is_some())
        .collect();
    let coordinates: Vec<[f64; 2]> = located
        .iter()
        .map(|&i| {
            [
                points[i].lon.unwrap_or(f64::NAN),
                points[i].lat.unwrap_or(f64::NAN),
            ]
        })
        .collect();
    let locations = index.locate_many(&coordinates, options, threads);

    let mut placements: Vec<Option<Placement>> = vec![None; points.len()];
    for (&i, location) in located.iter().zip(&locations) {
        placements[i] = Some(from_location(
            index,
            points[i].id,
            points[i].lon,
            points[i].lat,
            location,
        ));
    }

    let position: HashMap<i64, usize> = points.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    for i in 0..points.len() {
        if placements[i].is_none() {
            placements[i] = Some(via_parent(points, &position, &placements, i));
        }
    }
    placements.into_iter().flatten().collect()
}

fn id_of(index: &CellIndex, r: Option<GridRef>) -> Option<i64> {
    r.map(|r| index.grid(r).id)
}

fn from_location(
    index: &CellIndex,
    entity_id: i64,
    lon: Option<f64>,
    lat: Option<f64>,
    location: &Location,
) -> Placement {
    let status = status_of(location);
    let (suggestion_cell_id, suggestion_distance_m) = match location.suggestion {
        Some((r, d)) => (Some(index.grid(r).id), Some(f64::from(d))),
        None => (None, None),
    };
    let near = location
        .suggestion
        .map(|(r, d)| format!("; nearest cell {} is {d:.0} m away", index.grid(r).code))
        .unwrap_or_default();
    let reason = match status {
        PlacementStatus::Assigned | PlacementStatus::ViaParent => None,
        PlacementStatus::InGap => Some(format!(
            "inside outlet area {} but in none of its cells{near}",
            location
                .l3
                .map_or_else(|| "?".to_owned(), |r| index.grid(r).code.to_string())
        )),
        PlacementStatus::Outside => {
            Some(format!("outside every department of the territory{near}"))
        }
        PlacementStatus::InvalidCoordinates => Some(format!(
            "coordinates ({}, {}) are not a place on Earth",
            lon.map_or_else(|| "-".into(), |v| v.to_string()),
            lat.map_or_else(|| "-".into(), |v| v.to_string())
        )),
        PlacementStatus::NoLocation => Some("no coordinates".into()),
        // A location always has a status of its own; this one is no placement.
        PlacementStatus::NotPlacedYet => Some("not placed yet".into()),
    };
    Placement {
        entity_id,
        status,
        cell_id: id_of(index, location.cell),
        l3_id: id_of(index, location.l3),
        l2_id: id_of(index, location.l2),
        l1_id: id_of(index, location.l1),
        suggestion_cell_id,
        suggestion_distance_m,
        reason,
    }
}

fn via_parent(
    points: &[EntityPoint],
    position: &HashMap<i64, usize>,
    placements: &[Option<Placement>],
    i: usize,
) -> Placement {
    let point = &points[i];
    let mut parent = point.parent_id;
    let mut chain = Vec::new();
    for _ in 0..16 {
        let Some(parent_id) = parent else { break };
        let Some(&j) = position.get(&parent_id) else {
            break;
        };
        chain.push(parent_id);
        if let Some(p) = placements[j].as_ref().filter(|p| p.status.in_cell()) {
            return Placement {
                entity_id: point.id,
                status: PlacementStatus::ViaParent,
                cell_id: p.cell_id,
                l3_id: p.l3_id,
                l2_id: p.l2_id,
                l1_id: p.l1_id,
                suggestion_cell_id: None,
                suggestion_distance_m: None,
                reason: Some(format!(
                    "no coordinates; placed through the resource it hangs on (id {parent_id})"
                )),
            };
        }
        parent = points[j].parent_id;
    }
    let reason = if !chain.is_empty() {
        "no coordinates, and the resources it hangs on are not in a cell either".to_owned()
    } else if point.has_address {
        "no coordinates; the address is not geocoded yet".to_owned()
    } else {
        "no coordinates and no address".to_owned()
    };
    Placement {
        entity_id: point.id,
        status: PlacementStatus::NoLocation,
        cell_id: None,
        l3_id: None,
        l2_id: None,
        l1_id: None,
        suggestion_cell_id: None,
        suggestion_distance_m: None,
        reason: Some(reason),
    }
}
