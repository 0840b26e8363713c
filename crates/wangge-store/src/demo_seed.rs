//! The progress of seeding the demo (migration 0012): one row written before
//! the demo's first data, raised after each stage and marked complete after
//! the last, so that a seeding killed at any moment can be told from a
//! finished one, and resumed with the plan it was started with.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::row::now_ms;
use crate::{Store, StoreError};

/// What a demo seeding was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSeedPlan {
    pub seed: u64,
    pub customers_per_copy: u64,
    pub copies: u32,
    /// `None`: random passwords.
    pub password_seed: Option<u64>,
}

/// A demo seeding as stored: its plan and how far it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSeedRecord {
    pub plan: DemoSeedPlan,
    /// Territory, grids and outlets are stored.
    pub grids_stored: bool,
    /// Copies whose entities are stored, in order.
    pub copies_stored: u32,
    /// Users set and everything placed.
    pub complete: bool,
}

impl Store {
    /// The demo seeding of this database, if one was ever started.
    pub async fn demo_seed(&self) -> Result<Option<DemoSeedRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT seed, customers_per_copy, copies, password_seed, grids_stored_at, \
             copies_stored, completed_at FROM demo_seed WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record).transpose()
    }

    /// Starts a demo seeding: the row is written only when the database holds
    /// no grid and no seeding was started (both checked in the write
    /// transaction); otherwise a `Conflict`.
    pub async fn begin_demo_seed(&self, plan: &DemoSeedPlan) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM grids LIMIT 1) AS g) \
                  + (SELECT COUNT(*) FROM demo_seed) AS n",
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>("n")?;
        if taken > 0 {
            return Err(StoreError::Conflict {
                message: "the database already holds a grid or a demo".to_owned(),
            });
        }
        sqlx::query(
            "INSERT INTO demo_seed (id, seed, customers_per_copy, copies, password_seed, started_at) \
             VALUES (1, $1, $2, $3, $4, $5)",
        )
        .bind(plan.seed.to_string())
        .bind(i64::try_from(plan.customers_per_copy).unwrap_or(i64::MAX))
        .bind(i64::from(plan.copies))
        .bind(plan.password_seed.map(|s| s.to_string()))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The territory, grids and outlets of the demo are stored.
    pub async fn demo_seed_grids_stored(&self) -> Result<(), StoreError> {
        self.demo_seed_update("grids_stored_at = $1", now_ms())
            .await
    }

    /// The entities of the first `copies` copies are stored.
    pub async fn demo_seed_copies_stored(&self, copies: u32) -> Result<(), StoreError> {
        self.demo_seed_update("copies_stored = $1", i64::from(copies))
            .await
    }

    /// The demo is complete: its users are set and everything is placed.
    pub async fn demo_seed_complete(&self) -> Result<(), StoreError> {
        self.demo_seed_update("completed_at = $1", now_ms()).await
    }

    async fn demo_seed_update(&self, set: &str, value: i64) -> Result<(), StoreError> {
        let done = sqlx::query(&format!("UPDATE demo_seed SET {set} WHERE id = 1"))
            .bind(value)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "demo seeding",
                key: "1".to_owned(),
            });
        }
        Ok(())
    }
}

fn record(row: &AnyRow) -> Result<DemoSeedRecord, StoreError> {
    let number = |column: &str| -> Result<u64, StoreError> {
        let text: String = row.try_get(column)?;
        text.parse()
            .map_err(|e| StoreError::corrupt(format!("demo_seed.{column}"), e))
    };
    let count = |column: &str| -> Result<i64, StoreError> { Ok(row.try_get::<i64, _>(column)?) };
    let password_seed = match row.try_get::<Option<String>, _>("password_seed")? {
        Some(text) => Some(
            text.parse()
                .map_err(|e| StoreError::corrupt("demo_seed.password_seed", e))?,
        ),
        None => None,
    };
    let to_u32 = |n: i64, column: &str| {
        u32::try_from(n).map_err(|e| StoreError::corrupt(format!("demo_seed.{column}"), e))
    };
    Ok(DemoSeedRecord {
        plan: DemoSeedPlan {
            seed: number("seed")?,
            customers_per_copy: u64::try_from(count("customers_per_copy")?)
                .map_err(|e| StoreError::corrupt("demo_seed.customers_per_copy", e))?,
            copies: to_u32(count("copies")?, "copies")?,
            password_seed,
        },
        grids_stored: row.try_get::<Option<i64>, _>("grids_stored_at")?.is_some(),
        copies_stored: to_u32(count("copies_stored")?, "copies_stored")?,
        complete: row.try_get::<Option<i64>, _>("completed_at")?.is_some(),
    })
}
