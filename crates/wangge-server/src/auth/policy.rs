//! WHO MAY DO WHAT: the one place that decides by role and scope.
//!
//! | action | anonymous | viewer, clerk, ops | grid manager | supervisor | admin |
//! |---|---|---|---|---|---|
//! | view the map (grids, cells, stats, rates, locate, outlets, cell types) | yes¹ | yes | yes | yes | yes |
//! | read ownership (claims, history, rules, `/me`) | - | yes | yes | yes | yes |
//! | read a cell's customers and resources | - | yes | in scope or own cells⁴ | in scope | yes |
//! | read unplaced entities (no cell, so no scope) | - | yes | - | - | yes |
//! | read a manager's portfolio | - | yes | their own | managers in scope⁵ | yes |
//! | claim | - | - | yes² | - | - |
//! | release | - | - | own claims³ | in scope | yes |
//! | approve, reject, transfer, lock, unlock | - | - | - | in scope | yes |
//! | edit claim rules, manage users | - | - | - | - | yes |
//! | bulk geocoding jobs (submit, follow, cancel, download) | - | ops: all jobs; clerk: their own⁶; viewer: - | - | - | all jobs |
//!
//! 1. Unless the server is configured private (`public_map = false`): the
//!    map page shows the grid before anyone logs in.
//! 2. Where a manager may claim (kind of cell, scope, limits) is decided by
//!    the claim rules, which are data an administrator edits (the store
//!    checks them in the claim's transaction).
//! 3. Whether the claim is the manager's own is checked by the store, in
//!    the transaction, against the claim as it is then.
//! 4. Outside their level-3 grids a manager reads only the cells they hold
//!    (pending or active claim), checked against the store per request.
//! 5. A manager is in a supervisor's scope when one of the manager's scope
//!    grids is (below) one of the supervisor's.
//! 6. A job belongs to the user who submitted it; the job handlers answer
//!    someone else's job like an unknown one (404). The jobs hold customer
//!    addresses, so viewers and the scoped roles get none.
//!
//! Why the map reads are public by default: they are the grid's geometry,
//! names and counts (no customer, no person), and the map page must draw
//! the grid before anyone logs in. Customer and resource rows, portfolios
//! and the unplaced lists carry customer data and need a role with scope.
//! A server that must not show even the grid sets `public_map = false`.
//!
//! "In scope": one of the user's scope grids is the target grid or one of
//! its ancestors (a supervisor scoped to a level-1 or level-2 grid acts on
//! every cell below it).

use wangge_model::{GridCode, Role};

use super::CurrentUser;

/// Everything a request can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ViewMap,
    /// Ownership data: claims, history, claim rules.
    ReadData,
    /// Customers and resources of one cell.
    ReadCellData,
    /// Entities in no cell (company-wide roles only).
    ReadUnplaced,
    /// A manager's portfolio (the target is the manager's scope grids).
    ReadPortfolio,
    Claim,
    Release,
    Approve,
    Reject,
    Transfer,
    Lock,
    Unlock,
    EditRules,
    ManageUsers,
    /// Change the grid: a cell's type, import, cut, merge.
    EditGrid,
    /// Apply the coverage report's fix proposals.
    FixCoverage,
    /// Submit, follow, cancel and download bulk geocoding jobs.
    BulkGeocode,
}

impl Action {
    pub const ALL: [Action; 17] = [
        Action::ViewMap,
        Action::ReadData,
        Action::ReadCellData,
        Action::ReadUnplaced,
        Action::ReadPortfolio,
        Action::Claim,
        Action::Release,
        Action::Approve,
        Action::Reject,
        Action::Transfer,
        Action::Lock,
        Action::Unlock,
        Action::EditRules,
        Action::ManageUsers,
        Action::EditGrid,
        Action::FixCoverage,
        Action::BulkGeocode,
    ];

    /// Actions on one grid or cell (decided with its chain of codes).
    pub fn is_scoped(self) -> bool {
        self == Action::ReadCellData || self.is_claim_step()
    }

    /// Claim workflow steps: their handlers decide with the cell's chain.
    pub fn is_claim_step(self) -> bool {
        matches!(
            self,
            Action::Claim
                | Action::Release
                | Action::Approve
                | Action::Reject
                | Action::Transfer
                | Action::Lock
                | Action::Unlock
        )
    }
}

/// What an action is aimed at.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Nothing in particular (lists, settings).
    Global,
    /// A grid or cell: its code and the codes of its ancestors.
    Grid(&'a [GridCode]),
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Allowed on the user's own claims only (a manager releasing).
    AllowOwn,
    /// Refused, with the reason for the client.
    Deny(&'static str),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        !matches!(self, Decision::Deny(_))
    }
}

/// The access policy of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Map reads without login.
    pub public_map: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { public_map: true }
    }
}

impl Policy {
    /// May `user` (`None`: not logged in) do `action` on `target`?
    ///
    /// ```
    /// use wangge_model::{GridCode, Role};
    /// use wangge_server::auth::{Action, CurrentUser, Decision, Policy, Target};
    /// let chain: Vec<GridCode> = ["SY-01-02-003-0004", "SY-01-02-003", "SY-01-02", "SY-01"]
    ///     .iter().map(|c| c.parse().unwrap()).collect();
    /// let supervisor = CurrentUser::for_policy(Role::Supervisor, &["SY-01"]);
    /// let policy = Policy::default();
    /// assert_eq!(policy.can(Some(&supervisor), Action::Approve, Target::Grid(&chain)), Decision::Allow);
    /// let elsewhere = CurrentUser::for_policy(Role::Supervisor, &["SY-02"]);
    /// assert!(!policy.can(Some(&elsewhere), Action::Approve, Target::Grid(&chain)).is_allowed());
    /// assert_eq!(policy.can(None, Action::ViewMap, Target::Global), Decision::Allow);
    /// ```
    pub fn can(&self, user: Option<&CurrentUser>, action: Action, target: Target<'_>) -> Decision {
        let Some(user) = user else {
            return if action == Action::ViewMap && self.public_map {
                Decision::Allow
            } else {
                Decision::Deny("log in first")
            };
        };
        let in_scope = match target {
            Target::Global => false,
            Target::Grid(chain) => chain.iter().any(|code| user.scopes.contains(code)),
        };
        // Company-wide roles: no scope, they see all data (and write none).
        let company_wide = matches!(
            user.role,
            Role::Admin | Role::Ops | Role::Clerk | Role::Viewer
        );
        // One arm per rule, in order: merging arms would hide the table.
        #[allow(clippy::match_same_arms)]
        match (action, user.role) {
            (Action::ViewMap | Action::ReadData, _) => Decision::Allow,
            (Action::ReadCellData | Action::ReadUnplaced | Action::ReadPortfolio, _)
                if company_wide =>
            {
                Decision::Allow
            }
            (Action::ReadUnplaced, _) => Decision::Deny(
                "unplaced entities are in no grid: operations, clerks and viewers list them",
            ),
            // A manager's portfolio is theirs alone, whoever shares the grid.
            (Action::ReadPortfolio, Role::GridManager) => Decision::AllowOwn,
            (Action::ReadCellData | Action::ReadPortfolio, _) if in_scope => Decision::Allow,
            (Action::ReadCellData, Role::GridManager) => Decision::AllowOwn,
            (Action::ReadCellData, _) => Decision::Deny("the cell is outside your scope"),
            (Action::ReadPortfolio, _) => Decision::Deny("the manager is outside your scope"),
            (Action::Claim, Role::GridManager) => Decision::Allow,
            (Action::Claim, _) => Decision::Deny("only grid managers claim cells"),
            (Action::Release, Role::GridManager) => Decision::AllowOwn,
            (Action::EditRules | Action::ManageUsers, Role::Admin) => Decision::Allow,
            (Action::EditRules | Action::ManageUsers, _) => {
                Decision::Deny("only administrators change rules and users")
            }
            (Action::EditGrid, Role::Admin) => Decision::Allow,
            (Action::EditGrid, _) => Decision::Deny("only administrators edit the grid"),
            (Action::FixCoverage, Role::Admin | Role::Ops) => Decision::Allow,
            (Action::FixCoverage, _) => {
                Decision::Deny("only operations staff and administrators apply coverage fixes")
            }
            // Jobs are their creator's; operations and admins see all.
            (Action::BulkGeocode, Role::Admin | Role::Ops) => Decision::Allow,
            (Action::BulkGeocode, Role::Clerk) => Decision::AllowOwn,
            (Action::BulkGeocode, _) => {
                Decision::Deny("bulk geocoding is for clerks, operations and admins")
            }
            (_, Role::Admin) => Decision::Allow,
            (_, Role::Supervisor) if in_scope => Decision::Allow,
            (_, Role::Supervisor) => Decision::Deny("the cell is outside your scope"),
            _ => Decision::Deny("only supervisors (in their scope) and administrators do this"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<GridCode> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    /// The whole matrix: every role (and anonymous) against every action,
    /// on a cell in the user's scope and on one outside it.
    #[test]
    fn the_matrix() {
        use Decision::{Allow as A, AllowOwn as O};
        const D: Decision = Decision::Deny("");
        let inside = codes(&["D1-B1-O1-C1", "D1-B1-O1", "D1-B1", "D1"]);
        let outside = codes(&["D2-B1-O1-C1", "D2-B1-O1", "D2-B1", "D2"]);
        let scopes: &[(Option<Role>, &[&str])] = &[
            (None, &[]),
            (Some(Role::Viewer), &[]),
            (Some(Role::Clerk), &[]),
            (Some(Role::Ops), &[]),
            (Some(Role::GridManager), &["D1-B1-O1"]),
            (Some(Role::Supervisor), &["D1"]),
            (Some(Role::Admin), &[]),
        ];
        // Columns: ViewMap, ReadData, ReadCellData, ReadUnplaced,
        // ReadPortfolio, Claim, Release, Approve, Reject, Transfer, Lock,
        // Unlock, EditRules, ManageUsers, EditGrid, FixCoverage, BulkGeocode.
        let expected_in: [[Decision; 17]; 7] = [
            [A, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D],
            [A, A, A, A, A, D, D, D, D, D, D, D, D, D, D, D, D],
            [A, A, A, A, A, D, D, D, D, D, D, D, D, D, D, D, O],
            [A, A, A, A, A, D, D, D, D, D, D, D, D, D, D, A, A],
            [A, A, A, D, O, A, O, D, D, D, D, D, D, D, D, D, D],
            [A, A, A, D, A, D, A, A, A, A, A, A, D, D, D, D, D],
            [A, A, A, A, A, D, A, A, A, A, A, A, A, A, A, A, A],
        ];
        // Outside the scope the supervisor loses the scoped actions and
        // the manager reads only their own cells and portfolio.
        let mut expected_out = expected_in;
        expected_out[4] = [A, A, O, D, O, A, O, D, D, D, D, D, D, D, D, D, D];
        expected_out[5] = [A, A, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D];
        let policy = Policy::default();
        for (row, (role, scope)) in scopes.iter().enumerate() {
            let user = role.map(|r| CurrentUser::for_policy(r, scope));
            for (col, action) in Action::ALL.into_iter().enumerate() {
                for (chain, expected) in [(&inside, &expected_in), (&outside, &expected_out)] {
                    let target = if action.is_scoped() || action == Action::ReadPortfolio {
                        Target::Grid(chain)
                    } else {
                        Target::Global
                    };
                    let got = policy.can(user.as_ref(), action, target);
                    let want = expected[row][col];
                    let same = match (got, want) {
                        (Decision::Deny(_), Decision::Deny(_)) => true,
                        _ => got == want,
                    };
                    assert!(
                        same,
                        "{role:?} {action:?} on {}: got {got:?}, want {want:?}",
                        chain[0]
                    );
                }
            }
        }
    }

    #[test]
    fn a_private_map_needs_a_login() {
        let private = Policy { public_map: false };
        assert!(!private
            .can(None, Action::ViewMap, Target::Global)
            .is_allowed());
        let viewer = CurrentUser::for_policy(Role::Viewer, &[]);
        assert!(private
            .can(Some(&viewer), Action::ViewMap, Target::Global)
            .is_allowed());
    }

    #[test]
    fn a_supervisor_of_a_branch_acts_below_it_only() {
        let sup = CurrentUser::for_policy(Role::Supervisor, &["D1-B2"]);
        let policy = Policy::default();
        let in_b2 = codes(&["D1-B2-O1-C1", "D1-B2-O1", "D1-B2", "D1"]);
        let in_b1 = codes(&["D1-B1-O1-C1", "D1-B1-O1", "D1-B1", "D1"]);
        assert_eq!(
            policy.can(Some(&sup), Action::Lock, Target::Grid(&in_b2)),
            Decision::Allow
        );
        assert!(!policy
            .can(Some(&sup), Action::Lock, Target::Grid(&in_b1))
            .is_allowed());
        assert!(!policy
            .can(Some(&sup), Action::Lock, Target::Global)
            .is_allowed());
    }
}
