//! Users, their roles and the grids they are scoped to. Password hashes go
//! in and are checked through [`Store::user_credentials`]; listings never
//! carry them.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use wangge_model::{GridCode, ManagerKind, Role};

use crate::row::{get_bool, get_parsed, get_parsed_opt, is_unique_violation, now_ms};
use crate::territory::first_territory_id;
use crate::{NewUser, Store, StoreError, UserRecord};

impl Store {
    /// Adds a user with its scopes; returns its id. A taken name is a
    /// `Conflict`, an unknown scope grid `NotFound`.
    pub async fn insert_user(&self, user: &NewUser) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(problem) = wangge_model::name::name_problem(&user.name) {
            return Err(StoreError::bad_name(
                "user", &user.name, &user.name, problem,
            ));
        }
        let taken = sqlx::query("SELECT id FROM users WHERE name = $1")
            .bind(user.name.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(name_taken(&user.name));
        }
        let scopes = scope_grids(&mut tx, &user.scopes).await?;
        check_role_shape(user, &scopes)?;
        let inserted = sqlx::query(
            "INSERT INTO users (name, role, kind, password_hash, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user.name.as_str())
        .bind(user.role.as_str())
        .bind(user.kind.map(ManagerKind::as_str))
        .bind(user.password_hash.as_str())
        .bind(false)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await;
        let row = match inserted {
            Err(e) if is_unique_violation(&e) => return Err(name_taken(&user.name)),
            other => other?,
        };
        let id: i64 = row.try_get("id")?;
        for (grid_id, _) in scopes {
            sqlx::query("INSERT INTO user_scopes (user_id, grid_id) VALUES ($1, $2)")
                .bind(id)
                .bind(grid_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// All users by name, with their scopes; no password hashes.
    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query("SELECT id, name, role, kind, disabled FROM users ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        let mut scopes = self.scopes(None).await?;
        rows.iter()
            .map(|row| user_record(row, &mut scopes))
            .collect()
    }

    /// The user of this name and its password hash, for login checks.
    pub async fn user_credentials(
        &self,
        name: &str,
    ) -> Result<Option<(UserRecord, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, role, kind, disabled, password_hash FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut scopes = self.scopes(Some(row.try_get("id")?)).await?;
        let user = user_record(&row, &mut scopes)?;
        Ok(Some((user, row.try_get("password_hash")?)))
    }

    /// Disables (or enables again) a user; `NotFound` for an unknown name.
    pub async fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE name = $2")
            .bind(disabled)
            .bind(name)
            .execute(&self.pool)
            .await?;
        user_found(done.rows_affected(), name)
    }

    /// Replaces a user's password hash (an argon2 PHC string).
    pub async fn set_user_password_hash(&self, name: &str, hash: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2")
            .bind(hash)
            .bind(name)
            .execute(&self.pool)
            .await?;
        user_found(done.rows_affected(), name)
    }

    /// Scope codes per user id (of one user, or of all).
    async fn scopes(&self, user: Option<i64>) -> Result<HashMap<i64, Vec<GridCode>>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.user_id, g.code FROM user_scopes s JOIN grids g ON g.id = s.grid_id \
             WHERE $1 IS NULL OR s.user_id = $1 ORDER BY g.code",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        let mut scopes: HashMap<i64, Vec<GridCode>> = HashMap::new();
        for row in &rows {
            scopes
                .entry(row.try_get("user_id")?)
                .or_default()
                .push(get_parsed(row, "code", "grid code")?);
        }
        Ok(scopes)
    }
}

fn user_record(
    row: &AnyRow,
    scopes: &mut HashMap<i64, Vec<GridCode>>,
) -> Result<UserRecord, StoreError> {
    let id: i64 = row.try_get("id")?;
    Ok(UserRecord {
        id,
        name: row.try_get("name")?,
        role: get_parsed(row, "role", "user role")?,
        kind: get_parsed_opt(row, "kind", "manager kind")?,
        scopes: scopes.remove(&id).unwrap_or_default(),
        disabled: get_bool(row, "disabled")?,
    })
}

fn name_taken(name: &str) -> StoreError {
    StoreError::Conflict {
        message: format!("user name {name:?} is taken"),
    }
}

fn user_found(rows_affected: u64, name: &str) -> Result<(), StoreError> {
    if rows_affected == 0 {
        return Err(StoreError::NotFound {
            what: "user",
            key: name.to_owned(),
        });
    }
    Ok(())
}

/// A user's kind and scopes must fit the role: a grid manager has a kind
/// and level-3 scope grids, a supervisor level-1 or level-2 ones, the
/// company-wide roles (admin, ops, clerk, viewer) neither.
fn check_role_shape(user: &NewUser, scopes: &[(i64, (GridCode, i64))]) -> Result<(), StoreError> {
    let invalid =
        |field: &'static str, value: String, reason: &'static str| StoreError::InvalidField {
            kind: "user",
            code: user.name.clone(),
            field,
            value,
            reason,
        };
    let (levels, reason): (&[i64], &'static str) = match user.role {
        Role::GridManager => (&[3], "a grid manager is scoped to level-3 grids"),
        Role::Supervisor => (
            &[1, 2],
            "a supervisor is scoped to level-1 or level-2 grids",
        ),
        _ => (
            &[],
            "administrators, operations, clerks and viewers have no scope",
        ),
    };
    match (user.role, user.kind) {
        (Role::GridManager, None) => {
            return Err(invalid(
                "kind",
                "(none)".into(),
                "a grid manager needs a kind: zhengqi or community",
            ))
        }
        (Role::GridManager, Some(_)) | (_, None) => {}
        (_, Some(kind)) => {
            return Err(invalid(
                "kind",
                kind.as_str().into(),
                "only grid managers have a kind",
            ))
        }
    }
    if let Some((_, (code, _))) = scopes
        .iter()
        .find(|(_, (_, level))| !levels.contains(level))
    {
        return Err(invalid("scopes", code.to_string(), reason));
    }
    if scopes.is_empty() && !levels.is_empty() {
        return Err(invalid("scopes", "(none)".into(), reason));
    }
    Ok(())
}

/// Ids and levels of the scope grids (of the territory), or `NotFound` for
/// the first unknown.
async fn scope_grids(
    conn: &mut AnyConnection,
    scopes: &[GridCode],
) -> Result<Vec<(i64, (GridCode, i64))>, StoreError> {
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    let territory_id = first_territory_id(conn).await?;
    let mut ids = Vec::with_capacity(scopes.len());
    for code in scopes {
        let row = sqlx::query("SELECT id, level FROM grids WHERE territory_id = $1 AND code = $2")
            .bind(territory_id)
            .bind(code.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound {
                what: "grid",
                key: code.to_string(),
            });
        };
        let id: i64 = row.try_get("id")?;
        let level: i64 = row.try_get("level")?;
        if !ids.iter().any(|(known, _)| *known == id) {
            ids.push((id, (code.clone(), level)));
        }
    }
    Ok(ids)
}
