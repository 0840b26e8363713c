//! Reading claims: lists, a cell's history, a manager's portfolio and the
//! ownership gaps of the coverage report.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use wangge_model::{GridCode, Role};

use super::rules::{load_rules, tier_counts, total, value_thresholds, CellSet};
use super::{
    workload_line, ClaimFilter, ClaimRecord, GridBrief, HistoryEntry, LockRecord, Portfolio,
    PortfolioCell, UnclaimedCell, UserRef, ValueThresholds, ValueTier,
};
use crate::auth::load_user;
use crate::row::{get_bool, get_parsed, get_parsed_opt};
use crate::{Store, StoreError};

/// The columns of a [`ClaimRecord`], `FROM claims cl` + [`CLAIM_JOINS`].
const CLAIM_COLUMNS: &str = "cl.id, cl.status, cl.requested_at, cl.decided_at, cl.ended_at, \
    cl.reason, c.code AS cell_code, c.name AS cell_name, c.cell_type, g3.code AS l3_code, \
    m.id AS manager_id, m.name AS manager_name, m.kind AS manager_kind, \
    rq.name AS requested_by_name, dc.name AS decided_by_name, en.name AS ended_by_name, \
    CASE WHEN lk.cell_id IS NULL THEN 0 ELSE 1 END AS locked";

const CLAIM_JOINS: &str = "JOIN grids c ON c.id = cl.cell_id \
    JOIN grids g3 ON g3.id = c.parent_id \
    JOIN users m ON m.id = cl.manager_id \
    JOIN users rq ON rq.id = cl.requested_by \
    LEFT JOIN users dc ON dc.id = cl.decided_by \
    LEFT JOIN users en ON en.id = cl.ended_by \
    LEFT JOIN cell_locks lk ON lk.cell_id = cl.cell_id";

impl Store {
    /// Claims matching the filter, newest first.
    pub async fn claims(&self, filter: &ClaimFilter) -> Result<Vec<ClaimRecord>, StoreError> {
        let mut conditions = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !filter.statuses.is_empty() {
            let marks: Vec<String> = filter.statuses.iter().map(|_| next()).collect();
            conditions.push(format!("cl.status IN ({})", marks.join(", ")));
        }
        if filter.manager_id.is_some() {
            conditions.push(format!("cl.manager_id = {}", next()));
        }
        let mut grid_join = "";
        if filter.grid.is_some() {
            // The cell itself or one of its three ancestors.
            grid_join = " LEFT JOIN grids g2 ON g2.id = g3.parent_id";
            let mark = next();
            conditions.push(format!(
                "(c.code = {mark} OR g3.code = {mark} OR g2.code = {mark} OR \
                 EXISTS (SELECT 1 FROM grids g1 WHERE g1.id = g2.parent_id AND g1.code = {mark}))"
            ));
        }
        let (limit, offset) = (next(), next());
        let filter_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM claims cl {CLAIM_JOINS}{grid_join}{filter_sql} \
             ORDER BY cl.id DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut query = sqlx::query(&sql);
        for status in &filter.statuses {
            query = query.bind(status.as_str());
        }
        if let Some(manager) = filter.manager_id {
            query = query.bind(manager);
        }
        if let Some(grid) = &filter.grid {
            query = query.bind(grid.as_str());
        }
        let rows = query
            .bind(filter.limit.max(0))
            .bind(filter.offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(claim_record).collect()
    }

    /// The workflow history of a cell, oldest first. `NotFound` for an
    /// unknown cell.
    pub async fn cell_history(&self, cell: &GridCode) -> Result<Vec<HistoryEntry>, StoreError> {
        let cell_id = self.grid_id(cell).await?;
        let rows = sqlx::query(
            "SELECT h.id, h.claim_id, h.action, h.status, h.reason, h.at, \
                    a.name AS actor_name, f.name AS from_name, t.name AS to_name \
             FROM claim_history h JOIN users a ON a.id = h.actor_id \
             LEFT JOIN users f ON f.id = h.from_manager_id \
             LEFT JOIN users t ON t.id = h.to_manager_id \
             WHERE h.cell_id = $1 ORDER BY h.id",
        )
        .bind(cell_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HistoryEntry {
                    id: row.try_get("id")?,
                    cell: cell.clone(),
                    claim_id: row.try_get("claim_id")?,
                    action: get_parsed(row, "action", "claim action")?,
                    actor: row.try_get("actor_name")?,
                    from: row.try_get("from_name")?,
                    to: row.try_get("to_name")?,
                    status: get_parsed_opt(row, "status", "claim status")?,
                    reason: row.try_get("reason")?,
                    at_ms: row.try_get("at")?,
                })
            })
            .collect()
    }

    /// A manager's open cells, customers by value tier and workload against
    /// the norms. `thresholds`: a cached [`Store::value_thresholds`], or
    /// `None` to compute them now. `NotFound` for an unknown user.
    pub async fn portfolio(
        &self,
        manager_id: i64,
        thresholds: Option<&ValueThresholds>,
    ) -> Result<Portfolio, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let manager =
            load_user(&mut conn, manager_id)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "user",
                    key: manager_id.to_string(),
                })?;
        let rules = load_rules(&mut conn).await?;
        let thresholds = match thresholds {
            Some(t) => t.clone(),
            None => value_thresholds(&mut conn, &rules.value_tiers).await?,
        };
        let rows = sqlx::query(&format!(
            "SELECT cl.cell_id, {CLAIM_COLUMNS} FROM claims cl {CLAIM_JOINS} \
             WHERE cl.manager_id = $1 AND cl.status IN ('pending', 'active') ORDER BY c.code"
        ))
        .bind(manager_id)
        .fetch_all(&mut *conn)
        .await?;
        let per_cell = tier_counts(&mut conn, &CellSet::OpenOf(manager_id), &thresholds).await?;
        let mut cells = Vec::with_capacity(rows.len());
        for row in &rows {
            let claim = claim_record(row)?;
            let cell_id: i64 = row.try_get("cell_id")?;
            cells.push(PortfolioCell {
                code: claim.cell,
                name: claim.cell_name,
                cell_type: claim.cell_type,
                l3: claim.l3,
                status: claim.status,
                locked: claim.locked,
                customers: per_cell.get(&cell_id).copied().unwrap_or_default(),
            });
        }
        let customers = total(&per_cell);
        let workload: Vec<_> = ValueTier::ALL
            .into_iter()
            .map(|tier| workload_line(&rules, tier, customers.get(tier)))
            .collect();
        let over_cells = rules
            .max_cells_per_manager
            .is_some_and(|max| cells.len() as i64 > max);
        let over_customers = rules
            .max_customers_per_manager
            .is_some_and(|max| customers.total() > max);
        let over_norm = workload
            .iter()
            .any(|l| l.status == super::NormStatus::Above);
        Ok(Portfolio {
            manager,
            cells,
            customers,
            workload,
            max_cells: rules.max_cells_per_manager,
            max_customers: rules.max_customers_per_manager,
            overloaded: over_cells || over_customers || over_norm,
            thresholds,
        })
    }

    /// The manager holding the open (pending or active) claim of a cell,
    /// if any. For "own cells" checks; an unknown code is `None`.
    pub async fn open_claim_manager(&self, cell: &GridCode) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT cl.manager_id FROM claims cl JOIN grids c ON c.id = cl.cell_id \
             WHERE c.code = $1 AND c.level = 4 AND cl.status IN ('pending', 'active')",
        )
        .bind(cell.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get("manager_id"))
            .transpose()
            .map_err(Into::into)
    }

    /// The owner of a cell: the manager of its active claim, responsible
    /// for every customer, resource, building and opportunity placed in it.
    /// `None` when nobody owns it (or while a claim waits for approval).
    pub async fn cell_owner(&self, cell: &GridCode) -> Result<Option<UserRef>, StoreError> {
        let row = sqlx::query(
            "SELECT m.id, m.name, m.kind FROM claims cl JOIN grids c ON c.id = cl.cell_id \
             JOIN users m ON m.id = cl.manager_id \
             WHERE c.code = $1 AND c.level = 4 AND cl.status = 'active'",
        )
        .bind(cell.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(UserRef {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                kind: get_parsed_opt(&row, "kind", "manager kind")?,
            })
        })
        .transpose()
    }

    /// Portfolios of the enabled grid managers above a limit or a norm's
    /// maximum, by name (coverage report: overloaded managers).
    pub async fn overloaded_managers(
        &self,
        thresholds: Option<&ValueThresholds>,
    ) -> Result<Vec<Portfolio>, StoreError> {
        let rows =
            sqlx::query("SELECT id FROM users WHERE role = $1 AND disabled = $2 ORDER BY name")
                .bind(Role::GridManager.as_str())
                .bind(false)
                .fetch_all(&self.pool)
                .await?;
        let thresholds = match thresholds {
            Some(t) => t.clone(),
            None => {
                self.value_thresholds(&self.claim_rules().await?.value_tiers)
                    .await?
            }
        };
        let mut out = Vec::new();
        for row in &rows {
            let portfolio = self
                .portfolio(row.try_get("id")?, Some(&thresholds))
                .await?;
            if portfolio.overloaded {
                out.push(portfolio);
            }
        }
        Ok(out)
    }

    /// Cells without an active owner, by code (coverage report). A cell
    /// whose claim waits for approval is listed with `pending`.
    pub async fn unclaimed_cells(&self) -> Result<Vec<UnclaimedCell>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.code, c.name, c.cell_type, g3.code AS l3_code, \
                    CASE WHEN pc.id IS NULL THEN 0 ELSE 1 END AS pending, \
                    CASE WHEN lk.cell_id IS NULL THEN 0 ELSE 1 END AS locked \
             FROM grids c JOIN grids g3 ON g3.id = c.parent_id \
             LEFT JOIN claims pc ON pc.cell_id = c.id AND pc.status = 'pending' \
             LEFT JOIN cell_locks lk ON lk.cell_id = c.id \
             WHERE c.level = 4 AND NOT EXISTS ( \
                 SELECT 1 FROM claims ac WHERE ac.cell_id = c.id AND ac.status = 'active') \
             ORDER BY c.code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(UnclaimedCell {
                    code: get_parsed(row, "code", "grid code")?,
                    name: row.try_get("name")?,
                    cell_type: get_parsed(row, "cell_type", "cell type code")?,
                    l3: get_parsed(row, "l3_code", "grid code")?,
                    pending: get_bool(row, "pending")?,
                    locked: get_bool(row, "locked")?,
                })
            })
            .collect()
    }

    /// Level-3 grids that no enabled grid manager is scoped to (directly or
    /// through an ancestor), by code (coverage report).
    pub async fn level3_without_manager(&self) -> Result<Vec<GridBrief>, StoreError> {
        let rows = sqlx::query(
            "SELECT g3.code, g3.name, g2.code AS parent_code \
             FROM grids g3 JOIN grids g2 ON g2.id = g3.parent_id \
             WHERE g3.level = 3 AND NOT EXISTS ( \
                 SELECT 1 FROM user_scopes s JOIN users u ON u.id = s.user_id \
                 WHERE u.role = $1 AND u.disabled = $2 \
                   AND s.grid_id IN (g3.id, g2.id, g2.parent_id)) \
             ORDER BY g3.code",
        )
        .bind(Role::GridManager.as_str())
        .bind(false)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(GridBrief {
                    code: get_parsed(row, "code", "grid code")?,
                    name: row.try_get("name")?,
                    parent: get_parsed_opt(row, "parent_code", "grid code")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// For each of these codes that names a grid: the code followed by its
    /// ancestors' codes (the cell, its level-3, 2 and 1 grids). Unknown codes
    /// are left out. For scope checks.
    pub async fn grid_chains(
        &self,
        codes: &[String],
    ) -> Result<HashMap<String, Vec<GridCode>>, StoreError> {
        let mut chains = HashMap::with_capacity(codes.len());
        // Chunks keep the statement under every backend's parameter limit.
        for chunk in codes.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT g.code, p1.code AS c1, p2.code AS c2, p3.code AS c3 FROM grids g \
                 LEFT JOIN grids p1 ON p1.id = g.parent_id \
                 LEFT JOIN grids p2 ON p2.id = p1.parent_id \
                 LEFT JOIN grids p3 ON p3.id = p2.parent_id \
                 WHERE g.level IN (1, 2, 3, 4) AND g.code IN ({}) ORDER BY g.territory_id",
                marks.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for code in chunk {
                query = query.bind(code.as_str());
            }
            for row in query.fetch_all(&self.pool).await? {
                let code: String = row.try_get("code")?;
                if chains.contains_key(&code) {
                    continue;
                }
                let mut chain = vec![get_parsed(&row, "code", "grid code")?];
                for column in ["c1", "c2", "c3"] {
                    if let Some(code) = get_parsed_opt(&row, column, "grid code")? {
                        chain.push(code);
                    }
                }
                chains.insert(code, chain);
            }
        }
        Ok(chains)
    }
}

/// The open claim of a cell, if any.
pub(super) async fn open_claim(
    conn: &mut AnyConnection,
    cell_id: i64,
) -> Result<Option<ClaimRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {CLAIM_COLUMNS} FROM claims cl {CLAIM_JOINS} \
         WHERE cl.cell_id = $1 AND cl.status IN ('pending', 'active')"
    ))
    .bind(cell_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(claim_record).transpose()
}

/// The lock of a cell, if any.
pub(super) async fn cell_lock(
    conn: &mut AnyConnection,
    cell_id: i64,
) -> Result<Option<LockRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT l.locked_at, l.reason, u.name FROM cell_locks l JOIN users u ON u.id = l.locked_by \
         WHERE l.cell_id = $1",
    )
    .bind(cell_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(LockRecord {
            locked_by: row.try_get("name")?,
            locked_at_ms: row.try_get("locked_at")?,
            reason: row.try_get("reason")?,
        })
    })
    .transpose()
}

fn claim_record(row: &AnyRow) -> Result<ClaimRecord, StoreError> {
    Ok(ClaimRecord {
        id: row.try_get("id")?,
        cell: get_parsed(row, "cell_code", "grid code")?,
        cell_name: row.try_get("cell_name")?,
        cell_type: get_parsed(row, "cell_type", "cell type code")?,
        l3: get_parsed(row, "l3_code", "grid code")?,
        manager: UserRef {
            id: row.try_get("manager_id")?,
            name: row.try_get("manager_name")?,
            kind: get_parsed_opt(row, "manager_kind", "manager kind")?,
        },
        status: get_parsed(row, "status", "claim status")?,
        requested_by: row.try_get("requested_by_name")?,
        requested_at_ms: row.try_get("requested_at")?,
        decided_by: row.try_get("decided_by_name")?,
        decided_at_ms: row.try_get("decided_at")?,
        ended_by: row.try_get("ended_by_name")?,
        ended_at_ms: row.try_get("ended_at")?,
        reason: row.try_get("reason")?,
        locked: get_bool(row, "locked")?,
    })
}
