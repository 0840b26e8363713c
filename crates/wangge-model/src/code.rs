use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// The stable human code of a grid or cell, e.g. `SY-MJ01-03-002-0117`.
///
/// Codes appear in files and URLs, so they are limited to ASCII letters,
/// digits, `-`, `_` and `.`, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GridCode(String);

impl GridCode {
    pub const MAX_LEN: usize = 64;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GridCode {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let reason = if value.is_empty() {
            Some("it is empty")
        } else if value.len() > Self::MAX_LEN {
            Some("it is longer than 64 characters")
        } else if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            Some("only ASCII letters, digits, '-', '_' and '.' are allowed")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(ModelError::GridCode { value, reason }),
            None => Ok(GridCode(value)),
        }
    }
}

impl FromStr for GridCode {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GridCode::try_from(s.trim().to_owned())
    }
}

impl From<GridCode> for String {
    fn from(code: GridCode) -> String {
        code.0
    }
}

impl fmt::Display for GridCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two-digit code of a cell type, `01` to `99` (the default table uses 01-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CellTypeCode(u8);

impl CellTypeCode {
    pub fn number(self) -> u8 {
        self.0
    }

    pub fn as_str(&self) -> String {
        format!("{:02}", self.0)
    }
}

impl TryFrom<String> for CellTypeCode {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl FromStr for CellTypeCode {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || ModelError::CellTypeCode {
            value: s.to_owned(),
        };
        if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match t.parse::<u8>() {
            Ok(n) if n > 0 => Ok(CellTypeCode(n)),
            _ => Err(bad()),
        }
    }
}

impl From<CellTypeCode> for String {
    fn from(code: CellTypeCode) -> String {
        code.as_str()
    }
}

impl fmt::Display for CellTypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_codes_are_url_safe() {
        assert!("SY-MJ01-03-002-0117".parse::<GridCode>().is_ok());
        assert!("420302".parse::<GridCode>().is_ok());
        let err = "茅箭".parse::<GridCode>().unwrap_err();
        assert!(err.to_string().contains("茅箭"));
        assert!("".parse::<GridCode>().is_err());
        assert!("a/b".parse::<GridCode>().is_err());
        assert!("x".repeat(65).parse::<GridCode>().is_err());
    }

    #[test]
    fn cell_type_codes_are_two_digits() {
        assert_eq!("07".parse::<CellTypeCode>().unwrap().to_string(), "07");
        assert!("7".parse::<CellTypeCode>().is_err());
        assert!("00".parse::<CellTypeCode>().is_err());
        assert!("0a".parse::<CellTypeCode>().is_err());
    }
}
