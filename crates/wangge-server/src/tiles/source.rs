//! What tiles are cut from: the outlines of the grid snapshot in world
//! coordinates with the properties the map styles by, and customer points.
//! Cells are found through the snapshot's R-tree ([`CellIndex::cells_in_bbox`]);
//! the 1,000-odd grids of levels 1-3 are few enough to scan by box.

use std::sync::Arc;

use wangge_spatial::index::{CellIndex, GridRef};
use wangge_store::{EntityKind, GridFilter, GridRecord, Store};

use super::clip::{world, world_box_of, world_polygons, Frame};
use super::mvt::{LayerWriter, Value};

/// A grid ready to be cut: polygons of rings in world coordinates.
pub struct Shape {
    /// The grid's database id: the feature id, stable across snapshots.
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: u8,
    pub parent: Option<String>,
    pub cell_type: Option<String>,
    pub category: Option<&'static str>,
    pub area_m2: f64,
    /// Stored flagged invalid (drawn hatched).
    pub invalid: bool,
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
    /// `[x0, y0, x1, y1]` in world coordinates.
    pub world_box: [f64; 4],
}

/// The grid part of the tile source, rebuilt when the snapshot changes.
pub struct GridSource {
    pub index: Arc<CellIndex>,
    shapes: Vec<Arc<Shape>>,
    /// `GridRef` number → position in `shapes` (`u32::MAX`: not drawn).
    by_ref: Vec<u32>,
    /// Positions of the level 1-3 grids in `shapes`.
    upper: Vec<u32>,
}

/// A customer with coordinates, in world coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Dot {
    pub id: i64,
    pub at: [f64; 2],
}

/// Customers sorted by world x, for a range scan per tile.
pub struct DotSource {
    dots: Vec<Dot>,
}

impl Shape {
    /// The tile shape of a stored grid with its parsed geometry.
    pub fn new(g: &GridRecord, mp: &geo::MultiPolygon<f64>) -> Shape {
        let polygons = world_polygons(mp);
        // An empty box (no finite vertex) meets no tile.
        let world_box = world_box_of(&polygons).unwrap_or([f64::MAX, f64::MAX, f64::MIN, f64::MIN]);
        Shape {
            id: g.id,
            code: g.code.as_str().to_owned(),
            name: g.name.clone(),
            level: g.level.get(),
            parent: g.parent.as_ref().map(|p| p.as_str().to_owned()),
            cell_type: g.cell_type.map(|t| t.to_string()),
            category: g.category.map(wangge_model::Category::as_str),
            area_m2: g.area_m2,
            invalid: !g.valid,
            polygons,
            world_box,
        }
    }
}

impl GridSource {
    /// Reads every grid from the store and pairs it with the snapshot
    /// (the server builds both from one read: [`GridSource::from_shapes`]).
    pub async fn load(store: &Store, index: Arc<CellIndex>) -> Result<GridSource, String> {
        let records = store
            .grids(&GridFilter::default())
            .await
            .map_err(|e| e.to_string())?;
        let mut shapes = Vec::with_capacity(records.len());
        for g in records {
            // A grid whose stored geometry does not parse is left off the
            // map (the coverage report names it), not fatal to every tile.
            let Ok(mp) = wangge_assign::parse_multipolygon(&g.geometry_geojson) else {
                tracing::warn!(code = %g.code, "geometry does not parse; left off the tiles");
                continue;
            };
            shapes.push(Arc::new(Shape::new(&g, &mp)));
        }
        Ok(GridSource::from_shapes(index, shapes))
    }

    /// Pairs the shapes with the snapshot they were read with.
    pub fn from_shapes(index: Arc<CellIndex>, shapes: Vec<Arc<Shape>>) -> GridSource {
        // The snapshot gives both in one order: then no lookup is needed.
        let aligned = shapes.len() == index.grid_count()
            && shapes
                .iter()
                .enumerate()
                .all(|(i, s)| s.code.as_str() == index.grid(GridRef(i as u32)).code.as_str());
        let by_ref = if aligned {
            (0..shapes.len() as u32).collect()
        } else {
            let position: std::collections::HashMap<&str, u32> = shapes
                .iter()
                .enumerate()
                .map(|(i, s)| (s.code.as_str(), i as u32))
                .collect();
            (0..index.grid_count())
                .map(|i| {
                    let code = index.grid(GridRef(i as u32)).code.as_str();
                    position.get(code).copied().unwrap_or(u32::MAX)
                })
                .collect()
        };
        let mut upper: Vec<u32> = (0..shapes.len() as u32)
            .filter(|&i| shapes[i as usize].level < 4)
            .collect();
        upper.sort_by_key(|&i| shapes[i as usize].level);
        GridSource {
            index,
            shapes,
            by_ref,
            upper,
        }
    }

    /// The box of every outline, `[x0, y0, x1, y1]` in world coordinates.
    pub fn world_extent(&self) -> [f64; 4] {
        self.shapes
            .iter()
            .fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, s| {
                wangge_model::bbox::union(b, s.world_box)
            })
    }

    /// Writes the grids of levels 1-3 (`layer = "grids"`) or the cells
    /// (`"cells"`) that meet the tile.
    pub fn write(&self, layer: &str, frame: &Frame, tile: &mut Vec<u8>) {
        let bx = frame.world_box();
        let meets = |s: &Shape| {
            s.world_box[0] <= bx[2]
                && s.world_box[2] >= bx[0]
                && s.world_box[1] <= bx[3]
                && s.world_box[3] >= bx[1]
        };
        let mut writer = LayerWriter::new(layer);
        let chosen: Vec<u32> = if layer == "cells" {
            self.index
                .cells_in_bbox(frame.lonlat_box())
                .into_iter()
                .map(|r| self.by_ref[r.index()])
                .filter(|&i| i != u32::MAX)
                .collect::<std::collections::BTreeSet<u32>>()
                .into_iter()
                .collect()
        } else {
            self.upper
                .iter()
                .copied()
                .filter(|&i| meets(&self.shapes[i as usize]))
                .collect()
        };
        let units = frame.units_per_world();
        for i in chosen {
            let s = &self.shapes[i as usize];
            // Under one tile unit (an eighth of a pixel) both ways: nothing to draw.
            let [x0, y0, x1, y1] = s.world_box;
            if (x1 - x0) * units < 1.0 && (y1 - y0) * units < 1.0 {
                continue;
            }
            let polygons = frame.polygons(&s.polygons);
            if polygons.is_empty() {
                continue;
            }
            let mut props = vec![
                ("code", Value::Str(s.code.clone())),
                ("name", Value::Str(s.name.clone())),
                ("level", Value::Int(i64::from(s.level))),
                ("area_m2", Value::Double(s.area_m2.round())),
            ];
            if s.invalid {
                props.push(("invalid", Value::Int(1)));
            }
            if let Some(p) = &s.parent {
                props.push(("parent", Value::Str(p.clone())));
            }
            if let Some(t) = &s.cell_type {
                props.push(("type", Value::Str(t.clone())));
            }
            if let Some(c) = s.category {
                props.push(("category", Value::Str(c.to_owned())));
            }
            writer.add_polygons(u64::try_from(s.id).ok(), props, &polygons);
        }
        writer.finish_into(tile);
    }
}

/// Zoom from which customers are drawn one by one; below it, clustered.
pub const CUSTOMER_POINTS_FROM_ZOOM: u8 = 14;
/// Cluster cell size in tile units (64 × 64 clusters a tile at most).
const CLUSTER_UNITS: i32 = 64;

impl DotSource {
    pub async fn load(store: &Store) -> Result<DotSource, String> {
        let points = store
            .entity_points(EntityKind::Customer)
            .await
            .map_err(|e| e.to_string())?;
        let mut dots: Vec<Dot> = points
            .into_iter()
            .filter_map(|p| match (p.lon, p.lat) {
                (Some(lon), Some(lat))
                    if lon.is_finite()
                        && lat.is_finite()
                        && lon.abs() <= 180.0
                        && lat.abs() <= 85.0 =>
                {
                    Some(Dot {
                        id: p.id,
                        at: world(lon, lat),
                    })
                }
                _ => None,
            })
            .collect();
        dots.sort_by(|a, b| a.at[0].total_cmp(&b.at[0]));
        Ok(DotSource { dots })
    }

    pub fn from_dots(mut dots: Vec<Dot>) -> DotSource {
        dots.sort_by(|a, b| a.at[0].total_cmp(&b.at[0]));
        DotSource { dots }
    }

    pub fn len(&self) -> usize {
        self.dots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dots.is_empty()
    }

    /// Customers in the tile: one point each (`id`) from
    /// [`CUSTOMER_POINTS_FROM_ZOOM`], else clusters with `count`.
    pub fn write(&self, frame: &Frame, tile: &mut Vec<u8>) {
        let Frame { z, x, y, .. } = *frame;
        let n = f64::from(1u32 << z);
        let (x0, x1) = (f64::from(x) / n, f64::from(x + 1) / n);
        let start = self.dots.partition_point(|d| d.at[0] < x0);
        let end = self.dots.partition_point(|d| d.at[0] < x1);
        let (y0, y1) = (f64::from(y) / n, f64::from(y + 1) / n);
        let mut writer = LayerWriter::new("customers");
        if z >= CUSTOMER_POINTS_FROM_ZOOM {
            for d in &self.dots[start..end] {
                if d.at[1] >= y0 && d.at[1] < y1 {
                    if let Some(p) = frame.point(d.at) {
                        writer.add_point(Some(d.id as u64), vec![("id", Value::Int(d.id))], p);
                    }
                }
            }
        } else {
            // Sum of positions and count per cluster cell, then their means.
            let side = (super::mvt::EXTENT as i32) / CLUSTER_UNITS;
            let mut sums = std::collections::HashMap::<i32, (i64, i64, i64)>::new();
            for d in &self.dots[start..end] {
                if d.at[1] < y0 || d.at[1] >= y1 {
                    continue;
                }
                if let Some(p) = frame.point(d.at) {
                    let key = (p[1] / CLUSTER_UNITS) * side + p[0] / CLUSTER_UNITS;
                    let e = sums.entry(key).or_default();
                    *e = (e.0 + i64::from(p[0]), e.1 + i64::from(p[1]), e.2 + 1);
                }
            }
            let mut keys: Vec<_> = sums.into_iter().collect();
            keys.sort_unstable_by_key(|(k, _)| *k);
            for (_, (sx, sy, count)) in keys {
                let p = [(sx / count) as i32, (sy / count) as i32];
                writer.add_point(None, vec![("count", Value::Int(count))], p);
            }
        }
        writer.finish_into(tile);
    }
}
