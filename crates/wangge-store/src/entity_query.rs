//! Listing entities: those placed in a grid, those with a status; paged,
//! ordered by code.

use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use wangge_model::{GridCode, PlacementStatus};

use crate::bulk::AnyQuery;
use crate::coords::from_stored;
use crate::grid_query::level_of;
use crate::rates::grid_column;
use crate::row::{get_bool, get_parsed_opt};
use crate::{EntityKind, EntityRow, Page, Store, StoreError};

/// How a column of `extra_json` is read.
#[derive(Clone, Copy)]
enum Extra {
    Text,
    Int,
    Real,
    Bool,
    /// Text holding JSON, embedded as a value.
    Json,
}

/// What a kind's listing selects: the common columns of [`EntityRow`] (as
/// SQL on `e`, the entity table) and the extras, `(sql, key, type)`.
struct Listing {
    name: &'static str,
    kind: &'static str,
    address: &'static str,
    joins: &'static str,
    extras: &'static [(&'static str, &'static str, Extra)],
}

fn listing(kind: EntityKind) -> Listing {
    match kind {
        EntityKind::Customer => Listing {
            name: "e.name",
            kind: "e.segment",
            address: "e.address",
            joins: "",
            extras: &[
                ("e.product_type", "product_type", Extra::Text),
                ("e.monthly_spend_yuan", "monthly_spend_yuan", Extra::Real),
                ("e.staff_count", "staff_count", Extra::Int),
                ("e.class", "class", Extra::Text),
                ("e.other_operator", "other_operator", Extra::Bool),
            ],
        },
        EntityKind::Resource => Listing {
            name: "e.name",
            kind: "e.kind",
            address: "e.address",
            joins: "LEFT JOIN resources par ON par.id = e.parent_id",
            extras: &[
                ("e.capacity_ports", "capacity_ports", Extra::Int),
                ("e.ports_in_use", "ports_in_use", Extra::Int),
                ("par.code", "parent", Extra::Text),
            ],
        },
        EntityKind::Building => Listing {
            name: "e.name",
            kind: "CAST(NULL AS TEXT)",
            address: "e.address",
            joins: "",
            extras: &[
                ("e.developer", "developer", Extra::Text),
                ("e.property_manager", "property_manager", Extra::Text),
                ("e.contacts", "contacts", Extra::Json),
            ],
        },
        EntityKind::Opportunity => Listing {
            name: "e.title",
            kind: "e.stage",
            address: "CAST(NULL AS TEXT)",
            joins: "LEFT JOIN buildings b ON b.id = e.building_id \
                    LEFT JOIN customers c ON c.id = e.customer_id",
            extras: &[
                ("b.code", "building", Extra::Text),
                ("c.code", "customer", Extra::Text),
                ("e.value_yuan", "value_yuan", Extra::Real),
            ],
        },
    }
}

/// Which placements a page lists.
enum Filter {
    /// Placed in this grid (the column of its level).
    Grid {
        column: &'static str,
        id: i64,
    },
    Status(PlacementStatus),
    /// Every entity of the kind, placed or not; with a box, those whose
    /// point lies in it; with a code, that one.
    All {
        bbox: Option<crate::BBox>,
        code: Option<String>,
    },
}

impl Store {
    /// Entities of `kind` placed in a grid, by code then id, `limit` from
    /// `offset` on. A level-4 code lists the cell's entities; a level-1/2/3
    /// code lists everything placed under that grid (in its cells or, for
    /// level 3, in its gaps). `NotFound` for an unknown code.
    pub async fn entities_in_cell(
        &self,
        kind: EntityKind,
        cell: &GridCode,
        offset: i64,
        limit: i64,
    ) -> Result<Page<EntityRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, level FROM grids WHERE level IN (1, 2, 3, 4) AND code = $1 ORDER BY territory_id LIMIT 1",
        )
        .bind(cell.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound {
                what: "cell",
                key: cell.to_string(),
            });
        };
        let filter = Filter::Grid {
            column: grid_column(level_of(&row, "level")?),
            id: row.try_get("id")?,
        };
        self.entity_page(kind, &filter, offset, limit).await
    }

    /// Entities of `kind` whose placement has `status` (the unplaced lists),
    /// by code then id, `limit` from `offset` on; `not_placed_yet` lists
    /// those without a placement.
    pub async fn entities_with_status(
        &self,
        kind: EntityKind,
        status: PlacementStatus,
        offset: i64,
        limit: i64,
    ) -> Result<Page<EntityRow>, StoreError> {
        self.entity_page(kind, &Filter::Status(status), offset, limit)
            .await
    }

    /// Every entity of `kind` (in `bbox`, WGS-84, when given; only the one
    /// with `code`, when given), by code then id, `limit` from `offset` on,
    /// with its placement where it has one: the OGC API's customer and
    /// resource collections and `wangge export`.
    pub async fn entities_page(
        &self,
        kind: EntityKind,
        bbox: Option<crate::BBox>,
        code: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<EntityRow>, StoreError> {
        let filter = Filter::All {
            bbox,
            code: code.map(str::to_owned),
        };
        self.entity_page(kind, &filter, offset, limit).await
    }

    async fn entity_page(
        &self,
        kind: EntityKind,
        filter: &Filter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<EntityRow>, StoreError> {
        let (offset, limit) = (offset.max(0), limit.max(0));
        let kind_literal = format!("'{}'", kind.as_str());
        // Placed entities are found through their placement; those not
        // placed yet through the lack of one. `params`: the filter's own.
        let (from, condition, params) = match filter {
            Filter::Grid { column, .. } => (
                placed_from(kind),
                format!("p.entity_kind = {kind_literal} AND p.{column} = $1"),
                1,
            ),
            Filter::Status(PlacementStatus::NotPlacedYet) => (
                format!(
                    "{table} e LEFT JOIN placements p ON p.entity_kind = {kind_literal} AND p.entity_id = e.id",
                    table = kind.table()
                ),
                "p.entity_id IS NULL".to_owned(),
                0,
            ),
            Filter::Status(_) => (
                placed_from(kind),
                format!("p.entity_kind = {kind_literal} AND p.status = $1"),
                1,
            ),
            Filter::All { bbox, code } => {
                let mut conditions = vec!["1 = 1".to_owned()];
                let mut params = 0;
                if bbox.is_some() {
                    conditions.push(
                        "e.lon >= $1 AND e.lat >= $2 AND e.lon <= $3 AND e.lat <= $4".to_owned(),
                    );
                    params = 4;
                }
                if code.is_some() {
                    params += 1;
                    conditions.push(format!("e.code = ${params}"));
                }
                (
                    format!(
                        "{table} e LEFT JOIN placements p ON p.entity_kind = {kind_literal} AND p.entity_id = e.id",
                        table = kind.table()
                    ),
                    conditions.join(" AND "),
                    params,
                )
            }
        };
        // Placed ones are counted on the placements alone (an index).
        let count_from = match filter {
            Filter::Grid { .. } => "placements p",
            Filter::Status(status) if *status != PlacementStatus::NotPlacedYet => "placements p",
            _ => from.as_str(),
        };
        let count_sql = format!("SELECT COUNT(*) AS n FROM {count_from} WHERE {condition}");
        let total: i64 = bind_filter(sqlx::query(&count_sql), filter)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;

        let l = listing(kind);
        let extras: Vec<String> = l
            .extras
            .iter()
            .enumerate()
            .map(|(i, (sql, _, _))| format!("{sql} AS x{i}"))
            .collect();
        let sql = format!(
            "SELECT e.id, e.code, {name} AS name, {k} AS kind, {address} AS address, \
             e.lon, e.lat, e.raw_coordinates, p.status, p.reason, {extras} \
             FROM {from} {joins} \
             WHERE {condition} \
             ORDER BY e.code, e.id LIMIT ${limit_param} OFFSET ${offset_param}",
            name = l.name,
            k = l.kind,
            address = l.address,
            extras = extras.join(", "),
            joins = l.joins,
            limit_param = params + 1,
            offset_param = params + 2,
        );
        let rows = bind_filter(sqlx::query(&sql), filter)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(|row| entity_row(row, l.extras))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }
}

/// Placements joined to their entities of `kind`.
fn placed_from(kind: EntityKind) -> String {
    format!("placements p JOIN {} e ON e.id = p.entity_id", kind.table())
}

fn bind_filter<'q>(query: AnyQuery<'q>, filter: &Filter) -> AnyQuery<'q> {
    match filter {
        Filter::Grid { id, .. } => query.bind(*id),
        Filter::Status(PlacementStatus::NotPlacedYet) => query,
        Filter::Status(status) => query.bind(status.as_str()),
        Filter::All { bbox, code } => {
            let mut query = query;
            if let Some([min_lon, min_lat, max_lon, max_lat]) = bbox {
                query = query
                    .bind(*min_lon)
                    .bind(*min_lat)
                    .bind(*max_lon)
                    .bind(*max_lat);
            }
            if let Some(code) = code {
                query = query.bind(code.clone());
            }
            query
        }
    }
}

fn entity_row(
    row: &AnyRow,
    extras: &[(&'static str, &'static str, Extra)],
) -> Result<EntityRow, StoreError> {
    let raw: Option<String> = row.try_get("raw_coordinates")?;
    let (lon, lat) = from_stored(row.try_get("lon")?, row.try_get("lat")?, raw.as_deref());
    let mut extra = Map::new();
    for (i, (_, key, how)) in extras.iter().enumerate() {
        let column = format!("x{i}");
        let value = match how {
            Extra::Text => row
                .try_get::<Option<String>, _>(column.as_str())?
                .map_or(Value::Null, Value::String),
            Extra::Int => row
                .try_get::<Option<i64>, _>(column.as_str())?
                .map_or(Value::Null, Value::from),
            Extra::Real => row
                .try_get::<Option<f64>, _>(column.as_str())?
                .map_or(Value::Null, Value::from),
            Extra::Bool => Value::Bool(get_bool(row, &column)?),
            Extra::Json => match row.try_get::<Option<String>, _>(column.as_str())? {
                None => Value::Null,
                Some(text) => serde_json::from_str(&text)
                    .map_err(|e| StoreError::corrupt(format!("stored JSON of {key}"), e))?,
            },
        };
        extra.insert((*key).to_owned(), value);
    }
    Ok(EntityRow {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        address: row.try_get("address")?,
        lon,
        lat,
        status: get_parsed_opt(row, "status", "placement status")?,
        reason: row.try_get("reason")?,
        extra_json: Value::Object(extra).to_string(),
    })
}
