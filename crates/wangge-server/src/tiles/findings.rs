//! The `coverage` tile layer: the findings of the cached coverage analysis
//! ([`crate::coverage::CoverageCache`], default options: every level, the
//! default sliver width) in world coordinates, cut per tile like the grids.
//!
//! One MVT layer `coverage`; every feature has `kind` (`gap`, `overlap`,
//! `outside_parent`, `invalid`), `level`, `item` (its position in the list
//! of that kind in the whole report of `GET /api/v1/coverage`, which keeps
//! the analysis' order; not with `slivers=false` or `offset`) and, by kind:
//!
//! * gap: `parent`, `area_m2`, `width_m`, `sliver` (bool), `neighbours`
//!   (codes, `;`-separated);
//! * overlap: `parent`, `a`, `b`, `grids` (`a;b`), `area_m2`;
//! * outside_parent: `grid`, `grids`, `parent`, `area_m2`;
//! * invalid: `grid`, `grids`, `reason` (a point at its location).
//!
//! A polygon under [`POINT_BELOW_UNITS`] tile units both ways is written as
//! a point instead (gaps at their label point, overlaps at the middle of
//! their box), so a small blind spot or overlap stays visible when zoomed
//! out; small drawing errors (sliver gaps, parts outside parents: thousands
//! on a real territory) are left out until they are that large. Edge
//! mismatches (lines) and fix proposals are not in the layer.

use wangge_spatial::coverage::CoverageReport;

use super::clip::{world, world_box_of, world_polygons, Frame};
use super::mvt::{LayerWriter, Value};

/// Polygons smaller than this (tile units, 8 per pixel at 512 px tiles)
/// on both axes become points.
pub const POINT_BELOW_UNITS: f64 = 24.0;

/// One finding ready to be cut.
struct Finding {
    /// Polygons of rings in world coordinates (empty for a point finding).
    polygons: Vec<Vec<Vec<[f64; 2]>>>,
    /// Where a point stands for it (world coordinates).
    at: [f64; 2],
    /// `[x0, y0, x1, y1]` in world coordinates.
    world_box: [f64; 4],
    properties: Vec<(&'static str, Value)>,
    /// Written as a point when too small to draw (else left out).
    point_when_small: bool,
}

/// The findings of one grid geometry.
pub struct FindingSource {
    /// The grid revision the analysis was computed at (a later revision
    /// with the same geometry keeps it: a rename leaves the tiles cached).
    pub revision: i64,
    findings: Vec<Finding>,
}

fn middle(b: [f64; 4]) -> [f64; 2] {
    [f64::midpoint(b[0], b[2]), f64::midpoint(b[1], b[3])]
}

fn code_list<'a>(codes: impl IntoIterator<Item = &'a wangge_model::GridCode>) -> String {
    codes
        .into_iter()
        .map(wangge_model::GridCode::as_str)
        .collect::<Vec<_>>()
        .join(";")
}

impl Finding {
    fn polygonal(
        polygons: Vec<Vec<Vec<[f64; 2]>>>,
        at: Option<[f64; 2]>,
        properties: Vec<(&'static str, Value)>,
        point_when_small: bool,
    ) -> Option<Finding> {
        let world_box = world_box_of(&polygons)?;
        Some(Finding {
            at: at.unwrap_or_else(|| middle(world_box)),
            polygons,
            world_box,
            properties,
            point_when_small,
        })
    }
}

impl FindingSource {
    /// The findings of an analysis (gaps, overlaps, parts outside parents,
    /// invalid grids with a location).
    pub fn new(revision: i64, report: &CoverageReport) -> FindingSource {
        let mut findings = Vec::new();
        let level = |l: wangge_model::LevelNo| Value::Int(i64::from(l.get()));
        let text = |s: &str| Value::Str(s.to_owned());
        let parent = |p: &Option<wangge_model::GridCode>| {
            Value::Str(
                p.as_ref()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
            )
        };
        for (i, g) in report.gaps.iter().enumerate() {
            let props = vec![
                ("kind", text("gap")),
                ("level", level(g.level)),
                ("item", Value::Int(i as i64)),
                ("parent", parent(&g.parent)),
                ("area_m2", Value::Double(g.area_m2.round())),
                ("width_m", Value::Double((g.width_m * 10.0).round() / 10.0)),
                ("sliver", Value::Bool(g.sliver)),
                ("neighbours", Value::Str(code_list(&g.neighbours))),
            ];
            let at = world(g.label_point[0], g.label_point[1]);
            findings.extend(Finding::polygonal(
                world_polygons(&g.geometry),
                Some(at),
                props,
                !g.sliver,
            ));
        }
        for (i, o) in report.overlaps.iter().enumerate() {
            let props = vec![
                ("kind", text("overlap")),
                ("level", level(o.level)),
                ("item", Value::Int(i as i64)),
                ("parent", parent(&o.parent)),
                ("a", text(o.a.as_str())),
                ("b", text(o.b.as_str())),
                ("grids", Value::Str(code_list([&o.a, &o.b]))),
                ("area_m2", Value::Double(o.area_m2.round())),
            ];
            findings.extend(Finding::polygonal(
                world_polygons(&o.geometry),
                None,
                props,
                true,
            ));
        }
        for (i, o) in report.outside_parent.iter().enumerate() {
            let props = vec![
                ("kind", text("outside_parent")),
                ("level", level(o.level)),
                ("item", Value::Int(i as i64)),
                ("grid", text(o.grid.as_str())),
                ("grids", text(o.grid.as_str())),
                ("parent", parent(&o.parent)),
                ("area_m2", Value::Double(o.area_m2.round())),
            ];
            findings.extend(Finding::polygonal(
                world_polygons(&o.geometry),
                None,
                props,
                false,
            ));
        }
        for (i, bad) in report.invalid.iter().enumerate() {
            let Some([lon, lat]) = bad.location else {
                continue;
            };
            if !(lon.is_finite() && lat.is_finite()) {
                continue;
            }
            let at = world(lon, lat);
            findings.push(Finding {
                polygons: Vec::new(),
                at,
                world_box: [at[0], at[1], at[0], at[1]],
                point_when_small: true,
                properties: vec![
                    ("kind", text("invalid")),
                    ("level", level(bad.level)),
                    ("item", Value::Int(i as i64)),
                    ("grid", text(bad.grid.as_str())),
                    ("grids", text(bad.grid.as_str())),
                    ("reason", text(&bad.reason)),
                ],
            });
        }
        FindingSource { revision, findings }
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The box of every finding, `[x0, y0, x1, y1]` in world coordinates.
    pub fn world_extent(&self) -> [f64; 4] {
        self.findings
            .iter()
            .fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, f| {
                wangge_model::bbox::union(b, f.world_box)
            })
    }

    /// Writes the findings that meet the tile (layer `coverage`). Feature
    /// ids are positions in the source plus one, the same in every tile.
    pub fn write(&self, frame: &Frame, tile: &mut Vec<u8>) {
        let bx = frame.world_box();
        let units = frame.units_per_world();
        let mut writer = LayerWriter::new("coverage");
        for (i, f) in self.findings.iter().enumerate() {
            let b = f.world_box;
            if b[0] > bx[2] || b[2] < bx[0] || b[1] > bx[3] || b[3] < bx[1] {
                continue;
            }
            let id = Some(i as u64 + 1);
            let small = (b[2] - b[0]) * units < POINT_BELOW_UNITS
                && (b[3] - b[1]) * units < POINT_BELOW_UNITS;
            if f.polygons.is_empty() || small {
                if !f.point_when_small {
                    continue;
                }
                if let Some(p) = frame.point(f.at) {
                    writer.add_point(id, f.properties.clone(), p);
                }
                continue;
            }
            let polygons = frame.polygons(&f.polygons);
            if polygons.is_empty() {
                // Too thin to keep a ring here: a point where it stands, if
                // that is in this tile.
                if !f.point_when_small {
                    continue;
                }
                if let Some(p) = frame.point(f.at) {
                    writer.add_point(id, f.properties.clone(), p);
                }
                continue;
            }
            writer.add_polygons(id, f.properties.clone(), &polygons);
        }
        writer.finish_into(tile);
    }
}
