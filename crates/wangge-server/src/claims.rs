//! Claim routes: one step on one cell, a batch (a lasso on the map), the
//! claim list, a cell's history, the claim rules and a manager's portfolio.
//!
//! Handlers are thin: the policy ([`crate::auth::Policy`]) decides by role
//! and scope, the store decides by state and claim rules in one transaction
//! and says why it refuses; refusals become 403/404/409/422 with
//! `{error, message, reason, cell, ...}`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use wangge_model::GridCode;
use wangge_store::Revisions;
use wangge_store::{
    CellRefusal, CellStep, ClaimAction, ClaimFilter, ClaimRules, ClaimStatus, Refusal, StepContext,
    StoreError, UserRecord, ValueThresholds,
};

use crate::auth::{Action, AuthError, CurrentUser, Decision, Target};
use crate::fresh::{Part, Slot};
use crate::params::{self, Params};
use crate::{ApiError, AppState};

/// Cells one batch may hold.
pub const MAX_BATCH_CELLS: usize = 5_000;
const MAX_LIST: i64 = 10_000;
/// The value-tier thresholds (a scan of the customers) under the claim
/// rules in force, kept under the claim rules and customers revisions.
#[derive(Debug)]
pub(crate) struct Thresholds {
    /// The rules limit customers, so every claim checks them.
    limits_customers: bool,
    thresholds: ValueThresholds,
}

impl Part for Thresholds {
    fn key(r: &Revisions) -> [i64; 3] {
        [r.claim_rules, r.customers, 0]
    }

    fn slot(state: &AppState) -> &Slot<Self> {
        &state.inner.thresholds
    }

    async fn build(state: &AppState) -> Result<Self, String> {
        let rules = state
            .store()
            .claim_rules()
            .await
            .map_err(|e| e.to_string())?;
        let thresholds = state
            .store()
            .value_thresholds(&rules.value_tiers)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Thresholds {
            limits_customers: rules.limits_customers(),
            thresholds,
        })
    }
}

/// Thresholds for claim checks: `None` when the rules limit no customers
/// (the store then needs none) unless `always`.
async fn thresholds(state: &AppState, always: bool) -> Result<Option<ValueThresholds>, StoreError> {
    let part = state
        .part::<Thresholds>()
        .await
        .map_err(|reason| StoreError::Corrupt {
            what: "value-tier thresholds".into(),
            reason,
        })?;
    Ok((always || part.limits_customers).then(|| part.thresholds.clone()))
}

/// A manager named in a request: by id or by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum ManagerRef {
    Id(i64),
    Name(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepBody {
    reason: Option<String>,
    /// Transfer target.
    to: Option<ManagerRef>,
}

fn unprocessable(message: impl Into<String>) -> AuthError {
    ApiError::unprocessable(message)
}

/// Store errors with the caller's data as 422, the rest as usual.
fn store_error(e: StoreError) -> AuthError {
    // Invalid fields and unknown references are the caller's (422), names
    // with their fine code: the one mapping of `ApiError`.
    e.into()
}

fn parse_json<T: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> Result<T, AuthError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| unprocessable(format!("request body: {e}")))
}

/// The policy's action for a workflow step.
fn policy_action(action: ClaimAction) -> Action {
    match action {
        ClaimAction::Claim => Action::Claim,
        ClaimAction::Approve => Action::Approve,
        ClaimAction::Reject => Action::Reject,
        ClaimAction::Release => Action::Release,
        ClaimAction::Transfer => Action::Transfer,
        ClaimAction::Lock => Action::Lock,
        ClaimAction::Unlock => Action::Unlock,
    }
}

async fn find_manager(state: &AppState, who: &ManagerRef) -> Result<UserRecord, AuthError> {
    let found = match who {
        ManagerRef::Id(id) => state.store().user_by_id(*id).await,
        ManagerRef::Name(name) => state.store().user_by_name(name).await,
    }
    .map_err(store_error)?;
    found.ok_or_else(|| {
        let who = match who {
            ManagerRef::Id(id) => format!("id {id}"),
            ManagerRef::Name(name) => name.clone(),
        };
        unprocessable(format!("no user {who:?} to transfer to"))
            .code("unknown_transfer_target")
            .with("to", who)
    })
}

/// The store step for an action allowed by `decision`.
fn cell_step(action: ClaimAction, decision: Decision, to: Option<i64>) -> Option<CellStep> {
    Some(match action {
        ClaimAction::Claim => CellStep::Claim,
        ClaimAction::Approve => CellStep::Approve,
        ClaimAction::Reject => CellStep::Reject,
        ClaimAction::Release => CellStep::Release {
            owner_only: decision == Decision::AllowOwn,
        },
        ClaimAction::Transfer => CellStep::Transfer { to_manager_id: to? },
        ClaimAction::Lock => CellStep::Lock,
        ClaimAction::Unlock => CellStep::Unlock,
    })
}

/// HTTP status of a refusal.
fn refusal_status(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::UnknownCell => StatusCode::NOT_FOUND,
        Refusal::NotACell { .. } | Refusal::DuplicateInBatch | Refusal::NotAManager { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Refusal::NotOwner { .. }
        | Refusal::KindNotAllowed { .. }
        | Refusal::OutsideScope { .. } => StatusCode::FORBIDDEN,
        Refusal::Locked { .. }
        | Refusal::ClaimedBy { .. }
        | Refusal::AlreadyYours { .. }
        | Refusal::AlreadyOwner { .. }
        | Refusal::NotClaimed
        | Refusal::NotPending { .. }
        | Refusal::PendingDecision { .. }
        | Refusal::CellLimit { .. }
        | Refusal::CustomerLimit { .. }
        | Refusal::AlreadyLocked { .. }
        | Refusal::NotLocked => StatusCode::CONFLICT,
    }
}

fn error_word(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        _ => "conflict",
    }
}

/// One refusal of a batch or a single step, as JSON.
fn refusal_json(refusal: &CellRefusal) -> Value {
    serde_json::to_value(refusal).unwrap_or_else(|_| json!({"cell": refusal.cell}))
}

/// A refusal that the policy (not the store) made.
fn policy_refusal(cell: &str, why: &str) -> (StatusCode, Value) {
    (
        StatusCode::FORBIDDEN,
        json!({"cell": cell, "reason": "forbidden", "message": format!("cell {cell}: {why}")}),
    )
}

fn unknown_cell(cell: &str) -> (StatusCode, Value) {
    let refusal = CellRefusal::new(cell, Refusal::UnknownCell);
    (StatusCode::NOT_FOUND, refusal_json(&refusal))
}

/// `POST /api/v1/cells/{code}/{claim|approve|reject|release|transfer|lock|unlock}`
/// with an optional body `{"reason": "...", "to": "name" | id}`.
async fn one_step(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    action: ClaimAction,
    body: &Bytes,
) -> Result<Response, AuthError> {
    let body: StepBody = parse_json(body)?;
    let chains = state
        .store()
        .grid_chains(&[code.to_owned()])
        .await
        .map_err(store_error)?;
    let Some(chain) = chains.get(code) else {
        let (status, body) = unknown_cell(code);
        return Ok(refused(status, body));
    };
    let policy = state.auth().config.policy;
    let decision = policy.can(Some(user), policy_action(action), Target::Grid(chain));
    if let Decision::Deny(why) = decision {
        let (status, body) = policy_refusal(code, why);
        return Ok(refused(status, body));
    }
    let to = match (&body.to, action) {
        (Some(who), ClaimAction::Transfer) => Some(find_manager(state, who).await?.id),
        (None, ClaimAction::Transfer) => {
            return Err(unprocessable(
                "a transfer needs \"to\": the manager's name or id",
            ))
        }
        (Some(_), _) => return Err(unprocessable("\"to\" is only for a transfer")),
        (None, _) => None,
    };
    let Some(step) = cell_step(action, decision, to) else {
        return Err(unprocessable("a transfer needs \"to\""));
    };
    let cached = if matches!(action, ClaimAction::Claim | ClaimAction::Transfer) {
        thresholds(state, false).await.map_err(store_error)?
    } else {
        None
    };
    let ctx = StepContext {
        actor_id: user.id,
        reason: body.reason.as_deref(),
        now_ms: state.auth().now_ms(),
        thresholds: cached.as_ref(),
        dry_run: false,
    };
    let outcome = state
        .store()
        .apply_cell_steps(&[(code.to_owned(), step)], &ctx)
        .await
        .map_err(store_error)?;
    match outcome {
        Ok(mut states) => {
            let state = states.remove(0);
            tracing::info!(user = %user.name, cell = %code, action = %action, "claim step");
            Ok(Json(state).into_response())
        }
        Err(refusals) => {
            let refusal = &refusals[0];
            Ok(refused(
                refusal_status(&refusal.refusal),
                refusal_json(refusal),
            ))
        }
    }
}

/// A refusal response: the refusal's JSON with `error` added.
fn refused(status: StatusCode, mut body: Value) -> Response {
    if let Some(object) = body.as_object_mut() {
        object.insert("error".into(), json!(error_word(status)));
        let code = object.get("reason").cloned().unwrap_or(json!("forbidden"));
        object.insert("code".into(), code);
    }
    crate::api_error::localizable(status, body)
}

macro_rules! step_handlers {
    ($($name:ident => $action:expr),* $(,)?) => {$(
        #[doc = concat!("`POST /api/v1/cells/{code}/", stringify!($name), "`")]
        pub async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            Path(code): Path<String>,
            body: Bytes,
        ) -> Result<Response, AuthError> {
            one_step(&state, &user, &code, $action, &body).await
        }
    )*};
}

step_handlers!(
    claim => ClaimAction::Claim,
    approve => ClaimAction::Approve,
    reject => ClaimAction::Reject,
    release => ClaimAction::Release,
    transfer => ClaimAction::Transfer,
    lock => ClaimAction::Lock,
    unlock => ClaimAction::Unlock,
);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    cells: Vec<String>,
    action: String,
    reason: Option<String>,
    to: Option<ManagerRef>,
    /// Check only, change nothing.
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/claims/batch {"cells": [...], "action": "claim", "reason"?,
/// "to"?, "dry_run"?}`: one transaction, all or nothing; a refusal lists
/// every refused cell with its reason.
pub async fn batch(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Response, AuthError> {
    let body: BatchBody = parse_json(&body)?;
    Ok(match run_batch(&state, &user, &body).await? {
        BatchOutcome::Done(answer) => Json(answer).into_response(),
        BatchOutcome::Refused { status, answer } => crate::api_error::localizable(status, answer),
    })
}

/// What a batch came to: applied (or, dry run, would be), or refused
/// with every refused cell.
enum BatchOutcome {
    Done(Value),
    Refused { status: StatusCode, answer: Value },
}

async fn run_batch(
    state: &AppState,
    user: &CurrentUser,
    body: &BatchBody,
) -> Result<BatchOutcome, AuthError> {
    let action: ClaimAction = body
        .action
        .parse()
        .map_err(|e: StoreError| unprocessable(e.to_string()))?;
    if body.cells.is_empty() {
        return Err(unprocessable("\"cells\" is empty"));
    }
    if body.cells.len() > MAX_BATCH_CELLS {
        return Err(unprocessable(format!(
            "{} cells: a batch holds at most {MAX_BATCH_CELLS}",
            body.cells.len()
        )));
    }
    let to = match (&body.to, action) {
        (Some(who), ClaimAction::Transfer) => Some(find_manager(state, who).await?.id),
        (None, ClaimAction::Transfer) => {
            return Err(unprocessable(
                "a transfer needs \"to\": the manager's name or id",
            ))
        }
        (Some(_), _) => return Err(unprocessable("\"to\" is only for a transfer")),
        (None, _) => None,
    };
    let chains = state
        .store()
        .grid_chains(&body.cells)
        .await
        .map_err(store_error)?;
    let policy = state.auth().config.policy;
    // (request index, status, refusal) of the cells refused before the store.
    let mut refusals: Vec<(usize, StatusCode, Value)> = Vec::new();
    let mut steps = Vec::with_capacity(body.cells.len());
    let mut step_index = Vec::with_capacity(body.cells.len());
    for (index, cell) in body.cells.iter().enumerate() {
        let Some(chain) = chains.get(cell) else {
            let (status, value) = unknown_cell(cell);
            refusals.push((index, status, value));
            continue;
        };
        match policy.can(Some(user), policy_action(action), Target::Grid(chain)) {
            Decision::Deny(why) => {
                let (status, value) = policy_refusal(cell, why);
                refusals.push((index, status, value));
            }
            decision => {
                if let Some(step) = cell_step(action, decision, to) {
                    steps.push((cell.clone(), step));
                    step_index.push(index);
                }
            }
        }
    }
    let cached = if matches!(action, ClaimAction::Claim | ClaimAction::Transfer) {
        thresholds(state, false).await.map_err(store_error)?
    } else {
        None
    };
    let ctx = StepContext {
        actor_id: user.id,
        reason: body.reason.as_deref(),
        now_ms: state.auth().now_ms(),
        thresholds: cached.as_ref(),
        // Refused cells already: the rest is only checked, for the reasons.
        dry_run: body.dry_run || !refusals.is_empty(),
    };
    let outcome = if steps.is_empty() {
        Ok(Vec::new())
    } else {
        state
            .store()
            .apply_cell_steps(&steps, &ctx)
            .await
            .map_err(store_error)?
    };
    let states = match outcome {
        Ok(states) => states,
        Err(store_refusals) => {
            for refusal in &store_refusals {
                let index = steps
                    .iter()
                    .position(|(cell, _)| *cell == refusal.cell)
                    .map_or(usize::MAX, |i| step_index[i]);
                refusals.push((
                    index,
                    refusal_status(&refusal.refusal),
                    refusal_json(refusal),
                ));
            }
            Vec::new()
        }
    };
    if refusals.is_empty() {
        if !body.dry_run {
            tracing::info!(user = %user.name, action = %action, cells = states.len(), "claim batch");
        }
        return Ok(BatchOutcome::Done(json!({
            "action": action,
            "dry_run": body.dry_run,
            "applied": if body.dry_run { 0 } else { states.len() },
            "cells": states,
        })));
    }
    refusals.sort_by_key(|(index, _, _)| *index);
    let first = refusals[0].1;
    let status = if refusals.iter().all(|(_, s, _)| *s == first) {
        first
    } else {
        StatusCode::CONFLICT
    };
    let message = format!(
        "{} of {} cells refused; nothing was changed",
        refusals.len(),
        body.cells.len()
    );
    let list: Vec<Value> = refusals.into_iter().map(|(_, _, v)| v).collect();
    Ok(BatchOutcome::Refused {
        status,
        answer: json!({
            "error": error_word(status),
            "code": "cells_refused",
            "params": {"refused": list.len(), "cells": body.cells.len()},
            "message": message,
            "action": action,
            "refusals": list,
        }),
    })
}

/// `GET /api/v1/cells/{code}/claimable`: whether the signed-in user may
/// claim the cell now and, if not, why: the claim's own dry run (policy,
/// rules, norms, locks), answered 200 either way so a page may ask for
/// every cell it shows. The message is in the client's language.
pub async fn claimable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Value>, AuthError> {
    let check = BatchBody {
        cells: vec![code.clone()],
        action: "claim".to_owned(),
        dry_run: true,
        ..BatchBody::default()
    };
    let BatchOutcome::Refused { mut answer, .. } = run_batch(&state, &user, &check).await? else {
        return Ok(Json(json!({"cell": code, "claimable": true})));
    };
    if crate::api_error::Lang::of(&headers) == crate::api_error::Lang::Zh {
        crate::messages::to_chinese(&mut answer);
    }
    let refusal = answer["refusals"][0].take();
    Ok(Json(json!({
        "cell": code,
        "claimable": false,
        "code": refusal.get("code").or(refusal.get("reason")).cloned().unwrap_or(json!("forbidden")),
        "message": refusal["message"],
        "refusal": refusal,
    })))
}

/// `GET /api/v1/claims?status=pending,active&manager=NAME|ID&grid=CODE&offset=&limit=`
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, AuthError> {
    let mut statuses = Vec::new();
    if let Some(text) = q.get("status").filter(|s| !s.trim().is_empty()) {
        for part in text.split(',') {
            let status: ClaimStatus = part.parse().map_err(|e: StoreError| {
                ApiError::bad_request(format!("parameter status={text:?}: {e}"))
            })?;
            statuses.push(status);
        }
    }
    let manager_id = match q.get("manager").map(|m| m.trim()).filter(|m| !m.is_empty()) {
        None => None,
        Some(text) => {
            let who = text
                .parse::<i64>()
                .map_or_else(|_| ManagerRef::Name(text.to_owned()), ManagerRef::Id);
            let found = match &who {
                ManagerRef::Id(id) => state.store().user_by_id(*id).await,
                ManagerRef::Name(name) => state.store().user_by_name(name).await,
            }
            .map_err(store_error)?;
            Some(
                found
                    .ok_or_else(|| ApiError::not_found(format!("no user {text:?}")))?
                    .id,
            )
        }
    };
    let grid = params::optional::<GridCode>(&q, "grid")?;
    let offset = params::optional::<i64>(&q, "offset")?.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request(
            "parameter offset must not be negative",
        ));
    }
    let limit = params::limit(&q, MAX_LIST)?.unwrap_or(100);
    let filter = ClaimFilter {
        statuses,
        manager_id,
        grid,
        offset,
        limit,
    };
    let claims = state.store().claims(&filter).await.map_err(store_error)?;
    Ok(Json(json!({
        "offset": offset,
        "limit": limit,
        "count": claims.len(),
        "claims": claims,
    })))
}

/// `GET /api/v1/cells/{code}/history`
pub async fn history(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AuthError> {
    let code: GridCode = code
        .parse()
        .map_err(|e| ApiError::bad_request(format!("{e}")))?;
    let history = state
        .store()
        .cell_history(&code)
        .await
        .map_err(store_error)?;
    Ok(Json(json!({ "cell": code, "history": history })))
}

/// `GET /api/v1/claim-rules`
pub async fn rules(State(state): State<AppState>) -> Result<Json<ClaimRules>, AuthError> {
    Ok(Json(
        state.store().claim_rules().await.map_err(store_error)?,
    ))
}

/// `PUT /api/v1/claim-rules` (administrators): replaces the rules.
pub async fn set_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Json<ClaimRules>, AuthError> {
    let rules: ClaimRules =
        serde_json::from_slice(&body).map_err(|e| unprocessable(format!("request body: {e}")))?;
    let now = state.auth().now_ms();
    let stored = state
        .store()
        .set_claim_rules(&rules, user.id, now)
        .await
        .map_err(store_error)?;
    state.refresh().await.map_err(crate::refresh_error)?;
    tracing::info!(user = %user.name, "claim rules changed");
    Ok(Json(stored))
}

/// May `user` read the portfolio of `manager`? Their own, or (supervisors)
/// one whose scope grids lie in theirs, or any (company-wide roles).
async fn check_portfolio_access(
    state: &AppState,
    user: &CurrentUser,
    manager: &UserRecord,
) -> Result<(), AuthError> {
    if user.id == manager.id {
        return Ok(());
    }
    let policy = state.auth().config.policy;
    let codes: Vec<String> = manager.scopes.iter().map(ToString::to_string).collect();
    let chains = state
        .store()
        .grid_chains(&codes)
        .await
        .map_err(store_error)?;
    let mut why = "the manager is outside your scope";
    let targets = chains
        .values()
        .map(|chain| Target::Grid(chain))
        .chain([Target::Global]);
    for target in targets {
        match policy.can(Some(user), Action::ReadPortfolio, target) {
            Decision::Allow => return Ok(()),
            Decision::AllowOwn => why = "a grid manager sees only their own portfolio",
            Decision::Deny(reason) => why = reason,
        }
    }
    Err(ApiError::forbidden(format!(
        "portfolio of {}: {why}",
        manager.name
    )))
}

/// `GET /api/v1/managers/{id}/portfolio` (id or name)
pub async fn portfolio(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(who): Path<String>,
) -> Result<Json<Value>, AuthError> {
    // `me`: the signed-in user's own (what the page asks after login).
    let manager = if who == "me" {
        ManagerRef::Id(user.id)
    } else {
        who.parse::<i64>()
            .map_or_else(|_| ManagerRef::Name(who.clone()), ManagerRef::Id)
    };
    let found = match &manager {
        ManagerRef::Id(id) => state.store().user_by_id(*id).await,
        ManagerRef::Name(name) => state.store().user_by_name(name).await,
    }
    .map_err(store_error)?
    .ok_or_else(|| ApiError::not_found(format!("no user {who:?}")))?;
    check_portfolio_access(&state, &user, &found).await?;
    let cached = thresholds(&state, true).await.map_err(store_error)?;
    let portfolio = state
        .store()
        .portfolio(found.id, cached.as_ref())
        .await
        .map_err(store_error)?;
    Ok(Json(serde_json::to_value(portfolio).unwrap_or(Value::Null)))
}
