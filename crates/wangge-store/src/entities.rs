//! The records of what lies in the grid - customers, network resources,
//! buildings, business opportunities - and of where each was placed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use wangge_model::{GridCode, LevelNo, PlacementStatus};
pub use wangge_model::{NewBuilding, NewCustomer, NewOpportunity, NewResource};

use crate::StoreError;

/// The four kinds of entity the store keeps and places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Customer,
    Resource,
    Building,
    Opportunity,
}

impl EntityKind {
    pub const ALL: [EntityKind; 4] = [
        EntityKind::Customer,
        EntityKind::Resource,
        EntityKind::Building,
        EntityKind::Opportunity,
    ];

    /// `customer`, `resource`, `building`, `opportunity` (also the value of
    /// `placements.entity_kind`).
    ///
    /// ```
    /// use wangge_store::EntityKind;
    /// assert_eq!(EntityKind::Resource.as_str(), "resource");
    /// assert_eq!("customers".parse::<EntityKind>().unwrap(), EntityKind::Customer);
    /// assert!("castle".parse::<EntityKind>().is_err());
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Customer => "customer",
            EntityKind::Resource => "resource",
            EntityKind::Building => "building",
            EntityKind::Opportunity => "opportunity",
        }
    }

    /// The table holding entities of this kind.
    pub(crate) fn table(self) -> &'static str {
        match self {
            EntityKind::Customer => "customers",
            EntityKind::Resource => "resources",
            EntityKind::Building => "buildings",
            EntityKind::Opportunity => "opportunities",
        }
    }
}

impl FromStr for EntityKind {
    type Err = StoreError;

    /// The singular or the plural (`customer`, `customers`), any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        EntityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted || k.table() == wanted)
            .ok_or_else(|| StoreError::NotFound {
                what: "entity kind (customer, resource, building, opportunity)",
                key: s.to_owned(),
            })
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertReport {
    pub inserted: usize,
    pub updated: usize,
}

/// What the assignment engine needs of each entity, compact (1.2 M rows must
/// load in about a second).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EntityPoint {
    pub id: i64,
    /// As given on upsert: NaN and out-of-range values come back as they
    /// went in; `None` only when no coordinate was given.
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// The resource this one hangs on (resources only).
    pub parent_id: Option<i64>,
    /// The entity has a non-blank address (the geocoding path).
    pub has_address: bool,
}

/// One entity's placement. Grid ids are the store's `grids.id`.
///
/// The store keeps the statuses consistent with the grid ids: `assigned` and
/// `via_parent` need a `cell_id`; `in_gap` has no `cell_id`; `outside`,
/// `no_location` and `invalid_coordinates` have none of `cell_id`, `l3_id`,
/// `l2_id`, `l1_id` (a suggestion is allowed with any status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    pub entity_id: i64,
    pub status: PlacementStatus,
    pub cell_id: Option<i64>,
    pub l3_id: Option<i64>,
    pub l2_id: Option<i64>,
    pub l1_id: Option<i64>,
    /// The nearest cell, when within the snap distance but not inside.
    pub suggestion_cell_id: Option<i64>,
    pub suggestion_distance_m: Option<f64>,
    pub reason: Option<String>,
}

/// Placement counts of a set of entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub total: i64,
    /// Every status in [`PlacementStatus::ALL`] order, zeros included
    /// (`not_placed_yet`: stored, no placement yet).
    pub by_status: Vec<(PlacementStatus, i64)>,
    /// `assigned` + `via_parent`.
    pub in_cell: i64,
    /// `in_cell / total`, 0 when `total` is 0.
    pub rate: f64,
}

impl StatusCounts {
    /// Counts from `(status, n)` pairs (a status may repeat: they add up).
    ///
    /// ```
    /// use wangge_model::PlacementStatus as S;
    /// use wangge_store::StatusCounts;
    /// let c = StatusCounts::from_counts([(S::Assigned, 95), (S::ViaParent, 2), (S::Outside, 3)]);
    /// assert_eq!((c.total, c.in_cell), (100, 97));
    /// assert!((c.rate - 0.97).abs() < 1e-12);
    /// assert_eq!(c.by_status.len(), 7);
    /// assert_eq!(StatusCounts::from_counts([]).rate, 0.0);
    /// ```
    pub fn from_counts(counts: impl IntoIterator<Item = (PlacementStatus, i64)>) -> StatusCounts {
        let mut by_status: Vec<(PlacementStatus, i64)> =
            PlacementStatus::ALL.into_iter().map(|s| (s, 0)).collect();
        for (status, n) in counts {
            if let Some(slot) = by_status.iter_mut().find(|(s, _)| *s == status) {
                slot.1 += n;
            }
        }
        let total = by_status.iter().map(|(_, n)| n).sum();
        let in_cell = by_status
            .iter()
            .filter(|(s, _)| s.in_cell())
            .map(|(_, n)| n)
            .sum();
        StatusCounts {
            total,
            by_status,
            in_cell,
            rate: if total == 0 {
                0.0
            } else {
                in_cell as f64 / total as f64
            },
        }
    }

    /// The count of one status.
    pub fn count(&self, status: PlacementStatus) -> i64 {
        self.by_status
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    }
}

/// The assignment rates of one grid (or, with `code` `None`, of the whole
/// territory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRate {
    /// `None` for the territory-wide row.
    pub code: Option<GridCode>,
    pub name: String,
    /// `None` for the territory-wide row.
    pub level: Option<LevelNo>,
    pub customers: StatusCounts,
    pub resources: StatusCounts,
}

/// An entity as listed (in a cell, or by status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRow {
    pub id: i64,
    pub code: String,
    /// A customer's name, a resource's, a building's; an opportunity's title.
    pub name: String,
    /// The resource kind, the customer segment, the opportunity stage;
    /// `None` for buildings.
    pub kind: Option<String>,
    pub address: Option<String>,
    /// As given (NaN stays NaN; JSON writes it as null).
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// `None` when the entity has not been placed yet.
    pub status: Option<PlacementStatus>,
    pub reason: Option<String>,
    /// All other columns as a JSON object (e.g. `{"class":"A",...}`).
    pub extra_json: String,
}

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Length of the whole list.
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}
