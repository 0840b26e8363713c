//! The roads of the demo, per town: each a straight line with house numbers
//! running along it (odd on the left, even on the right), so an address's
//! number says where on the road it is and a point's nearest road gives its
//! address. Urban outlet areas are named after roads (北京路网点区域); those
//! roads run through them, and every town with a centre gets a few more
//! (`{town}大道`, 新街, 老街...). The standard address base of the geocoding
//! issue is to be seeded from the same roads.

use std::collections::{HashMap, HashSet};

use geo::{BoundingRect, Coord};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::build::{CellSite, L3Site};
use crate::names::Tier;
use crate::plan::TownInfo;
use crate::rng::rng_for;
use crate::sample::distance_km;

/// One road of the demo: a straight line from `from` to `to` (WGS-84 lon/lat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoRoad {
    /// `420302003-R01`: the town's code and the road's number in it.
    pub code: String,
    /// 6-digit county code.
    pub county_code: String,
    /// 9-digit town code.
    pub town_code: String,
    /// `北京路`; unique within its county.
    pub name: String,
    pub from: [f64; 2],
    pub to: [f64; 2],
    /// Numbers run from 1 at `from` to `max_number` at `to`; even.
    pub max_number: u32,
}

/// Metres of frontage per house number pair.
const METRES_PER_PAIR: f64 = 25.0;

impl DemoRoad {
    pub fn length_m(&self) -> f64 {
        distance_km(coord(self.from), coord(self.to)) * 1000.0
    }

    /// Where along the road (0 at `from`, 1 at `to`) `p` projects, and
    /// whether it lies to the left of the road.
    fn project(&self, point: Coord<f64>) -> (f64, bool) {
        let (start, end) = (coord(self.from), coord(self.to));
        let cos_lat = start.y.to_radians().cos();
        let (dx, dy) = ((end.x - start.x) * cos_lat, end.y - start.y);
        let (px, py) = ((point.x - start.x) * cos_lat, point.y - start.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            ((px * dx + py * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (t, dx * py - dy * px > 0.0)
    }

    /// Kilometres from `p` to the road.
    pub fn distance_km(&self, p: Coord<f64>) -> f64 {
        let (t, _) = self.project(p);
        distance_km(p, self.point_at(t))
    }

    fn point_at(&self, t: f64) -> Coord<f64> {
        Coord {
            x: self.from[0] + (self.to[0] - self.from[0]) * t,
            y: self.from[1] + (self.to[1] - self.from[1]) * t,
        }
    }

    /// The house number of a point beside the road: odd on the left, even on
    /// the right, growing from `from` to `to`.
    ///
    /// ```
    /// use wangge_demo::DemoRoad;
    /// let road = DemoRoad {
    ///     code: "420302003-R01".into(), county_code: "420302".into(), town_code: "420302003".into(),
    ///     name: "北京路".into(), from: [110.80, 32.64], to: [110.81, 32.64], max_number: 40,
    /// };
    /// assert_eq!(road.number_at([110.8001, 32.6401]), 1);
    /// assert_eq!(road.number_at([110.8099, 32.6399]), 40);
    /// let [x, _] = road.point_of(21);
    /// assert!((x - 110.805).abs() < 0.0003);
    /// ```
    pub fn number_at(&self, p: [f64; 2]) -> u32 {
        let (t, left) = self.project(coord(p));
        let pairs = (self.max_number / 2).max(1);
        let pair = ((t * f64::from(pairs)) as u32).min(pairs - 1);
        2 * pair + if left { 1 } else { 2 }
    }

    /// The point on the road's line where `number` stands (the inverse of
    /// [`DemoRoad::number_at`], side aside).
    pub fn point_of(&self, number: u32) -> [f64; 2] {
        let pairs = (self.max_number / 2).max(1);
        let pair = (number.saturating_sub(1) / 2).min(pairs - 1);
        let p = self.point_at((f64::from(pair) + 0.5) / f64::from(pairs));
        [p.x, p.y]
    }
}

fn coord([x, y]: [f64; 2]) -> Coord<f64> {
    Coord { x, y }
}

/// Extra road names of a town, tried in order until enough are free in the county.
const EXTRA_TEMPLATES: [&str; 18] = [
    "{ts}大道",
    "{ts}街",
    "{ts}路",
    "新街",
    "老街",
    "{ts}北路",
    "{ts}南路",
    "解放路",
    "建设路",
    "人民路",
    "政府街",
    "车站路",
    "滨河路",
    "文化路",
    "友谊路",
    "跃进路",
    "{ts}东路",
    "{ts}西路",
];

/// The road named in an urban outlet area's name: `北京路网点区域（二）` → `北京路`.
fn road_of_site(site: &L3Site) -> Option<&str> {
    let road = site.name.split("网点区域").next()?;
    (!site.rural && !road.is_empty() && road != site.name).then_some(road)
}

/// Kilometres → degrees of latitude / longitude at `lat`.
fn km_to_deg(km: f64, lat: f64) -> (f64, f64) {
    (km / (111.32 * lat.to_radians().cos()), km / 110.57)
}

fn segment(centre: Coord<f64>, half_km: f64, angle: f64) -> ([f64; 2], [f64; 2]) {
    let (dx, dy) = km_to_deg(half_km, centre.y);
    let (s, c) = angle.sin_cos();
    (
        [centre.x - dx * c, centre.y - dy * s],
        [centre.x + dx * c, centre.y + dy * s],
    )
}

/// Whether a cell is part of a town's built-up centre (not a village, not vacant land).
pub fn is_town_centre(cell: &CellSite) -> bool {
    !matches!(cell.type_code.number(), 17 | 20)
}

/// The roads of every town that has cells, in town order; deterministic in `seed`.
pub fn roads(towns: &[TownInfo], sites: &[L3Site], cells: &[CellSite], seed: u64) -> Vec<DemoRoad> {
    let mut site_town: HashMap<&str, usize> = HashMap::new();
    let mut centre_cells: Vec<Vec<&CellSite>> = vec![Vec::new(); towns.len()];
    let mut any_cells: Vec<Vec<&CellSite>> = vec![Vec::new(); towns.len()];
    for cell in cells {
        site_town.entry(cell.l3.as_str()).or_insert(cell.town);
        any_cells[cell.town].push(cell);
        if is_town_centre(cell) {
            centre_cells[cell.town].push(cell);
        }
    }
    let mut used: HashMap<&str, HashSet<String>> = HashMap::new();
    let mut by_town: Vec<Vec<DemoRoad>> = vec![Vec::new(); towns.len()];
    // Roads of the outlet areas first: their names are taken.
    for site in sites {
        let (Some(road), Some(&t)) = (road_of_site(site), site_town.get(site.code.as_str())) else {
            continue;
        };
        let county = towns[t].county_code.as_str();
        if !used.entry(county).or_default().insert(road.to_owned()) {
            continue;
        }
        let mut rng = rng_for(seed, &format!("road/{}", site.code));
        let half_km = site.geometry.bounding_rect().map_or(0.5, |r| {
            let (w, h) = (
                distance_km(
                    r.min(),
                    Coord {
                        x: r.max().x,
                        y: r.min().y,
                    },
                ),
                distance_km(
                    r.min(),
                    Coord {
                        x: r.min().x,
                        y: r.max().y,
                    },
                ),
            );
            (0.35 * (w * h).sqrt()).clamp(0.15, 2.0)
        });
        let (from, to) = segment(
            site.anchor,
            half_km,
            rng.gen_range(0.0..std::f64::consts::PI),
        );
        push_road(&mut by_town[t], &towns[t], road.to_owned(), from, to);
    }
    for (t, town) in towns.iter().enumerate() {
        let pool = if centre_cells[t].is_empty() {
            &any_cells[t]
        } else {
            &centre_cells[t]
        };
        let Some(first) = pool.first() else { continue };
        let mut rng = rng_for(seed, &format!("roads/{}", town.code));
        let wanted = if town.tier == Tier::Rural { 4 } else { 3 };
        let county_used = used.entry(town.county_code.as_str()).or_default();
        // 车城路街道: 车城大道, 车城街, not 车城路大道.
        let stem = match town.stem.trim_end_matches('路') {
            "" => town.stem.as_str(),
            short => short,
        };
        let names: Vec<String> = EXTRA_TEMPLATES
            .iter()
            .map(|t| t.replace("{ts}", stem))
            .filter(|name| county_used.insert(name.clone()))
            .take(wanted)
            .collect();
        for name in names {
            // Rural towns: streets crossing at the centre; urban ones: anywhere built-up.
            let (centre, half_km) = if town.tier == Tier::Rural {
                let (dx, dy) = km_to_deg(0.3, first.seed.y);
                let c = Coord {
                    x: first.seed.x + rng.gen_range(-dx..dx),
                    y: first.seed.y + rng.gen_range(-dy..dy),
                };
                (c, rng.gen_range(0.3..0.9))
            } else {
                (
                    pool[rng.gen_range(0..pool.len())].seed,
                    rng.gen_range(0.4..1.5),
                )
            };
            let (from, to) = segment(centre, half_km, rng.gen_range(0.0..std::f64::consts::PI));
            push_road(&mut by_town[t], town, name, from, to);
        }
    }
    by_town.into_iter().flatten().collect()
}

fn push_road(
    roads: &mut Vec<DemoRoad>,
    town: &TownInfo,
    name: String,
    from: [f64; 2],
    to: [f64; 2],
) {
    let mut road = DemoRoad {
        code: format!("{}-R{:02}", town.code, roads.len() + 1),
        county_code: town.county_code.clone(),
        town_code: town.code.clone(),
        name,
        from: [round6(from[0]), round6(from[1])],
        to: [round6(to[0]), round6(to[1])],
        max_number: 0,
    };
    let pairs = (road.length_m() / METRES_PER_PAIR).ceil().max(5.0) as u32;
    road.max_number = 2 * pairs;
    roads.push(road);
}

fn round6(v: f64) -> f64 {
    crate::sampler::round6(v)
}

/// The roads of each town (indices into the road list), by town index.
pub fn roads_by_town(roads: &[DemoRoad], towns: &[TownInfo]) -> Vec<Vec<usize>> {
    let position: HashMap<&str, usize> = towns
        .iter()
        .enumerate()
        .map(|(i, t)| (t.code.as_str(), i))
        .collect();
    let mut out = vec![Vec::new(); towns.len()];
    for (r, road) in roads.iter().enumerate() {
        if let Some(&t) = position.get(road.town_code.as_str()) {
            out[t].push(r);
        }
    }
    out
}

/// The `k` roads of `candidates` nearest to `p`.
pub fn nearest_roads(
    roads: &[DemoRoad],
    candidates: &[usize],
    p: Coord<f64>,
    k: usize,
) -> Vec<usize> {
    let mut ranked: Vec<(f64, usize)> = candidates
        .iter()
        .map(|&r| (roads[r].distance_km(p), r))
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().take(k).map(|(_, r)| r).collect()
}
