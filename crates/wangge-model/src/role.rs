use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// What a user may do. Scopes (grids) narrow supervisors and grid managers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    GridManager,
    Ops,
    Clerk,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Supervisor,
        Role::GridManager,
        Role::Ops,
        Role::Clerk,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::GridManager => "grid_manager",
            Role::Ops => "ops",
            Role::Clerk => "clerk",
            Role::Viewer => "viewer",
        }
    }
}

impl FromStr for Role {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| ModelError::Role {
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The two kinds of grid manager: 政企 (government and enterprise) and community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagerKind {
    Zhengqi,
    Community,
}

impl ManagerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ManagerKind::Zhengqi => "zhengqi",
            ManagerKind::Community => "community",
        }
    }
}

impl FromStr for ManagerKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "zhengqi" | "政企" => Ok(ManagerKind::Zhengqi),
            "community" | "社区" => Ok(ManagerKind::Community),
            _ => Err(ModelError::ManagerKind {
                value: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for ManagerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
