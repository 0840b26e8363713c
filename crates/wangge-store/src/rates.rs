//! Assignment rates: per grid of a level, how many customers and resources
//! were placed in cells, with counts per status, computed in SQL.

use std::collections::HashMap;

use sqlx::Row;
use wangge_model::{LevelNo, PlacementStatus};

use crate::row::get_parsed;
use crate::{EntityKind, GridRate, Store, StoreError};

/// The `placements` column holding the grid of a level.
pub(crate) fn grid_column(level: LevelNo) -> &'static str {
    match level.get() {
        1 => "l1_id",
        2 => "l2_id",
        3 => "l3_id",
        _ => "cell_id",
    }
}

/// Counts of one grid (or of no grid: key `None`), per kind and status.
type Counts = HashMap<(EntityKind, PlacementStatus), i64>;

impl Store {
    /// Rates per grid of `level` (every grid of the level listed by code,
    /// zeros included), from the placements' cell/l3/l2/l1 ids, preceded by a
    /// territory-wide row (`code` `None`) that counts every placed entity,
    /// the statuses without a grid (`outside`, `no_location`,
    /// `invalid_coordinates`) included, and every stored entity without a
    /// placement as `not_placed_yet` (they lower the territory's rate until
    /// placed; no grid row can count them, having no place). Level 4 gives
    /// the rates of the cells themselves.
    ///
    /// One GROUP BY over the level's index of `placements` (covering: no
    /// table access, no sort on `SQLite`).
    pub async fn assignment_rates(&self, level: LevelNo) -> Result<Vec<GridRate>, StoreError> {
        let column = grid_column(level);
        let rows = sqlx::query(&format!(
            // No WHERE on the kind: SQLite would then pick the primary key
            // and sort (10 times slower); the few buildings and
            // opportunities are skipped below.
            "SELECT {column} AS grid_id, entity_kind, status, COUNT(*) AS n FROM placements \
             GROUP BY {column}, entity_kind, status"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut per_grid: HashMap<Option<i64>, Counts> = HashMap::new();
        let mut territory = Counts::new();
        for row in &rows {
            let kind: EntityKind = get_parsed(row, "entity_kind", "placement entity kind")?;
            if !matches!(kind, EntityKind::Customer | EntityKind::Resource) {
                continue;
            }
            let status: PlacementStatus = get_parsed(row, "status", "placement status")?;
            let n: i64 = row.try_get("n")?;
            *per_grid
                .entry(row.try_get("grid_id")?)
                .or_default()
                .entry((kind, status))
                .or_default() += n;
            *territory.entry((kind, status)).or_default() += n;
        }

        // Stored minus placed: an entity has at most one placement.
        for (kind, stored) in self.entity_counts().await? {
            if !matches!(kind, EntityKind::Customer | EntityKind::Resource) {
                continue;
            }
            let placed: i64 = territory
                .iter()
                .filter(|((k, _), _)| *k == kind)
                .map(|(_, n)| n)
                .sum();
            if stored > placed {
                territory.insert((kind, PlacementStatus::NotPlacedYet), stored - placed);
            }
        }

        let grids = sqlx::query(
            "SELECT id, code, name FROM grids WHERE level = $1 ORDER BY code, territory_id",
        )
        .bind(i64::from(level.get()))
        .fetch_all(&self.pool)
        .await?;
        let territory_name = self.territory().await?.map(|t| t.name).unwrap_or_default();
        let mut rates = Vec::with_capacity(grids.len() + 1);
        rates.push(rate(None, territory_name, None, &territory));
        let empty = Counts::new();
        for row in &grids {
            let id: i64 = row.try_get("id")?;
            rates.push(rate(
                Some(get_parsed(row, "code", "grid code")?),
                row.try_get("name")?,
                Some(level),
                per_grid.get(&Some(id)).unwrap_or(&empty),
            ));
        }
        Ok(rates)
    }

    /// How many customers, resources, buildings and opportunities are stored.
    pub async fn entity_counts(&self) -> Result<[(EntityKind, i64); 4], StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM customers) AS customer, \
                    (SELECT COUNT(*) FROM resources) AS resource, \
                    (SELECT COUNT(*) FROM buildings) AS building, \
                    (SELECT COUNT(*) FROM opportunities) AS opportunity",
        )
        .fetch_one(&self.pool)
        .await?;
        let mut counts = EntityKind::ALL.map(|k| (k, 0));
        for (kind, n) in &mut counts {
            *n = row.try_get(kind.as_str())?;
        }
        Ok(counts)
    }

    /// Whether any customer, resource, building or opportunity is stored:
    /// [`Store::entity_counts`] without counting (a count of 12 M rows
    /// takes a second on PostgreSQL).
    pub async fn has_entities(&self) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM (\
               SELECT 1 AS one FROM (SELECT 1 FROM customers LIMIT 1) AS c \
               UNION ALL SELECT 1 FROM (SELECT 1 FROM resources LIMIT 1) AS r \
               UNION ALL SELECT 1 FROM (SELECT 1 FROM buildings LIMIT 1) AS b \
               UNION ALL SELECT 1 FROM (SELECT 1 FROM opportunities LIMIT 1) AS o) AS any_entity",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

impl Store {
    /// Per kind, the stored entities that have no placement yet (an import
    /// or a demo seeding killed between loading and placing).
    pub async fn not_placed_yet_counts(&self) -> Result<[(EntityKind, i64); 4], StoreError> {
        let rows =
            sqlx::query("SELECT entity_kind, COUNT(*) AS n FROM placements GROUP BY entity_kind")
                .fetch_all(&self.pool)
                .await?;
        let mut placed: HashMap<EntityKind, i64> = HashMap::new();
        for row in &rows {
            let kind: EntityKind = get_parsed(row, "entity_kind", "placement entity kind")?;
            placed.insert(kind, row.try_get("n")?);
        }
        let mut counts = self.entity_counts().await?;
        for (kind, n) in &mut counts {
            *n = (*n - placed.get(kind).copied().unwrap_or(0)).max(0);
        }
        Ok(counts)
    }
}

fn rate(
    code: Option<wangge_model::GridCode>,
    name: String,
    level: Option<LevelNo>,
    counts: &Counts,
) -> GridRate {
    let of = |kind: EntityKind| {
        crate::StatusCounts::from_counts(
            counts
                .iter()
                .filter(|((k, _), _)| *k == kind)
                .map(|((_, s), n)| (*s, *n)),
        )
    };
    GridRate {
        code,
        name,
        level,
        customers: of(EntityKind::Customer),
        resources: of(EntityKind::Resource),
    }
}
