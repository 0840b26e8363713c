//! Province scale: N copies of the demo territory laid side by side, for
//! benchmarks at ten times the field's size (10 copies: 72,000 cells, about
//! 10,000 outlet areas, 12 million customers at `--customers 1206974`).
//!
//! Copy 1 is the demo itself, codes and names unchanged, so one copy is the
//! ordinary demo. Copy `k` ≥ 2 is the same territory moved east by
//! `(k - 1) % COLUMNS` steps and north by `(k - 1) / COLUMNS` steps (a step is
//! the demo's extent plus [`GAP_DEG`]), so copies never overlap; every code
//! gets the prefix `C{k:02}-` (grids, outlets, customers, resources,
//! buildings, opportunities, roads and standard addresses, and every code
//! that refers to one of them), grid, outlet and building names and
//! opportunity titles the suffix `（k）`, user names the suffix `-{k:02}`.
//! Customer and resource names, addresses and division codes stay as they
//! are: the copies repeat the same real places, so an address text is not
//! unique across copies (geocoding is measured on one copy).
//!
//! Coordinates that are not a usable place — NaN, out of range (swapped
//! longitude and latitude) or the spreadsheet default (0, 0) — are copied
//! unmoved, so every copied entity keeps the placement its original meant.

use geo::MapCoords;
use geo_types::{Coord, MultiPolygon};
use wangge_model::GridCode;
use wangge_spatial::area::geodesic_area_m2;
use wangge_store::{NewBuilding, NewCustomer, NewGrid, NewOpportunity, NewOutlet, NewResource};

use crate::build::geojson_text;
use crate::entities::{Intended, Intent};
use crate::roads::DemoRoad;
use crate::sampler::round6;
use crate::users::{password, DemoUser};
use crate::DemoError;

/// Copies per row, east to west; further rows lie to the north.
pub const COLUMNS: usize = 10;
/// At most this many copies: the copy number has two digits in codes.
pub const MAX_COPIES: usize = 99;
/// Degrees between neighbouring copies: the demo's points off the boundary lie
/// at most 400 m outside it, far less than this.
pub const GAP_DEG: f64 = 0.2;

/// One copy of the demo: its number and how far it is moved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TerritoryCopy {
    /// 1-based; copy 1 is the demo itself.
    pub number: usize,
    pub dlon: f64,
    pub dlat: f64,
}

/// The copies `1..=copies` of the demo whose grids are `grids`, each moved by
/// whole steps of the demo's extent plus [`GAP_DEG`] (rounded up to 0.1°).
///
/// ```
/// # fn main() -> Result<(), wangge_demo::DemoError> {
/// use wangge_demo::{copies::layout, generate, DemoConfig};
/// let demo = generate(&DemoConfig { customers: 0, ..DemoConfig::default() })?;
/// let copies = layout(&demo.grids, 12)?;
/// assert_eq!((copies[0].dlon, copies[0].dlat), (0.0, 0.0));
/// assert!(copies[1].dlon > 2.0 && copies[1].dlat == 0.0);
/// assert!(copies[10].dlon == 0.0 && copies[10].dlat > 1.5);
/// assert_eq!(copies[11].code("SYKH00000001"), "C12-SYKH00000001");
/// # Ok(()) }
/// ```
pub fn layout(grids: &[NewGrid], copies: usize) -> Result<Vec<TerritoryCopy>, DemoError> {
    check_count(copies)?;
    let [mut x0, mut y0, mut x1, mut y1] = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for grid in grids {
        let [a, b, c, d] = grid.bbox;
        (x0, y0, x1, y1) = (x0.min(a), y0.min(b), x1.max(c), y1.max(d));
    }
    if !(x1 >= x0 && y1 >= y0) {
        return Err(DemoError::Plan("the demo has no grid to copy".into()));
    }
    let step = |extent: f64| ((extent + GAP_DEG) * 10.0).ceil() / 10.0;
    let (step_lon, step_lat) = (step(x1 - x0), step(y1 - y0));
    Ok((0..copies)
        .map(|i| TerritoryCopy {
            number: i + 1,
            dlon: (i % COLUMNS) as f64 * step_lon,
            dlat: (i / COLUMNS) as f64 * step_lat,
        })
        .collect())
}

/// Refuses a number of copies outside `1..=MAX_COPIES`.
pub fn check_count(copies: usize) -> Result<(), DemoError> {
    if (1..=MAX_COPIES).contains(&copies) {
        Ok(())
    } else {
        Err(DemoError::Plan(format!(
            "copies must be between 1 and {MAX_COPIES}, not {copies}"
        )))
    }
}

impl TerritoryCopy {
    /// The copy that is the demo itself.
    pub fn is_original(&self) -> bool {
        self.number == 1
    }

    /// The code in this copy: `C{k:02}-` before it from copy 2 on.
    pub fn code(&self, code: &str) -> String {
        if self.is_original() {
            code.to_owned()
        } else {
            format!("C{:02}-{code}", self.number)
        }
    }

    fn grid_code(&self, code: &GridCode) -> Result<GridCode, DemoError> {
        Ok(GridCode::try_from(self.code(code.as_str()))?)
    }

    /// A grid, outlet or building name in this copy: `（k）` after it.
    pub fn name(&self, name: &str) -> String {
        if self.is_original() {
            name.to_owned()
        } else {
            format!("{name}（{}）", self.number)
        }
    }

    /// A point moved with the copy; one that is no usable place is not moved.
    fn point(&self, lon: Option<f64>, lat: Option<f64>) -> (Option<f64>, Option<f64>) {
        match (lon, lat) {
            (Some(x), Some(y))
                if x.is_finite()
                    && y.is_finite()
                    && (-180.0..=180.0).contains(&x)
                    && (-90.0..=90.0).contains(&y)
                    && (x, y) != (0.0, 0.0) =>
            {
                (Some(round6(x + self.dlon)), Some(round6(y + self.dlat)))
            }
            other => other,
        }
    }

    fn lon_lat(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        match self.point(Some(x), Some(y)) {
            (Some(x), Some(y)) => [x, y],
            _ => [x, y],
        }
    }

    /// The grids moved, renamed and recoded (parents too). Shared edges stay
    /// shared: the same coordinate moves by the same float addition.
    pub fn grids(&self, grids: &[NewGrid]) -> Result<Vec<NewGrid>, DemoError> {
        grids.iter().map(|g| self.grid(g)).collect()
    }

    fn grid(&self, grid: &NewGrid) -> Result<NewGrid, DemoError> {
        if self.is_original() {
            return Ok(grid.clone());
        }
        let geometry = parse_multipolygon(grid)?;
        let moved: MultiPolygon<f64> = geometry.map_coords(|c| Coord {
            x: c.x + self.dlon,
            y: c.y + self.dlat,
        });
        let [a, b, c, d] = grid.bbox;
        let code = self.grid_code(&grid.code)?;
        let name = self.name(&grid.name);
        Ok(NewGrid {
            source: Some(format!("demo {code} ({name})")),
            code,
            name,
            level: grid.level,
            parent: grid
                .parent
                .as_ref()
                .map(|p| self.grid_code(p))
                .transpose()?,
            cell_type: grid.cell_type,
            geometry_geojson: geojson_text(&moved),
            bbox: [a + self.dlon, b + self.dlat, c + self.dlon, d + self.dlat],
            // Moving east keeps the area; moving north changes it.
            area_m2: if self.dlat == 0.0 {
                grid.area_m2
            } else {
                geodesic_area_m2(&moved)
            },
            invalid_reason: grid.invalid_reason.clone(),
            properties_json: grid.properties_json.clone(),
        })
    }

    pub fn outlets(&self, outlets: &[NewOutlet]) -> Result<Vec<NewOutlet>, DemoError> {
        outlets
            .iter()
            .map(|o| {
                let [lon, lat] = self.lon_lat([o.lon, o.lat]);
                Ok(NewOutlet {
                    code: self.code(&o.code),
                    name: self.name(&o.name),
                    lon,
                    lat,
                    address: o.address.clone(),
                    supports: o
                        .supports
                        .iter()
                        .map(|g| self.grid_code(g))
                        .collect::<Result<_, DemoError>>()?,
                })
            })
            .collect()
    }

    /// The users of the copy, scoped to its grids, each with the password the
    /// seed gives its new name.
    pub fn users(&self, users: &[DemoUser], seed: u64) -> Result<Vec<DemoUser>, DemoError> {
        users
            .iter()
            .map(|u| {
                let name = if self.is_original() {
                    u.name.clone()
                } else {
                    format!("{}-{:02}", u.name, self.number)
                };
                Ok(DemoUser {
                    password: if self.is_original() {
                        u.password.clone()
                    } else {
                        password(seed, &name)
                    },
                    name,
                    role: u.role,
                    kind: u.kind,
                    scopes: u
                        .scopes
                        .iter()
                        .map(|g| self.grid_code(g))
                        .collect::<Result<_, DemoError>>()?,
                })
            })
            .collect()
    }

    pub fn customers(&self, customers: &[NewCustomer]) -> Vec<NewCustomer> {
        customers
            .iter()
            .map(|c| {
                let (lon, lat) = self.point(c.lon, c.lat);
                NewCustomer {
                    code: self.code(&c.code),
                    lon,
                    lat,
                    ..c.clone()
                }
            })
            .collect()
    }

    pub fn resources(&self, resources: &[NewResource]) -> Vec<NewResource> {
        resources
            .iter()
            .map(|r| {
                let (lon, lat) = self.point(r.lon, r.lat);
                NewResource {
                    code: self.code(&r.code),
                    parent: r.parent.as_deref().map(|p| self.code(p)),
                    lon,
                    lat,
                    ..r.clone()
                }
            })
            .collect()
    }

    pub fn buildings(&self, buildings: &[NewBuilding]) -> Vec<NewBuilding> {
        buildings
            .iter()
            .map(|b| {
                let (lon, lat) = self.point(b.lon, b.lat);
                NewBuilding {
                    code: self.code(&b.code),
                    name: self.name(&b.name),
                    lon,
                    lat,
                    ..b.clone()
                }
            })
            .collect()
    }

    pub fn opportunities(&self, opportunities: &[NewOpportunity]) -> Vec<NewOpportunity> {
        opportunities
            .iter()
            .map(|o| {
                let (lon, lat) = self.point(o.lon, o.lat);
                NewOpportunity {
                    code: self.code(&o.code),
                    title: self.name(&o.title),
                    building: o.building.as_deref().map(|b| self.code(b)),
                    customer: o.customer.as_deref().map(|c| self.code(c)),
                    lon,
                    lat,
                    ..o.clone()
                }
            })
            .collect()
    }

    /// The roads moved and recoded; names and division codes stay.
    pub fn roads(&self, roads: &[DemoRoad]) -> Vec<DemoRoad> {
        roads
            .iter()
            .map(|r| DemoRoad {
                code: self.code(&r.code),
                from: self.lon_lat(r.from),
                to: self.lon_lat(r.to),
                ..r.clone()
            })
            .collect()
    }

    /// The generator's intentions for the copy, whose grids come after
    /// `grids_before` grids of the earlier copies.
    pub fn intended(
        &self,
        intended: &Intended,
        grids_before: usize,
    ) -> Result<Intended, DemoError> {
        let offset = u32::try_from(grids_before)
            .map_err(|_| DemoError::Plan("more grids than a u32 counts".into()))?;
        let cell = |c: u32| {
            c.checked_add(offset)
                .ok_or_else(|| DemoError::Plan("more grids than a u32 counts".into()))
        };
        let intents = |list: &[Intent]| -> Result<Vec<Intent>, DemoError> {
            list.iter()
                .map(|i| {
                    Ok(Intent {
                        status: i.status,
                        cell: i.cell.map(cell).transpose()?,
                    })
                })
                .collect()
        };
        let cells = |list: &[u32]| list.iter().map(|&c| cell(c)).collect::<Result<Vec<_>, _>>();
        Ok(Intended {
            customers: intents(&intended.customers)?,
            resources: intents(&intended.resources)?,
            blind_spots: cells(&intended.blind_spots)?,
            busy_cells: cells(&intended.busy_cells)?,
            // The estate is described by the first copy only.
            new_estate: None,
        })
    }
}

fn parse_multipolygon(grid: &NewGrid) -> Result<MultiPolygon<f64>, DemoError> {
    let fail = |reason: String| {
        DemoError::Plan(format!("copying the geometry of {}: {reason}", grid.code))
    };
    wangge_spatial::geojson::parse_multipolygon(&grid.geometry_geojson).map_err(fail)
}
