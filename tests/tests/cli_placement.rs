//! Issue 3 through the `wangge` binary: loading customers and resources,
//! every placement status on a hand-made grid, rejected rows, assign-points.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::path::{Path, PathBuf};
use std::process::Output;

use wangge_tests::cli::{self, ok};

use serde_json::Value;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_wangge-under-test");

fn wangge(db: &Path, args: &[&str]) -> Output {
    cli::run(BIN, &cli::sqlite_url(db), args)
}

fn rect(x0: f64, x1: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x0},32],[{x1},32],[{x1},32.2],[{x0},32.2],[{x0},32]]]}}"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// One department D = one branch B = outlet areas A1 (110.0-110.1) and A2
/// (110.1-110.2). A1 is one cell; A2's only cell C2 covers 110.10-110.15,
/// so 110.15-110.20 is a blind spot inside A2.
fn small_grid(dir: &Path, db: &Path) {
    let level = |n: &str, features: &[(String, String)]| {
        let features: Vec<String> = features
            .iter()
            .map(|(props, geometry)| {
                format!(r#"{{"type":"Feature","properties":{props},"geometry":{geometry}}}"#)
            })
            .collect();
        let path = write(
            dir,
            &format!("l{n}.geojson"),
            &format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        );
        ok(&wangge(
            db,
            &["import", "grids", path.to_str().unwrap(), "--level", n],
        ));
    };
    level("1", &[(r#"{"code":"D"}"#.into(), rect(110.0, 110.2))]);
    level(
        "2",
        &[(r#"{"code":"B","parent":"D"}"#.into(), rect(110.0, 110.2))],
    );
    level(
        "3",
        &[
            (r#"{"code":"A1","parent":"B"}"#.into(), rect(110.0, 110.1)),
            (r#"{"code":"A2","parent":"B"}"#.into(), rect(110.1, 110.2)),
        ],
    );
    level(
        "4",
        &[
            (
                r#"{"code":"C1","parent":"A1","type":"小区"}"#.into(),
                rect(110.0, 110.1),
            ),
            (
                r#"{"code":"C2","parent":"A2","type":"04"}"#.into(),
                rect(110.1, 110.15),
            ),
        ],
    );
}

fn rates(db: &Path, level: &str) -> Value {
    serde_json::from_str(&ok(&wangge(db, &["assign", "--level", level, "--json"]))).unwrap()
}

fn status_counts(rates: &Value, kind: &str) -> std::collections::HashMap<String, i64> {
    let territory = rates["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"].is_null())
        .unwrap();
    territory[kind]["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_status_with_a_real_case() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    small_grid(dir.path(), &db);
    let customers = write(
        dir.path(),
        "customers.csv",
        "code,name,address,lon,lat\n\
         IN1,在格,,110.05,32.1\n\
         IN2,在格二,,110.12,32.1\n\
         GAP,盲点,,110.18,32.1\n\
         NEAR,贴边,,110.1502,32.1\n\
         OUT,外面,,111.5,33.0\n\
         NAN,坏坐标,,NaN,NaN\n\
         FAR,纬度错,,110.05,95\n\
         ADDR,只有地址,十堰市茅箭区北京路12号,,\n\
         NONE,什么都没有,,,\n",
    );
    let out = ok(&wangge(
        &db,
        &["import", "customers", customers.to_str().unwrap()],
    ));
    assert!(out.contains("loaded 9 customers"), "{out}");
    assert!(out.contains("placed 9 customers"), "{out}");
    let resources = write(
        dir.path(),
        "resources.csv",
        "code,kind,parent,lon,lat\n\
         K1,交接箱,,110.05,32.05\n\
         B1,分线盒,K1,,\n\
         B2,分线盒,B1,,\n\
         K2,交接箱,,,\n\
         B3,分线盒,K2,,\n",
    );
    ok(&wangge(
        &db,
        &["import", "resources", resources.to_str().unwrap()],
    ));

    let r = rates(&db, "3");
    let c = status_counts(&r, "customers");
    assert_eq!(c["assigned"], 2, "{c:?}");
    assert_eq!(c["in_gap"], 2, "{c:?}");
    assert_eq!(c["outside"], 1, "{c:?}");
    assert_eq!(c["invalid_coordinates"], 2, "{c:?}");
    assert_eq!(c["no_location"], 2, "{c:?}");
    let res = status_counts(&r, "resources");
    assert_eq!(res["assigned"], 1, "{res:?}");
    assert_eq!(
        res["via_parent"], 2,
        "box on a cabinet, and a box on that box: {res:?}"
    );
    assert_eq!(
        res["no_location"], 2,
        "a cabinet without coordinates and its box: {res:?}"
    );

    // Per outlet area: A1 holds IN1; A2 holds IN2 and the two gap points.
    let a2 = r["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "A2")
        .unwrap();
    assert_eq!(a2["customers"]["total"], 3);
    assert_eq!(a2["customers"]["in_cell"], 1);

    // The reasons and the suggestion, as the API lists them.
    let in_gap: Value = serde_json::from_str(&ok(&wangge(&db, &["assign", "--json"]))).unwrap();
    assert!(in_gap["report"]["kinds"].is_array());
}

#[test]
fn assignment_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    small_grid(dir.path(), &db);
    let customers = write(
        dir.path(),
        "c.csv",
        "code,lon,lat\nX,110.05,32.1\nY,110.18,32.1\n",
    );
    ok(&wangge(
        &db,
        &["import", "customers", customers.to_str().unwrap()],
    ));
    let first = rates(&db, "2")["rates"].clone();
    let second = rates(&db, "2")["rates"].clone();
    assert_eq!(first, second);
    // Loading the same file again updates, never duplicates.
    let out = ok(&wangge(
        &db,
        &["import", "customers", customers.to_str().unwrap()],
    ));
    assert!(out.contains("0 new, 2 updated"), "{out}");
    assert_eq!(rates(&db, "2")["rates"], first);
}

#[test]
fn bad_rows_are_rejected_with_row_and_reason_while_good_rows_load() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    small_grid(dir.path(), &db);
    // GBK, as Excel in China saves it; one row has broken bytes.
    let (gbk, _, _) = encoding_rs::GB18030.encode(
        "客户编码,客户名称,装机地址,经度,纬度,月消费\n\
         G1,十堰一中,茅箭区北京路12号,110.05,32.1,1200\n\
         G2,文字在数字里,张湾区,东经110,32.1,80\n\
         G3,缺纬度,张湾区,110.05,,80\n",
    );
    let mut bytes = gbk.into_owned();
    bytes.extend_from_slice(b"G4,\xff\xfe,x,110.05,32.1,1\nG5,ok,,110.06,32.1,2\n");
    let file = dir.path().join("gbk.csv");
    std::fs::write(&file, bytes).unwrap();
    let out = ok(&wangge(
        &db,
        &["import", "customers", file.to_str().unwrap()],
    ));
    assert!(
        out.contains("loaded 2 customers") && out.contains("GBK"),
        "{out}"
    );
    assert!(
        out.contains("rejected row 3:") && out.contains("经度") && out.contains("东经110"),
        "{out}"
    );
    assert!(
        out.contains("rejected row 4:") && out.contains("no latitude"),
        "{out}"
    );
    assert!(
        out.contains("rejected row 5:") && out.contains("客户名称"),
        "{out}"
    );
    let rejects = std::fs::read_to_string(dir.path().join("gbk.rejected.csv")).unwrap();
    assert!(rejects.starts_with('\u{feff}'));
    assert_eq!(rejects.lines().count(), 4, "{rejects}");
    assert!(rejects.contains("文字在数字里"));

    // A file without the code column is refused as a whole, naming what it has.
    let bad = write(dir.path(), "nocode.csv", "name,lon,lat\nx,1,2\n");
    let out = wangge(&db, &["import", "customers", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name, lon, lat"));
}

#[test]
fn geojson_points_load_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    small_grid(dir.path(), &db);
    let file = write(
        dir.path(),
        "c.geojson",
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":"P1","name":"点"},"geometry":{"type":"Point","coordinates":[110.05,32.1]}}]}"#,
    );
    let out = ok(&wangge(
        &db,
        &["import", "customers", file.to_str().unwrap()],
    ));
    assert!(
        out.contains("loaded 1 customers") && out.contains("assigned 1"),
        "{out}"
    );
}

#[test]
fn assign_points_adds_codes_and_keeps_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    small_grid(dir.path(), &db);
    let input = write(
        dir.path(),
        "in.csv",
        "id,lon,lat,note\n1,110.05,32.1,a\n2,110.18,32.1,b\n3,abc,32.1,c\n4,111.5,33,d\n",
    );
    let output = dir.path().join("out.csv");
    let run = wangge(
        &db,
        &[
            "assign-points",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
        ],
    );
    ok(&run);
    assert!(String::from_utf8_lossy(&run.stderr).contains("points/s"));
    let text = std::fs::read_to_string(&output).unwrap();
    // A CSV file is written for Excel: UTF-8 with a BOM.
    let text = text.strip_prefix('\u{feff}').expect("a BOM first");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,lon,lat,note,cell_code,l3_code,l2_code,l1_code,status,suggestion"
    );
    assert_eq!(lines[1], "1,110.05,32.1,a,C1,A1,B,D,assigned,");
    assert_eq!(lines[2], "2,110.18,32.1,b,,A2,B,D,in_gap,");
    assert_eq!(lines[3], "3,abc,32.1,c,,,,,invalid_coordinates,");
    assert_eq!(lines[4], "4,111.5,33,d,,,,,outside,");
}
