//! The claim workflow: claim, approve, reject, release, transfer, lock and
//! unlock, one or many cells in one transaction, all or nothing.
//!
//! Concurrency: on `SQLite` the transaction takes the write lock at once, so
//! steps run one after another. On `PostgreSQL` the transaction locks the
//! rows of the managers it gives cells to (sorted by id) and then each cell's
//! row (cells sorted by code), so two requests touching the same cell or
//! the same manager's limits run one after the other and never deadlock. The
//! partial unique index `claims_one_open_per_cell` backs all of this: should
//! two open claims of one cell ever be inserted, the second fails and is
//! reported as a refusal naming the owner.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};
use wangge_model::{CellTypeCode, GridCode, Role};

use super::query::{cell_lock, open_claim};
use super::rules::{load_rules, tier_counts, total, value_thresholds, CellSet};
use super::{
    CellClaimState, CellRefusal, ClaimAction, ClaimRecord, ClaimRules, ClaimStatus, Refusal,
    ValueThresholds, ValueTier,
};
use crate::auth::load_user;
use crate::row::{get_parsed_opt, is_unique_violation};
use crate::{Backend, Store, StoreError, UserRecord};

/// One step on one cell, asked by the actor of the [`StepContext`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellStep {
    /// The actor (a grid manager) claims the cell for themself.
    Claim,
    /// Grants a pending claim.
    Approve,
    /// Refuses a pending claim.
    Reject,
    /// Ends the open claim. `owner_only`: the actor must hold it (a manager
    /// releasing or withdrawing their own claim).
    Release {
        owner_only: bool,
    },
    /// Gives the cell to another manager (from its owner, if any).
    Transfer {
        to_manager_id: i64,
    },
    Lock,
    Unlock,
}

impl CellStep {
    pub fn action(self) -> ClaimAction {
        match self {
            CellStep::Claim => ClaimAction::Claim,
            CellStep::Approve => ClaimAction::Approve,
            CellStep::Reject => ClaimAction::Reject,
            CellStep::Release { .. } => ClaimAction::Release,
            CellStep::Transfer { .. } => ClaimAction::Transfer,
            CellStep::Lock => ClaimAction::Lock,
            CellStep::Unlock => ClaimAction::Unlock,
        }
    }
}

/// Who acts, when and why.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    pub actor_id: i64,
    /// Why, recorded in the history (and on a new claim).
    pub reason: Option<&'a str>,
    pub now_ms: i64,
    /// Cached value-tier thresholds; computed in the transaction when `None`
    /// and a customer limit needs them.
    pub thresholds: Option<&'a ValueThresholds>,
    /// Check only: roll back even when every step is allowed (a preview).
    pub dry_run: bool,
}

/// The outcome of a batch: every cell's new state (in request order), or
/// every refusal (nothing was written).
pub type StepsOutcome = Result<Vec<CellClaimState>, Vec<CellRefusal>>;

/// A cell as the workflow sees it.
struct CellRow {
    id: i64,
    territory_id: i64,
    level: u8,
    cell_type: Option<CellTypeCode>,
    /// Ids of the level-3, 2 and 1 ancestors (of a cell).
    ancestors: [Option<i64>; 3],
    l3: Option<GridCode>,
}

/// Why the batch stopped early.
enum Stop {
    /// Another transaction inserted an open claim of this cell first.
    Race(String),
    Store(StoreError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Self {
        Stop::Store(e.into())
    }
}

/// What a batch carries from step to step.
struct Batch<'a> {
    backend: Backend,
    ctx: &'a StepContext<'a>,
    actor: UserRecord,
    rules: ClaimRules,
    thresholds: Option<ValueThresholds>,
}

impl Store {
    /// Applies the steps in ONE transaction: all of them, or none and every
    /// refusal with its reason. Errors are database failures only; an unknown
    /// actor is `NotFound`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wangge_store::StoreError> {
    /// use wangge_store::{CellStep, StepContext, Store};
    /// let store = Store::connect("sqlite::memory:").await?;
    /// # let hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".to_owned();
    /// let admin = store.insert_user(&wangge_store::NewUser {
    ///     name: "admin".into(), role: wangge_model::Role::Admin, kind: None,
    ///     scopes: vec![], password_hash: hash,
    /// }).await?;
    /// let ctx = StepContext { actor_id: admin, reason: None, now_ms: 1, thresholds: None, dry_run: false };
    /// let refused = store
    ///     .apply_cell_steps(&[("NO-SUCH-CELL".to_owned(), CellStep::Lock)], &ctx)
    ///     .await?
    ///     .unwrap_err();
    /// assert_eq!(refused[0].message, "cell NO-SUCH-CELL no such cell");
    /// # Ok(()) }
    /// ```
    pub async fn apply_cell_steps(
        &self,
        steps: &[(String, CellStep)],
        ctx: &StepContext<'_>,
    ) -> Result<StepsOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let run = run_steps(&mut tx, self.backend(), steps, ctx).await;
        match run {
            Ok(Ok(states)) => {
                if ctx.dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                Ok(Ok(states))
            }
            Ok(Err(refusals)) => {
                tx.rollback().await?;
                Ok(Err(refusals))
            }
            Err(Stop::Race(cell)) => {
                // The transaction is aborted (PostgreSQL): name the winner
                // from a fresh connection.
                tx.rollback().await?;
                let mut conn = self.pool.acquire().await?;
                let refusal = match lookup_cell(&mut conn, Backend::Sqlite, &cell).await? {
                    Some(found) => match open_claim(&mut conn, found.id).await? {
                        Some(claim) => Refusal::ClaimedBy {
                            owner: claim.manager.name,
                            status: claim.status,
                        },
                        None => Refusal::NotClaimed,
                    },
                    None => Refusal::UnknownCell,
                };
                Ok(Err(vec![CellRefusal::new(&cell, refusal)]))
            }
            Err(Stop::Store(e)) => Err(e),
        }
    }
}

async fn run_steps(
    conn: &mut AnyConnection,
    backend: Backend,
    steps: &[(String, CellStep)],
    ctx: &StepContext<'_>,
) -> Result<StepsOutcome, Stop> {
    let actor = load_user(conn, ctx.actor_id)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "user",
            key: ctx.actor_id.to_string(),
        })?;
    if backend == Backend::Postgres {
        lock_managers(conn, steps, ctx.actor_id).await?;
    }
    let rules = load_rules(conn).await?;
    let mut batch = Batch {
        backend,
        ctx,
        actor,
        rules,
        thresholds: ctx.thresholds.cloned(),
    };
    // Cells in code order (the lock order); answers in request order.
    let mut order: Vec<usize> = (0..steps.len()).collect();
    order.sort_by(|a, b| steps[*a].0.cmp(&steps[*b].0).then(a.cmp(b)));
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut states: Vec<Option<CellClaimState>> = vec![None; steps.len()];
    let mut refusals: Vec<(usize, CellRefusal)> = Vec::new();
    for index in order {
        let (code, step) = &steps[index];
        if seen.insert(code.as_str(), index).is_some() {
            refusals.push((index, CellRefusal::new(code, Refusal::DuplicateInBatch)));
            continue;
        }
        match apply_step(conn, &mut batch, code, *step).await? {
            Ok(state) => states[index] = Some(state),
            Err(refusal) => refusals.push((index, CellRefusal::new(code, refusal))),
        }
    }
    if !refusals.is_empty() {
        refusals.sort_by_key(|(index, _)| *index);
        return Ok(Err(refusals.into_iter().map(|(_, r)| r).collect()));
    }
    Ok(Ok(states.into_iter().flatten().collect()))
}

/// PostgreSQL: locks the user rows of the managers the batch may give cells
/// to, in id order, so concurrent claims cannot both pass a limit.
async fn lock_managers(
    conn: &mut AnyConnection,
    steps: &[(String, CellStep)],
    actor_id: i64,
) -> Result<(), StoreError> {
    let mut ids: Vec<i64> = steps
        .iter()
        .filter_map(|(_, step)| match step {
            CellStep::Claim => Some(actor_id),
            CellStep::Transfer { to_manager_id } => Some(*to_manager_id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn lookup_cell(
    conn: &mut AnyConnection,
    backend: Backend,
    code: &str,
) -> Result<Option<CellRow>, StoreError> {
    let lock = if backend == Backend::Postgres {
        " FOR UPDATE OF c"
    } else {
        ""
    };
    let row = sqlx::query(&format!(
        "SELECT c.id, c.territory_id, c.level, c.cell_type, c.parent_id AS a3, \
                g3.parent_id AS a2, g2.parent_id AS a1, g3.code AS l3_code \
         FROM grids c LEFT JOIN grids g3 ON g3.id = c.parent_id \
         LEFT JOIN grids g2 ON g2.id = g3.parent_id \
         WHERE c.level IN (1, 2, 3, 4) AND c.code = $1 ORDER BY c.territory_id LIMIT 1{lock}"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let level: i64 = row.try_get("level")?;
    Ok(Some(CellRow {
        id: row.try_get("id")?,
        territory_id: row.try_get("territory_id")?,
        level: u8::try_from(level).unwrap_or(0),
        cell_type: get_parsed_opt(&row, "cell_type", "cell type code")?,
        ancestors: [row.try_get("a3")?, row.try_get("a2")?, row.try_get("a1")?],
        l3: get_parsed_opt(&row, "l3_code", "grid code")?,
    }))
}

async fn apply_step(
    conn: &mut AnyConnection,
    batch: &mut Batch<'_>,
    code: &str,
    step: CellStep,
) -> Result<Result<CellClaimState, Refusal>, Stop> {
    let Some(cell) = lookup_cell(conn, batch.backend, code).await? else {
        return Ok(Err(Refusal::UnknownCell));
    };
    if cell.level != 4 {
        return Ok(Err(Refusal::NotACell { level: cell.level }));
    }
    let open = open_claim(conn, cell.id).await?;
    let lock = cell_lock(conn, cell.id).await?;
    let ctx = batch.ctx;
    let actor_id = batch.actor.id;
    let locked = |lock: &Option<super::LockRecord>| {
        lock.as_ref().map(|l| Refusal::Locked {
            by: l.locked_by.clone(),
            lock_reason: l.reason.clone(),
        })
    };
    let history = match step {
        CellStep::Claim => {
            if let Some(refusal) = locked(&lock) {
                return Ok(Err(refusal));
            }
            if let Some(open) = &open {
                return Ok(Err(if open.manager.id == actor_id {
                    Refusal::AlreadyYours {
                        status: open.status,
                    }
                } else {
                    Refusal::ClaimedBy {
                        owner: open.manager.name.clone(),
                        status: open.status,
                    }
                }));
            }
            let manager = batch.actor.clone();
            if let Some(refusal) = may_hold(conn, batch, &manager, &cell).await? {
                return Ok(Err(refusal));
            }
            let needs_approval = cell
                .cell_type
                .and_then(|t| batch.rules.type_rule(t))
                .is_some_and(|r| r.needs_approval);
            let status = if needs_approval {
                ClaimStatus::Pending
            } else {
                ClaimStatus::Active
            };
            let claim_id = insert_claim(conn, &cell, code, actor_id, actor_id, status, ctx).await?;
            History {
                claim_id: Some(claim_id),
                from: None,
                to: Some(actor_id),
                status: Some(status),
            }
        }
        CellStep::Approve | CellStep::Reject => {
            let status_now = open.as_ref().map(|c| c.status);
            let Some(open) = open.filter(|c| c.status == ClaimStatus::Pending) else {
                return Ok(Err(Refusal::NotPending { status: status_now }));
            };
            let approve = step == CellStep::Approve;
            let (status, to, from) = if approve {
                (ClaimStatus::Active, Some(open.manager.id), None)
            } else {
                (ClaimStatus::Rejected, None, Some(open.manager.id))
            };
            let sql = if approve {
                "UPDATE claims SET status = $1, decided_by = $2, decided_at = $3 \
                 WHERE id = $4 AND status = 'pending'"
            } else {
                "UPDATE claims SET status = $1, decided_by = $2, decided_at = $3, \
                 ended_by = $2, ended_at = $3 WHERE id = $4 AND status = 'pending'"
            };
            update_claim(conn, sql, status, actor_id, ctx.now_ms, open.id, code).await?;
            History {
                claim_id: Some(open.id),
                from,
                to,
                status: Some(status),
            }
        }
        CellStep::Release { owner_only } => {
            if let Some(refusal) = locked(&lock) {
                return Ok(Err(refusal));
            }
            let Some(open) = open else {
                return Ok(Err(Refusal::NotClaimed));
            };
            if owner_only && open.manager.id != actor_id {
                return Ok(Err(Refusal::NotOwner {
                    owner: open.manager.name,
                }));
            }
            if !owner_only && open.status == ClaimStatus::Pending {
                return Ok(Err(Refusal::PendingDecision {
                    claimant: open.manager.name,
                }));
            }
            end_claim(
                conn,
                ClaimStatus::Released,
                actor_id,
                ctx.now_ms,
                &open,
                code,
            )
            .await?;
            History {
                claim_id: Some(open.id),
                from: Some(open.manager.id),
                to: None,
                status: Some(ClaimStatus::Released),
            }
        }
        CellStep::Transfer { to_manager_id } => {
            if let Some(refusal) = locked(&lock) {
                return Ok(Err(refusal));
            }
            let Some(target) = load_user(conn, to_manager_id).await? else {
                return Ok(Err(Refusal::NotAManager {
                    name: format!("user {to_manager_id}"),
                }));
            };
            if let Some(open) = &open {
                if open.status == ClaimStatus::Pending {
                    return Ok(Err(Refusal::PendingDecision {
                        claimant: open.manager.name.clone(),
                    }));
                }
                if open.manager.id == target.id {
                    return Ok(Err(Refusal::AlreadyOwner { owner: target.name }));
                }
            }
            if let Some(refusal) = may_hold(conn, batch, &target, &cell).await? {
                return Ok(Err(refusal));
            }
            if let Some(open) = &open {
                end_claim(
                    conn,
                    ClaimStatus::Transferred,
                    actor_id,
                    ctx.now_ms,
                    open,
                    code,
                )
                .await?;
            }
            let claim_id = insert_claim(
                conn,
                &cell,
                code,
                target.id,
                actor_id,
                ClaimStatus::Active,
                ctx,
            )
            .await?;
            // The supervisor's transfer is the decision.
            sqlx::query("UPDATE claims SET decided_by = $1 WHERE id = $2")
                .bind(actor_id)
                .bind(claim_id)
                .execute(&mut *conn)
                .await?;
            History {
                claim_id: Some(claim_id),
                from: open.as_ref().map(|c| c.manager.id),
                to: Some(target.id),
                status: Some(ClaimStatus::Active),
            }
        }
        CellStep::Lock => {
            if let Some(lock) = &lock {
                return Ok(Err(Refusal::AlreadyLocked {
                    by: lock.locked_by.clone(),
                }));
            }
            if let Some(open) = open.as_ref().filter(|c| c.status == ClaimStatus::Pending) {
                return Ok(Err(Refusal::PendingDecision {
                    claimant: open.manager.name.clone(),
                }));
            }
            let inserted = sqlx::query(
                "INSERT INTO cell_locks (cell_id, locked_by, locked_at, reason) VALUES ($1, $2, $3, $4)",
            )
            .bind(cell.id)
            .bind(actor_id)
            .bind(ctx.now_ms)
            .bind(ctx.reason)
            .execute(&mut *conn)
            .await;
            match inserted {
                Err(e) if is_unique_violation(&e) => return Err(Stop::Race(code.to_owned())),
                other => other?,
            };
            History {
                claim_id: open.as_ref().map(|c| c.id),
                from: None,
                to: None,
                status: None,
            }
        }
        CellStep::Unlock => {
            if lock.is_none() {
                return Ok(Err(Refusal::NotLocked));
            }
            sqlx::query("DELETE FROM cell_locks WHERE cell_id = $1")
                .bind(cell.id)
                .execute(&mut *conn)
                .await?;
            History {
                claim_id: open.as_ref().map(|c| c.id),
                from: None,
                to: None,
                status: None,
            }
        }
    };
    let history_id = insert_history(conn, &cell, step.action(), &history, ctx).await?;
    Ok(Ok(CellClaimState {
        cell: code
            .parse()
            .map_err(|e| StoreError::corrupt("grid code", e))?,
        action: step.action(),
        claim: open_claim(conn, cell.id).await?,
        lock: cell_lock(conn, cell.id).await?,
        history_id,
    }))
}

/// The people and claim of one history entry.
struct History {
    claim_id: Option<i64>,
    from: Option<i64>,
    to: Option<i64>,
    status: Option<ClaimStatus>,
}

/// May this manager hold this cell under the claim rules? `None` = yes.
async fn may_hold(
    conn: &mut AnyConnection,
    batch: &mut Batch<'_>,
    manager: &UserRecord,
    cell: &CellRow,
) -> Result<Option<Refusal>, StoreError> {
    if manager.role != Role::GridManager || manager.disabled {
        return Ok(Some(Refusal::NotAManager {
            name: manager.name.clone(),
        }));
    }
    let rules = &batch.rules;
    let Some(cell_type) = cell.cell_type else {
        return Ok(Some(Refusal::NotACell { level: cell.level }));
    };
    let kind_ok = manager.kind.is_some_and(|kind| {
        rules
            .type_rule(cell_type)
            .is_some_and(|r| r.kinds.contains(&kind))
    });
    if !kind_ok {
        return Ok(Some(Refusal::KindNotAllowed {
            manager: manager.name.clone(),
            kind: manager.kind,
            cell_type,
        }));
    }
    if !rules.claim_outside_scope {
        let [a3, a2, a1] = cell.ancestors;
        let in_scope = sqlx::query(
            "SELECT 1 AS one FROM user_scopes WHERE user_id = $1 AND grid_id IN ($2, $3, $4, $5) LIMIT 1",
        )
        .bind(manager.id)
        .bind(cell.id)
        .bind(a3)
        .bind(a2)
        .bind(a1)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
        if !in_scope {
            return Ok(Some(Refusal::OutsideScope {
                manager: manager.name.clone(),
                l3: cell
                    .l3
                    .clone()
                    .ok_or_else(|| StoreError::corrupt("cell", "a cell without a parent"))?,
            }));
        }
    }
    if let Some(max) = rules.max_cells_per_manager {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM claims WHERE manager_id = $1 AND status IN ('pending', 'active')",
        )
        .bind(manager.id)
        .fetch_one(&mut *conn)
        .await?;
        let held: i64 = row.try_get("n")?;
        if held + 1 > max {
            return Ok(Some(Refusal::CellLimit {
                manager: manager.name.clone(),
                max,
            }));
        }
    }
    if rules.limits_customers() {
        return customer_limit(conn, batch, manager, cell).await;
    }
    Ok(None)
}

/// Would this cell take the manager above a customer limit?
async fn customer_limit(
    conn: &mut AnyConnection,
    batch: &mut Batch<'_>,
    manager: &UserRecord,
    cell: &CellRow,
) -> Result<Option<Refusal>, StoreError> {
    if batch.thresholds.is_none() {
        batch.thresholds = Some(value_thresholds(conn, &batch.rules.value_tiers).await?);
    }
    let Some(thresholds) = batch.thresholds.as_ref() else {
        return Ok(None);
    };
    let added = total(&tier_counts(conn, &CellSet::Cell(cell.id), thresholds).await?);
    if added.total() == 0 {
        return Ok(None);
    }
    let held = total(&tier_counts(conn, &CellSet::OpenOf(manager.id), thresholds).await?);
    let rules = &batch.rules;
    if rules.enforce_customer_norms {
        for tier in ValueTier::ALL {
            let Some(max) = rules.norm(tier).and_then(|n| n.max_customers) else {
                continue;
            };
            let would_hold = held.get(tier) + added.get(tier);
            if added.get(tier) > 0 && would_hold > max {
                return Ok(Some(Refusal::CustomerLimit {
                    manager: manager.name.clone(),
                    tier: Some(tier),
                    max,
                    would_hold,
                }));
            }
        }
    }
    if let Some(max) = rules.max_customers_per_manager {
        let would_hold = held.total() + added.total();
        if would_hold > max {
            return Ok(Some(Refusal::CustomerLimit {
                manager: manager.name.clone(),
                tier: None,
                max,
                would_hold,
            }));
        }
    }
    Ok(None)
}

async fn insert_claim(
    conn: &mut AnyConnection,
    cell: &CellRow,
    code: &str,
    manager_id: i64,
    actor_id: i64,
    status: ClaimStatus,
    ctx: &StepContext<'_>,
) -> Result<i64, Stop> {
    // Granted at once: decided now, by the rules (no decider).
    let decided_at = (status == ClaimStatus::Active).then_some(ctx.now_ms);
    let inserted = sqlx::query(
        "INSERT INTO claims (territory_id, cell_id, cell_level, manager_id, status, requested_by, \
         requested_at, decided_at, reason) VALUES ($1, $2, 4, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(cell.territory_id)
    .bind(cell.id)
    .bind(manager_id)
    .bind(status.as_str())
    .bind(actor_id)
    .bind(ctx.now_ms)
    .bind(decided_at)
    .bind(ctx.reason)
    .fetch_one(&mut *conn)
    .await;
    match inserted {
        Ok(row) => Ok(row.try_get("id")?),
        Err(e) if is_unique_violation(&e) => Err(Stop::Race(code.to_owned())),
        Err(e) => Err(e.into()),
    }
}

/// Runs an UPDATE of one claim guarded by its expected status; a claim
/// changed meanwhile is a race.
async fn update_claim(
    conn: &mut AnyConnection,
    sql: &str,
    status: ClaimStatus,
    actor_id: i64,
    now_ms: i64,
    claim_id: i64,
    code: &str,
) -> Result<(), Stop> {
    let done = sqlx::query(sql)
        .bind(status.as_str())
        .bind(actor_id)
        .bind(now_ms)
        .bind(claim_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Stop::Race(code.to_owned()))
    }
}

async fn end_claim(
    conn: &mut AnyConnection,
    status: ClaimStatus,
    actor_id: i64,
    now_ms: i64,
    open: &ClaimRecord,
    code: &str,
) -> Result<(), Stop> {
    let sql = "UPDATE claims SET status = $1, ended_by = $2, ended_at = $3 \
               WHERE id = $4 AND status IN ('pending', 'active')";
    update_claim(conn, sql, status, actor_id, now_ms, open.id, code).await
}

async fn insert_history(
    conn: &mut AnyConnection,
    cell: &CellRow,
    action: ClaimAction,
    entry: &History,
    ctx: &StepContext<'_>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO claim_history (cell_id, claim_id, action, actor_id, from_manager_id, \
         to_manager_id, status, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(cell.id)
    .bind(entry.claim_id)
    .bind(action.as_str())
    .bind(ctx.actor_id)
    .bind(entry.from)
    .bind(entry.to)
    .bind(entry.status.map(ClaimStatus::as_str))
    .bind(ctx.reason)
    .bind(ctx.now_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}
