//! The geocoder as the store configures it: the embedded gazetteer (or the
//! stored village edition) with the stored standard address base. The
//! server caches it per revision; the CLI loads it for `wangge geocode` and
//! `wangge assign --geocode`.

use std::collections::HashMap;
use std::sync::Arc;

use wangge_geocode::{AddressBase, DivisionCode, Gazetteer, Geocoder, Level, StandardAddress};
use wangge_store::{StandardAddressRecord, Store};

/// A standard address as the geocoder takes it; the error names the field.
pub fn standard_address(r: &StandardAddressRecord) -> Result<StandardAddress, String> {
    let code = |field: &str, v: Option<&str>, level: Level| -> Result<_, String> {
        let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let c: DivisionCode = v.parse().map_err(|e| format!("{field} {v:?}: {e}"))?;
        if c.level() != level {
            return Err(format!(
                "{field} {v:?} is a {} code, not a {} code",
                c.level().as_str(),
                level.as_str()
            ));
        }
        Ok(Some(c))
    };
    Ok(StandardAddress {
        province_code: code("province_code", r.province_code.as_deref(), Level::Province)?,
        city_code: code("city_code", r.city_code.as_deref(), Level::City)?,
        county_code: code("county_code", r.county_code.as_deref(), Level::County)?,
        town_code: code("town_code", r.town_code.as_deref(), Level::Town)?,
        village_code: code("village_code", r.village_code.as_deref(), Level::Village)?,
        road: r.road.clone(),
        number: r.house_number.clone(),
        compound: r.compound.clone(),
        building: r.building.clone(),
        lon: r.lon,
        lat: r.lat,
    })
}

/// The embedded gazetteer (or the stored village edition) with the stored
/// standard addresses; division centres are the mean of their addresses.
pub async fn load_geocoder(store: &Store) -> Result<Geocoder, String> {
    let villages = store.villages().await.map_err(|e| e.to_string())?;
    let geocoder = if villages.is_empty() {
        Geocoder::new()
    } else {
        let mut csv = String::from("code,name\n");
        for v in &villages {
            csv.push_str(&v.code);
            csv.push(',');
            csv.push_str(&v.name);
            csv.push('\n');
        }
        let gaz = Gazetteer::with_villages_csv(csv.as_bytes())
            .map_err(|e| format!("the stored village gazetteer: {e}"))?;
        Geocoder::with_gazetteer(Arc::new(gaz))
    };
    let records = store
        .standard_addresses()
        .await
        .map_err(|e| e.to_string())?;
    if records.is_empty() {
        return Ok(geocoder);
    }
    let addresses = records
        .iter()
        .map(|r| standard_address(r).map_err(|e| format!("standard address {}: {e}", r.code)))
        .collect::<Result<Vec<_>, _>>()?;
    let centroids = centroids(&addresses);
    let base = AddressBase::new(addresses)
        .map_err(|e| e.to_string())?
        .with_centroids(centroids);
    Ok(geocoder.with_base(Arc::new(base)))
}

/// Mean position of the standard addresses of every village, town and county.
fn centroids(addresses: &[StandardAddress]) -> HashMap<DivisionCode, (f64, f64)> {
    let mut sums: HashMap<DivisionCode, (f64, f64, f64)> = HashMap::new();
    for a in addresses {
        for level in [Level::Village, Level::Town, Level::County] {
            if let Some(c) = a.code(level) {
                let e = sums.entry(c).or_default();
                e.0 += a.lon;
                e.1 += a.lat;
                e.2 += 1.0;
            }
        }
    }
    sums.into_iter()
        .map(|(c, (x, y, n))| (c, (x / n, y / n)))
        .collect()
}
