//! FlatGeobuf in and out (the `flatgeobuf` crate, through geozero's GeoJSON
//! reader and writer): a layer read becomes the FeatureCollection the grid
//! import checks, with the system its header names; an export is the
//! GeoJSON export's FeatureCollection in the chosen system, written with
//! that system's EPSG code and a spatial index.

use std::io::{BufReader, Write};
use std::path::Path;

use flatgeobuf::{ColumnType, FgbCrs, FgbReader, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::geojson::{GeoJsonReader, GeoJsonWriter};
use geozero::GeozeroDatasource;
use wangge_geocode::crs::Crs;

use crate::layer::FieldType;
use crate::IoError;

fn fgb_error(path: &Path, e: impl std::fmt::Display) -> IoError {
    IoError::FlatGeobuf(format!("{}: {e}", path.display()))
}

/// A FlatGeobuf file read: its features as GeoJSON (in the file's system)
/// and that system (`None` when the header names none).
#[derive(Debug)]
pub struct FlatGeobufLayer {
    pub geojson: String,
    pub crs: Option<Crs>,
    pub features: usize,
}

/// Reads every feature of `path`.
pub fn read_flatgeobuf(path: &Path) -> Result<FlatGeobufLayer, IoError> {
    let mut file = BufReader::new(std::fs::File::open(path).map_err(|e| fgb_error(path, e))?);
    let reader = FgbReader::open(&mut file).map_err(|e| fgb_error(path, e))?;
    let header = reader.header();
    let crs = match header.crs() {
        None => None,
        Some(c) if c.code() > 0 && c.org().is_none_or(|o| o.eq_ignore_ascii_case("EPSG")) => {
            let code = u16::try_from(c.code()).map_err(|_| {
                fgb_error(path, format!("EPSG:{} is no system wangge knows", c.code()))
            })?;
            Some(Crs::from_epsg(code).map_err(|e| fgb_error(path, e))?)
        }
        Some(c) => match c.wkt() {
            Some(wkt) => Some(Crs::from_wkt(wkt).map_err(|e| fgb_error(path, e))?),
            None => None,
        },
    };
    let features = usize::try_from(header.features_count()).unwrap_or(0);
    let mut selection = reader.select_all().map_err(|e| fgb_error(path, e))?;
    let mut out = Vec::new();
    // The reader indexes a broken feature's buffers without checking them
    // (flatgeobuf 6.0 panics): a broken file is an error, not a crash.
    let processed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        selection.process(&mut GeoJsonWriter::new(&mut out))
    }))
    .map_err(|_| {
        fgb_error(
            path,
            "a feature's data is broken (the file is damaged or cut short)",
        )
    })?;
    processed.map_err(|e| fgb_error(path, e))?;
    let geojson = String::from_utf8(out).map_err(|e| fgb_error(path, e))?;
    Ok(FlatGeobufLayer {
        geojson,
        crs,
        features,
    })
}

/// Writes a GeoJSON FeatureCollection of (multi)polygons or of points, already in
/// `crs`, as a FlatGeobuf layer named `name` with these `columns`
/// (properties not among them are left out).
pub fn write_flatgeobuf(
    geojson: &str,
    name: &str,
    crs: Crs,
    columns: &[(&str, FieldType)],
    out: impl Write,
) -> Result<(), IoError> {
    let path = Path::new(name);
    let options = FgbWriterOptions {
        write_index: true,
        promote_to_multi: true,
        crs: FgbCrs {
            code: crs.epsg().map_or(4326, i32::from),
            ..FgbCrs::default()
        },
        ..FgbWriterOptions::default()
    };
    // Read off the text (the grids' collections are too large to parse
    // twice): points only, polygons only, or a mix (the coverage findings).
    let has = |kind: &str| geojson.contains(&format!("\"{kind}\""));
    let polygons = has("Polygon") || has("MultiPolygon");
    let others = has("Point") || has("LineString") || has("MultiLineString");
    let points = !polygons && has("Point") && !has("LineString") && !has("MultiLineString");
    let geometry_type = if points {
        GeometryType::Point
    } else if polygons && others {
        GeometryType::Unknown
    } else {
        GeometryType::MultiPolygon
    };
    let options = FgbWriterOptions {
        promote_to_multi: geometry_type == GeometryType::MultiPolygon,
        // A mixed layer stays one of any type (else the first feature's
        // type would be taken for all).
        detect_type: geometry_type != GeometryType::Unknown,
        ..options
    };
    let mut writer = FgbWriter::create_with_options(name, geometry_type, options)
        .map_err(|e| fgb_error(path, e))?;
    for &(column, column_type) in columns {
        let column_type = match column_type {
            FieldType::Text => ColumnType::String,
            FieldType::Integer => ColumnType::Long,
            FieldType::Real => ColumnType::Double,
            FieldType::Boolean => ColumnType::Bool,
        };
        writer.add_column(column, column_type, |_, c| c.nullable = true);
    }
    GeoJsonReader(geojson.as_bytes())
        .process(&mut writer)
        .map_err(|e| fgb_error(path, e))?;
    writer.write(out).map_err(|e| fgb_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_goes_out_and_back_with_its_system_and_names() {
        // Properties as the export writes them: every column, sorted.
        let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"area_m2":1000.5,"category":null,"cell_type":null,"code":"A","invalid_reason":null,"level":1,"name":"茅箭区","outlet":null,"parent":null,"type_name_en":null,"type_name_zh":null,"valid":true,"zhengqi":null},"geometry":{"type":"Polygon","coordinates":[[[480293.3,3611734.1],[481293.3,3611734.1],[481293.3,3612734.1],[480293.3,3611734.1]]]}}]}"#;
        let dir = std::env::temp_dir().join(format!("wangge-fgb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.fgb");
        let mut bytes = Vec::new();
        write_flatgeobuf(
            geojson,
            "a",
            Crs::Epsg(4546),
            &crate::layer::GRID_FIELDS,
            &mut bytes,
        )
        .unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let layer = read_flatgeobuf(&path).unwrap();
        assert_eq!(layer.crs, Some(Crs::Epsg(4546)));
        assert_eq!(layer.features, 1);
        assert!(layer.geojson.contains("茅箭区"), "{}", layer.geojson);
        assert!(layer.geojson.contains("480293.3"), "{}", layer.geojson);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
