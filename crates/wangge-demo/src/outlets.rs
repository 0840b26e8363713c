//! Outlets (营业厅): about one per level-3 grid, standing in its most central
//! cell. Some outlets also support a neighbouring level-3 grid of the same
//! branch, and a few grids are left without an outlet on purpose, so the
//! coverage reports have something real to find.

use std::collections::HashSet;

use geo::{Contains, InteriorPoint, Intersects, Point};
use rand::seq::SliceRandom;
use rand::Rng;
use wangge_store::NewOutlet;

use crate::build::L3Site;
use crate::names::chinese_number;
use crate::rng::rng_for;

/// Level-3 grids deliberately left without a supporting outlet.
pub const GRIDS_WITHOUT_OUTLET: usize = 9;
/// Chance that a branch has one outlet serving two neighbouring grids.
const SHARED_OUTLET_CHANCE: f64 = 0.15;

/// The outlets of the demo; deterministic in `seed`.
pub fn outlets(sites: &[L3Site], seed: u64) -> Vec<NewOutlet> {
    let mut rng = rng_for(seed, "outlets");
    // Pairs (i, j): the outlet of grid i also supports its neighbour j.
    let mut partner: Vec<Option<usize>> = vec![None; sites.len()];
    let mut covered_by_partner: HashSet<usize> = HashSet::new();
    let mut start = 0;
    while start < sites.len() {
        let end = (start..sites.len())
            .find(|&k| sites[k].branch != sites[start].branch)
            .unwrap_or(sites.len());
        if rng.gen_bool(SHARED_OUTLET_CHANCE) {
            let pair = (start..end)
                .flat_map(|i| (i + 1..end).map(move |j| (i, j)))
                .find(|&(i, j)| sites[i].geometry.intersects(&sites[j].geometry));
            if let Some((i, j)) = pair {
                partner[i] = Some(j);
                covered_by_partner.insert(j);
            }
        }
        start = end;
    }

    // Grids left alone: rural ones first (a remote area without an outlet is
    // the typical finding), never one that shares.
    let mut lonely: Vec<usize> = (0..sites.len())
        .filter(|&i| partner[i].is_none() && !covered_by_partner.contains(&i))
        .collect();
    lonely.shuffle(&mut rng);
    lonely.sort_by_key(|&i| !sites[i].rural);
    let without: HashSet<usize> = lonely.into_iter().take(GRIDS_WITHOUT_OUTLET).collect();

    // Names are unique per county (every county has its 城关镇).
    let mut names: HashSet<(String, String)> = HashSet::new();
    sites
        .iter()
        .enumerate()
        .filter(|(i, _)| !without.contains(i) && !covered_by_partner.contains(i))
        .map(|(i, site)| {
            // "北京路网点区域" → "五堰街道北京路营业厅"; "土门集镇网点区域" → "土门镇营业厅".
            let area = site.name.split("网点区域").next().unwrap_or(&site.name);
            let place = area
                .strip_prefix(site.town_stem.as_str())
                .map_or(area, |rest| rest.trim_start_matches("集镇"));
            let name = (1..10_000)
                .map(|n| match n {
                    1 => format!("{}{place}营业厅", site.town_display),
                    n => format!("{}{place}第{}营业厅", site.town_display, chinese_number(n)),
                })
                .find(|name| names.insert((site.county_name.clone(), name.clone())))
                .unwrap_or_default();
            let spot = if site.geometry.contains(&Point(site.anchor)) {
                site.anchor
            } else {
                site.geometry.interior_point().map_or(site.anchor, |p| p.0)
            };
            let mut supports = vec![site.code.clone()];
            supports.extend(partner[i].map(|j| sites[j].code.clone()));
            NewOutlet {
                code: format!("{}-YT", site.code),
                name,
                lon: spot.x,
                lat: spot.y,
                address: Some(format!(
                    "十堰市{}{}{place}",
                    site.county_name, site.town_display
                )),
                supports,
            }
        })
        .collect()
}
