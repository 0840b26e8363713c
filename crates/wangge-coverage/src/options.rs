//! What a report covers: a level, a parent's subtree, some kinds.

use std::fmt;
use std::str::FromStr;

use wangge_model::{GridCode, LevelNo};
use wangge_spatial::coverage::CoverageOptions;

use crate::CoverageError;

/// The parts of a report, as named in its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Gaps,
    Overlaps,
    OutsideParent,
    EdgeMismatches,
    Invalid,
    Fixes,
    Ownership,
    Data,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Gaps,
        Kind::Overlaps,
        Kind::OutsideParent,
        Kind::EdgeMismatches,
        Kind::Invalid,
        Kind::Fixes,
        Kind::Ownership,
        Kind::Data,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Gaps => "gaps",
            Kind::Overlaps => "overlaps",
            Kind::OutsideParent => "outside_parent",
            Kind::EdgeMismatches => "edge_mismatches",
            Kind::Invalid => "invalid",
            Kind::Fixes => "fixes",
            Kind::Ownership => "ownership",
            Kind::Data => "data",
        }
    }

    /// A comma-separated list (`gaps,overlaps`); empty gives none.
    pub fn parse_list(text: &str) -> Result<Vec<Kind>, CoverageError> {
        let mut kinds: Vec<Kind> = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        kinds.sort();
        kinds.dedup();
        Ok(kinds)
    }
}

impl FromStr for Kind {
    type Err = CoverageError;

    /// The JSON key, or its singular (`gap`, `overlap`, `edge_mismatch`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| {
                let key = k.as_str();
                key == wanted
                    || key.strip_suffix('s') == Some(&wanted)
                    || key.strip_suffix("es") == Some(&wanted)
            })
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                CoverageError::BadOption(format!(
                    "unknown report kind {s:?}: expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to analyse and what to show.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Only this level of children (`None`: every level).
    pub level: Option<LevelNo>,
    /// Gaps narrower than this are slivers, wider ones blind spots.
    pub gap_width_m: f64,
    /// Only items inside this grid (its subtree); the summary still covers
    /// the whole analysis.
    pub parent: Option<GridCode>,
    /// Only these parts (empty: all). The summary is always there.
    pub kinds: Vec<Kind>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            level: None,
            gap_width_m: CoverageOptions::default().gap_width_m,
            parent: None,
            kinds: Vec::new(),
        }
    }
}

impl ReportOptions {
    /// Refuses a gap width that is negative or not a number.
    pub fn check(&self) -> Result<(), CoverageError> {
        if self.gap_width_m.is_finite() && self.gap_width_m >= 0.0 {
            Ok(())
        } else {
            Err(CoverageError::BadOption(format!(
                "gap width {} m: must be a number >= 0",
                self.gap_width_m
            )))
        }
    }

    /// The options of the geometric analysis.
    pub fn coverage_options(&self) -> CoverageOptions {
        CoverageOptions {
            level: self.level,
            gap_width_m: self.gap_width_m,
            ..CoverageOptions::default()
        }
    }

    pub fn shows(&self, kind: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// True when items of `level` belong to the analysed level(s).
    pub fn has_level(&self, level: LevelNo) -> bool {
        self.level.is_none_or(|l| l == level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_key_or_singular_and_refuse_others() {
        assert_eq!(
            Kind::parse_list("overlap, gaps,gaps,,edge_mismatch").unwrap(),
            [Kind::Gaps, Kind::Overlaps, Kind::EdgeMismatches]
        );
        assert_eq!(Kind::parse_list("").unwrap(), []);
        let err = Kind::parse_list("gaps,holes").unwrap_err().to_string();
        assert!(
            err.contains("\"holes\"") && err.contains("outside_parent"),
            "{err}"
        );
    }

    #[test]
    fn gap_width_must_be_a_number_at_least_zero() {
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let options = ReportOptions {
                gap_width_m: bad,
                ..ReportOptions::default()
            };
            assert!(options.check().is_err(), "{bad}");
        }
        assert!(ReportOptions::default().check().is_ok());
    }
}
