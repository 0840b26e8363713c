//! The claim rules as data, value-tier thresholds and customer counts by
//! tier.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};
use wangge_model::{CellTypeCode, ManagerKind};

use super::{
    ClaimRules, TierCounts, TypeRule, ValueThresholds, ValueTier, ValueTierRule, WorkloadNorm,
};
use crate::row::{get_bool, get_parsed};
use crate::{Store, StoreError};

impl Store {
    /// The claim rules in force.
    pub async fn claim_rules(&self) -> Result<ClaimRules, StoreError> {
        let mut conn = self.pool.acquire().await?;
        load_rules(&mut conn).await
    }

    /// Replaces the claim rules (all of them: `types` must list every cell
    /// type of the type table once). Returns the rules as stored.
    pub async fn set_claim_rules(
        &self,
        rules: &ClaimRules,
        actor_id: i64,
        now_ms: i64,
    ) -> Result<ClaimRules, StoreError> {
        let mut tx = self.begin_write().await?;
        validate(&mut tx, rules).await?;
        sqlx::query("DELETE FROM claim_type_rules")
            .execute(&mut *tx)
            .await?;
        for rule in &rules.types {
            sqlx::query(
                "INSERT INTO claim_type_rules (cell_type, zhengqi, community, needs_approval) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(rule.cell_type.as_str())
            .bind(rule.kinds.contains(&ManagerKind::Zhengqi))
            .bind(rule.kinds.contains(&ManagerKind::Community))
            .bind(rule.needs_approval)
            .execute(&mut *tx)
            .await?;
        }
        let tiers = &rules.value_tiers;
        sqlx::query(
            "UPDATE claim_settings SET max_cells_per_manager = $1, max_customers_per_manager = $2, \
             enforce_customer_norms = $3, claim_outside_scope = $4, high_spend_top_pct = $5, \
             medium_spend_top_pct = $6, medium_size_min_staff = $7, updated_at = $8, updated_by = $9 \
             WHERE id = 1",
        )
        .bind(rules.max_cells_per_manager)
        .bind(rules.max_customers_per_manager)
        .bind(rules.enforce_customer_norms)
        .bind(rules.claim_outside_scope)
        .bind(tiers.high_spend_top_pct)
        .bind(tiers.medium_spend_top_pct)
        .bind(tiers.medium_size_min_staff)
        .bind(now_ms)
        .bind(actor_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM workload_norms")
            .execute(&mut *tx)
            .await?;
        for norm in &rules.workload_norms {
            sqlx::query(
                "INSERT INTO workload_norms (tier, min_customers, max_customers) VALUES ($1, $2, $3)",
            )
            .bind(norm.tier.as_str())
            .bind(norm.min_customers)
            .bind(norm.max_customers)
            .execute(&mut *tx)
            .await?;
        }
        let stored = load_rules(&mut tx).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The spend thresholds of the value tiers under `rule`, from the
    /// customers now stored. Costs a scan of the customers: cache it.
    pub async fn value_thresholds(
        &self,
        rule: &ValueTierRule,
    ) -> Result<ValueThresholds, StoreError> {
        let mut conn = self.pool.acquire().await?;
        value_thresholds(&mut conn, rule).await
    }
}

impl Store {
    /// Stores the default claim rule of every cell type of `cell_types.csv`
    /// that has no rule yet ([`wangge_model::default_claim_rules`]), so a
    /// fresh database gets the shipped defaults and an operator's rules are
    /// kept. Writes nothing when every type has a rule (a write would raise
    /// the rules' revision at every start).
    pub(crate) async fn seed_claim_type_rules(&self) -> Result<(), StoreError> {
        let rows = sqlx::query("SELECT cell_type FROM claim_type_rules")
            .fetch_all(&self.pool)
            .await?;
        let stored = rows
            .iter()
            .map(|row| row.try_get::<String, _>("cell_type"))
            .collect::<Result<HashSet<String>, _>>()?;
        let missing: Vec<_> = wangge_model::default_claim_rules()
            .into_iter()
            .filter(|rule| !stored.contains(&rule.cell_type.as_str()))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for rule in &missing {
            // DO NOTHING: another process seeding at the same moment is fine.
            sqlx::query(
                "INSERT INTO claim_type_rules (cell_type, zhengqi, community, needs_approval) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (cell_type) DO NOTHING",
            )
            .bind(rule.cell_type.as_str())
            .bind(rule.claimed_by.contains(&ManagerKind::Zhengqi))
            .bind(rule.claimed_by.contains(&ManagerKind::Community))
            .bind(rule.needs_approval)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

pub(super) async fn load_rules(conn: &mut AnyConnection) -> Result<ClaimRules, StoreError> {
    let rows = sqlx::query(
        "SELECT cell_type, zhengqi, community, needs_approval FROM claim_type_rules ORDER BY cell_type",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut types = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut kinds = Vec::new();
        if get_bool(row, "zhengqi")? {
            kinds.push(ManagerKind::Zhengqi);
        }
        if get_bool(row, "community")? {
            kinds.push(ManagerKind::Community);
        }
        types.push(TypeRule {
            cell_type: get_parsed(row, "cell_type", "cell type code")?,
            kinds,
            needs_approval: get_bool(row, "needs_approval")?,
        });
    }
    let settings = sqlx::query(
        "SELECT max_cells_per_manager, max_customers_per_manager, enforce_customer_norms, \
         claim_outside_scope, high_spend_top_pct, medium_spend_top_pct, medium_size_min_staff \
         FROM claim_settings WHERE id = 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::corrupt("claim settings", "the row is missing"))?;
    let norm_rows = sqlx::query("SELECT tier, min_customers, max_customers FROM workload_norms")
        .fetch_all(&mut *conn)
        .await?;
    let mut workload_norms = norm_rows
        .iter()
        .map(|row| {
            Ok(WorkloadNorm {
                tier: get_parsed(row, "tier", "value tier")?,
                min_customers: row.try_get("min_customers")?,
                max_customers: row.try_get("max_customers")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    workload_norms.sort_by_key(|n| n.tier);
    Ok(ClaimRules {
        types,
        max_cells_per_manager: settings.try_get("max_cells_per_manager")?,
        max_customers_per_manager: settings.try_get("max_customers_per_manager")?,
        enforce_customer_norms: get_bool(&settings, "enforce_customer_norms")?,
        claim_outside_scope: get_bool(&settings, "claim_outside_scope")?,
        value_tiers: ValueTierRule {
            high_spend_top_pct: settings.try_get("high_spend_top_pct")?,
            medium_spend_top_pct: settings.try_get("medium_spend_top_pct")?,
            medium_size_min_staff: settings.try_get("medium_size_min_staff")?,
        },
        workload_norms,
    })
}

fn invalid(field: &'static str, value: impl Into<String>, reason: &'static str) -> StoreError {
    StoreError::InvalidField {
        kind: "claim rules",
        code: "claim-rules".to_owned(),
        field,
        value: value.into(),
        reason,
    }
}

async fn validate(conn: &mut AnyConnection, rules: &ClaimRules) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT code FROM cell_types ORDER BY code")
        .fetch_all(&mut *conn)
        .await?;
    let known = rows
        .iter()
        .map(|row| get_parsed(row, "code", "cell type code"))
        .collect::<Result<HashSet<CellTypeCode>, StoreError>>()?;
    check_claim_rules(rules, &known)
}

/// Checks claim rules against the cell types `known` to the type table,
/// without the database: what [`Store::set_claim_rules`] refuses.
#[allow(clippy::implicit_hasher)] // callers build the set; one hasher is enough
pub fn check_claim_rules(
    rules: &ClaimRules,
    known: &HashSet<CellTypeCode>,
) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for rule in &rules.types {
        if !known.contains(&rule.cell_type) {
            return Err(invalid(
                "types",
                rule.cell_type.as_str(),
                "not in the cell type table",
            ));
        }
        if !seen.insert(rule.cell_type) {
            return Err(invalid("types", rule.cell_type.as_str(), "listed twice"));
        }
    }
    let mut missing: Vec<String> = known.difference(&seen).map(CellTypeCode::as_str).collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(invalid(
            "types",
            format!("missing {}", missing.join(", ")),
            "every cell type of the type table needs a rule",
        ));
    }
    for (field, value) in [
        ("max_cells_per_manager", rules.max_cells_per_manager),
        ("max_customers_per_manager", rules.max_customers_per_manager),
    ] {
        if value.is_some_and(|n| n < 1) {
            return Err(invalid(
                field,
                format!("{value:?}"),
                "must be at least 1 (or null for no limit)",
            ));
        }
    }
    let tiers = &rules.value_tiers;
    for (field, pct) in [
        ("value_tiers.high_spend_top_pct", tiers.high_spend_top_pct),
        (
            "value_tiers.medium_spend_top_pct",
            tiers.medium_spend_top_pct,
        ),
    ] {
        if !(pct > 0.0 && pct <= 100.0) {
            return Err(invalid(field, pct.to_string(), "must be in (0, 100]"));
        }
    }
    if tiers.medium_size_min_staff < 1 {
        return Err(invalid(
            "value_tiers.medium_size_min_staff",
            tiers.medium_size_min_staff.to_string(),
            "must be at least 1",
        ));
    }
    let mut norm_tiers = HashSet::new();
    for norm in &rules.workload_norms {
        if !norm_tiers.insert(norm.tier) {
            return Err(invalid(
                "workload_norms",
                norm.tier.as_str(),
                "listed twice",
            ));
        }
        let negative = [norm.min_customers, norm.max_customers]
            .into_iter()
            .flatten()
            .any(|n| n < 0);
        let crossed =
            matches!((norm.min_customers, norm.max_customers), (Some(lo), Some(hi)) if lo > hi);
        if negative || crossed {
            return Err(invalid(
                "workload_norms",
                format!(
                    "{}: {:?}-{:?}",
                    norm.tier, norm.min_customers, norm.max_customers
                ),
                "needs 0 <= min_customers <= max_customers",
            ));
        }
    }
    Ok(())
}

pub(super) async fn value_thresholds(
    conn: &mut AnyConnection,
    rule: &ValueTierRule,
) -> Result<ValueThresholds, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM customers WHERE other_operator = $1 AND monthly_spend_yuan IS NOT NULL",
    )
    .bind(false)
    .fetch_one(&mut *conn)
    .await?;
    let ranked: i64 = row.try_get("n")?;
    let high = spend_at_top(conn, ranked, rule.high_spend_top_pct).await?;
    let medium = spend_at_top(conn, ranked, rule.medium_spend_top_pct).await?;
    Ok(ValueThresholds {
        high_spend_min_yuan: high,
        medium_spend_min_yuan: medium,
        medium_size_min_staff: rule.medium_size_min_staff,
        customers_ranked: ranked,
    })
}

/// The lowest spend within the top `top_pct` percent of `ranked` customers:
/// the k-th highest, k = ceil(ranked * pct / 100), at least 1.
async fn spend_at_top(
    conn: &mut AnyConnection,
    ranked: i64,
    top_pct: f64,
) -> Result<Option<f64>, StoreError> {
    if ranked == 0 {
        return Ok(None);
    }
    let k = ((ranked as f64 * top_pct / 100.0).ceil() as i64).clamp(1, ranked);
    let row = sqlx::query(
        "SELECT monthly_spend_yuan AS v FROM customers \
         WHERE other_operator = $1 AND monthly_spend_yuan IS NOT NULL \
         ORDER BY monthly_spend_yuan DESC LIMIT 1 OFFSET $2",
    )
    .bind(false)
    .bind(k - 1)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.try_get::<f64, _>("v")).transpose()?)
}

/// Which cells to count customers in.
pub(super) enum CellSet {
    /// The open (pending or active) cells of a manager.
    OpenOf(i64),
    /// One cell.
    Cell(i64),
}

/// Customers per cell and tier, for the cells of `set`.
pub(super) async fn tier_counts(
    conn: &mut AnyConnection,
    set: &CellSet,
    thresholds: &ValueThresholds,
) -> Result<HashMap<i64, TierCounts>, StoreError> {
    let (cells, id) = match set {
        CellSet::OpenOf(manager) => (
            "SELECT cell_id FROM claims WHERE manager_id = $5 AND status IN ('pending', 'active')",
            *manager,
        ),
        CellSet::Cell(cell) => ("$5", *cell),
    };
    // Without spend data nobody is in a top share.
    let never = f64::MAX;
    let sql = format!(
        "SELECT cell_id, tier, COUNT(*) AS n FROM ( \
             SELECT p.cell_id AS cell_id, CASE \
                 WHEN cu.other_operator = $1 THEN 'other' \
                 WHEN COALESCE(cu.staff_count, 0) >= $2 AND COALESCE(cu.monthly_spend_yuan, -1) >= $3 THEN 'high' \
                 WHEN COALESCE(cu.staff_count, 0) >= $2 THEN 'potential' \
                 WHEN COALESCE(cu.monthly_spend_yuan, -1) >= $4 THEN 'medium' \
                 ELSE 'low' END AS tier \
             FROM placements p JOIN customers cu ON cu.id = p.entity_id \
             WHERE p.entity_kind = 'customer' AND p.cell_id IN ({cells}) \
         ) t GROUP BY cell_id, tier"
    );
    let rows = sqlx::query(&sql)
        .bind(true)
        .bind(thresholds.medium_size_min_staff)
        .bind(thresholds.high_spend_min_yuan.unwrap_or(never))
        .bind(thresholds.medium_spend_min_yuan.unwrap_or(never))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let mut counts: HashMap<i64, TierCounts> = HashMap::new();
    for row in &rows {
        let cell: i64 = row.try_get("cell_id")?;
        let n: i64 = row.try_get("n")?;
        let tier: String = row.try_get("tier")?;
        let entry = counts.entry(cell).or_default();
        match tier.parse::<ValueTier>() {
            Ok(ValueTier::High) => entry.high += n,
            Ok(ValueTier::Potential) => entry.potential += n,
            Ok(ValueTier::Medium) => entry.medium += n,
            Ok(ValueTier::Low) => entry.low += n,
            Err(_) => entry.other_operator += n,
        }
    }
    Ok(counts)
}

/// The sum over cells.
pub(super) fn total(counts: &HashMap<i64, TierCounts>) -> TierCounts {
    let mut sum = TierCounts::default();
    for c in counts.values() {
        sum.add(c);
    }
    sum
}
