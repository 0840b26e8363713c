use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Where a customer, resource or point ended up, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementStatus {
    /// Inside a network cell.
    Assigned,
    /// A device without coordinates placed through the resource it hangs on.
    ViaParent,
    /// Inside a level-3 grid but in no cell: placed at level 3.
    InGap,
    /// Outside every level-1 grid of the territory.
    Outside,
    /// No coordinates and no usable address.
    NoLocation,
    /// Coordinates that are not numbers or out of range.
    InvalidCoordinates,
    /// Stored but not placed yet (no placement row: e.g. an import killed
    /// between loading and placing; the server places them when it starts).
    /// Never stored as a placement: it is the absence of one.
    NotPlacedYet,
}

impl PlacementStatus {
    pub const ALL: [PlacementStatus; 7] = [
        PlacementStatus::Assigned,
        PlacementStatus::ViaParent,
        PlacementStatus::InGap,
        PlacementStatus::Outside,
        PlacementStatus::NoLocation,
        PlacementStatus::InvalidCoordinates,
        PlacementStatus::NotPlacedYet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlacementStatus::Assigned => "assigned",
            PlacementStatus::ViaParent => "via_parent",
            PlacementStatus::InGap => "in_gap",
            PlacementStatus::Outside => "outside",
            PlacementStatus::NoLocation => "no_location",
            PlacementStatus::InvalidCoordinates => "invalid_coordinates",
            PlacementStatus::NotPlacedYet => "not_placed_yet",
        }
    }

    /// A status a placement row can have (all but [`PlacementStatus::NotPlacedYet`]).
    pub fn is_stored(self) -> bool {
        self != PlacementStatus::NotPlacedYet
    }

    /// Placed in a cell (directly or through a parent resource): counts toward the rate.
    pub fn in_cell(self) -> bool {
        matches!(self, PlacementStatus::Assigned | PlacementStatus::ViaParent)
    }
}

impl FromStr for PlacementStatus {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlacementStatus::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| ModelError::Placement {
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for PlacementStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Kinds of network resource the field places in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// 交接箱
    Cabinet,
    /// 分线盒
    DistributionBox,
    /// 分光器
    Splitter,
    Olt,
    /// 基站
    BaseStation,
    /// 宽带端口组
    PortGroup,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 6] = [
        ResourceKind::Cabinet,
        ResourceKind::DistributionBox,
        ResourceKind::Splitter,
        ResourceKind::Olt,
        ResourceKind::BaseStation,
        ResourceKind::PortGroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Cabinet => "cabinet",
            ResourceKind::DistributionBox => "distribution_box",
            ResourceKind::Splitter => "splitter",
            ResourceKind::Olt => "olt",
            ResourceKind::BaseStation => "base_station",
            ResourceKind::PortGroup => "port_group",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ResourceKind::Cabinet => "交接箱",
            ResourceKind::DistributionBox => "分线盒",
            ResourceKind::Splitter => "分光器",
            ResourceKind::Olt => "OLT",
            ResourceKind::BaseStation => "基站",
            ResourceKind::PortGroup => "宽带端口组",
        }
    }
}

impl FromStr for ResourceKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase().replace([' ', '-'], "_");
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == lower || k.name_zh() == t)
            .ok_or_else(|| ModelError::ResourceKind {
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Key-customer class: A and B records are updated monthly, C quarterly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerClass {
    A,
    B,
    C,
}

impl FromStr for CustomerClass {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "A" | "a" => Ok(CustomerClass::A),
            "B" | "b" => Ok(CustomerClass::B),
            "C" | "c" => Ok(CustomerClass::C),
            _ => Err(ModelError::CustomerClass {
                value: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for CustomerClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CustomerClass::A => "A",
            CustomerClass::B => "B",
            CustomerClass::C => "C",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in PlacementStatus::ALL {
            assert_eq!(s.as_str().parse::<PlacementStatus>().unwrap(), s);
        }
        for k in ResourceKind::ALL {
            assert_eq!(k.as_str().parse::<ResourceKind>().unwrap(), k);
            assert_eq!(k.name_zh().parse::<ResourceKind>().unwrap(), k);
        }
        assert!("castle".parse::<ResourceKind>().is_err());
        assert_eq!("b".parse::<CustomerClass>().unwrap(), CustomerClass::B);
        assert!(PlacementStatus::ViaParent.in_cell());
        assert!(!PlacementStatus::InGap.in_cell());
    }
}
