//! The demo's standard address base (标准地址): gates along every demo road
//! with their real division codes, so geocoding the demo customers' road
//! addresses finds buildings (an exact number) or interpolates between them.

use wangge_store::StandardAddressRecord;

use crate::roads::DemoRoad;

/// Every this many house numbers a gate is recorded (odd and even sides).
const EVERY_NUMBERS: u32 = 10;

/// Standard addresses along the roads: numbers 1, 2, 11, 12, 21, 22, ...
pub fn standard_addresses(roads: &[DemoRoad]) -> Vec<StandardAddressRecord> {
    let mut out = Vec::new();
    for road in roads {
        let mut n = 1;
        while n <= road.max_number {
            for number in [n, n + 1] {
                if number > road.max_number {
                    continue;
                }
                let [lon, lat] = road.point_of(number);
                out.push(StandardAddressRecord {
                    code: format!("{}-{number}", road.code),
                    province_code: None,
                    city_code: None,
                    county_code: Some(road.county_code.clone()),
                    town_code: Some(road.town_code.clone()),
                    village_code: None,
                    road: road.name.clone(),
                    house_number: Some(format!("{number}号")),
                    compound: None,
                    building: None,
                    lon,
                    lat,
                });
            }
            n += EVERY_NUMBERS;
        }
    }
    out
}
