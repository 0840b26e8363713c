//! Buildings (楼宇) in residential and business cells — who built them, who
//! manages them, whom to call — and business opportunities (商机) on
//! buildings and on customers.

use rand::Rng;
use serde_json::json;
use wangge_store::{NewBuilding, NewCustomer, NewOpportunity};

use crate::address::{render, Damage};
use crate::entities::{log_normal, pick, yuan, Context};
use crate::names::county_short;
use crate::people;
use crate::profile::CITY_DISTRICTS;
use crate::rng::rng_for;

/// Share of buildings with no surveyed location.
const BUILDING_WITHOUT_COORDINATES: f64 = 0.03;

const STAGES: [&str; 6] = ["线索", "需求确认", "方案报价", "商务谈判", "签约", "失败"];
const STAGE_WEIGHTS: [f64; 6] = [30.0, 25.0, 20.0, 10.0, 10.0, 5.0];

const CONTACT_ROLES: [&str; 5] = [
    "物业经理",
    "居委会主任",
    "开发商联系人",
    "业委会主任",
    "楼宇管理员",
];

/// The buildings of every residential (15, 16) and business (10, 11, 12) cell.
pub fn buildings(ctx: &Context<'_>) -> Vec<NewBuilding> {
    let mut out = Vec::new();
    for (i, cell) in ctx.cells.iter().enumerate() {
        let t = cell.type_code.number();
        if !matches!(t, 10 | 11 | 12 | 15 | 16) {
            continue;
        }
        let Some(sampler) = ctx.samplers[i].as_ref() else {
            continue;
        };
        let mut rng = rng_for(ctx.seed, &format!("buildings/{}", cell.code));
        let compound = ctx.compound_name(i);
        let names: Vec<String> = match t {
            15 if rng.gen_bool(0.3) => vec![compound.clone(), format!("{compound}二期")],
            11 if rng.gen_bool(0.3) => vec![format!("{compound}A座"), format!("{compound}B座")],
            10 => vec![format!("{compound}综合楼")],
            _ => vec![compound.clone()],
        };
        let county = &ctx.div.counties[cell.county];
        let prefix = if CITY_DISTRICTS.contains(&county.code.as_str()) {
            "十堰".to_owned()
        } else {
            county_short(&county.name)
        };
        for (k, name) in names.into_iter().enumerate() {
            let p = sampler.sample(&mut rng);
            let mut parts = ctx.address_at(i, p, &mut rng);
            if let Some((road, number)) = ctx
                .road_number(i, cell.seed)
                .filter(|_| parts.village.is_none())
            {
                parts.road = Some(&ctx.roads[road].name);
                parts.number = Some(number);
            }
            parts.compound = Some(&compound);
            let located = !rng.gen_bool(BUILDING_WITHOUT_COORDINATES);
            let developer = match t {
                15 | 16 => format!("{prefix}{}房地产开发有限公司", people::firm_stem(&mut rng)),
                _ => format!("{prefix}{}置业有限公司", people::firm_stem(&mut rng)),
            };
            let manager = rng
                .gen_bool(0.9)
                .then(|| format!("{}物业服务有限公司", people::firm_stem(&mut rng)));
            let contacts: Vec<serde_json::Value> = (0..rng.gen_range(1..=3))
                .map(|_| {
                    json!({
                        "name": people::person(&mut rng),
                        "role": CONTACT_ROLES[rng.gen_range(0..CONTACT_ROLES.len())],
                        "phone": people::mobile(&mut rng),
                    })
                })
                .collect();
            out.push(NewBuilding {
                code: format!("LY-{}-{}", cell.code, k + 1),
                name,
                address: Some(render(&parts, &Damage::default())),
                lon: located.then_some(p.x),
                lat: located.then_some(p.y),
                developer: Some(developer),
                property_manager: manager,
                contacts_json: Some(serde_json::Value::Array(contacts).to_string()),
            });
        }
    }
    out
}

fn stage(rng: &mut impl Rng) -> String {
    STAGES[pick(&STAGE_WEIGHTS, rng)].to_owned()
}

/// Opportunities: on about 40 % of buildings, on about one in ten A/B
/// enterprise and business customers, and on some competitors' customers
/// (winning them over, 策反).
pub fn opportunities(
    ctx: &Context<'_>,
    buildings: &[NewBuilding],
    customers: &[NewCustomer],
) -> Vec<NewOpportunity> {
    let mut rng = rng_for(ctx.seed, "opportunities");
    let mut out = Vec::new();
    let mut next = |title: String,
                    building: Option<&str>,
                    customer: Option<&str>,
                    value: f64,
                    lon: Option<f64>,
                    lat: Option<f64>,
                    rng: &mut rand_chacha::ChaCha8Rng| {
        let code = format!("SJ{:07}", out.len() + 1);
        out.push(NewOpportunity {
            code,
            title,
            building: building.map(str::to_owned),
            customer: customer.map(str::to_owned),
            stage: Some(stage(rng)),
            value_yuan: Some(yuan(value)),
            lon,
            lat,
        });
    };
    for b in buildings {
        if !rng.gen_bool(0.4) {
            continue;
        }
        let (title, median) = match rng.gen_range(0..4) {
            0 => (format!("{}宽带进楼", b.name), 80_000.0),
            1 => (format!("{}光纤入户改造", b.name), 150_000.0),
            2 => (format!("{}楼宇信息化", b.name), 200_000.0),
            _ => (format!("{}商户融合套餐", b.name), 40_000.0),
        };
        let value = log_normal(median, 0.6, &mut rng);
        next(title, Some(&b.code), None, value, b.lon, b.lat, &mut rng);
    }
    for c in customers {
        let key = matches!(
            c.class,
            Some(wangge_model::CustomerClass::A | wangge_model::CustomerClass::B)
        );
        let (chance, titles, median): (f64, &[&str], f64) = if c.other_operator {
            (0.01, &["他网策反", "携号转网", "宽带异网转入"], 3_000.0)
        } else if key {
            (
                0.1,
                &["专线扩容", "云视讯", "视频监控", "云电脑", "融合套餐升级"],
                60_000.0,
            )
        } else {
            continue;
        };
        if !rng.gen_bool(chance) {
            continue;
        }
        let title = format!("{}{}", c.name, titles[rng.gen_range(0..titles.len())]);
        let value = log_normal(median, 0.9, &mut rng);
        // Broken coordinates stay with the customer, not its opportunity.
        let (lon, lat) = match (c.lon, c.lat) {
            (Some(x), Some(y))
                if x.is_finite() && y.is_finite() && y.abs() <= 90.0 && (x, y) != (0.0, 0.0) =>
            {
                (Some(x), Some(y))
            }
            _ => (None, None),
        };
        next(title, None, Some(&c.code), value, lon, lat, &mut rng);
    }
    out
}
