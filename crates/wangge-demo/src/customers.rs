//! Customer products (客户/产品), distributed like a real city: many in
//! residential compounds and business cells, few in villages, none on vacant
//! land. About 2.7 % lack a usable location, as in the field (97.27 % placed):
//! most have an address but no coordinates yet, some not even an address, a
//! few carry broken coordinates, and some points fall just outside the
//! territory or in the gaps between its counties.

use geo::Coord;
use rand::Rng;
use wangge_model::{CustomerClass, PlacementStatus};
use wangge_store::NewCustomer;

use crate::address::{render, AddressParts, Damage};
use crate::apportion::largest_remainder;
use crate::entities::{log_normal, parallel_map, pick, yuan, Context, Intent};
use crate::people;
use crate::profile::TownClass;
use crate::rng::rng_for;

/// Share of products without coordinates whose address is still to be geocoded.
pub const NO_COORDINATES_SHARE: f64 = 0.0198;
/// Share with neither coordinates nor a usable address.
pub const NO_ADDRESS_SHARE: f64 = 0.0035;
/// Share with a coordinate that is not a number.
pub const NAN_SHARE: f64 = 0.0003;
/// Share with longitude and latitude swapped (latitude out of range).
pub const SWAPPED_SHARE: f64 = 0.0005;
/// Share at (0, 0), the spreadsheet default: a real place, far outside.
pub const ZERO_SHARE: f64 = 0.0001;
/// Share whose point lies just outside the territory or in a gap between
/// counties.
pub const OUTSIDE_SHARE: f64 = 0.003;
/// Share of products that are other operators' customers (他网).
pub const OTHER_OPERATOR_SHARE: f64 = 0.08;
/// Chance that a household's next product is another line of the same household.
const HOUSEHOLD_SHARE: f64 = 0.35;

/// Expected products of a cell by type code (relative): compounds and
/// business cells dense, villages many but spread, vacant land none.
pub fn type_weight(code: u8) -> f64 {
    match code {
        1 | 4 | 8 => 80.0,
        2 | 5 => 50.0,
        3 | 12 => 120.0,
        6 | 9 => 25.0,
        7 => 90.0,
        10 | 16 | 20 => 150.0,
        11 => 160.0,
        13 => 110.0,
        14 => 10.0,
        15 => 260.0,
        18 => 8.0,
        19 => 4.0,
        _ => 0.0,
    }
}

/// The city core is densest, forest districts sparsest.
fn class_factor(class: TownClass) -> f64 {
    match class {
        TownClass::CityCore => 1.3,
        TownClass::Seat => 1.0,
        TownClass::Zone => 0.8,
        TownClass::Town => 0.55,
        TownClass::Forest => 0.3,
    }
}

/// Products per cell: `total` shared by weight (type, town, a log-normal
/// jitter per cell), exactly.
pub fn per_cell(ctx: &Context<'_>, total: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..ctx.cells.len())
        .map(|i| {
            let cell = &ctx.cells[i];
            let base = type_weight(cell.type_code.number());
            if base == 0.0 || ctx.samplers[i].is_none() {
                return 0.0;
            }
            let mut rng = rng_for(ctx.seed, &format!("population/{}", cell.code));
            base * class_factor(ctx.town(i).class) * log_normal(1.0, 0.5, &mut rng)
        })
        .collect();
    largest_remainder(total, &weights)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    /// 公众: households.
    Public,
    /// 商客: shops and small businesses.
    Business,
    /// 政企: government and enterprises.
    Enterprise,
}

impl Segment {
    fn as_str(self) -> &'static str {
        match self {
            Segment::Public => "公众",
            Segment::Business => "商客",
            Segment::Enterprise => "政企",
        }
    }
}

/// Shares of 公众, 商客, 政企 among a cell type's products.
fn segment_mix(code: u8) -> [f64; 3] {
    match code {
        1 | 2 => [0.20, 0.05, 0.75],
        3 => [0.30, 0.05, 0.65],
        4 => [0.10, 0.35, 0.55],
        5 => [0.20, 0.30, 0.50],
        6 => [0.35, 0.35, 0.30],
        7 => [0.45, 0.05, 0.50],
        8 => [0.35, 0.10, 0.55],
        9 => [0.15, 0.75, 0.10],
        10 => [0.15, 0.25, 0.60],
        11 => [0.10, 0.45, 0.45],
        12 => [0.10, 0.80, 0.10],
        13 => [0.25, 0.70, 0.05],
        14 => [0.50, 0.30, 0.20],
        16 => [0.72, 0.26, 0.02],
        18 => [0.40, 0.10, 0.50],
        19 => [0.50, 0.40, 0.10],
        _ => [0.93, 0.06, 0.01],
    }
}

const PRODUCTS: [&str; 5] = ["固话", "宽带", "移动", "IPTV", "专线"];

/// Product shares in [`PRODUCTS`] order per segment.
fn product_mix(segment: Segment) -> [f64; 5] {
    match segment {
        Segment::Public => [0.13, 0.30, 0.42, 0.15, 0.0],
        Segment::Business => [0.30, 0.40, 0.25, 0.05, 0.0],
        Segment::Enterprise => [0.28, 0.25, 0.25, 0.0, 0.22],
    }
}

/// Monthly spend: log-normal around a segment median, scaled by product.
fn spend(segment: Segment, product: usize, rng: &mut impl Rng) -> f64 {
    let (median, sigma) = match segment {
        Segment::Public => (58.0, 0.55),
        Segment::Business => (128.0, 0.7),
        Segment::Enterprise => (420.0, 1.0),
    };
    let factor = [0.5, 1.2, 1.0, 0.4, 6.0][product];
    yuan(log_normal(median * factor, sigma, rng).max(5.0))
}

fn staff(segment: Segment, rng: &mut impl Rng) -> Option<i64> {
    match segment {
        Segment::Public => None,
        Segment::Business => Some(1 + log_normal(3.0, 0.6, rng).round().min(30.0) as i64),
        Segment::Enterprise => Some(log_normal(35.0, 1.1, rng).round().clamp(3.0, 20_000.0) as i64),
    }
}

fn class(segment: Segment, spend: f64, staff: Option<i64>) -> Option<CustomerClass> {
    let staff = staff.unwrap_or(0);
    match segment {
        Segment::Public => None,
        Segment::Enterprise if spend >= 3_000.0 || staff >= 300 => Some(CustomerClass::A),
        Segment::Enterprise if spend >= 800.0 || staff >= 50 => Some(CustomerClass::B),
        Segment::Business if spend >= 2_000.0 => Some(CustomerClass::A),
        Segment::Business if spend >= 400.0 => Some(CustomerClass::B),
        _ => Some(CustomerClass::C),
    }
}

/// Where a product's location went wrong, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Located,
    NoCoordinates,
    NoAddress,
    NotANumber,
    Swapped,
    Zero,
    Outside,
}

fn fate(rng: &mut impl Rng) -> Fate {
    let mut u: f64 = rng.gen();
    for (share, fate) in [
        (NO_COORDINATES_SHARE, Fate::NoCoordinates),
        (NO_ADDRESS_SHARE, Fate::NoAddress),
        (NAN_SHARE, Fate::NotANumber),
        (SWAPPED_SHARE, Fate::Swapped),
        (ZERO_SHARE, Fate::Zero),
    ] {
        if u < share {
            return fate;
        }
        u -= share;
    }
    Fate::Located
}

/// A product without its code (given after all cells are done), and what it is meant to get.
pub struct Drafted {
    pub customer: NewCustomer,
    pub intent: Intent,
}

/// Generates every cell's products; `outside[i]` are the points (outside the
/// territory) of extra products whose address lies in cell `i`.
pub fn generate(ctx: &Context<'_>, counts: &[usize], outside: &[Vec<Coord<f64>>]) -> Vec<Drafted> {
    let per_cell = parallel_map(ctx.cells.len(), |i| {
        cell_products(ctx, i, counts[i], &outside[i])
    });
    let mut all = Vec::with_capacity(per_cell.iter().map(Vec::len).sum());
    for cell in per_cell {
        all.extend(cell);
    }
    all
}

/// Gives the products their codes: `SYKH00000001` for the operator's own,
/// `SYTW0000001` for other operators' customers.
pub fn number(drafted: &mut [Drafted]) {
    let (mut own, mut other) = (0, 0);
    for d in drafted {
        d.customer.code = if d.customer.other_operator {
            other += 1;
            format!("SYTW{other:07}")
        } else {
            own += 1;
            format!("SYKH{own:08}")
        };
    }
}

/// What repeats within a household: name, address, point, fate and operator.
#[derive(Clone)]
struct Household {
    name: String,
    address: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    intent: Intent,
    product: usize,
    other_operator: bool,
}

fn cell_products(
    ctx: &Context<'_>,
    cell: usize,
    count: usize,
    outside: &[Coord<f64>],
) -> Vec<Drafted> {
    let total = count + outside.len();
    let Some(sampler) = ctx.samplers[cell].as_ref() else {
        return Vec::new();
    };
    if total == 0 {
        return Vec::new();
    }
    let site = &ctx.cells[cell];
    let type_code = site.type_code.number();
    let mut rng = rng_for(ctx.seed, &format!("customers/{}", site.code));
    let home = Some(ctx.grid_index[cell]);
    let compound = ctx.compound_name(cell);
    let stem = ctx.place_stem(cell);
    let gate = ctx.road_number(cell, site.seed);
    let buildings = (count / 40).clamp(2, 30) as u32;
    let mix = segment_mix(type_code);
    let county_prefix = crate::names::county_short(&ctx.div.counties[site.county].name);
    let mut out = Vec::with_capacity(total);
    let mut household: Option<Household> = None;
    for k in 0..total {
        let is_outside = k >= count;
        if !is_outside && rng.gen_bool(HOUSEHOLD_SHARE) {
            if let Some(h) = household.as_mut() {
                let mut product = pick(&product_mix(Segment::Public), &mut rng);
                if product == h.product {
                    product = (product + 1) % 4;
                }
                h.product = product;
                let monthly = spend(Segment::Public, product, &mut rng);
                out.push(Drafted {
                    customer: NewCustomer {
                        code: String::new(),
                        name: h.name.clone(),
                        segment: Some(Segment::Public.as_str().to_owned()),
                        product_type: Some(PRODUCTS[product].to_owned()),
                        address: h.address.clone(),
                        lon: h.lon,
                        lat: h.lat,
                        monthly_spend_yuan: Some(monthly),
                        staff_count: None,
                        class: None,
                        other_operator: h.other_operator,
                    },
                    intent: h.intent,
                });
                continue;
            }
        }
        let segment =
            [Segment::Public, Segment::Business, Segment::Enterprise][pick(&mix, &mut rng)];
        let other_operator = rng.gen_bool(OTHER_OPERATOR_SHARE);
        let p = if is_outside {
            outside[k - count]
        } else {
            sampler.sample(&mut rng)
        };
        let mut parts: AddressParts<'_> = ctx.address_at(cell, p, &mut rng);
        let institution = matches!(type_code, 1..=8 | 10 | 12);
        match (type_code, segment) {
            (15, Segment::Public | Segment::Enterprise) => {
                set_gate(&mut parts, gate, ctx);
                parts.compound = Some(&compound);
                parts.building = Some(rng.gen_range(1..=buildings));
                parts.unit = Some(rng.gen_range(1..=4));
                parts.room = Some(rng.gen_range(1..=18) * 100 + rng.gen_range(1..=4));
            }
            (16, Segment::Public) => {
                parts.unit = Some(rng.gen_range(1..=6));
                parts.room = Some(rng.gen_range(2..=7) * 100 + rng.gen_range(1..=2));
            }
            (11, _) => {
                set_gate(&mut parts, gate, ctx);
                parts.compound = Some(&compound);
                parts.room = Some(rng.gen_range(1..=28) * 100 + rng.gen_range(1..=20));
                parts.office = true;
            }
            (_, Segment::Enterprise) if institution => {
                set_gate(&mut parts, gate, ctx);
                parts.compound = Some(&compound);
            }
            _ => {}
        }
        let name = match segment {
            Segment::Public => people::person(&mut rng),
            Segment::Business => people::shop(&stem, &mut rng),
            Segment::Enterprise if institution || type_code == 11 && rng.gen_bool(0.2) => {
                people::department_of(&site.name, &mut rng)
            }
            Segment::Enterprise => people::firm(&county_prefix, &mut rng),
        };
        let fate = if is_outside {
            Fate::Outside
        } else {
            fate(&mut rng)
        };
        let text = render(&parts, &Damage::draw(&mut rng));
        let (lon, lat, status) = match fate {
            Fate::Located => (Some(p.x), Some(p.y), PlacementStatus::Assigned),
            Fate::Outside => (Some(p.x), Some(p.y), PlacementStatus::Outside),
            Fate::NoCoordinates | Fate::NoAddress => (None, None, PlacementStatus::NoLocation),
            Fate::NotANumber => {
                if rng.gen_bool(0.5) {
                    (
                        Some(f64::NAN),
                        Some(p.y),
                        PlacementStatus::InvalidCoordinates,
                    )
                } else {
                    (
                        Some(f64::NAN),
                        Some(f64::NAN),
                        PlacementStatus::InvalidCoordinates,
                    )
                }
            }
            Fate::Swapped => (Some(p.y), Some(p.x), PlacementStatus::InvalidCoordinates),
            Fate::Zero => (Some(0.0), Some(0.0), PlacementStatus::Outside),
        };
        let address = match fate {
            // Mostly empty; some clerks fill the column with a placeholder.
            Fate::NoAddress => rng
                .gen_bool(0.2)
                .then(|| ["不详", "无", "-"][rng.gen_range(0..3)].to_owned()),
            _ => Some(text),
        };
        let product = pick(&product_mix(segment), &mut rng);
        let monthly = spend(segment, product, &mut rng);
        let staff_count = staff(segment, &mut rng);
        // Its address names the cell even when its point is wrong or missing.
        let intent = Intent { status, cell: home };
        household = (segment == Segment::Public && !is_outside).then(|| Household {
            name: name.clone(),
            address: address.clone(),
            lon,
            lat,
            intent,
            product,
            other_operator,
        });
        out.push(Drafted {
            customer: NewCustomer {
                code: String::new(),
                name,
                segment: Some(segment.as_str().to_owned()),
                product_type: Some(PRODUCTS[product].to_owned()),
                address,
                lon,
                lat,
                monthly_spend_yuan: Some(monthly),
                staff_count,
                class: if other_operator {
                    None
                } else {
                    class(segment, monthly, staff_count)
                },
                other_operator,
            },
            intent,
        });
    }
    out
}

/// The compound's gate: its road and number, shared by all who live behind it.
fn set_gate<'a>(parts: &mut AddressParts<'a>, gate: Option<(usize, u32)>, ctx: &Context<'a>) {
    if let (Some((road, number)), None) = (gate, parts.village) {
        parts.road = Some(&ctx.roads[road].name);
        parts.number = Some(number);
    }
}
