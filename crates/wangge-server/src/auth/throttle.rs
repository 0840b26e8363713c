//! Login throttling: after repeated failures for one user name or from one
//! client address, further attempts are refused (429) for a lockout that
//! doubles with every further failure. Refused attempts do not check the
//! password, so a locked name cannot be probed, and a lockout happens the
//! same whether the name exists or not (no user enumeration).
//!
//! The state is in memory, per server instance: instances sharing one
//! `PostgreSQL` each count on their own.

use std::collections::HashMap;
use std::sync::Mutex;

/// Limits of the login throttle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Failures for one user name before a lockout.
    pub max_failures_per_user: u32,
    /// Failures from one client address before a lockout (several people
    /// may share an address).
    pub max_failures_per_address: u32,
    /// The first lockout; each further failure doubles it.
    pub first_lockout_ms: i64,
    pub max_lockout_ms: i64,
    /// Failures older than this (and no lockout running) are forgotten.
    pub forget_after_ms: i64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            max_failures_per_user: 5,
            max_failures_per_address: 20,
            first_lockout_ms: 30_000,
            max_lockout_ms: 3_600_000,
            forget_after_ms: 900_000,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    failures: u32,
    last_failure_ms: i64,
    locked_until_ms: i64,
}

/// Keeps at most this many keys; older quiet ones are dropped first.
const MAX_KEYS: usize = 100_000;

/// Failure counts per key (`user:NAME`, `addr:IP`).
#[derive(Debug, Default)]
pub struct Throttle {
    config: ThrottleConfig,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    pub fn new(config: ThrottleConfig) -> Self {
        Throttle {
            config,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn user_key(name: &str) -> String {
        format!("user:{name}")
    }

    pub fn address_key(address: &str) -> String {
        format!("addr:{address}")
    }

    /// `Err(retry_after_ms)` while any of the keys is locked out.
    pub fn check(&self, keys: &[String], now_ms: i64) -> Result<(), i64> {
        let entries = self.lock();
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(k))
            .map(|e| e.locked_until_ms - now_ms)
            .max()
            .unwrap_or(0);
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }

    /// Counts a failed login for a key; locks it out at the limit.
    pub fn failure(&self, key: &str, now_ms: i64) {
        let limit = if key.starts_with("addr:") {
            self.config.max_failures_per_address
        } else {
            self.config.max_failures_per_user
        };
        let mut entries = self.lock();
        if entries.len() >= MAX_KEYS {
            let horizon = now_ms - self.config.forget_after_ms;
            entries.retain(|_, e| e.locked_until_ms > now_ms || e.last_failure_ms > horizon);
        }
        let entry = entries.entry(key.to_owned()).or_default();
        let quiet = now_ms - entry.last_failure_ms > self.config.forget_after_ms;
        if quiet && entry.locked_until_ms <= now_ms {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure_ms = now_ms;
        if entry.failures >= limit {
            let doublings = (entry.failures - limit).min(30);
            let lockout = self
                .config
                .first_lockout_ms
                .saturating_mul(1_i64 << doublings)
                .min(self.config.max_lockout_ms);
            entry.locked_until_ms = now_ms + lockout;
        }
    }

    /// A successful login clears its key.
    pub fn success(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves plain counters: still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> Throttle {
        Throttle::new(ThrottleConfig::default())
    }

    #[test]
    fn five_failures_lock_a_name_for_a_growing_time() {
        let t = throttle();
        let key = vec![Throttle::user_key("wang")];
        for i in 0..4 {
            t.failure(&key[0], i);
            assert_eq!(t.check(&key, i), Ok(()), "failure {}", i + 1);
        }
        t.failure(&key[0], 10);
        assert_eq!(t.check(&key, 10), Err(30_000));
        assert_eq!(t.check(&key, 40_010), Ok(()), "lockout over");
        t.failure(&key[0], 40_010);
        assert_eq!(t.check(&key, 40_010), Err(60_000), "doubled");
        t.failure(&key[0], 100_010);
        assert_eq!(t.check(&key, 100_010), Err(120_000));
        t.success(&key[0]);
        assert_eq!(t.check(&key, 100_011), Ok(()));
    }

    #[test]
    fn lockouts_are_capped_and_old_failures_forgotten() {
        let t = throttle();
        let key = Throttle::user_key("li");
        for i in 0..40 {
            t.failure(&key, i);
        }
        assert_eq!(t.check(std::slice::from_ref(&key), 40), Err(3_600_000 - 1));
        let t = throttle();
        for i in 0..4 {
            t.failure(&key, i);
        }
        // Fifteen quiet minutes later the count starts again.
        t.failure(&key, 1_000_000);
        assert_eq!(t.check(std::slice::from_ref(&key), 1_000_000), Ok(()));
    }

    #[test]
    fn addresses_allow_more_failures_and_keys_are_separate() {
        let t = throttle();
        let addr = Throttle::address_key("10.0.0.1");
        for i in 0..19 {
            t.failure(&addr, i);
        }
        assert_eq!(t.check(std::slice::from_ref(&addr), 20), Ok(()));
        t.failure(&addr, 20);
        assert!(t.check(std::slice::from_ref(&addr), 20).is_err());
        let other = Throttle::address_key("10.0.0.2");
        assert_eq!(t.check(std::slice::from_ref(&other), 20), Ok(()));
        assert!(
            t.check(&[other, addr], 20).is_err(),
            "any locked key refuses"
        );
    }
}
