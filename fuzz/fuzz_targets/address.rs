//! The address parser and resolver: any text, with and without a city hint,
//! against the embedded gazetteer and a small standard address base. No
//! panic; the answer's numbers stay in range.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wangge_geocode::{AddressBase, Geocoder, Hints, StandardAddress, Status};

fn geocoder() -> &'static Geocoder {
    static GEOCODER: OnceLock<Geocoder> = OnceLock::new();
    GEOCODER.get_or_init(|| {
        let town = "420302001".parse().ok();
        let mut records = Vec::new();
        for (road, lon0) in [("北京路", 110.78), ("人民北路", 110.79)] {
            for n in 1..=20u32 {
                records.push(StandardAddress {
                    province_code: None,
                    city_code: None,
                    county_code: None,
                    town_code: town,
                    village_code: None,
                    road: road.to_owned(),
                    number: Some(format!("{}号", n * 2)),
                    compound: (n % 5 == 0).then(|| "阳光小区".to_owned()),
                    building: (n % 5 == 0).then(|| format!("{}栋", n / 5)),
                    lon: lon0 + f64::from(n) * 0.0005,
                    lat: 32.63 + f64::from(n) * 0.0002,
                });
            }
        }
        let base = AddressBase::new(records).expect("the fuzz base is valid");
        Geocoder::new().with_base(std::sync::Arc::new(base))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let g = geocoder();
    let hints = match flags % 3 {
        0 => Hints::default(),
        1 => Hints {
            city_code: "4203".parse().ok(),
            ..Hints::default()
        },
        _ => Hints {
            city_code: None,
            territory: ["420302", "420303", "3201"]
                .iter()
                .filter_map(|c| c.parse().ok())
                .collect(),
        },
    };
    let parsed = g.parse(&text);
    let resolved = g.resolve(&parsed, &hints);
    assert!(
        (0.0..=1.0).contains(&resolved.confidence),
        "confidence {}",
        resolved.confidence
    );
    if resolved.status == Status::Matched {
        assert!(resolved.deepest().is_some(), "matched without a code");
    }
    let located = g.geocode_parsed(&parsed, &hints);
    assert!((0.0..=1.0).contains(&located.confidence));
    if let (Some(lon), Some(lat)) = (located.lon, located.lat) {
        assert!(lon.is_finite() && lat.is_finite(), "{lon} {lat}");
    }
    if let Some(i) = located.standard_address {
        assert!(i < g.base().len());
    }
});
