//! The login throttle, in the database so that every server instance on it
//! counts the same attempts (table `login_attempts`, migration 0009).
//!
//! An attempt is **reserved before** its password check and its outcome
//! **recorded after** it:
//!
//! * [`Store::reserve_login_attempt`] raises `in_flight` of the user name's
//!   row (and of the client address's row) in one conditional upsert each,
//!   inside one write transaction. The upsert refuses — without the password
//!   being checked — while the row is locked, or when its failures plus the
//!   checks already in flight reach the limit. So of 40 simultaneous wrong
//!   passwords for one name, on any number of instances, at most the limit
//!   (5) are checked; the rest are refused at once.
//! * [`Store::finish_login_attempt`] records the outcome: a failure raises
//!   `failures` and locks the row at the limit (the lockout doubles with
//!   every further failure, capped); a success clears the user name's
//!   failures. Nothing ever looks at the `users` table here, so a name that
//!   does not exist is throttled exactly like one that does (no enumeration).
//!
//! User names dominate: 5 failures lock a name. A client address may fail
//! far more often (100 failures, for spraying many names from one place) and
//! is then locked only briefly (1 min, doubling up to 15 min); even then
//! users who logged in successfully from that address in the last 30 days
//! (`login_known_clients`) are not held back by it, only by their own name's
//! count. Behind a reverse proxy the server passes the client's address, not
//! the proxy's (see the server's `auth::client_address`).

use sqlx::{Any, Row, Transaction};

use crate::{Store, StoreError};

/// The limits of the login throttle. Times are milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures for one user name before it is locked.
    pub max_failures_per_user: i64,
    /// The first lockout of a user name; each further failure doubles it.
    pub user_first_lockout_ms: i64,
    pub user_max_lockout_ms: i64,
    /// Failures from one client address before it is locked (many people
    /// may share an address, so far more than per name).
    pub max_failures_per_address: i64,
    /// The first lockout of an address: short, it may hold back others.
    pub address_first_lockout_ms: i64,
    pub address_max_lockout_ms: i64,
    /// Failures older than this (and no lockout running) are forgotten.
    pub forget_after_ms: i64,
    /// A reservation whose check never reported back (its instance died) is
    /// given up after this long.
    pub reservation_ttl_ms: i64,
    /// How long a successful login from an address exempts that user from
    /// the address's lockout.
    pub known_client_ms: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            max_failures_per_user: 5,
            user_first_lockout_ms: 30_000,
            user_max_lockout_ms: 3_600_000,
            max_failures_per_address: 100,
            address_first_lockout_ms: 60_000,
            address_max_lockout_ms: 900_000,
            forget_after_ms: 900_000,
            reservation_ttl_ms: 60_000,
            known_client_ms: 30 * 86_400_000,
        }
    }
}

impl LoginLimits {
    /// The lockout after the `failures`-th failure of a row with this
    /// `limit`: none below it, then `first`, doubled per further failure,
    /// at most `max`.
    pub fn lockout_ms(failures: i64, limit: i64, first_ms: i64, max_ms: i64) -> i64 {
        if failures < limit {
            return 0;
        }
        let doublings = u32::try_from((failures - limit).min(30)).unwrap_or(30);
        first_ms.saturating_mul(1_i64 << doublings).min(max_ms)
    }

    fn limit(&self, scope: Scope) -> (i64, i64, i64) {
        match scope {
            Scope::User => (
                self.max_failures_per_user,
                self.user_first_lockout_ms,
                self.user_max_lockout_ms,
            ),
            Scope::Address => (
                self.max_failures_per_address,
                self.address_first_lockout_ms,
                self.address_max_lockout_ms,
            ),
        }
    }
}

/// What a reservation answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginReservation {
    /// Check the password, then pass the ticket to
    /// [`Store::finish_login_attempt`].
    Granted(LoginTicket),
    /// Do not check the password; ask again after this long.
    Refused { retry_after_ms: i64 },
}

/// A reserved attempt: which rows it holds a place in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTicket {
    user_name: String,
    /// The client address, when known.
    address: Option<String>,
    /// False when the address's row was not reserved (a known client).
    address_reserved: bool,
}

/// How a reserved attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Succeeded,
    Failed,
    /// The check could not run (an error): the place is given back, nothing
    /// is counted.
    Abandoned,
}

/// When a refusal is for checks in flight rather than a lockout: they
/// take well under a second.
const IN_FLIGHT_RETRY_MS: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    User,
    Address,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Address => "address",
        }
    }
}

/// Reserves a place in one row, atomically: a new row is inserted with one
/// check in flight; an existing one takes it only when not locked and when
/// its failures plus its checks in flight stay under the limit (after a
/// lockout ran out: one check at a time). Forgotten failures and abandoned
/// reservations count as zero. `RETURNING` gives no row when refused.
const RESERVE: &str = "\
INSERT INTO login_attempts (scope, subject, failures, in_flight, reserved_at, locked_until) \
VALUES ($1, $2, 0, 1, $3, 0) \
ON CONFLICT (scope, subject) DO UPDATE SET \
  failures = CASE WHEN login_attempts.locked_until <= $3 AND login_attempts.last_failure_at < $4 \
                  THEN 0 ELSE login_attempts.failures END, \
  in_flight = CASE WHEN login_attempts.reserved_at < $5 THEN 0 ELSE login_attempts.in_flight END + 1, \
  reserved_at = $3 \
WHERE login_attempts.locked_until <= $3 \
  AND (CASE WHEN login_attempts.reserved_at < $5 THEN 0 ELSE login_attempts.in_flight END = 0 \
       OR CASE WHEN login_attempts.last_failure_at < $4 THEN 0 ELSE login_attempts.failures END \
          + CASE WHEN login_attempts.reserved_at < $5 THEN 0 ELSE login_attempts.in_flight END < $6) \
RETURNING in_flight";

/// Gives back a place; a failure is counted with it.
const FINISH_FAILED: &str = "\
INSERT INTO login_attempts (scope, subject, failures, last_failure_at, in_flight, reserved_at, locked_until) \
VALUES ($1, $2, 1, $3, 0, $3, 0) \
ON CONFLICT (scope, subject) DO UPDATE SET \
  failures = login_attempts.failures + 1, \
  last_failure_at = $3, \
  in_flight = CASE WHEN login_attempts.in_flight > 0 THEN login_attempts.in_flight - 1 ELSE 0 END \
RETURNING failures";

impl Store {
    /// Reserves a login attempt for `user_name` from `address` (when known)
    /// before its password is checked; see the module text. Never reads the
    /// `users` table.
    pub async fn reserve_login_attempt(
        &self,
        limits: &LoginLimits,
        user_name: &str,
        address: Option<&str>,
        now_ms: i64,
    ) -> Result<LoginReservation, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(retry_after_ms) =
            reserve_row(&mut tx, limits, Scope::User, user_name, now_ms).await?
        {
            tx.rollback().await?;
            return Ok(LoginReservation::Refused { retry_after_ms });
        }
        let mut address_reserved = false;
        if let Some(address) = address {
            let known = sqlx::query(
                "SELECT 1 AS known FROM login_known_clients \
                 WHERE user_name = $1 AND address = $2 AND last_success_at > $3",
            )
            .bind(user_name)
            .bind(address)
            .bind(now_ms.saturating_sub(limits.known_client_ms))
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
            if !known {
                if let Some(retry_after_ms) =
                    reserve_row(&mut tx, limits, Scope::Address, address, now_ms).await?
                {
                    // Gives back the user name's place too.
                    tx.rollback().await?;
                    return Ok(LoginReservation::Refused { retry_after_ms });
                }
                address_reserved = true;
            }
        }
        tx.commit().await?;
        Ok(LoginReservation::Granted(LoginTicket {
            user_name: user_name.to_owned(),
            address: address.map(str::to_owned),
            address_reserved,
        }))
    }

    /// Records how a reserved attempt ended: gives back its places, counts
    /// a failure (locking at the limit), or on success clears the user
    /// name's failures and remembers the address as the user's.
    pub async fn finish_login_attempt(
        &self,
        limits: &LoginLimits,
        ticket: &LoginTicket,
        outcome: LoginOutcome,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut rows = vec![(Scope::User, ticket.user_name.as_str())];
        if let (true, Some(address)) = (ticket.address_reserved, &ticket.address) {
            rows.push((Scope::Address, address.as_str()));
        }
        for (scope, subject) in rows {
            match outcome {
                LoginOutcome::Failed => {
                    self.count_failure(limits, scope, subject, now_ms).await?;
                }
                // An address keeps its failures when one of its users
                // succeeds: one valid account must not reset a spray.
                LoginOutcome::Succeeded if scope == Scope::User => {
                    sqlx::query(
                        "UPDATE login_attempts SET failures = 0, locked_until = 0, \
                         in_flight = CASE WHEN in_flight > 0 THEN in_flight - 1 ELSE 0 END \
                         WHERE scope = $1 AND subject = $2",
                    )
                    .bind(scope.as_str())
                    .bind(subject)
                    .execute(&self.pool)
                    .await?;
                }
                LoginOutcome::Succeeded | LoginOutcome::Abandoned => {
                    sqlx::query(
                        "UPDATE login_attempts \
                         SET in_flight = CASE WHEN in_flight > 0 THEN in_flight - 1 ELSE 0 END \
                         WHERE scope = $1 AND subject = $2",
                    )
                    .bind(scope.as_str())
                    .bind(subject)
                    .execute(&self.pool)
                    .await?;
                }
            }
        }
        if let (LoginOutcome::Succeeded, Some(address)) = (outcome, &ticket.address) {
            sqlx::query(
                "INSERT INTO login_known_clients (user_name, address, last_success_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (user_name, address) \
                 DO UPDATE SET last_success_at = excluded.last_success_at",
            )
            .bind(&ticket.user_name)
            .bind(address)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Deletes what the throttle no longer needs: rows without a lockout,
    /// without checks in flight and whose failures are forgotten, and known
    /// clients past their time. Returns how many rows went.
    pub async fn forget_quiet_login_attempts(
        &self,
        limits: &LoginLimits,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let attempts = sqlx::query(
            "DELETE FROM login_attempts WHERE locked_until <= $1 \
             AND (in_flight = 0 OR reserved_at < $2) \
             AND (last_failure_at IS NULL OR last_failure_at < $3)",
        )
        .bind(now_ms)
        .bind(now_ms.saturating_sub(limits.reservation_ttl_ms))
        .bind(now_ms.saturating_sub(limits.forget_after_ms))
        .execute(&self.pool)
        .await?;
        let known = sqlx::query("DELETE FROM login_known_clients WHERE last_success_at <= $1")
            .bind(now_ms.saturating_sub(limits.known_client_ms))
            .execute(&self.pool)
            .await?;
        Ok(attempts.rows_affected() + known.rows_affected())
    }

    async fn count_failure(
        &self,
        limits: &LoginLimits,
        scope: Scope,
        subject: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        // One transaction: between the count reaching the limit and the
        // lockout being written, the row would read "no check in flight,
        // not locked", and the reservation grants such a row one check.
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(FINISH_FAILED)
            .bind(scope.as_str())
            .bind(subject)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await?;
        let failures: i64 = row.try_get("failures")?;
        let (limit, first_ms, max_ms) = limits.limit(scope);
        let lockout_ms = LoginLimits::lockout_ms(failures, limit, first_ms, max_ms);
        if lockout_ms > 0 {
            // Only ever extends a lockout: two failures reporting at once
            // each got their own count from the upsert above.
            sqlx::query(
                "UPDATE login_attempts SET locked_until = $3 \
                 WHERE scope = $1 AND subject = $2 AND locked_until < $3",
            )
            .bind(scope.as_str())
            .bind(subject)
            .bind(now_ms.saturating_add(lockout_ms))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Reserves a place in one row; `Some(retry_after_ms)` when refused.
async fn reserve_row(
    tx: &mut Transaction<'static, Any>,
    limits: &LoginLimits,
    scope: Scope,
    subject: &str,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let (limit, _, _) = limits.limit(scope);
    let granted = sqlx::query(RESERVE)
        .bind(scope.as_str())
        .bind(subject)
        .bind(now_ms)
        .bind(now_ms.saturating_sub(limits.forget_after_ms))
        .bind(now_ms.saturating_sub(limits.reservation_ttl_ms))
        .bind(limit)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if granted {
        return Ok(None);
    }
    let row =
        sqlx::query("SELECT locked_until FROM login_attempts WHERE scope = $1 AND subject = $2")
            .bind(scope.as_str())
            .bind(subject)
            .fetch_one(&mut **tx)
            .await?;
    let locked_until: i64 = row.try_get("locked_until")?;
    Ok(Some(if locked_until > now_ms {
        locked_until - now_ms
    } else {
        IN_FLIGHT_RETRY_MS
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_start_at_the_limit_double_and_are_capped() {
        let l = LoginLimits::default();
        let user = |f| {
            LoginLimits::lockout_ms(
                f,
                l.max_failures_per_user,
                l.user_first_lockout_ms,
                l.user_max_lockout_ms,
            )
        };
        assert_eq!(user(4), 0);
        assert_eq!(user(5), 30_000);
        assert_eq!(user(6), 60_000);
        assert_eq!(user(7), 120_000);
        assert_eq!(user(12), 3_600_000, "capped");
        assert_eq!(user(10_000), 3_600_000, "no overflow");
    }
}
