//! Upserting customers, resources, buildings and opportunities by code: one
//! transaction per call, multi-row `INSERT ... ON CONFLICT (territory_id,
//! code) DO UPDATE`, so an updated row keeps its id (placements point at ids).
//!
//! The batch is checked first (blank or repeated codes, numbers that are not
//! finite, references that resolve nowhere, resource cycles) so that errors
//! name the row's code; nothing is written then.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};
use wangge_model::{CustomerClass, Territory};

use crate::bulk::{analyze_if_bulk, chunk_rows, placeholders, values_rows, AnyQuery};
use crate::connect::{raise_sqlite_cache, restore_sqlite_cache};
use crate::coords::to_stored;
use crate::float_param::OptF64;
use crate::row::{is_unique_violation, now_ms, positive_zero};
use crate::territory::territory_id;
use crate::{
    Backend, NewBuilding, NewCustomer, NewOpportunity, NewResource, Store, StoreError, UpsertReport,
};

/// Rows per statement at most. Measured on `SQLite` with 1.2 M customers
/// (placement_bench): beyond a few hundred rows per statement the gain is
/// flat, and the parameter limit caps wide tables anyway.
const MAX_CHUNK_ROWS: usize = 2_000;

/// A table written by code, and its columns bound per row (in order): after
/// `territory_id` and before `created_at`, `updated_at`, which are literals.
struct TableSpec {
    kind: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
}

const CUSTOMERS: TableSpec = TableSpec {
    kind: "customer",
    table: "customers",
    columns: &[
        "code",
        "name",
        "segment",
        "product_type",
        "address",
        "lon",
        "lat",
        "raw_coordinates",
        "monthly_spend_yuan",
        "staff_count",
        "class",
        "other_operator",
    ],
};

const RESOURCES: TableSpec = TableSpec {
    kind: "resource",
    table: "resources",
    columns: &[
        "code",
        "name",
        "kind",
        "capacity_ports",
        "ports_in_use",
        "parent_id",
        "address",
        "lon",
        "lat",
        "raw_coordinates",
    ],
};

const BUILDINGS: TableSpec = TableSpec {
    kind: "building",
    table: "buildings",
    columns: &[
        "code",
        "name",
        "address",
        "lon",
        "lat",
        "raw_coordinates",
        "developer",
        "property_manager",
        "contacts",
    ],
};

const OPPORTUNITIES: TableSpec = TableSpec {
    kind: "opportunity",
    table: "opportunities",
    columns: &[
        "code",
        "title",
        "building_id",
        "customer_id",
        "stage",
        "value_yuan",
        "lon",
        "lat",
        "raw_coordinates",
    ],
};

impl Store {
    /// Inserts or updates customers by code in ONE transaction (the territory
    /// is created if missing). Updated rows keep their id. A blank or
    /// repeated code or a spend that is not finite fails the whole call, and
    /// the error names the row's code.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use wangge_model::Territory;
    /// use wangge_store::{EntityKind, NewCustomer, Store};
    /// let store = Store::connect("sqlite::memory:").await?;
    /// let territory = Territory { code: "SY".parse()?, name: "十堰".into() };
    /// let customer = |code: &str, lon: Option<f64>| NewCustomer {
    ///     code: code.into(), name: format!("客户 {code}"), segment: None, product_type: None,
    ///     address: None, lon, lat: Some(32.6), monthly_spend_yuan: None, staff_count: None,
    ///     class: None, other_operator: false,
    /// };
    /// let report = store.upsert_customers(&territory, &[customer("C1", Some(110.8)), customer("C2", None)]).await?;
    /// assert_eq!((report.inserted, report.updated), (2, 0));
    /// let report = store.upsert_customers(&territory, &[customer("C1", Some(f64::NAN))]).await?;
    /// assert_eq!((report.inserted, report.updated), (0, 1));
    /// // NaN comes back as NaN (invalid coordinates), not as "no location".
    /// let points = store.entity_points(EntityKind::Customer).await?;
    /// assert!(points[0].lon.is_some_and(f64::is_nan));
    /// assert_eq!(points[1].lon, None);
    /// # Ok(()) }
    /// ```
    pub async fn upsert_customers(
        &self,
        territory: &Territory,
        rows: &[NewCustomer],
    ) -> Result<UpsertReport, StoreError> {
        check_customers(rows)?;
        let mut tx = self.begin_write().await?;
        let writer = self.writer(&mut tx, territory, &CUSTOMERS).await?;
        let before = writer.count(&mut tx).await?;
        writer.write(&mut tx, rows, bind_customer, false).await?;
        let report = writer.report(&mut tx, rows.len(), before).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// [`Store::upsert_customers`] for a large file: the whole batch is
    /// checked first (a blank or repeated code or a spend that is not finite
    /// anywhere fails the call before anything is written), then it is
    /// written in transactions of `rows_per_commit` rows, so that on `SQLite`
    /// other writers (a server's claims) wait for one chunk, not the file.
    /// An error or a kill leaves the chunks committed before it; writing
    /// the same batch again completes it (rows are upserted by code). 0
    /// writes one transaction.
    pub async fn upsert_customers_committing_every(
        &self,
        territory: &Territory,
        rows: &[NewCustomer],
        rows_per_commit: usize,
    ) -> Result<UpsertReport, StoreError> {
        check_customers(rows)?;
        let per_commit = if rows_per_commit == 0 {
            rows.len().max(1)
        } else {
            rows_per_commit
        };
        let mut total = UpsertReport::default();
        for chunk in rows.chunks(per_commit) {
            let report = self.upsert_customers(territory, chunk).await?;
            total.inserted += report.inserted;
            total.updated += report.updated;
        }
        Ok(total)
    }

    /// Inserts or updates resources by code in ONE transaction. A `parent`
    /// code is looked up in the batch, then among the territory's stored
    /// resources; one found nowhere fails the call naming both codes, and so
    /// does a resource that would become its own ancestor.
    pub async fn upsert_resources(
        &self,
        territory: &Territory,
        rows: &[NewResource],
    ) -> Result<UpsertReport, StoreError> {
        check_codes(RESOURCES.kind, rows.iter().map(|r| r.code.as_str()))?;
        for r in rows {
            for (field, value) in [
                ("capacity_ports", r.capacity_ports),
                ("ports_in_use", r.ports_in_use),
            ] {
                if let Some(v) = value.filter(|v| *v < 0) {
                    return Err(StoreError::InvalidField {
                        kind: RESOURCES.kind,
                        code: r.code.clone(),
                        field,
                        value: v.to_string(),
                        reason: "a port count cannot be negative",
                    });
                }
            }
        }
        let mut tx = self.begin_write().await?;
        let writer = self.writer(&mut tx, territory, &RESOURCES).await?;
        let stored = stored_resources(&mut tx, writer.territory_id).await?;
        let levels = plan_resources(rows, &stored)?;

        let mut ids: HashMap<String, i64> = stored
            .iter()
            .map(|(code, s)| (code.clone(), s.id))
            .collect();
        for level in levels {
            let batch: Vec<ResourceRow<'_>> = level
                .iter()
                .map(|&i| {
                    let r = &rows[i];
                    // Resolved by plan_resources; parents come one level earlier.
                    let parent_id = r.parent.as_ref().and_then(|p| ids.get(p).copied());
                    ResourceRow { r, parent_id }
                })
                .collect();
            let written = writer.write(&mut tx, &batch, bind_resource, true).await?;
            ids.extend(written);
        }
        tx.commit().await?;
        let updated = rows.iter().filter(|r| stored.contains_key(&r.code)).count();
        Ok(UpsertReport {
            inserted: rows.len() - updated,
            updated,
        })
    }

    /// Inserts or updates buildings by code in ONE transaction.
    /// `contacts_json`, when given, must be a JSON array of objects.
    pub async fn upsert_buildings(
        &self,
        territory: &Territory,
        rows: &[NewBuilding],
    ) -> Result<UpsertReport, StoreError> {
        check_codes(BUILDINGS.kind, rows.iter().map(|r| r.code.as_str()))?;
        for r in rows {
            if let Some(contacts) = &r.contacts_json {
                check_contacts(&r.code, contacts)?;
            }
        }
        let mut tx = self.begin_write().await?;
        let writer = self.writer(&mut tx, territory, &BUILDINGS).await?;
        let before = writer.count(&mut tx).await?;
        writer.write(&mut tx, rows, bind_building, false).await?;
        let report = writer.report(&mut tx, rows.len(), before).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Inserts or updates opportunities by code in ONE transaction. Their
    /// `building` and `customer` codes must name stored buildings and
    /// customers of the territory.
    pub async fn upsert_opportunities(
        &self,
        territory: &Territory,
        rows: &[NewOpportunity],
    ) -> Result<UpsertReport, StoreError> {
        check_codes(OPPORTUNITIES.kind, rows.iter().map(|r| r.code.as_str()))?;
        for r in rows {
            check_finite(OPPORTUNITIES.kind, &r.code, "value_yuan", r.value_yuan)?;
        }
        let mut tx = self.begin_write().await?;
        let writer = self.writer(&mut tx, territory, &OPPORTUNITIES).await?;
        let buildings = writer
            .ids_by_code(
                &mut tx,
                "buildings",
                rows.iter().filter_map(|r| r.building.as_deref()),
            )
            .await?;
        let customers = writer
            .ids_by_code(
                &mut tx,
                "customers",
                rows.iter().filter_map(|r| r.customer.as_deref()),
            )
            .await?;
        let resolve = |r: &NewOpportunity,
                       field: &'static str,
                       target: Option<&String>,
                       ids: &HashMap<String, i64>| {
            target
                .map(|t| {
                    ids.get(t)
                        .copied()
                        .ok_or_else(|| StoreError::UnknownReference {
                            kind: OPPORTUNITIES.kind,
                            code: r.code.clone(),
                            field,
                            target: t.clone(),
                        })
                })
                .transpose()
        };
        let batch = rows
            .iter()
            .map(|r| {
                Ok(OpportunityRow {
                    r,
                    building_id: resolve(r, "building", r.building.as_ref(), &buildings)?,
                    customer_id: resolve(r, "customer", r.customer.as_ref(), &customers)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let before = writer.count(&mut tx).await?;
        writer
            .write(&mut tx, &batch, bind_opportunity, false)
            .await?;
        let report = writer.report(&mut tx, rows.len(), before).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The writer of one table in this transaction: the territory's id
    /// (created if missing) and, on `PostgreSQL`, the table locked against
    /// other writers (readers go on), so the counts before and after tell
    /// inserts from updates. `SQLite` writers hold the write lock already.
    async fn writer(
        &self,
        conn: &mut AnyConnection,
        territory: &Territory,
        spec: &'static TableSpec,
    ) -> Result<Writer, StoreError> {
        let territory_id = territory_id(conn, territory).await?;
        if self.backend() == Backend::Postgres {
            sqlx::query(&format!(
                "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
                spec.table
            ))
            .execute(&mut *conn)
            .await?;
        }
        Ok(Writer {
            backend: self.backend(),
            spec,
            territory_id,
            now: now_ms(),
            max_chunk_rows: MAX_CHUNK_ROWS.min(self.max_rows_per_statement),
        })
    }
}

/// Writes one table's rows within a transaction.
struct Writer {
    backend: Backend,
    spec: &'static TableSpec,
    territory_id: i64,
    now: i64,
    /// Rows per statement at most ([`MAX_CHUNK_ROWS`] unless a test lowers it).
    max_chunk_rows: usize,
}

impl Writer {
    /// `INSERT ... VALUES ... ON CONFLICT (territory_id, code) DO UPDATE` for
    /// `rows` rows: every bound column but the code is updated, and
    /// `updated_at`; `created_at` stays.
    fn sql(&self, rows: usize, returning: bool) -> String {
        let spec = self.spec;
        let values = values_rows(
            self.backend,
            rows,
            spec.columns.len(),
            &self.territory_id.to_string(),
            &format!("{now}, {now}", now = self.now),
        );
        let updates: Vec<String> = spec
            .columns
            .iter()
            .filter(|c| **c != "code")
            .chain(&["updated_at"])
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            "INSERT INTO {} (territory_id, {}, created_at, updated_at) VALUES {values} \
             ON CONFLICT (territory_id, code) DO UPDATE SET {}{}",
            spec.table,
            spec.columns.join(", "),
            updates.join(", "),
            if returning { " RETURNING id, code" } else { "" }
        )
    }

    /// Upserts `rows` in chunks; with `returning`, gives the code and id of
    /// every row written.
    async fn write<T>(
        &self,
        conn: &mut AnyConnection,
        rows: &[T],
        bind: for<'q> fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
        returning: bool,
    ) -> Result<Vec<(String, i64)>, StoreError>
    where
        T: Sync,
    {
        let raised = raise_sqlite_cache(conn, self.backend, rows.len()).await?;
        let written = async {
            let chunk = chunk_rows(self.backend, self.spec.columns.len(), self.max_chunk_rows);
            let full_sql = self.sql(chunk, returning);
            let mut written = Vec::new();
            for rows in rows.chunks(chunk) {
                let tail_sql;
                let sql = if rows.len() == chunk {
                    &full_sql
                } else {
                    tail_sql = self.sql(rows.len(), returning);
                    &tail_sql
                };
                let mut query = sqlx::query(sql);
                for row in rows {
                    query = bind(query, row);
                }
                let result = if returning {
                    query.fetch_all(&mut *conn).await.map(|out| {
                        out.iter()
                            .map(|r| Ok((r.try_get("code")?, r.try_get("id")?)))
                            .collect::<Result<Vec<(String, i64)>, sqlx::Error>>()
                    })
                } else {
                    query.execute(&mut *conn).await.map(|_| Ok(Vec::new()))
                };
                match result {
                    Ok(rows) => written.extend(rows?),
                    Err(e) if is_unique_violation(&e) => {
                        // Checked before writing, so only a concurrent writer gets here.
                        return Err(StoreError::Conflict {
                            message: format!(
                                "another writer stored some of these {} codes at the same time; \
                                 nothing was written, try again",
                                self.spec.kind
                            ),
                        });
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Ok::<_, StoreError>(written)
        }
        .await;
        if raised {
            restore_sqlite_cache(conn).await?;
        }
        let written = written?;
        analyze_if_bulk(conn, self.backend, self.spec.table, rows.len()).await?;
        Ok(written)
    }

    /// Rows of the table in the territory.
    async fn count(&self, conn: &mut AnyConnection) -> Result<i64, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM {} WHERE territory_id = $1",
            self.spec.table
        ))
        .bind(self.territory_id)
        .fetch_one(&mut *conn)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Inserted = rows added to the table, the rest of the batch updated.
    async fn report(
        &self,
        conn: &mut AnyConnection,
        batch: usize,
        before: i64,
    ) -> Result<UpsertReport, StoreError> {
        let inserted = usize::try_from(self.count(conn).await? - before).unwrap_or(0);
        Ok(UpsertReport {
            inserted,
            updated: batch.saturating_sub(inserted),
        })
    }

    /// Ids of the rows of `table` (in the territory) with these codes; codes
    /// not stored are absent from the map.
    async fn ids_by_code<'c>(
        &self,
        conn: &mut AnyConnection,
        table: &str,
        codes: impl Iterator<Item = &'c str>,
    ) -> Result<HashMap<String, i64>, StoreError> {
        let codes: Vec<&str> = codes.collect::<HashSet<_>>().into_iter().collect();
        let mut ids = HashMap::with_capacity(codes.len());
        for chunk in codes.chunks(chunk_rows(self.backend, 1, 1_000)) {
            let sql = format!(
                "SELECT id, code FROM {table} WHERE territory_id = {} AND code IN ({})",
                self.territory_id,
                placeholders(self.backend, 1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for code in chunk {
                query = query.bind(*code);
            }
            for row in query.fetch_all(&mut *conn).await? {
                ids.insert(row.try_get("code")?, row.try_get("id")?);
            }
        }
        Ok(ids)
    }
}

/// Refuses blank codes and codes given twice.
fn check_codes<'a>(
    kind: &'static str,
    codes: impl Iterator<Item = &'a str>,
) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for code in codes {
        if code.trim().is_empty() {
            return Err(StoreError::InvalidField {
                kind,
                code: code.to_owned(),
                field: "code",
                value: format!("{code:?}"),
                reason: "a code cannot be blank",
            });
        }
        if !seen.insert(code) {
            return Err(StoreError::DuplicateCode {
                code: code.to_owned(),
                source_hint: Some(kind.to_owned()),
            });
        }
    }
    Ok(())
}

/// What fails a whole customer batch: a blank or repeated code, a spend
/// that is not finite.
fn check_customers(rows: &[NewCustomer]) -> Result<(), StoreError> {
    check_codes(CUSTOMERS.kind, rows.iter().map(|r| r.code.as_str()))?;
    for r in rows {
        check_finite(
            CUSTOMERS.kind,
            &r.code,
            "monthly_spend_yuan",
            r.monthly_spend_yuan,
        )?;
    }
    Ok(())
}

fn check_finite(
    kind: &'static str,
    code: &str,
    field: &'static str,
    value: Option<f64>,
) -> Result<(), StoreError> {
    match value {
        Some(v) if !v.is_finite() => Err(StoreError::InvalidField {
            kind,
            code: code.to_owned(),
            field,
            value: v.to_string(),
            reason: "an amount must be a finite number",
        }),
        _ => Ok(()),
    }
}

fn check_contacts(code: &str, contacts: &str) -> Result<(), StoreError> {
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(contacts);
    let ok = matches!(&parsed, Ok(serde_json::Value::Array(items)) if items.iter().all(serde_json::Value::is_object));
    if ok {
        return Ok(());
    }
    let mut shown: String = contacts.chars().take(60).collect();
    if shown.len() < contacts.len() {
        shown.push('…');
    }
    Err(StoreError::InvalidField {
        kind: BUILDINGS.kind,
        code: code.to_owned(),
        field: "contacts_json",
        value: format!("{shown:?}"),
        reason: "contacts must be a JSON array of {name, role, phone} objects",
    })
}

fn class_str(class: CustomerClass) -> &'static str {
    match class {
        CustomerClass::A => "A",
        CustomerClass::B => "B",
        CustomerClass::C => "C",
    }
}

/// Binds lon, lat, raw_coordinates.
fn bind_coords(query: AnyQuery<'_>, lon: Option<f64>, lat: Option<f64>) -> AnyQuery<'_> {
    let stored = to_stored(lon, lat);
    query
        .bind(OptF64(stored.lon))
        .bind(OptF64(stored.lat))
        .bind(stored.raw)
}

fn bind_customer<'q>(query: AnyQuery<'q>, r: &'q NewCustomer) -> AnyQuery<'q> {
    let query = query
        .bind(r.code.as_str())
        .bind(r.name.as_str())
        .bind(r.segment.as_deref())
        .bind(r.product_type.as_deref())
        .bind(r.address.as_deref());
    bind_coords(query, r.lon, r.lat)
        .bind(OptF64(r.monthly_spend_yuan.map(positive_zero)))
        .bind(r.staff_count)
        .bind(r.class.map(class_str))
        .bind(r.other_operator)
}

/// A resource with its parent's id, resolved.
struct ResourceRow<'a> {
    r: &'a NewResource,
    parent_id: Option<i64>,
}

fn bind_resource<'q>(query: AnyQuery<'q>, row: &'q ResourceRow<'_>) -> AnyQuery<'q> {
    let r = row.r;
    let query = query
        .bind(r.code.as_str())
        .bind(r.name.as_str())
        .bind(r.kind.as_str())
        .bind(r.capacity_ports)
        .bind(r.ports_in_use)
        .bind(row.parent_id)
        .bind(r.address.as_deref());
    bind_coords(query, r.lon, r.lat)
}

fn bind_building<'q>(query: AnyQuery<'q>, r: &'q NewBuilding) -> AnyQuery<'q> {
    let query = query
        .bind(r.code.as_str())
        .bind(r.name.as_str())
        .bind(r.address.as_deref());
    bind_coords(query, r.lon, r.lat)
        .bind(r.developer.as_deref())
        .bind(r.property_manager.as_deref())
        .bind(r.contacts_json.as_deref())
}

/// An opportunity with its building's and customer's ids, resolved.
struct OpportunityRow<'a> {
    r: &'a NewOpportunity,
    building_id: Option<i64>,
    customer_id: Option<i64>,
}

fn bind_opportunity<'q>(query: AnyQuery<'q>, row: &'q OpportunityRow<'_>) -> AnyQuery<'q> {
    let r = row.r;
    let query = query
        .bind(r.code.as_str())
        .bind(r.title.as_str())
        .bind(row.building_id)
        .bind(row.customer_id)
        .bind(r.stage.as_deref())
        .bind(OptF64(r.value_yuan.map(positive_zero)));
    bind_coords(query, r.lon, r.lat)
}

/// A resource already stored in the territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredResource {
    pub id: i64,
    pub parent_id: Option<i64>,
}

async fn stored_resources(
    conn: &mut AnyConnection,
    territory_id: i64,
) -> Result<HashMap<String, StoredResource>, StoreError> {
    let rows = sqlx::query("SELECT id, code, parent_id FROM resources WHERE territory_id = $1")
        .bind(territory_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("code")?,
                StoredResource {
                    id: row.try_get("id")?,
                    parent_id: row.try_get("parent_id")?,
                },
            ))
        })
        .collect()
}

/// Checks the parents of a resource batch and orders it for writing: the
/// indices of the batch in levels, each row after the new (not yet stored)
/// batch row it hangs on. Refuses a parent found nowhere and a resource that
/// would become its own ancestor (through the batch, the stored resources,
/// or both). Pure, so every rule is unit-tested.
pub(crate) fn plan_resources(
    rows: &[NewResource],
    stored: &HashMap<String, StoredResource>,
) -> Result<Vec<Vec<usize>>, StoreError> {
    let batch: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.as_str(), i))
        .collect();
    let stored_code: HashMap<i64, &str> = stored.iter().map(|(c, s)| (s.id, c.as_str())).collect();

    for r in rows {
        if let Some(parent) = &r.parent {
            if !batch.contains_key(parent.as_str()) && !stored.contains_key(parent) {
                return Err(StoreError::UnknownReference {
                    kind: RESOURCES.kind,
                    code: r.code.clone(),
                    field: "parent",
                    target: parent.clone(),
                });
            }
        }
    }

    // The parent a code will have after the write: the batch's word for
    // batch rows, the stored one for the others.
    let parent_of = |code: &str| -> Option<&str> {
        match batch.get(code) {
            Some(&i) => rows[i].parent.as_deref(),
            None => stored
                .get(code)
                .and_then(|s| s.parent_id)
                .and_then(|id| stored_code.get(&id).copied()),
        }
    };
    // Walk up from every batch row; codes known to reach a root are not walked again.
    let mut reaches_root: HashSet<&str> = HashSet::new();
    for r in rows {
        let mut chain: Vec<&str> = vec![r.code.as_str()];
        let mut at = r.code.as_str();
        while let Some(parent) = parent_of(at) {
            if reaches_root.contains(parent) {
                break;
            }
            if let Some(start) = chain.iter().position(|c| *c == parent) {
                let mut cycle: Vec<String> =
                    chain[start..].iter().map(|c| (*c).to_owned()).collect();
                cycle.push(parent.to_owned());
                return Err(StoreError::ParentCycle {
                    code: parent.to_owned(),
                    chain: cycle,
                });
            }
            chain.push(parent);
            at = parent;
        }
        reaches_root.extend(chain);
    }

    // Depth counts only new batch parents: stored ones have their id already.
    let mut depth: Vec<Option<usize>> = vec![None; rows.len()];
    let mut levels: Vec<Vec<usize>> = Vec::new();
    for start in 0..rows.len() {
        let mut path = Vec::new();
        let mut at = start;
        let base = loop {
            if let Some(d) = depth[at] {
                break d + 1;
            }
            path.push(at);
            let new_parent = rows[at]
                .parent
                .as_deref()
                .filter(|p| !stored.contains_key(*p))
                .and_then(|p| batch.get(p).copied());
            match new_parent {
                Some(p) => at = p,
                None => break 0,
            }
        };
        for (k, &i) in path.iter().rev().enumerate() {
            let d = base + k;
            depth[i] = Some(d);
            if levels.len() <= d {
                levels.resize_with(d + 1, Vec::new);
            }
            levels[d].push(i);
        }
    }
    for level in &mut levels {
        level.sort_unstable();
    }
    Ok(levels)
}

#[cfg(test)]
mod tests {
    use wangge_model::ResourceKind;

    use super::*;

    fn res(code: &str, parent: Option<&str>) -> NewResource {
        NewResource {
            code: code.into(),
            name: code.into(),
            kind: ResourceKind::DistributionBox,
            capacity_ports: None,
            ports_in_use: None,
            parent: parent.map(Into::into),
            address: None,
            lon: None,
            lat: None,
        }
    }

    fn stored(entries: &[(&str, i64, Option<i64>)]) -> HashMap<String, StoredResource> {
        entries
            .iter()
            .map(|&(c, id, parent_id)| ((*c).to_owned(), StoredResource { id, parent_id }))
            .collect()
    }

    #[test]
    fn new_parents_come_one_level_earlier() {
        // box B2 on new cabinet C2 on new OLT O; B1 on stored cabinet C1.
        let rows = [
            res("B2", Some("C2")),
            res("B1", Some("C1")),
            res("C2", Some("O")),
            res("O", None),
        ];
        let levels = plan_resources(&rows, &stored(&[("C1", 1, None)])).unwrap();
        assert_eq!(levels, [vec![1, 3], vec![2], vec![0]]);
        // A stored parent in the batch needs no ordering: its id is known.
        let levels = plan_resources(&rows, &stored(&[("C1", 1, None), ("C2", 2, None)])).unwrap();
        assert_eq!(levels, [vec![0, 1, 3], vec![2]]);
    }

    #[test]
    fn unknown_parent_names_both_codes() {
        let err = plan_resources(&[res("B1", Some("GHOST"))], &HashMap::new()).unwrap_err();
        assert!(
            matches!(&err, StoreError::UnknownReference { code, target, .. } if code == "B1" && target == "GHOST"),
            "{err}"
        );
        let text = err.to_string();
        assert!(text.contains("B1") && text.contains("GHOST"), "{text}");
    }

    #[test]
    fn cycles_are_refused_in_the_batch_and_through_stored_rows() {
        let err = plan_resources(&[res("A", Some("A"))], &HashMap::new()).unwrap_err();
        assert!(
            matches!(&err, StoreError::ParentCycle { chain, .. } if chain == &["A", "A"]),
            "{err}"
        );

        let err = plan_resources(
            &[
                res("A", Some("B")),
                res("B", Some("C")),
                res("C", Some("A")),
            ],
            &HashMap::new(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, StoreError::ParentCycle { chain, .. } if chain.len() == 4),
            "{err}"
        );

        // Stored: B hangs on A. The batch hangs A on B.
        let err = plan_resources(
            &[res("A", Some("B"))],
            &stored(&[("A", 1, None), ("B", 2, Some(1))]),
        )
        .unwrap_err();
        assert!(
            matches!(&err, StoreError::ParentCycle { chain, .. } if chain == &["A", "B", "A"]),
            "{err}"
        );
        // Moving B off A in the same batch makes it fine.
        plan_resources(
            &[res("A", Some("B")), res("B", None)],
            &stored(&[("A", 1, None), ("B", 2, Some(1))]),
        )
        .unwrap();
    }

    #[test]
    fn codes_must_be_present_and_unique() {
        let err = check_codes("customer", ["C1", " "].into_iter()).unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidField { field: "code", .. }),
            "{err}"
        );
        let err = check_codes("customer", ["C1", "C2", "C1"].into_iter()).unwrap_err();
        assert_eq!(err.to_string(), "code \"C1\" (customer) is given twice");
    }

    #[test]
    fn contacts_must_be_an_array_of_objects() {
        check_contacts("B", r#"[{"name":"张经理","role":"物业","phone":"138"}]"#).unwrap();
        check_contacts("B", "[]").unwrap();
        for bad in ["{}", "[1]", "not json", r#"[{"name":"x"}"#] {
            let err = check_contacts("B", bad).unwrap_err();
            assert!(err.to_string().contains("contacts_json"), "{err}");
        }
    }

    #[test]
    fn upsert_sql_updates_all_but_the_code() {
        let writer = Writer {
            backend: Backend::Postgres,
            spec: &BUILDINGS,
            territory_id: 3,
            now: 99,
            max_chunk_rows: MAX_CHUNK_ROWS,
        };
        let sql = writer.sql(2, true);
        assert!(
            sql.starts_with("INSERT INTO buildings (territory_id, code, name,"),
            "{sql}"
        );
        assert!(sql.contains("(3, $1, $2,"), "{sql}");
        assert!(sql.contains("$18, 99, 99)"), "{sql}");
        assert!(!sql.contains("code = excluded.code"), "{sql}");
        assert!(
            sql.contains("contacts = excluded.contacts, updated_at = excluded.updated_at"),
            "{sql}"
        );
        assert!(!sql.contains("created_at = "), "{sql}");
        assert!(sql.ends_with("RETURNING id, code"), "{sql}");
    }
}
