use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A grid level: 1 business department, 2 branch, 3 outlet area, 4 network cell.
///
/// Built only through `TryFrom`/`FromStr`, so a `LevelNo` is always 1..=4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct LevelNo(u8);

impl LevelNo {
    pub const DEPARTMENT: LevelNo = LevelNo(1);
    pub const BRANCH: LevelNo = LevelNo(2);
    pub const OUTLET_AREA: LevelNo = LevelNo(3);
    pub const CELL: LevelNo = LevelNo(4);
    pub const ALL: [LevelNo; 4] = [
        Self::DEPARTMENT,
        Self::BRANCH,
        Self::OUTLET_AREA,
        Self::CELL,
    ];

    pub fn get(self) -> u8 {
        self.0
    }

    /// The level of this level's parent, `None` for level 1.
    pub fn parent(self) -> Option<LevelNo> {
        (self.0 > 1).then(|| LevelNo(self.0 - 1))
    }

    /// The level of this level's children, `None` for cells.
    pub fn child(self) -> Option<LevelNo> {
        (self.0 < 4).then(|| LevelNo(self.0 + 1))
    }

    pub fn is_cell(self) -> bool {
        self.0 == 4
    }

    pub fn name_zh(self) -> &'static str {
        ["一级网格", "二级网格", "三级网格", "网元"][usize::from(self.0 - 1)]
    }

    pub fn name_en(self) -> &'static str {
        ["department", "branch", "outlet area", "network cell"][usize::from(self.0 - 1)]
    }
}

impl TryFrom<u8> for LevelNo {
    type Error = ModelError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        if (1..=4).contains(&value) {
            Ok(LevelNo(value))
        } else {
            Err(ModelError::Level {
                value: value.to_string(),
            })
        }
    }
}

impl TryFrom<i64> for LevelNo {
    type Error = ModelError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        u8::try_from(value)
            .map_err(|_| ModelError::Level {
                value: value.to_string(),
            })
            .and_then(LevelNo::try_from)
    }
}

impl From<LevelNo> for u8 {
    fn from(level: LevelNo) -> u8 {
        level.0
    }
}

impl FromStr for LevelNo {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u8>()
            .map_err(|_| ModelError::Level {
                value: s.to_owned(),
            })
            .and_then(LevelNo::try_from)
    }
}

impl fmt::Display for LevelNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_four_are_levels() {
        assert!("0".parse::<LevelNo>().is_err());
        assert!("5".parse::<LevelNo>().is_err());
        assert!("x".parse::<LevelNo>().is_err());
        assert_eq!("3".parse::<LevelNo>().unwrap(), LevelNo::OUTLET_AREA);
        assert_eq!(LevelNo::DEPARTMENT.parent(), None);
        assert_eq!(LevelNo::CELL.parent(), Some(LevelNo::OUTLET_AREA));
        assert_eq!(LevelNo::CELL.child(), None);
    }

    #[test]
    fn serde_rejects_bad_levels() {
        assert!(serde_json::from_str::<LevelNo>("7").is_err());
        assert_eq!(
            serde_json::from_str::<LevelNo>("2").unwrap(),
            LevelNo::BRANCH
        );
    }
}
