//! Layers of points (customers, resources, outlets) as CSV: `lon` and
//! `lat` first (what GDAL's CSV driver and Excel users both read), then the
//! properties; text cells neutralised against formulas.

use std::io::Write;

use serde_json::Value;

use crate::layer::FieldType;
use crate::IoError;

/// Writes the FeatureCollection of points `geojson` as CSV with these
/// `fields`; a feature without a point has empty `lon` and `lat`. Returns
/// the number of rows.
pub fn write_points_csv(
    geojson: &str,
    fields: &[(String, FieldType)],
    out: impl Write,
) -> Result<usize, IoError> {
    let features = crate::layer::features_of(geojson)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(
        ["lon", "lat"]
            .into_iter()
            .chain(fields.iter().map(|(key, _)| key.as_str())),
    )?;
    for feature in &features {
        let coordinates = &feature["geometry"]["coordinates"];
        let number = |v: &Value| v.as_f64().map(|n| n.to_string()).unwrap_or_default();
        let properties = feature.get("properties").and_then(Value::as_object);
        let cells = fields
            .iter()
            .map(|(key, _)| match properties.and_then(|p| p.get(key)) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => crate::spreadsheet_cell(s).into_owned(),
                Some(other) => other.to_string(),
            });
        writer.write_record(
            [number(&coordinates[0]), number(&coordinates[1])]
                .into_iter()
                .chain(cells),
        )?;
    }
    writer.flush()?;
    Ok(features.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_come_out_with_lon_lat_first_and_formulas_neutralised() {
        let geojson = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"code":"K1","name":"=HYPERLINK(1)","staff":3},"geometry":{"type":"Point","coordinates":[110.5,32.25]}},
          {"type":"Feature","properties":{"code":"K2","name":"无址小店","staff":null},"geometry":null}]}"#;
        let fields = crate::layer::fields_of(geojson).unwrap();
        assert_eq!(
            fields,
            [
                ("code".to_owned(), FieldType::Text),
                ("name".to_owned(), FieldType::Text),
                ("staff".to_owned(), FieldType::Integer)
            ]
        );
        let mut out = Vec::new();
        assert_eq!(write_points_csv(geojson, &fields, &mut out).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "lon,lat,code,name,staff");
        assert_eq!(lines[1], "110.5,32.25,K1,'=HYPERLINK(1),3");
        assert_eq!(lines[2], ",,K2,无址小店,");
    }
}
