//! Users through the API (administrators only, `manage_users`): list, add,
//! disable, enable, set a password. The administrator always gives the
//! password: no password or hash is ever in a response. Disabling or a new
//! password revokes the user's tokens.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use wangge_model::{GridCode, ManagerKind, Role};
use wangge_store::{NewUser, StoreError};

use crate::auth::{AuthError, CurrentUser};
use crate::{ApiError, AppState};

/// Shortest password accepted (as `wangge user add`).
const MIN_PASSWORD_CHARS: usize = 8;

fn unprocessable(message: impl Into<String>) -> AuthError {
    ApiError::unprocessable(message)
}

fn store_error(e: StoreError) -> AuthError {
    match e {
        StoreError::InvalidField { .. } | StoreError::NotFound { what: "grid", .. } => {
            unprocessable(e.to_string())
        }
        other => other.into(),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes, expected: &str) -> Result<T, AuthError> {
    // serde's message could quote the password: name the shape only.
    serde_json::from_slice(body)
        .map_err(|_| unprocessable(format!("expected a JSON body {expected}")))
}

/// An argon2id hash of a checked password, off the async threads.
async fn hash(password: String) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(unprocessable(format!(
            "password: at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
            .map(|h| h.to_string())
    })
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| ApiError::bad_request("the password could not be hashed"))
}

/// `GET /api/v1/users`
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, AuthError> {
    let users = state.store().users().await?;
    Ok(Json(json!({ "users": users })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    name: String,
    role: Role,
    kind: Option<ManagerKind>,
    #[serde(default)]
    scopes: Vec<GridCode>,
    password: String,
}

/// `POST /api/v1/users {name, role, kind?, scopes?, password}` → 201 with the user.
pub async fn add(
    State(state): State<AppState>,
    admin: CurrentUser,
    body: Bytes,
) -> Result<Response, AuthError> {
    let body: NewUserBody = parse(
        &body,
        "{\"name\", \"role\", \"kind\"?, \"scopes\"?: [grid codes], \"password\"}",
    )?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(unprocessable(
            "name: must not be empty or hold control characters",
        ));
    }
    let user = NewUser {
        name: name.clone(),
        role: body.role,
        kind: body.kind,
        scopes: body.scopes,
        password_hash: hash(body.password).await?,
    };
    let id = state
        .store()
        .insert_user(&user)
        .await
        .map_err(store_error)?;
    tracing::info!(admin = %admin.name, user = %name, role = %user.role, "user added");
    let added = state.store().user_by_id(id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "user": added }))).into_response())
}

/// `POST /api/v1/users/{name}/disable`: no login, tokens revoked.
pub async fn disable(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(name): Path<String>,
) -> Result<Json<Value>, AuthError> {
    if name == admin.name {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            error: "conflict",
            message: "an administrator cannot disable themself".into(),
            ..Default::default()
        });
    }
    set_disabled(&state, &admin, &name, true).await
}

/// `POST /api/v1/users/{name}/enable`
pub async fn enable(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(name): Path<String>,
) -> Result<Json<Value>, AuthError> {
    set_disabled(&state, &admin, &name, false).await
}

async fn set_disabled(
    state: &AppState,
    admin: &CurrentUser,
    name: &str,
    disabled: bool,
) -> Result<Json<Value>, AuthError> {
    state.store().set_user_disabled(name, disabled).await?;
    let revoked = if disabled {
        let now = state.auth().now_ms();
        state.store().revoke_user_sessions(name, now).await?
    } else {
        0
    };
    tracing::info!(admin = %admin.name, user = %name, disabled, "user changed");
    let user = state.store().user_by_name(name).await?;
    Ok(Json(json!({ "user": user, "revoked_tokens": revoked })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
}

/// `POST /api/v1/users/{name}/password {password}`: tokens revoked.
pub async fn password(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, AuthError> {
    let body: PasswordBody = parse(&body, "{\"password\"}")?;
    let hash = hash(body.password).await?;
    state.store().set_user_password_hash(&name, &hash).await?;
    let revoked = state
        .store()
        .revoke_user_sessions(&name, state.auth().now_ms())
        .await?;
    tracing::info!(admin = %admin.name, user = %name, "password set");
    Ok(Json(json!({ "user": name, "revoked_tokens": revoked })))
}
