//! A cheap fingerprint of the customers and of where the unplaced ones
//! are, for caches of what is computed from them (the H3 heat map).

use sqlx::Row;

use crate::{Store, StoreError};

/// Changes whenever the customers or the set of unplaced customers change
/// (see [`Store::customer_fingerprint`]); equal fingerprints mean the same
/// data, whoever wrote it (this process, the CLI, another server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerFingerprint {
    /// Customers: count, largest id, latest `updated_at`.
    pub customers: [i64; 3],
    /// Customers placed `in_gap` or `outside`: count and a hashed sum of
    /// their ids.
    pub unplaced: [i64; 2],
}

impl Store {
    /// The fingerprint of the customer table and of its unplaced rows.
    ///
    /// Why it is enough: every write of a customer (import, upsert) sets
    /// its `updated_at` to the time of the write, so an added or changed
    /// customer raises the latest `updated_at` (or the largest id), and a
    /// removed one lowers the count. The unplaced set changes only when the
    /// placement engine runs; a customer leaving it changes the count or the
    /// hashed id sum (a swap that keeps both would need two ids whose hashes
    /// add up alike). One scan of `customers` (no index on `updated_at`:
    /// writes stay as fast as they were) and one walk of the small partial
    /// index `placements_unplaced` (its condition is repeated so both
    /// databases use it).
    pub async fn customer_fingerprint(&self) -> Result<CustomerFingerprint, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS max_id, \
                    COALESCE(MAX(updated_at), 0) AS max_updated FROM customers",
        )
        .fetch_one(&self.pool)
        .await?;
        let customers = [
            row.try_get("n")?,
            row.try_get("max_id")?,
            row.try_get("max_updated")?,
        ];
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, \
                    CAST(COALESCE(SUM((entity_id * 2654435761) % 1000000007), 0) AS BIGINT) AS ids \
             FROM placements WHERE entity_kind = 'customer' AND status <> 'assigned' \
               AND status IN ('in_gap', 'outside')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(CustomerFingerprint {
            customers,
            unplaced: [row.try_get("n")?, row.try_get("ids")?],
        })
    }
}
