//! The network in the cells: distribution boxes (分线盒) near the customers,
//! 4-12 of them hanging on each cross-connect cabinet (交接箱); one OLT per
//! branch with its splitters (分光器) standing in the cabinets; broadband port
//! groups; base stations in towns and some villages. Some boxes were never
//! surveyed (no coordinates: placed through their cabinet), a few cabinets
//! neither (their boxes cannot be placed), some cells run their ports above
//! 90 %, and a few populated cells have no network at all (blind spots).

use std::collections::{BTreeMap, HashSet};

use geo::Coord;
use rand::seq::SliceRandom;
use rand::Rng;
use wangge_model::{PlacementStatus, ResourceKind};
use wangge_store::NewResource;

use crate::address::{render, Damage};
use crate::build::L3Site;
use crate::entities::{Context, Intent};
use crate::rng::rng_for;

/// Products one distribution box serves.
const PRODUCTS_PER_BOX: usize = 25;
/// Share of populated cells left without any resource.
const BLIND_SPOT_SHARE: f64 = 0.005;
/// Share of populated cells whose ports are nearly all in use.
const BUSY_SHARE: f64 = 0.04;
/// Boxes without coordinates (never surveyed): placed through their cabinet.
pub const BOX_WITHOUT_COORDINATES: f64 = 0.15;
/// Cabinets without coordinates (an address only).
pub const CABINET_WITHOUT_COORDINATES: f64 = 0.015;
/// Boxes with longitude and latitude swapped.
const BOX_SWAPPED: f64 = 0.001;
/// Splitters without coordinates: placed through their OLT.
const SPLITTER_WITHOUT_COORDINATES: f64 = 0.08;

/// The resources and what each is meant to get, plus the special cells.
pub struct Network {
    pub resources: Vec<NewResource>,
    pub intents: Vec<Intent>,
    /// Cell indices (into the context's cells).
    pub blind_spots: Vec<usize>,
    pub busy: Vec<usize>,
}

/// One resource under construction.
struct Draft {
    resource: NewResource,
    cell: usize,
    point: Coord<f64>,
    located: bool,
}

struct Builder<'c, 'a> {
    ctx: &'c Context<'a>,
    utilisation: Vec<f64>,
    drafts: Vec<Draft>,
    intents: Vec<Intent>,
}

impl Builder<'_, '_> {
    fn address(&self, cell: usize, p: Coord<f64>, rng: &mut impl Rng) -> String {
        let parts = self.ctx.address_at(cell, p, rng);
        // Network records are kept by engineers: fewer faults than clerks'.
        let damage = Damage {
            drop_top: rng.gen_range(0..3),
            ..Damage::default()
        };
        render(&parts, &damage)
    }

    /// Ports in use at the cell's utilisation.
    fn ports(&self, cell: usize, capacity: i64, rng: &mut impl Rng) -> i64 {
        let u = (self.utilisation[cell] + rng.gen_range(-0.03..0.03)).clamp(0.0, 1.0);
        // Up: a box of 10 pairs at 93 % has 10 in use, not 9.
        ((capacity as f64 * u).ceil() as i64).min(capacity)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        code: String,
        name: String,
        kind: ResourceKind,
        capacity: Option<i64>,
        parent: Option<(usize, &str)>,
        cell: usize,
        point: Coord<f64>,
        coordinates: Coordinates,
        rng: &mut impl Rng,
    ) -> usize {
        let ports_in_use = capacity.map(|c| self.ports(cell, c, rng));
        let address = Some(self.address(cell, point, rng));
        let (lon, lat) = match coordinates {
            Coordinates::Given => (Some(point.x), Some(point.y)),
            Coordinates::Missing => (None, None),
            Coordinates::Swapped => (Some(point.y), Some(point.x)),
        };
        let home = Some(self.ctx.grid_index[cell]);
        let intent = match (coordinates, parent) {
            (Coordinates::Given, _) => Intent {
                status: PlacementStatus::Assigned,
                cell: home,
            },
            (Coordinates::Swapped, _) => Intent {
                status: PlacementStatus::InvalidCoordinates,
                cell: home,
            },
            (Coordinates::Missing, Some((p, _))) if self.drafts[p].located => Intent {
                status: PlacementStatus::ViaParent,
                cell: Some(self.ctx.grid_index[self.drafts[p].cell]),
            },
            (Coordinates::Missing, _) => Intent {
                status: PlacementStatus::NoLocation,
                cell: home,
            },
        };
        self.drafts.push(Draft {
            resource: NewResource {
                code,
                name,
                kind,
                capacity_ports: capacity,
                ports_in_use,
                parent: parent.map(|(_, code)| code.to_owned()),
                address,
                lon,
                lat,
            },
            cell,
            point,
            located: coordinates == Coordinates::Given,
        });
        self.intents.push(intent);
        self.drafts.len() - 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coordinates {
    Given,
    Missing,
    Swapped,
}

/// Chunk sizes between 4 and 12 that add up to `n` (fewer than 4 stay one chunk).
fn chunks(n: usize, rng: &mut impl Rng) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut left = n;
    while left > 12 {
        let size = rng.gen_range(4..=12).min(left - 4);
        sizes.push(size);
        left -= size;
    }
    if left > 0 {
        sizes.push(left);
    }
    sizes
}

/// A Z-order key of a point in a box, so chunks of sorted boxes are compact.
fn morton(p: Coord<f64>, [x0, y0, x1, y1]: [f64; 4]) -> u64 {
    let scale = |v: f64, lo: f64, hi: f64| -> u64 {
        if hi > lo {
            (((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 65_535.0) as u64
        } else {
            0
        }
    };
    let (x, y) = (scale(p.x, x0, x1), scale(p.y, y0, y1));
    (0..16).fold(0, |key, bit| {
        key | ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    })
}

/// Generates the network over `counts` products per cell.
pub fn generate(ctx: &Context<'_>, sites: &[L3Site], counts: &[usize]) -> Network {
    let mut rng = rng_for(ctx.seed, "network");
    // The OLT of a branch stands in the first cell of its first outlet area.
    let mut olt_cells: BTreeMap<String, usize> = BTreeMap::new();
    let mut l3_cells: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, cell) in ctx.cells.iter().enumerate() {
        l3_cells.entry(cell.l3.as_str()).or_default().push(i);
    }
    for site in sites {
        if let Some(&first) = l3_cells.get(site.code.as_str()).and_then(|c| c.first()) {
            olt_cells.entry(site.branch.to_string()).or_insert(first);
        }
    }
    let olt_set: HashSet<usize> = olt_cells.values().copied().collect();
    let populated: Vec<usize> = (0..ctx.cells.len()).filter(|&i| counts[i] > 0).collect();
    let mut candidates: Vec<usize> = populated
        .iter()
        .copied()
        .filter(|i| !olt_set.contains(i))
        .collect();
    candidates.shuffle(&mut rng);
    let blind_count = ((populated.len() as f64 * BLIND_SPOT_SHARE).round() as usize).max(3);
    let blind: HashSet<usize> = candidates.iter().copied().take(blind_count).collect();
    let busy_count = (populated.len() as f64 * BUSY_SHARE).round() as usize;
    let busy: HashSet<usize> = candidates
        .iter()
        .copied()
        .skip(blind_count)
        .take(busy_count)
        .collect();
    let utilisation = (0..ctx.cells.len())
        .map(|i| {
            if busy.contains(&i) {
                rng.gen_range(0.94..0.99)
            } else {
                rng.gen_range(0.25..0.8)
            }
        })
        .collect();
    let mut b = Builder {
        ctx,
        utilisation,
        drafts: Vec::new(),
        intents: Vec::new(),
    };
    let site_of: BTreeMap<&str, &L3Site> = sites.iter().map(|s| (s.code.as_str(), s)).collect();

    // OLTs first: splitters hang on them.
    let mut olts: BTreeMap<String, usize> = BTreeMap::new();
    for (branch, &cell) in &olt_cells {
        let Some(sampler) = ctx.samplers[cell].as_ref() else {
            continue;
        };
        let mut rng = rng_for(ctx.seed, &format!("olt/{branch}"));
        let p = sampler.sample(&mut rng);
        let town = &ctx.town(cell).display;
        let boards = rng.gen_range(2..=8);
        let d = b.push(
            format!("OLT-{branch}"),
            format!("{town}{}OLT", ctx.cells[cell].name),
            ResourceKind::Olt,
            Some(boards * 16 * 64),
            None,
            cell,
            p,
            Coordinates::Given,
            &mut rng,
        );
        olts.insert(branch.clone(), d);
    }

    // Per outlet area: boxes near the customers, cabinets over chunks of
    // boxes, port groups at some cabinets, base stations.
    let mut branch_cabinets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut branch_products: BTreeMap<String, usize> = BTreeMap::new();
    for (l3, cells) in &l3_cells {
        let Some(site) = site_of.get(l3) else {
            continue;
        };
        let mut rng = rng_for(ctx.seed, &format!("network/{l3}"));
        let branch = site.branch.to_string();
        *branch_products.entry(branch.clone()).or_default() +=
            cells.iter().map(|&c| counts[c]).sum::<usize>();
        let mut boxes: Vec<(usize, Coord<f64>)> = Vec::new();
        for &c in cells {
            if counts[c] == 0 || blind.contains(&c) {
                continue;
            }
            let Some(sampler) = ctx.samplers[c].as_ref() else {
                continue;
            };
            let n = (counts[c] as f64 / PRODUCTS_PER_BOX as f64)
                .round()
                .max(1.0) as usize;
            boxes.extend((0..n).map(|_| (c, sampler.sample(&mut rng))));
        }
        let bbox = site_bbox(site);
        boxes.sort_by_key(|(_, p)| morton(*p, bbox));
        let mut start = 0;
        for (k, size) in chunks(boxes.len(), &mut rng).into_iter().enumerate() {
            let group = &boxes[start..start + size];
            start += size;
            // The cabinet stands in the cell with most of its boxes.
            let mut tally: BTreeMap<usize, usize> = BTreeMap::new();
            for (c, _) in group {
                *tally.entry(*c).or_default() += 1;
            }
            let Some((&cell, _)) = tally
                .iter()
                .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))
            else {
                continue;
            };
            let Some(sampler) = ctx.samplers[cell].as_ref() else {
                continue;
            };
            let p = sampler.sample(&mut rng);
            let cabinet_located = !rng.gen_bool(CABINET_WITHOUT_COORDINATES);
            let code = format!("JJX-{l3}-{:02}", k + 1);
            let name = format!("{}{}号交接箱", ctx.cells[cell].name, k + 1);
            let capacity = [100, 200, 300, 600][rng.gen_range(0..4)];
            let cabinet = b.push(
                code.clone(),
                name.clone(),
                ResourceKind::Cabinet,
                Some(capacity),
                None,
                cell,
                p,
                if cabinet_located {
                    Coordinates::Given
                } else {
                    Coordinates::Missing
                },
                &mut rng,
            );
            branch_cabinets
                .entry(branch.clone())
                .or_default()
                .push(cabinet);
            // Boxes never surveyed are taken where the cell keeps another
            // resource (the cabinet, or a second box), so that a cell is left
            // without network only on purpose; the chance is raised to keep
            // their overall share.
            let eligible = |c: usize| c == cell || tally.get(&c).is_some_and(|n| *n >= 2);
            let eligible_count = group.iter().filter(|(c, _)| eligible(*c)).count().max(1);
            let unsurveyed =
                (BOX_WITHOUT_COORDINATES * group.len() as f64 / eligible_count as f64).min(0.6);
            for (j, &(box_cell, box_point)) in group.iter().enumerate() {
                // A cabinet never surveyed has at least one box never surveyed.
                let coordinates = if !cabinet_located && j == 0
                    || eligible(box_cell) && rng.gen_bool(unsurveyed)
                {
                    Coordinates::Missing
                } else if rng.gen_bool(BOX_SWAPPED) {
                    Coordinates::Swapped
                } else {
                    Coordinates::Given
                };
                let capacity = [10, 20, 30][rng.gen_range(0..3)];
                b.push(
                    format!("{code}-FXH{:02}", j + 1),
                    format!("{name}{:02}号分线盒", j + 1),
                    ResourceKind::DistributionBox,
                    Some(capacity),
                    Some((cabinet, &code)),
                    box_cell,
                    box_point,
                    coordinates,
                    &mut rng,
                );
            }
            if rng.gen_bool(if site.rural { 0.15 } else { 0.4 }) {
                let coordinates = if cabinet_located {
                    Coordinates::Given
                } else {
                    Coordinates::Missing
                };
                b.push(
                    format!("{code}-DKZ"),
                    format!("{name}宽带端口组"),
                    ResourceKind::PortGroup,
                    Some([48, 96][rng.gen_range(0..2)]),
                    Some((cabinet, &code)),
                    cell,
                    p,
                    coordinates,
                    &mut rng,
                );
            }
        }
        base_stations(&mut b, site, cells, counts, &blind, &mut rng);
    }

    // Splitters: one per ~48 broadband lines of the branch, in its cabinets.
    for (branch, &olt) in &olts {
        let mut rng = rng_for(ctx.seed, &format!("splitters/{branch}"));
        let products = branch_products.get(branch).copied().unwrap_or(0);
        let n = (products as f64 * 0.32 / 48.0).ceil().max(1.0) as usize;
        let cabinets = branch_cabinets.get(branch).cloned().unwrap_or_default();
        let olt_code = b.drafts[olt].resource.code.clone();
        for k in 0..n {
            let host = cabinets
                .get(k % cabinets.len().max(1))
                .copied()
                .unwrap_or(olt);
            let (cell, p, host_located) = (
                b.drafts[host].cell,
                b.drafts[host].point,
                b.drafts[host].located,
            );
            let coordinates = if host_located && !rng.gen_bool(SPLITTER_WITHOUT_COORDINATES) {
                Coordinates::Given
            } else {
                Coordinates::Missing
            };
            let ratio = [32, 64][rng.gen_range(0..2)];
            b.push(
                format!("FGQ-{branch}-{:03}", k + 1),
                format!("{}1:{ratio}分光器", b.drafts[host].resource.name),
                ResourceKind::Splitter,
                Some(ratio),
                Some((olt, &olt_code)),
                cell,
                p,
                coordinates,
                &mut rng,
            );
        }
    }

    let mut blind_spots: Vec<usize> = blind.into_iter().collect();
    blind_spots.sort_unstable();
    let mut busy: Vec<usize> = busy.into_iter().collect();
    busy.sort_unstable();
    Network {
        resources: b.drafts.into_iter().map(|d| d.resource).collect(),
        intents: b.intents,
        blind_spots,
        busy,
    }
}

fn site_bbox(site: &L3Site) -> [f64; 4] {
    use geo::BoundingRect;
    site.geometry
        .bounding_rect()
        .map_or([0.0; 4], |r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Base stations: one or two per outlet area in the busiest cells, and one
/// in about a third of the villages.
fn base_stations(
    b: &mut Builder<'_, '_>,
    site: &L3Site,
    cells: &[usize],
    counts: &[usize],
    blind: &HashSet<usize>,
    rng: &mut impl Rng,
) {
    let ctx = b.ctx;
    let usable: Vec<usize> = cells
        .iter()
        .copied()
        .filter(|c| !blind.contains(c) && ctx.samplers[*c].is_some())
        .collect();
    let mut busiest = usable.clone();
    busiest.sort_by_key(|&c| (std::cmp::Reverse(counts[c]), c));
    let mut hosts: Vec<usize> = busiest
        .into_iter()
        .filter(|&c| counts[c] > 0)
        .take(if site.rural { 1 } else { 2 })
        .collect();
    let villages: Vec<usize> = usable
        .iter()
        .copied()
        .filter(|&c| ctx.cells[c].type_code.number() == 20 && !hosts.contains(&c))
        .filter(|_| rng.gen_bool(0.33))
        .collect();
    hosts.extend(villages);
    for (k, cell) in hosts.into_iter().enumerate() {
        let Some(sampler) = ctx.samplers[cell].as_ref() else {
            continue;
        };
        let p = sampler.sample(rng);
        let code = format!("JZ-{}-{:02}", site.code, k + 1);
        let name = format!("{}基站", ctx.cells[cell].name);
        b.push(
            code,
            name,
            ResourceKind::BaseStation,
            None,
            None,
            cell,
            p,
            Coordinates::Given,
            rng,
        );
    }
}
