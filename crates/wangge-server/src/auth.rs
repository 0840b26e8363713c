//! Logging in and knowing who asks.
//!
//! * `POST /api/v1/auth/login {name, password}` checks the argon2 hash and
//!   gives a bearer token (32 random bytes as hex). The store keeps only its
//!   SHA-256; the token expires (12 h by default) and `POST
//!   /api/v1/auth/logout` revokes it. Attempts are throttled per user name
//!   and per client address in the database, so every instance counts the
//!   same attempts: each is reserved before its password check and refused
//!   (429, the password unchecked) while locked or over the limit
//!   ([`wangge_store::LoginLimits`]). The client address is the socket peer,
//!   or behind a trusted proxy the `X-Forwarded-For` client
//!   ([`client_address`]). The answer never says whether the name exists.
//! * Sessions are read from the database on every request (nothing caches
//!   them), so a logout, a disabled user or a new password on one instance
//!   or through the CLI holds on every instance at once.
//! * [`authorize`] runs before every routed request: it reads the bearer
//!   token, looks up the route's access rule ([`crate::openapi::ROUTES`]) and
//!   refuses with 401/403 before the handler runs. Handlers of actions on one
//!   cell ask [`Policy::can`] with the cell's chain of grids.
//! * No password, hash or token is ever logged or sent back (except the new
//!   token, once, to the user who logged in).

pub mod client_address;
pub mod policy;
mod token;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use axum::body::Bytes;
use axum::extract::{
    FromRequestParts, MatchedPath, OptionalFromRequestParts, RawPathParams, Request, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, RequestExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wangge_model::{GridCode, ManagerKind, Role};
use wangge_store::{LoginOutcome, LoginReservation, Store, StoreError, UserRecord};

pub use client_address::{parse_trusted_proxy, TrustedProxies};
pub use policy::{Action, Decision, Policy, Target};
pub use token::{looks_like_token, new_token, token_sha256};
pub use wangge_store::LoginLimits;

use crate::openapi::{self, Access};
use crate::{ApiError, AppState};

/// Where the server gets the time from (unix milliseconds). Tests inject a
/// [`ManualClock`] to expire tokens and lockouts without waiting.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told to (shared by its clones).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(now_ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(now_ms)))
    }

    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    pub fn advance(&self, by_ms: i64) {
        self.0.fetch_add(by_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Authentication settings of a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Lifetime of a token.
    pub token_ttl_ms: i64,
    /// Role and scope rules; `public_map` lets the map load before login.
    pub policy: Policy,
    /// The login throttle's limits (kept in the database).
    pub throttle: LoginLimits,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_ttl_ms: 12 * 3_600_000,
            policy: Policy::default(),
            throttle: LoginLimits::default(),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// The authentication part of the shared state.
pub(crate) struct AuthState {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: AuthConfig,
    /// Password checks this instance ran (argon2 verifications).
    password_checks: AtomicU64,
}

impl AuthState {
    pub(crate) fn new(config: AuthConfig, clock: Arc<dyn Clock>) -> Self {
        AuthState {
            clock,
            config,
            password_checks: AtomicU64::new(0),
        }
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

impl AppState {
    /// How many passwords this instance has checked since it started (a
    /// refused attempt checks none): what the throttle saves, for tests and
    /// monitoring.
    pub fn password_checks(&self) -> u64 {
        self.auth().password_checks.load(Ordering::Relaxed)
    }
}

/// The logged-in user of a request. As an extractor it answers 401 when
/// the request carries no live token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub kind: Option<ManagerKind>,
    pub scopes: Vec<GridCode>,
    /// When the token ends (unix ms).
    pub expires_at_ms: i64,
    #[serde(skip)]
    token_sha256: String,
}

impl CurrentUser {
    /// A user for policy checks (tests, examples): no session behind it.
    /// Scope codes that do not parse are left out.
    #[doc(hidden)]
    pub fn for_policy(role: Role, scopes: &[&str]) -> Self {
        CurrentUser {
            id: 0,
            name: role.as_str().to_owned(),
            role,
            kind: None,
            scopes: scopes.iter().filter_map(|s| s.parse().ok()).collect(),
            expires_at_ms: i64::MAX,
            token_sha256: String::new(),
        }
    }
}

/// What [`authorize`] found, for the extractors.
#[derive(Debug, Clone)]
struct Authenticated(Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(user))) => Ok(user.clone()),
            _ => Err(ApiError::unauthorized(
                "login_required",
                "log in first: this needs an Authorization: Bearer token",
            )),
        }
    }
}

/// The signed-in user where a route is open to anyone (`Option<CurrentUser>`).
impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(user))) => Some(user.clone()),
            _ => None,
        })
    }
}

/// Refusals of authentication and authorisation: the server's one error
/// type, under the name the auth code has always used.
pub type AuthError = ApiError;

/// The bearer token of a request, if it sent one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The user of a live token; `None` for a missing, malformed, unknown,
/// expired or revoked token or a disabled user.
async fn authenticate(
    store: &Store,
    auth: &AuthState,
    token: &str,
) -> Result<Option<CurrentUser>, StoreError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    let hash = token_sha256(token);
    let session = store.session(&hash, auth.now_ms()).await?;
    Ok(session.map(|s| CurrentUser {
        id: s.user.id,
        name: s.user.name,
        role: s.user.role,
        kind: s.user.kind,
        scopes: s.user.scopes,
        expires_at_ms: s.expires_at_ms,
        token_sha256: hash,
    }))
}

/// Middleware on every route: authenticates the bearer token and applies
/// the route's access rule before the handler runs.
pub async fn authorize(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    if let Some(answer) = unrouted_method(request.method(), &path) {
        return answer;
    }
    match check_access(&state, &mut request).await {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

/// A method the route table does not list for a path it does list: an
/// `OPTIONS` gets 204 with `Allow`, another method 405 with `Allow`. These
/// come from clients (browsers' preflights, scanners), so they are no
/// fault of the server and log nothing above debug.
fn unrouted_method(method: &axum::http::Method, path: &str) -> Option<Response> {
    if openapi::access(method, path).is_some() {
        return None;
    }
    let mut allowed = openapi::methods(path);
    if allowed.is_empty() {
        return None; // a route nobody gave a rule: check_access refuses it
    }
    if allowed.iter().any(|m| m == "GET") {
        allowed.push("HEAD".into());
    }
    allowed.push("OPTIONS".into());
    let allow = allowed.join(", ");
    tracing::debug!(%method, %path, "method not routed");
    let mut response = if method == axum::http::Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        let body = json!({
            "error": "method_not_allowed",
            "message": format!("{method} is not allowed on {path}; allowed: {allow}"),
        });
        (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
    };
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Some(response)
}

async fn check_access(state: &AppState, request: &mut Request) -> Result<(), AuthError> {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let Some(access) = openapi::access(request.method(), &path) else {
        // Fail closed: a route nobody gave an access rule is refused.
        tracing::error!(method = %request.method(), %path, "route without an access rule in openapi::ROUTES");
        return Err(ApiError::forbidden(format!(
            "{} {path} has no access rule",
            request.method()
        )));
    };
    let auth = &state.auth();
    let user = match bearer(request.headers()) {
        None => None,
        Some(token) => match authenticate(state.store(), auth, token).await? {
            Some(user) => Some(user),
            // A stale token on a map read is ignored: the map still loads.
            None if access == Access::Map || access == Access::Open => None,
            None => {
                return Err(ApiError::unauthorized(
                    "session_expired",
                    "the token is invalid, expired or revoked: log in again",
                ))
            }
        },
    };
    let policy = auth.config.policy;
    match access {
        Access::Map => {
            if let Decision::Deny(why) = policy.can(user.as_ref(), Action::ViewMap, Target::Global)
            {
                return Err(ApiError::unauthorized("map_private", why));
            }
        }
        Access::Signed | Access::Act(_) if user.is_none() => {
            return Err(ApiError::unauthorized(
                "login_required",
                "log in first: this needs an Authorization: Bearer token",
            ));
        }
        Access::Open | Access::Signed => {}
        // Claim steps and portfolios are decided by their handlers (with
        // the cell's chain, with the manager's scopes).
        Access::Act(action) if action.is_claim_step() || action == Action::ReadPortfolio => {}
        Access::Act(Action::ReadCellData) => {
            if let Some(user) = &user {
                check_cell_read(state, user, request).await?;
            }
        }
        Access::Act(action) => {
            if let Decision::Deny(why) = policy.can(user.as_ref(), action, Target::Global) {
                return Err(ApiError::forbidden(why.to_owned()));
            }
        }
    }
    request.extensions_mut().insert(Authenticated(user));
    Ok(())
}

/// Reading what a cell holds: the `{code}` of the path must be in the
/// user's scope, or (grid managers) a cell they hold. An unknown cell is
/// left to the handler's 404.
async fn check_cell_read(
    state: &AppState,
    user: &CurrentUser,
    request: &mut Request,
) -> Result<(), AuthError> {
    let policy = state.auth().config.policy;
    if let Decision::Allow = policy.can(Some(user), Action::ReadCellData, Target::Global) {
        return Ok(()); // company-wide roles
    }
    let code = request
        .extract_parts::<RawPathParams>()
        .await
        .ok()
        .and_then(|params| {
            params
                .iter()
                .find(|(name, _)| *name == "code")
                .map(|(_, value)| value.to_owned())
        })
        .unwrap_or_default();
    let chains = state
        .store()
        .grid_chains(std::slice::from_ref(&code))
        .await?;
    let Some(chain) = chains.get(&code) else {
        return Ok(());
    };
    match policy.can(Some(user), Action::ReadCellData, Target::Grid(chain)) {
        Decision::Allow => Ok(()),
        Decision::AllowOwn
            if state.store().open_claim_manager(&chain[0]).await? == Some(user.id) =>
        {
            Ok(())
        }
        Decision::AllowOwn => Err(ApiError::forbidden(format!(
            "cell {code} is outside your level-3 grids and not yours"
        ))
        .with("cell", code.as_str())),
        Decision::Deny(why) => {
            Err(ApiError::forbidden(format!("cell {code}: {why}")).with("cell", code.as_str()))
        }
    }
}

#[derive(Deserialize)]
struct LoginRequest {
    name: String,
    password: String,
}

/// Verifies against this when the user does not exist, so an unknown name
/// costs the same time as a wrong password (argon2id, default parameters).
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$d2FuZ2dlLWR1bW15LXNhbHQ$W8b7mQ0u3c4mN4h3Jq0c8xVwX5m0c3k3pR9yTq3h1nE";

/// `POST /api/v1/auth/login {name, password}` → `{token, token_type,
/// expires_at_ms, user}`.
pub async fn login(State(state): State<AppState>, request: Request) -> Result<Response, AuthError> {
    let auth = state.auth();
    let address = auth
        .config
        .trusted_proxies
        .client_address(&request)
        .map(|ip| ip.to_string());
    let body = axum::body::to_bytes(request.into_body(), 64 * 1024)
        .await
        .map_err(|_| ApiError::bad_request("the request body is too large or unreadable"))?;
    let LoginRequest { name, password } = parse_login(&body)?;
    let store = state.store();
    let limits = &auth.config.throttle;
    let now = auth.now_ms();
    // Reserved before the check: simultaneous attempts, on any instance,
    // cannot all get to the password.
    let ticket = match store
        .reserve_login_attempt(limits, &name, address.as_deref(), now)
        .await?
    {
        LoginReservation::Granted(ticket) => ticket,
        LoginReservation::Refused { retry_after_ms } => {
            tracing::info!(user = %name, address = ?address, "login refused: throttled");
            return Err(ApiError::too_many_logins(retry_after_ms));
        }
    };
    let checked = check_credentials(&state, &name, password).await;
    let outcome = match &checked {
        Ok(Some(_)) => LoginOutcome::Succeeded,
        Ok(None) => LoginOutcome::Failed,
        Err(_) => LoginOutcome::Abandoned,
    };
    // The outcome is recorded at the time it happened, not at the reservation.
    store
        .finish_login_attempt(limits, &ticket, outcome, auth.now_ms())
        .await?;
    let Some(user) = checked? else {
        tracing::info!(user = %name, address = ?address, "login failed");
        return Err(ApiError::unauthorized(
            "bad_credentials",
            "wrong user name or password",
        ));
    };
    let token = new_token();
    let expires_at_ms = now.saturating_add(auth.config.token_ttl_ms);
    store
        .create_session(user.id, &token_sha256(&token), now, expires_at_ms)
        .await?;
    // Ended sessions older than a week go, and throttle rows nobody needs;
    // the tables stay small.
    store.delete_ended_sessions(now - 7 * 86_400_000).await?;
    store.forget_quiet_login_attempts(limits, now).await?;
    tracing::info!(user = %user.name, role = %user.role, "logged in");
    let body = json!({
        "token": token,
        "token_type": "Bearer",
        "expires_at_ms": expires_at_ms,
        "expires_in_s": auth.config.token_ttl_ms / 1000,
        "user": user,
    });
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// The user when the name exists, is enabled and the password matches;
/// `None` otherwise. An unknown name is checked against [`DUMMY_HASH`] so it
/// costs the same time as a wrong password.
async fn check_credentials(
    state: &AppState,
    name: &str,
    password: String,
) -> Result<Option<UserRecord>, AuthError> {
    let found = state.store().user_credentials(name).await?;
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH.to_owned(), |(_, hash)| hash.clone());
    let user_name = name.to_owned();
    state.auth().password_checks.fetch_add(1, Ordering::Relaxed);
    let verified =
        tokio::task::spawn_blocking(move || verify_password(&user_name, &password, &hash))
            .await
            .map_err(|_| ApiError::bad_request("the password check failed"))?;
    Ok(match found {
        Some((user, _)) if verified && !user.disabled => Some(user),
        _ => None,
    })
}

fn parse_login(body: &Bytes) -> Result<LoginRequest, ApiError> {
    let request: LoginRequest = serde_json::from_slice(body).map_err(|_| {
        // serde's message could quote the password: say only what is expected.
        ApiError::bad_request("expected a JSON body {\"name\": ..., \"password\": ...}")
    })?;
    if request.name.trim().is_empty() || request.password.is_empty() {
        return Err(ApiError::bad_request("name and password must not be empty"));
    }
    Ok(request)
}

/// Checks a password against a stored argon2 PHC string.
fn verify_password(user: &str, password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        // Never log the hash itself.
        tracing::error!(%user, "the stored password hash does not parse");
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// `POST /api/v1/auth/logout`: revokes the token of the request.
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<StatusCode, AuthError> {
    let now = state.auth().now_ms();
    state
        .store()
        .revoke_session(&user.token_sha256, now)
        .await?;
    tracing::info!(user = %user.name, "logged out");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me`: the user of the token, with what they may do.
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> Json<Value> {
    let policy = state.auth().config.policy;
    let mut may = serde_json::Map::new();
    for action in Action::ALL {
        let targeted = action.is_scoped() || action == Action::ReadPortfolio;
        let decision = if targeted {
            // In general: on a cell of the user's own scope.
            policy.can(Some(&user), action, Target::Grid(&user.scopes))
        } else {
            policy.can(Some(&user), action, Target::Global)
        };
        let text = match decision {
            Decision::Allow if targeted && user.role == Role::Supervisor => "in_scope",
            Decision::Allow => "yes",
            Decision::AllowOwn => "own",
            Decision::Deny(_) => "no",
        };
        may.insert(action_name(action).to_owned(), json!(text));
    }
    Json(json!({
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "kind": user.kind,
        "scopes": user.scopes,
        "expires_at_ms": user.expires_at_ms,
        "may": may,
    }))
}

/// snake_case name of an action, as `/me` lists it.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::ViewMap => "view_map",
        Action::ReadData => "read_data",
        Action::ReadCellData => "read_cell_data",
        Action::ReadUnplaced => "read_unplaced",
        Action::ReadPortfolio => "read_portfolio",
        Action::Claim => "claim",
        Action::Release => "release",
        Action::Approve => "approve",
        Action::Reject => "reject",
        Action::Transfer => "transfer",
        Action::Lock => "lock",
        Action::Unlock => "unlock",
        Action::EditRules => "edit_rules",
        Action::ManageUsers => "manage_users",
        Action::EditGrid => "edit_grid",
        Action::FixCoverage => "fix_coverage",
        Action::BulkGeocode => "bulk_geocode",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  xyz "),
        );
        assert_eq!(bearer(&headers), Some("xyz"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn login_errors_never_echo_the_body() {
        let body = Bytes::from_static(br#"{"name": "li", "password": 12345678}"#);
        let err = parse_login(&body).err().unwrap();
        assert!(!err.message.contains("12345678"), "{}", err.message);
        assert!(parse_login(&Bytes::from_static(br#"{"name":"","password":"x"}"#)).is_err());
    }

    #[test]
    fn the_dummy_hash_parses_and_matches_nothing() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("nobody", "password", DUMMY_HASH));
        assert!(!verify_password("nobody", "password", "not a hash"));
    }

    #[test]
    fn the_manual_clock_moves_when_told() {
        let clock = ManualClock::new(5);
        let shared = clock.clone();
        clock.advance(10);
        assert_eq!(shared.now_ms(), 15);
        shared.set(1);
        assert_eq!(clock.now_ms(), 1);
    }
}
