//! The default claim rule of each cell type, read from the same
//! `cell_types.csv` as the types: column `claimed_by` lists the manager kinds
//! that may claim a cell of the type (space-separated, empty: nobody) and
//! `claim_needs_approval` says whether such a claim waits for a supervisor.
//! The store seeds these where no rule of a type is stored; the rules in
//! force are the operator's copy.

use crate::cell_type::DEFAULT_CELL_TYPES_CSV;
use crate::{CellTypeCode, ManagerKind, ModelError};

/// Who may claim cells of one type by default, and whether the claim waits
/// for a supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultClaimRule {
    pub cell_type: CellTypeCode,
    /// Manager kinds that may claim it, in the order given (empty: nobody).
    pub claimed_by: Vec<ManagerKind>,
    pub needs_approval: bool,
}

/// The defaults shipped with wangge (`cell_types.csv`), by cell type code.
pub fn default_claim_rules() -> Vec<DefaultClaimRule> {
    // The embedded table is checked by a unit test, so this cannot fail at run time.
    claim_rules_from_csv(DEFAULT_CELL_TYPES_CSV)
        .unwrap_or_else(|e| panic!("built-in cell_types.csv: {e}"))
}

/// Reads the claim columns of a cell-type table; columns are found by their
/// header names, so their position does not matter. Errors name the row.
pub fn claim_rules_from_csv(text: &str) -> Result<Vec<DefaultClaimRule>, ModelError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header_error = |reason: String| ModelError::CellTypeTable { row: 1, reason };
    let headers = reader
        .headers()
        .map_err(|e| header_error(e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| header_error(format!("no column {name:?}")))
    };
    let (code_at, kinds_at, approval_at) = (
        column("code")?,
        column("claimed_by")?,
        column("claim_needs_approval")?,
    );
    let mut rules = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2; // 1-based, after the header
        let bad = |reason: String| ModelError::CellTypeTable { row, reason };
        let record = record.map_err(|e| bad(e.to_string()))?;
        let field = |n: usize| record.get(n).map(str::trim).unwrap_or_default();
        let claimed_by = field(kinds_at)
            .split_whitespace()
            .map(|k| {
                k.parse::<ManagerKind>()
                    .map_err(|e| bad(format!("claimed_by: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let needs_approval = match field(approval_at).to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "是" => true,
            "false" | "no" | "0" | "否" => false,
            other => {
                return Err(bad(format!(
                    "claim_needs_approval {other:?} is not true/false"
                )))
            }
        };
        rules.push(DefaultClaimRule {
            cell_type: field(code_at)
                .parse()
                .map_err(|e: ModelError| bad(e.to_string()))?,
            claimed_by,
            needs_approval,
        });
    }
    rules.sort_by_key(|r| r.cell_type);
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CellTypeCatalog;

    #[test]
    fn every_type_has_a_default_rule_of_its_kind() {
        let rules = default_claim_rules();
        let types = CellTypeCatalog::default();
        assert_eq!(rules.len(), types.types().len());
        for (rule, t) in rules.iter().zip(types.types()) {
            assert_eq!(rule.cell_type, t.code);
            // DOMAIN.md: 政企 types go to 政企 managers and wait for approval,
            // the others to community managers at once.
            let (kind, approval) = if t.zhengqi {
                (ManagerKind::Zhengqi, true)
            } else {
                (ManagerKind::Community, false)
            };
            assert_eq!(rule.claimed_by, [kind], "{}", t.code);
            assert_eq!(rule.needs_approval, approval, "{}", t.code);
        }
    }

    #[test]
    fn columns_are_found_by_name_and_errors_name_the_row() {
        let text = "claim_needs_approval,code,claimed_by\nno,15,community zhengqi\nyes,05,\n";
        let rules = claim_rules_from_csv(text).unwrap();
        assert_eq!(rules[0].cell_type.as_str(), "05");
        assert!(rules[0].claimed_by.is_empty() && rules[0].needs_approval);
        assert_eq!(
            rules[1].claimed_by,
            [ManagerKind::Community, ManagerKind::Zhengqi]
        );
        let err = claim_rules_from_csv("code,claimed_by,claim_needs_approval\n01,boss,no\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 2") && err.contains("boss"), "{err}");
        let err = claim_rules_from_csv("code,claimed_by\n01,zhengqi\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("claim_needs_approval"), "{err}");
    }
}
