//! Login sessions. The store keeps only the SHA-256 of each bearer token
//! (hex), with its user, expiry and revocation; it never sees a token or a
//! password. Times are unix milliseconds given by the caller, so a server
//! with an injected clock gets the same answers as one on the wall clock.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use wangge_model::GridCode;

use crate::row::{get_bool, get_parsed, get_parsed_opt};
use crate::{Store, StoreError, UserRecord};

/// A live session: its user (with scopes) and when it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub id: i64,
    pub user: UserRecord,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

impl Store {
    /// Stores a new session for a user; returns its id. `token_sha256` is
    /// the lowercase hex SHA-256 of the token (64 characters).
    pub async fn create_session(
        &self,
        user_id: i64,
        token_sha256: &str,
        created_at_ms: i64,
        expires_at_ms: i64,
    ) -> Result<i64, StoreError> {
        check_token_hash(token_sha256)?;
        if expires_at_ms <= created_at_ms {
            return Err(StoreError::InvalidField {
                kind: "session",
                code: format!("user {user_id}"),
                field: "expires_at",
                value: expires_at_ms.to_string(),
                reason: "a session must end after it starts",
            });
        }
        let row = sqlx::query(
            "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(token_sha256)
        .bind(user_id)
        .bind(created_at_ms)
        .bind(expires_at_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// The session of this token hash when it is live at `now_ms`: not
    /// revoked, not expired, and its user not disabled. `None` otherwise,
    /// whatever the reason (the caller answers 401 alike).
    pub async fn session(
        &self,
        token_sha256: &str,
        now_ms: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        // One statement (scopes joined in, one row per scope): this runs
        // before every authenticated request.
        let rows = sqlx::query(
            "SELECT s.id AS session_id, s.created_at, s.expires_at, \
                    u.id, u.name, u.role, u.kind, u.disabled, g.code AS scope_code \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN user_scopes us ON us.user_id = u.id \
             LEFT JOIN grids g ON g.id = us.grid_id \
             WHERE s.token_sha256 = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
             ORDER BY g.code",
        )
        .bind(token_sha256)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let scopes = rows
            .iter()
            .filter_map(|r| get_parsed_opt(r, "scope_code", "grid code").transpose())
            .collect::<Result<Vec<GridCode>, StoreError>>()?;
        let user = user_from_row(row, scopes)?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(SessionRecord {
            id: row.try_get("session_id")?,
            user,
            created_at_ms: row.try_get("created_at")?,
            expires_at_ms: row.try_get("expires_at")?,
        }))
    }

    /// Revokes the session of this token hash (logout); false when there was
    /// no live session to revoke.
    pub async fn revoke_session(
        &self,
        token_sha256: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE token_sha256 = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(token_sha256)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Revokes every session of a user (after a password change or when
    /// disabling); returns how many were live. `NotFound` for an unknown name.
    pub async fn revoke_user_sessions(
        &self,
        user_name: &str,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let user = sqlx::query("SELECT id FROM users WHERE name = $1")
            .bind(user_name)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                key: user_name.to_owned(),
            })?;
        let user_id: i64 = user.try_get("id")?;
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 \
             WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now_ms)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Deletes sessions that ended (expired or revoked) before `before_ms`;
    /// returns how many. Keeps the table small; live sessions are untouched.
    pub async fn delete_ended_sessions(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE expires_at < $1 OR (revoked_at IS NOT NULL AND revoked_at < $1)",
        )
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The user with this name, with scopes; never the password hash.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query("SELECT id FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
        match row {
            Some(row) => load_user(&mut conn, row.try_get("id")?).await,
            None => Ok(None),
        }
    }

    /// The user with this id, with scopes; never the password hash.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        load_user(&mut conn, id).await
    }
}

/// The user with this id on a connection (inside a transaction too).
pub(crate) async fn load_user(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<UserRecord>, StoreError> {
    let row = sqlx::query("SELECT id, name, role, kind, disabled FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let scopes = user_scopes(conn, id).await?;
    user_from_row(&row, scopes).map(Some)
}

async fn user_scopes(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<GridCode>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.code FROM user_scopes s JOIN grids g ON g.id = s.grid_id \
         WHERE s.user_id = $1 ORDER BY g.code",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| get_parsed(row, "code", "grid code"))
        .collect()
}

fn user_from_row(row: &AnyRow, scopes: Vec<GridCode>) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: get_parsed(row, "role", "user role")?,
        kind: get_parsed_opt(row, "kind", "manager kind")?,
        scopes,
        disabled: get_bool(row, "disabled")?,
    })
}

fn check_token_hash(token_sha256: &str) -> Result<(), StoreError> {
    let ok = token_sha256.len() == 64
        && token_sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidField {
            kind: "session",
            code: "token".to_owned(),
            field: "token_sha256",
            value: format!("({} characters)", token_sha256.len()),
            reason: "expected 64 lowercase hex digits",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hash_must_be_lowercase_hex() {
        assert!(check_token_hash(&"a1".repeat(32)).is_ok());
        assert!(check_token_hash(&"A1".repeat(32)).is_err());
        assert!(check_token_hash("abc").is_err());
        // The message never repeats the value itself.
        let e = check_token_hash(&"zz".repeat(32)).unwrap_err().to_string();
        assert!(!e.contains("zzzz"), "{e}");
    }
}
