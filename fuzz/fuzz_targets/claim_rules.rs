//! The claim-rule parsers: the body of `PUT /api/v1/claim-rules` (JSON into
//! `ClaimRules`, then the store's checks without the database) and the
//! claim columns of a cell-type table (`claimed_by`,
//! `claim_needs_approval`), with the type table reader itself. No panic;
//! accepted rules survive a JSON round trip; rules the checks accept name
//! every known type once and have limits in range.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wangge_model::{claim_rules_from_csv, CellTypeCatalog, CellTypeCode};
use wangge_store::{check_claim_rules, ClaimRules};

fn known() -> &'static HashSet<CellTypeCode> {
    static KNOWN: OnceLock<HashSet<CellTypeCode>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        CellTypeCatalog::default()
            .types()
            .iter()
            .map(|t| t.code)
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(rules) = serde_json::from_slice::<ClaimRules>(data) {
        let text = serde_json::to_string(&rules).expect("rules serialise");
        let again: ClaimRules = serde_json::from_str(&text).expect("rules read back");
        // NaN percentages are refused by the checks; they are not equal to themselves.
        if rules.value_tiers.high_spend_top_pct.is_finite()
            && rules.value_tiers.medium_spend_top_pct.is_finite()
        {
            assert_eq!(rules, again);
        }
        if check_claim_rules(&rules, known()).is_ok() {
            assert_eq!(rules.types.len(), known().len());
            let pct = rules.value_tiers.high_spend_top_pct;
            assert!(pct > 0.0 && pct <= 100.0, "{pct}");
            assert!(rules.max_cells_per_manager.is_none_or(|n| n >= 1));
        }
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(rules) = claim_rules_from_csv(&text) {
        assert!(rules.windows(2).all(|w| w[0].cell_type <= w[1].cell_type));
    }
    let _ = CellTypeCatalog::from_csv(&text);
});
