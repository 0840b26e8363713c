//! The geocoder as the store configures it (imported villages, the standard
//! address base), and the two loaders: `wangge import addresses FILE` and
//! `wangge gazetteer import villages.csv`.

use std::path::Path;

use anyhow::{bail, Context};
use wangge_geocode::crs::{to_wgs84, Crs};
use wangge_geocode::{AddressBase, DivisionCode, Gazetteer, Geocoder, Level, StandardAddress};
use wangge_store::{StandardAddressRecord, Store, VillageRecord};

/// The geocoder the store configures (the server loads the same).
pub async fn load_geocoder(store: &Store) -> anyhow::Result<Geocoder> {
    wangge_assign::load_geocoder(store)
        .await
        .map_err(|e| anyhow::anyhow!(e))
}

fn code_of(field: &str, value: Option<&str>, level: Level) -> anyhow::Result<Option<DivisionCode>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let code: DivisionCode = v
        .parse()
        .map_err(|e| anyhow::anyhow!("{field} {v:?}: {e}"))?;
    if code.level() != level {
        bail!(
            "{field} {v:?} is a {} code, not a {} code",
            code.level().as_str(),
            level.as_str()
        );
    }
    Ok(Some(code))
}

fn to_standard(r: &StandardAddressRecord) -> anyhow::Result<StandardAddress> {
    wangge_assign::standard_address(r).map_err(|e| anyhow::anyhow!(e))
}

pub fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} rows, {per_sec}, {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

/// `wangge import addresses FILE [--crs]`: all rows or none; every bad row
/// is named with its row number and field.
pub async fn import_addresses(
    store: &Store,
    file: &Path,
    encoding: Option<wangge_io::Encoding>,
    crs: Crs,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        bail!(
            "{} is empty: a header with code,road,lon,lat is expected",
            file.display()
        );
    }
    let table = wangge_io::read_csv(&bytes, encoding)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let col = |names: &[&str]| table.column(names);
    let required = |names: &[&str]| {
        col(names).ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no {} column; columns found: {}",
                file.display(),
                names[0],
                table.header.join(", ")
            )
        })
    };
    let c_code = required(&["code", "id", "编码", "地址编码"])?;
    let c_lon = required(&["lon", "lng", "longitude", "经度"])?;
    let c_lat = required(&["lat", "latitude", "纬度"])?;
    let c_road = col(&["road", "道路", "路"]);
    let c_number = col(&["house_number", "number", "门牌", "门牌号"]);
    let c_compound = col(&["compound", "小区"]);
    let c_building = col(&["building", "楼栋", "栋"]);
    let levels = [
        ("province_code", col(&["province_code"])),
        ("city_code", col(&["city_code"])),
        ("county_code", col(&["county_code"])),
        ("town_code", col(&["town_code"])),
        ("village_code", col(&["village_code"])),
    ];
    let mut errors: Vec<String> = table.errors.iter().map(ToString::to_string).collect();
    let mut records = Vec::with_capacity(table.rows.len());
    for (row, fields) in &table.rows {
        let get = |c: Option<usize>| {
            c.and_then(|c| fields.get(c))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        match address_row(
            &get, c_code, c_lon, c_lat, c_road, c_number, c_compound, c_building, &levels, crs,
        ) {
            Ok(r) => records.push(r),
            Err(e) => errors.push(format!("row {row}: {e}")),
        }
    }
    if !errors.is_empty() {
        let shown: Vec<&String> = errors.iter().take(20).collect();
        bail!(
            "{}: {} bad rows, nothing imported:\n{}{}",
            file.display(),
            errors.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            if errors.len() > 20 { "\n…" } else { "" }
        );
    }
    let n = store.upsert_standard_addresses(&records).await?;
    outln!("imported {n} standard addresses from {}", file.display())?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn address_row(
    get: &dyn Fn(Option<usize>) -> Option<String>,
    c_code: usize,
    c_lon: usize,
    c_lat: usize,
    c_road: Option<usize>,
    c_number: Option<usize>,
    c_compound: Option<usize>,
    c_building: Option<usize>,
    levels: &[(&'static str, Option<usize>); 5],
    crs: Crs,
) -> anyhow::Result<StandardAddressRecord> {
    let code = get(Some(c_code)).ok_or_else(|| anyhow::anyhow!("code is empty"))?;
    let number = |field: &str, c: usize| -> anyhow::Result<f64> {
        let v = get(Some(c)).ok_or_else(|| anyhow::anyhow!("{field} is empty"))?;
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| anyhow::anyhow!("{field} {v:?} is not a number"))
    };
    let (lon, lat) = (number("lon", c_lon)?, number("lat", c_lat)?);
    if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
        bail!("lon/lat {lon} {lat} out of range");
    }
    let (lon, lat) = to_wgs84(crs, lon, lat);
    let mut rec = StandardAddressRecord {
        code,
        province_code: None,
        city_code: None,
        county_code: None,
        town_code: None,
        village_code: None,
        road: get(c_road).unwrap_or_default(),
        house_number: get(c_number),
        compound: get(c_compound),
        building: get(c_building),
        lon,
        lat,
    };
    if rec.road.is_empty() && rec.compound.is_none() {
        bail!("road and compound are both empty");
    }
    for (i, (field, c)) in levels.iter().enumerate() {
        let level = Level::ALL[i];
        let value = get(*c);
        code_of(field, value.as_deref(), level)?;
        match level {
            Level::Province => rec.province_code = value,
            Level::City => rec.city_code = value,
            Level::County => rec.county_code = value,
            Level::Town => rec.town_code = value,
            Level::Village => rec.village_code = value,
        }
    }
    // The codes must form one chain (the base checks it too).
    to_standard(&rec)?;
    let probe = AddressBase::new(vec![to_standard(&rec)?]);
    if let Err(e) = probe {
        bail!("{e}");
    }
    Ok(rec)
}

/// `wangge gazetteer import villages.csv`: checks the file against the
/// gazetteer, then replaces the stored village edition.
pub async fn import_villages(store: &Store, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let table = wangge_io::read_csv(&bytes, None)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let (Some(c_code), Some(c_name)) = (table.column(&["code"]), table.column(&["name"])) else {
        bail!(
            "{} needs columns code and name; columns found: {}",
            file.display(),
            table.header.join(", ")
        );
    };
    if let Some(e) = table.errors.first() {
        bail!("{}: {e}", file.display());
    }
    let mut csv = String::from("code,name\n");
    let mut rows = Vec::with_capacity(table.rows.len());
    for (row, fields) in &table.rows {
        let code = fields.get(c_code).map_or("", |s| s.trim());
        let name = fields.get(c_name).map_or("", |s| s.trim());
        if code.len() != 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
            bail!(
                "{} row {row}: code {code:?} is not a 12-digit village code",
                file.display()
            );
        }
        if name.is_empty() || name.contains([',', '"', '\n']) {
            bail!(
                "{} row {row}: name {name:?} is empty or has , or \"",
                file.display()
            );
        }
        csv.push_str(code);
        csv.push(',');
        csv.push_str(name);
        csv.push('\n');
        rows.push(VillageRecord {
            code: code.to_owned(),
            name: name.to_owned(),
            town_code: code[..9].to_owned(),
        });
    }
    let gaz = Gazetteer::with_villages_csv(csv.as_bytes())
        .with_context(|| format!("{} is not a village gazetteer", file.display()))?;
    let n = store.replace_villages(&rows).await?;
    outln!(
        "imported {n} villages ({} in the gazetteer, {} skipped: town unknown)",
        gaz.count(Level::Village),
        gaz.villages_skipped()
    )?;
    Ok(())
}
