//! Claiming cells (认领): grid managers claim level-4 cells, supervisors
//! approve, reject, transfer and lock them, and every step lands in an
//! append-only history.
//!
//! * [`ClaimRules`] are data (tables `claim_type_rules`, `claim_settings`,
//!   `workload_norms`): which manager kinds may claim which cell types,
//!   which claims wait for approval, limits per manager, value-tier
//!   thresholds and workload norms. Read with [`Store::claim_rules`],
//!   replaced with [`Store::set_claim_rules`].
//! * [`Store::apply_cell_steps`] runs one or many [`CellStep`]s in ONE
//!   transaction: all are applied, or none and every refusal is returned
//!   with its reason ([`Refusal`]). A partial unique index allows one open
//!   (pending or active) claim per cell, so two managers claiming at the same
//!   instant cannot both win, whatever the code does.
//! * Who may ask for which step (role and scope) is the server's policy;
//!   the store checks the state (owner, lock, pending) and the claim rules.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wangge_store::StoreError> {
//! use wangge_model::ManagerKind;
//! let store = wangge_store::Store::connect("sqlite::memory:").await?;
//! let rules = store.claim_rules().await?;
//! let hotel = rules.type_rule("05".parse().unwrap()).unwrap();
//! assert_eq!(hotel.kinds, [ManagerKind::Zhengqi]);
//! assert!(hotel.needs_approval);
//! assert!(!rules.claim_outside_scope);
//! assert!(store.unclaimed_cells().await?.is_empty());
//! # Ok(()) }
//! ```

mod query;
mod rules;
mod workflow;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use wangge_model::{CellTypeCode, GridCode, ManagerKind};

use crate::{StoreError, UserRecord};

pub use rules::check_claim_rules;
pub use workflow::{CellStep, StepContext, StepsOutcome};

/// Where a claim stands. Pending and active claims are open: at most one
/// per cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Waiting for a supervisor (cell types whose rule needs approval).
    Pending,
    /// The manager owns the cell.
    Active,
    Rejected,
    Released,
    /// Ended because a supervisor gave the cell to another manager.
    Transferred,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 5] = [
        ClaimStatus::Pending,
        ClaimStatus::Active,
        ClaimStatus::Rejected,
        ClaimStatus::Released,
        ClaimStatus::Transferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Pending => "pending",
            ClaimStatus::Active => "active",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::Released => "released",
            ClaimStatus::Transferred => "transferred",
        }
    }

    /// Pending or active: the claim holds the cell.
    pub fn is_open(self) -> bool {
        matches!(self, ClaimStatus::Pending | ClaimStatus::Active)
    }
}

/// A step of the claim workflow, as recorded in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimAction {
    Claim,
    Approve,
    Reject,
    Release,
    Transfer,
    Lock,
    Unlock,
}

impl ClaimAction {
    pub const ALL: [ClaimAction; 7] = [
        ClaimAction::Claim,
        ClaimAction::Approve,
        ClaimAction::Reject,
        ClaimAction::Release,
        ClaimAction::Transfer,
        ClaimAction::Lock,
        ClaimAction::Unlock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimAction::Claim => "claim",
            ClaimAction::Approve => "approve",
            ClaimAction::Reject => "reject",
            ClaimAction::Release => "release",
            ClaimAction::Transfer => "transfer",
            ClaimAction::Lock => "lock",
            ClaimAction::Unlock => "unlock",
        }
    }
}

/// Customer value tiers (DOMAIN.md): by monthly spend rank and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueTier {
    /// Top spend (5 %) and medium size.
    High,
    /// The rest of medium size.
    Potential,
    /// Top spend (20 %) and small.
    Medium,
    Low,
}

impl ValueTier {
    pub const ALL: [ValueTier; 4] = [
        ValueTier::High,
        ValueTier::Potential,
        ValueTier::Medium,
        ValueTier::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ValueTier::High => "high",
            ValueTier::Potential => "potential",
            ValueTier::Medium => "medium",
            ValueTier::Low => "low",
        }
    }
}

macro_rules! text_enum {
    ($($ty:ident: $what:literal),*) => {$(
        impl FromStr for $ty {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase();
                $ty::ALL
                    .into_iter()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| StoreError::NotFound { what: $what, key: s.to_owned() })
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

text_enum!(
    ClaimStatus: "claim status (pending, active, rejected, released, transferred)",
    ClaimAction: "claim action (claim, approve, reject, release, transfer, lock, unlock)",
    ValueTier: "value tier (high, potential, medium, low)"
);

/// Who may claim cells of one type, and whether such a claim waits for a
/// supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeRule {
    pub cell_type: CellTypeCode,
    /// Manager kinds that may claim it (empty: nobody).
    pub kinds: Vec<ManagerKind>,
    pub needs_approval: bool,
}

/// How customers are ranked into [`ValueTier`]s. Spend ranks are over the
/// territory's own customers (not other operators') that have a spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueTierRule {
    /// High value = spend in this top share (percent) and medium size.
    pub high_spend_top_pct: f64,
    /// Medium value = spend in this top share (percent) and small.
    pub medium_spend_top_pct: f64,
    /// Medium size = at least this many staff (DOMAIN.md: about 50).
    pub medium_size_min_staff: i64,
}

/// Customers of a tier one manager looks after (DOMAIN.md's norms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadNorm {
    pub tier: ValueTier,
    pub min_customers: Option<i64>,
    pub max_customers: Option<i64>,
}

/// The claim rules in force. See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRules {
    /// One rule per cell type of the type table.
    pub types: Vec<TypeRule>,
    /// Open claims (pending + active) one manager may hold; `None`: no limit.
    pub max_cells_per_manager: Option<i64>,
    /// Customers (all tiers) in one manager's open cells; `None`: no limit.
    pub max_customers_per_manager: Option<i64>,
    /// Refuse a claim that takes a manager above a norm's `max_customers`.
    pub enforce_customer_norms: bool,
    /// May a manager claim outside the grids of their scope?
    pub claim_outside_scope: bool,
    pub value_tiers: ValueTierRule,
    pub workload_norms: Vec<WorkloadNorm>,
}

impl ClaimRules {
    pub fn type_rule(&self, cell_type: CellTypeCode) -> Option<&TypeRule> {
        self.types.iter().find(|t| t.cell_type == cell_type)
    }

    pub fn norm(&self, tier: ValueTier) -> Option<&WorkloadNorm> {
        self.workload_norms.iter().find(|n| n.tier == tier)
    }

    /// True when checking a claim needs customer counts.
    pub fn limits_customers(&self) -> bool {
        self.max_customers_per_manager.is_some()
            || (self.enforce_customer_norms
                && self
                    .workload_norms
                    .iter()
                    .any(|n| n.max_customers.is_some()))
    }
}

/// Spend thresholds of the value tiers, computed from the customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueThresholds {
    /// Lowest spend in the high-value top share; `None` without spend data.
    pub high_spend_min_yuan: Option<f64>,
    /// Lowest spend in the medium-value top share.
    pub medium_spend_min_yuan: Option<f64>,
    pub medium_size_min_staff: i64,
    /// Customers that have a spend (the ranked population).
    pub customers_ranked: i64,
}

/// Customers per value tier, plus other operators' customers (not tiered).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierCounts {
    pub high: i64,
    pub potential: i64,
    pub medium: i64,
    pub low: i64,
    pub other_operator: i64,
}

impl TierCounts {
    pub fn get(&self, tier: ValueTier) -> i64 {
        match tier {
            ValueTier::High => self.high,
            ValueTier::Potential => self.potential,
            ValueTier::Medium => self.medium,
            ValueTier::Low => self.low,
        }
    }

    /// All customers, other operators' included.
    pub fn total(&self) -> i64 {
        self.high + self.potential + self.medium + self.low + self.other_operator
    }

    pub(crate) fn add(&mut self, other: &TierCounts) {
        self.high += other.high;
        self.potential += other.potential;
        self.medium += other.medium;
        self.low += other.low;
        self.other_operator += other.other_operator;
    }
}

/// A user as claims show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
    pub kind: Option<ManagerKind>,
}

/// A claim with its cell and people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRecord {
    pub id: i64,
    pub cell: GridCode,
    pub cell_name: String,
    pub cell_type: CellTypeCode,
    /// The level-3 grid the cell lies in.
    pub l3: GridCode,
    pub manager: UserRef,
    pub status: ClaimStatus,
    pub requested_by: String,
    pub requested_at_ms: i64,
    /// Who approved or rejected; `None` with a `decided_at_ms` = granted by the rules.
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub ended_by: Option<String>,
    pub ended_at_ms: Option<i64>,
    pub reason: Option<String>,
    /// The cell is locked (now).
    pub locked: bool,
}

/// A cell lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRecord {
    pub locked_by: String,
    pub locked_at_ms: i64,
    pub reason: Option<String>,
}

/// A cell's claim state after a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellClaimState {
    pub cell: GridCode,
    pub action: ClaimAction,
    /// The open claim (pending or active), if any.
    pub claim: Option<ClaimRecord>,
    pub lock: Option<LockRecord>,
    /// Id of the history entry this step wrote.
    pub history_id: i64,
}

/// One entry of a cell's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub cell: GridCode,
    pub claim_id: Option<i64>,
    pub action: ClaimAction,
    pub actor: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The claim's status after the step (none for lock and unlock).
    pub status: Option<ClaimStatus>,
    pub reason: Option<String>,
    pub at_ms: i64,
}

/// Filter of [`Store::claims`]; every field narrows (AND).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimFilter {
    /// Any of these statuses; empty = all.
    pub statuses: Vec<ClaimStatus>,
    pub manager_id: Option<i64>,
    /// Claims of cells in this grid (any level, the cell itself included).
    pub grid: Option<GridCode>,
    pub offset: i64,
    pub limit: i64,
}

/// Why a step was refused. The `Display` text is for people; the serde tag
/// (`reason`) is for programs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    UnknownCell,
    NotACell {
        level: u8,
    },
    DuplicateInBatch,
    Locked {
        by: String,
        lock_reason: Option<String>,
    },
    ClaimedBy {
        owner: String,
        status: ClaimStatus,
    },
    AlreadyYours {
        status: ClaimStatus,
    },
    AlreadyOwner {
        owner: String,
    },
    NotClaimed,
    NotPending {
        status: Option<ClaimStatus>,
    },
    PendingDecision {
        claimant: String,
    },
    NotOwner {
        owner: String,
    },
    NotAManager {
        name: String,
    },
    KindNotAllowed {
        manager: String,
        kind: Option<ManagerKind>,
        cell_type: CellTypeCode,
    },
    OutsideScope {
        manager: String,
        l3: GridCode,
    },
    CellLimit {
        manager: String,
        max: i64,
    },
    CustomerLimit {
        manager: String,
        tier: Option<ValueTier>,
        max: i64,
        would_hold: i64,
    },
    AlreadyLocked {
        by: String,
    },
    NotLocked,
}

impl Refusal {
    /// The serde tag: `claimed_by`, `locked`, ...
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownCell => "unknown_cell",
            Refusal::NotACell { .. } => "not_a_cell",
            Refusal::DuplicateInBatch => "duplicate_in_batch",
            Refusal::Locked { .. } => "locked",
            Refusal::ClaimedBy { .. } => "claimed_by",
            Refusal::AlreadyYours { .. } => "already_yours",
            Refusal::AlreadyOwner { .. } => "already_owner",
            Refusal::NotClaimed => "not_claimed",
            Refusal::NotPending { .. } => "not_pending",
            Refusal::PendingDecision { .. } => "pending_decision",
            Refusal::NotOwner { .. } => "not_owner",
            Refusal::NotAManager { .. } => "not_a_manager",
            Refusal::KindNotAllowed { .. } => "kind_not_allowed",
            Refusal::OutsideScope { .. } => "outside_scope",
            Refusal::CellLimit { .. } => "cell_limit",
            Refusal::CustomerLimit { .. } => "customer_limit",
            Refusal::AlreadyLocked { .. } => "already_locked",
            Refusal::NotLocked => "not_locked",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownCell => f.write_str("no such cell"),
            Refusal::NotACell { level } => {
                write!(f, "is a level-{level} grid; only level-4 cells are claimed")
            }
            Refusal::DuplicateInBatch => f.write_str("is listed more than once in the batch"),
            Refusal::Locked { by, lock_reason } => {
                write!(f, "is locked by {by}")?;
                match lock_reason {
                    Some(why) => write!(f, " ({why})"),
                    None => Ok(()),
                }
            }
            Refusal::ClaimedBy { owner, status } => match status {
                ClaimStatus::Pending => write!(f, "is already claimed by {owner} (pending approval)"),
                _ => write!(f, "is already claimed by {owner}"),
            },
            Refusal::AlreadyYours { status } => write!(f, "is already yours ({status})"),
            Refusal::AlreadyOwner { owner } => write!(f, "already belongs to {owner}"),
            Refusal::NotClaimed => f.write_str("is not claimed by anyone"),
            Refusal::NotPending { status: Some(status) } => {
                write!(f, "has no claim waiting for approval (its claim is {status})")
            }
            Refusal::NotPending { status: None } => {
                f.write_str("has no claim waiting for approval")
            }
            Refusal::PendingDecision { claimant } => write!(
                f,
                "has a claim by {claimant} waiting for approval: approve or reject it first"
            ),
            Refusal::NotOwner { owner } => {
                write!(f, "is claimed by {owner}; only the owner or a supervisor may release it")
            }
            Refusal::NotAManager { name } => {
                write!(f, "cannot go to {name}: not an enabled grid manager")
            }
            Refusal::KindNotAllowed { manager, kind, cell_type } => match kind {
                Some(kind) => write!(
                    f,
                    "is of type {cell_type}, which {kind} managers may not claim (claim rules; {manager})"
                ),
                None => write!(f, "cannot be claimed by {manager}: no manager kind"),
            },
            Refusal::OutsideScope { manager, l3 } => write!(
                f,
                "lies in grid {l3}, outside the scope of {manager} (claim rules forbid claiming outside it)"
            ),
            Refusal::CellLimit { manager, max } => {
                write!(f, "would give {manager} more than {max} cells (claim rules)")
            }
            Refusal::CustomerLimit { manager, tier, max, would_hold } => match tier {
                Some(tier) => write!(
                    f,
                    "would give {manager} {would_hold} {tier}-value customers, above the norm of {max}"
                ),
                None => write!(
                    f,
                    "would give {manager} {would_hold} customers, above the limit of {max}"
                ),
            },
            Refusal::AlreadyLocked { by } => write!(f, "is already locked by {by}"),
            Refusal::NotLocked => f.write_str("is not locked"),
        }
    }
}

/// A refused step: the cell and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRefusal {
    pub cell: String,
    #[serde(flatten)]
    pub refusal: Refusal,
    /// "cell X is already claimed by 张三", for people.
    pub message: String,
}

impl CellRefusal {
    pub fn new(cell: &str, refusal: Refusal) -> Self {
        CellRefusal {
            message: format!("cell {cell} {refusal}"),
            cell: cell.to_owned(),
            refusal,
        }
    }
}

/// One cell of a manager's portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioCell {
    pub code: GridCode,
    pub name: String,
    pub cell_type: CellTypeCode,
    pub l3: GridCode,
    pub status: ClaimStatus,
    pub locked: bool,
    pub customers: TierCounts,
}

/// Where a manager stands against one tier's norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormStatus {
    Below,
    Within,
    Above,
    /// The tier has no norm.
    NoNorm,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadLine {
    pub tier: ValueTier,
    pub customers: i64,
    pub min_customers: Option<i64>,
    pub max_customers: Option<i64>,
    pub status: NormStatus,
}

/// A manager's cells (open claims), customers by value tier, and workload
/// against the norms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    pub manager: UserRecord,
    pub cells: Vec<PortfolioCell>,
    pub customers: TierCounts,
    pub workload: Vec<WorkloadLine>,
    pub max_cells: Option<i64>,
    pub max_customers: Option<i64>,
    /// Some cell or customer limit is exceeded.
    pub overloaded: bool,
    pub thresholds: ValueThresholds,
}

/// A cell without an active owner (coverage report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnclaimedCell {
    pub code: GridCode,
    pub name: String,
    pub cell_type: CellTypeCode,
    pub l3: GridCode,
    /// A claim waits for approval.
    pub pending: bool,
    pub locked: bool,
}

/// A grid, briefly (coverage report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridBrief {
    pub code: GridCode,
    pub name: String,
    pub parent: Option<GridCode>,
}

/// Workload line of [`Portfolio::workload`] for a tier.
pub(crate) fn workload_line(rules: &ClaimRules, tier: ValueTier, customers: i64) -> WorkloadLine {
    let norm = rules.norm(tier);
    let min_customers = norm.and_then(|n| n.min_customers);
    let max_customers = norm.and_then(|n| n.max_customers);
    let status = match (min_customers, max_customers) {
        (None, None) => NormStatus::NoNorm,
        (_, Some(max)) if customers > max => NormStatus::Above,
        (Some(min), _) if customers < min => NormStatus::Below,
        _ => NormStatus::Within,
    };
    WorkloadLine {
        tier,
        customers,
        min_customers,
        max_customers,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip() {
        for s in ClaimStatus::ALL {
            assert_eq!(s.as_str().parse::<ClaimStatus>().unwrap(), s);
        }
        for a in ClaimAction::ALL {
            assert_eq!(a.to_string().parse::<ClaimAction>().unwrap(), a);
        }
        assert_eq!(" HIGH ".parse::<ValueTier>().unwrap(), ValueTier::High);
        assert!("owned".parse::<ClaimStatus>().is_err());
    }

    #[test]
    fn refusal_messages_name_the_people() {
        let r = CellRefusal::new(
            "C1",
            Refusal::ClaimedBy {
                owner: "张三".into(),
                status: ClaimStatus::Active,
            },
        );
        assert_eq!(r.message, "cell C1 is already claimed by 张三");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["reason"], "claimed_by");
        assert_eq!(json["owner"], "张三");
        assert_eq!(json["cell"], "C1");
        assert_eq!(r.refusal.code(), "claimed_by");
    }

    #[test]
    fn workload_status_against_norms() {
        let rules = ClaimRules {
            types: Vec::new(),
            max_cells_per_manager: None,
            max_customers_per_manager: None,
            enforce_customer_norms: true,
            claim_outside_scope: false,
            value_tiers: ValueTierRule {
                high_spend_top_pct: 5.0,
                medium_spend_top_pct: 20.0,
                medium_size_min_staff: 50,
            },
            workload_norms: vec![WorkloadNorm {
                tier: ValueTier::High,
                min_customers: Some(30),
                max_customers: Some(40),
            }],
        };
        let status = |n| workload_line(&rules, ValueTier::High, n).status;
        assert_eq!(status(29), NormStatus::Below);
        assert_eq!(status(30), NormStatus::Within);
        assert_eq!(status(40), NormStatus::Within);
        assert_eq!(status(41), NormStatus::Above);
        assert_eq!(
            workload_line(&rules, ValueTier::Low, 999).status,
            NormStatus::NoNorm
        );
        assert!(rules.limits_customers());
    }
}
