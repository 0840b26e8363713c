//! The `wangge` binary as a user runs it: import, export, stats, demo.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wangge_tests::cli::{self, ok, text};

use serde_json::Value;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_wangge-under-test");

fn wangge(db: &Path, args: &[&str]) -> Output {
    cli::run(BIN, &cli::sqlite_url(db), args)
}

fn stats(db: &Path) -> Value {
    serde_json::from_str(&ok(&wangge(db, &["stats", "--json"]))).expect("stats --json is JSON")
}

fn shiyan_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/boundaries/shiyan-counties.geojson")
}

const SQUARE: &str =
    r#"{"type":"Polygon","coordinates":[[[110,32],[110.1,32],[110.1,32.1],[110,32.1],[110,32]]]}"#;

fn write_collection(dir: &Path, name: &str, features: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    path
}

fn feature(properties: &str, geometry: &str) -> String {
    format!(r#"{{"type":"Feature","properties":{properties},"geometry":{geometry}}}"#)
}

#[test]
fn imports_the_real_shiyan_counties_and_names_the_invalid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let out = ok(&wangge(
        &db,
        &[
            "import",
            "grids",
            shiyan_file().to_str().unwrap(),
            "--level",
            "1",
        ],
    ));
    assert!(out.contains("imported 8 level-1 grids"), "{out}");
    let invalid: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("invalid geometry"))
        .collect();
    assert!(
        !invalid.is_empty(),
        "the Shiyan file has self-intersecting counties:\n{out}"
    );
    for line in &invalid {
        assert!(
            line.contains(" at ("),
            "each problem has a location: {line}"
        );
    }
    let s = stats(&db);
    assert_eq!(s["by_level"][0], 8);
    assert_eq!(
        s["invalid_geometries"].as_u64().unwrap(),
        invalid.len() as u64
    );
}

#[test]
fn every_kind_of_invalid_geometry_is_stored_flagged_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let file = write_collection(
        dir.path(),
        "bad.geojson",
        &[
            feature(
                r#"{"code":"BOWTIE"}"#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#,
            ),
            feature(
                r#"{"code":"UNCLOSED"}"#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#,
            ),
            feature(
                r#"{"code":"FEW"}"#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#,
            ),
            feature(
                r#"{"code":"RANGE"}"#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[181,0],[1,95],[0,0]]]}"#,
            ),
            feature(r#"{"code":"GOOD"}"#, SQUARE),
        ],
    );
    let out = ok(&wangge(
        &db,
        &["import", "grids", file.to_str().unwrap(), "--level", "1"],
    ));
    // A NaN vertex is refused outright (hardening_io), not stored flagged.
    for code in ["BOWTIE", "UNCLOSED", "FEW", "RANGE"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with("invalid geometry") && l.contains(&format!("code {code}"))),
            "{code} not reported:\n{out}"
        );
    }
    assert!(!out.contains("code GOOD"), "{out}");
    let s = stats(&db);
    assert_eq!(s["by_level"][0], 5);
    assert_eq!(s["invalid_geometries"], 4);
}

#[test]
fn a_bad_file_leaves_the_database_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let departments = write_collection(
        dir.path(),
        "l1.geojson",
        &[feature(r#"{"code":"D1","name":"一部"}"#, SQUARE)],
    );
    ok(&wangge(
        &db,
        &[
            "import",
            "grids",
            departments.to_str().unwrap(),
            "--level",
            "1",
        ],
    ));
    let before = stats(&db);
    let before_export = ok(&wangge(&db, &["export", "grids", "--format", "geojson"]));

    // The second feature's parent does not exist: the whole file is refused.
    let branches = write_collection(
        dir.path(),
        "l2.geojson",
        &[
            feature(r#"{"code":"B1","name":"甲分局","parent":"D1"}"#, SQUARE),
            feature(r#"{"code":"B2","name":"乙分局","parent":"NOPE"}"#, SQUARE),
        ],
    );
    let out = wangge(
        &db,
        &[
            "import",
            "grids",
            branches.to_str().unwrap(),
            "--level",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("B2") && err.contains("NOPE"), "{err}");
    assert_eq!(stats(&db), before);

    // A structural fault (unknown cell type) is refused before anything is written.
    let cells = write_collection(
        dir.path(),
        "l4.geojson",
        &[feature(
            r#"{"code":"C1","name":"城堡","type":"城堡","parent":"X"}"#,
            SQUARE,
        )],
    );
    let out = wangge(
        &db,
        &["import", "grids", cells.to_str().unwrap(), "--level", "4"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("feature 0 (code C1, 城堡)") && err.contains("城堡"),
        "{err}"
    );
    assert_eq!(stats(&db), before);
    assert_eq!(
        ok(&wangge(&db, &["export", "grids", "--format", "geojson"])),
        before_export
    );
}

#[test]
fn files_that_are_not_geojson_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let gbk = dir.path().join("gbk.geojson");
    std::fs::write(&gbk, b"{\"name\":\"\xca\xae\xd1\xdf\"}").unwrap(); // 十堰 in GBK
    let err = text(
        &wangge(
            &db,
            &["import", "grids", gbk.to_str().unwrap(), "--level", "1"],
        )
        .stderr,
    );
    assert!(err.contains("not UTF-8"), "{err}");
    let broken = dir.path().join("broken.geojson");
    std::fs::write(&broken, r#"{"type":"FeatureCollection","features":[{"#).unwrap();
    let err = text(
        &wangge(
            &db,
            &["import", "grids", broken.to_str().unwrap(), "--level", "1"],
        )
        .stderr,
    );
    assert!(err.contains("not JSON") && err.contains("line 1"), "{err}");
    let missing = wangge(
        &db,
        &["import", "grids", "/nonexistent.geojson", "--level", "1"],
    );
    assert!(text(&missing.stderr).contains("cannot read /nonexistent.geojson"));
    let bad_level = wangge(
        &db,
        &["import", "grids", broken.to_str().unwrap(), "--level", "5"],
    );
    assert_eq!(bad_level.status.code(), Some(2));
    assert!(text(&bad_level.stderr).contains("not a grid level"));
}

/// GDAL's ogrinfo must read both export formats. CI installs gdal-bin; on a
/// machine without it the test says so and checks nothing.
#[test]
fn exports_are_read_back_by_ogrinfo() {
    if !cli::ogrinfo_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    ok(&wangge(
        &db,
        &[
            "import",
            "grids",
            shiyan_file().to_str().unwrap(),
            "--level",
            "1",
        ],
    ));
    for (format, file) in [("geojson", "grids.geojson"), ("csv", "grids.csv")] {
        let path = dir.path().join(file);
        ok(&wangge(
            &db,
            &[
                "export",
                "grids",
                "--level",
                "1",
                "--format",
                format,
                "-o",
                path.to_str().unwrap(),
            ],
        ));
        let info = Command::new("ogrinfo")
            .args(["-ro", "-al", "-so"])
            .arg(&path)
            .output()
            .unwrap();
        let info_text = text(&info.stdout);
        assert!(
            info.status.success(),
            "ogrinfo failed on {file}: {}",
            text(&info.stderr)
        );
        assert!(
            info_text.contains("Feature Count: 8"),
            "{file}:\n{info_text}"
        );
        assert!(
            info_text.contains("Extent: (109.4"),
            "{file}: geometry not read\n{info_text}"
        );
        assert!(
            info_text.contains("code: String"),
            "{file}: no code field\n{info_text}"
        );
        // One feature in full: the name and the polygon survive the round trip.
        let one = Command::new("ogrinfo")
            .args(["-ro", "-al", "-where", "code = '420302'"])
            .arg(&path)
            .output()
            .unwrap();
        let one = text(&one.stdout);
        assert!(
            one.contains("茅箭区") && one.contains("MULTIPOLYGON (((110.6689453125 32.4541015625"),
            "{file}: {one}"
        );
    }
}

#[test]
fn demo_reproduces_the_field_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = ok(&wangge(&db, &["demo"]));
    assert!(
        out.contains("password"),
        "the demo users' passwords are printed once:\n{out}"
    );
    let s = stats(&db);
    assert_eq!(s["by_level"][0], 14);
    assert_eq!(s["by_level"][1], 249);
    let level3 = s["by_level"][2].as_i64().unwrap();
    assert!((3 * 249..=6 * 249).contains(&level3), "{level3}");
    assert_eq!(s["by_level"][3], 7183);
    let by_category: std::collections::HashMap<String, i64> = s["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["category"].as_str().unwrap().to_owned(),
                c["cells"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_category["rural"], 1951);
    assert_eq!(by_category["industry"], 742);
    assert_eq!(by_category["cluster"], 1861);
    assert_eq!(by_category["non_cluster"], 190);
    assert_eq!(by_category["community"], 2058);
    assert_eq!(by_category["vacant"], 381);
    assert!(
        s["by_type"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["cells"].as_i64().unwrap() > 0),
        "all 20 types present"
    );
    assert_eq!(s["invalid_geometries"], 0);
    assert!(s["level3_without_outlet"].as_i64().unwrap() > 0);
    // A second demo into the same database is refused, not doubled.
    let again = wangge(&db, &["demo"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already holds the complete demo"));
}

#[test]
fn users_are_added_and_listed_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let out = ok(&wangge(&db, &["user", "add", "wang", "--role", "ops"]));
    assert!(out.contains("password (shown only now)"), "{out}");
    ok(&wangge(
        &db,
        &[
            "user",
            "add",
            "li",
            "--role",
            "viewer",
            "--password",
            "correct-horse",
        ],
    ));
    let dup = wangge(
        &db,
        &[
            "user",
            "add",
            "li",
            "--role",
            "viewer",
            "--password",
            "correct-horse",
        ],
    );
    assert_eq!(dup.status.code(), Some(1));
    let bad_name = cli::fails(&wangge(&db, &["user", "add", "li\nsi", "--role", "viewer"]));
    assert!(bad_name.contains("control characters"), "{bad_name}");
    let no_kind = wangge(
        &db,
        &[
            "user",
            "add",
            "zhao",
            "--role",
            "grid_manager",
            "--password",
            "correct-horse",
        ],
    );
    assert!(text(&no_kind.stderr).contains("--kind"));
    let list = ok(&wangge(&db, &["user", "list"]));
    assert!(list.contains("wang") && list.contains("li"));
    assert!(!list.contains("argon2") && !list.contains("correct-horse"));
}

/// The grids of an export, by code: (level, name, parent, area_m2, parts).
fn exported_grids(
    db: &Path,
    dir: &Path,
    what: &str,
) -> std::collections::BTreeMap<String, (u64, String, Value, f64, usize)> {
    let path = dir.join(format!(
        "{what}-{}.geojson",
        db.file_stem().unwrap().to_string_lossy()
    ));
    ok(&wangge(db, &["export", what, "-o", path.to_str().unwrap()]));
    let root: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    root["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let parts = match f["geometry"]["type"].as_str() {
                Some("MultiPolygon") => f["geometry"]["coordinates"].as_array().unwrap().len(),
                _ => 1,
            };
            (
                p["code"].as_str().unwrap().to_owned(),
                (
                    p["level"].as_u64().unwrap(),
                    p["name"].as_str().unwrap().to_owned(),
                    p["parent"].clone(),
                    p["area_m2"].as_f64().unwrap(),
                    parts,
                ),
            )
        })
        .collect()
}

/// The demo's four levels come back from its exported cells alone: the
/// same grids, names, parents and parts, and the same areas except where
/// the demo leaves a gap inside a grid, which the import reports as a hole.
#[test]
fn one_layer_of_cells_rebuilds_the_demos_four_levels() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.db");
    ok(&wangge(&demo, &["demo", "--customers", "100"]));
    let cells = dir.path().join("cells.geojson");
    ok(&wangge(
        &demo,
        &["export", "cells", "-o", cells.to_str().unwrap()],
    ));
    let one = dir.path().join("one.db");
    let args = [
        "import",
        "cells",
        cells.to_str().unwrap(),
        "--l1-field",
        "department",
        "--l2-field",
        "branch",
        "--l3-field",
        "parent",
        "--name-fields",
        "department_name,branch_name,outlet_area_name",
        "--type-field",
        "cell_type",
        "--territory",
        "SY",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let preview = ok(&wangge(&one, &dry));
    assert!(
        preview.contains("would make 14 departments, 249 branches")
            && preview.contains("and 7183 cells")
            && preview.contains("\n  SY-DJK01-01 均州路街道分局 (26 cells)"),
        "{}",
        &preview[..preview.len().min(2000)]
    );
    assert_eq!(stats(&one)["by_level"][3], 0, "a dry run writes nothing");
    let report = ok(&wangge(&one, &args));
    assert!(
        report.contains("imported 14 departments, 249 branches"),
        "{report}"
    );
    // Holes the cells leave, by grid code: m² in all.
    let mut holes: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
    for line in report
        .lines()
        .filter(|l| l.contains(" m² that no cell covers"))
    {
        let code = line.split_whitespace().nth(2).unwrap().to_owned();
        let m2: f64 = line
            .split(" of ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        *holes.entry(code).or_default() += m2;
    }
    assert!(
        !holes.is_empty(),
        "the demo's gaps inside grids are reported:\n{report}"
    );
    for what in ["grids", "cells"] {
        let want = exported_grids(&demo, dir.path(), what);
        let got = exported_grids(&one, dir.path(), what);
        assert_eq!(want.len(), got.len(), "{what}");
        for (code, (level, name, parent, area, parts)) in &want {
            let (g_level, g_name, g_parent, g_area, g_parts) = &got[code];
            assert_eq!(
                (level, name, parent, parts),
                (g_level, g_name, g_parent, g_parts),
                "{code}"
            );
            let missing = area - g_area;
            let hole = holes.get(code).copied().unwrap_or(0.0);
            assert!(
                missing.abs() <= 1e-4 * area || (missing - hole).abs() <= 0.01 * hole,
                "{code}: demo {area} m², rebuilt {g_area} m², holes reported {hole} m²"
            );
        }
    }
}

/// A mapping that does not fit is refused with every faulty feature named,
/// and nothing is written.
#[test]
fn a_cell_layer_naming_two_parents_is_refused_feature_by_feature() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let cell = |code: &str, l2: &str, l3: &str, x: f64| {
        feature(
            &format!(
                r#"{{"code":"{code}","type":"小区","经营部":"茅箭经营部","分局":"{l2}","网点":"{l3}"}}"#
            ),
            &format!(
                r#"{{"type":"Polygon","coordinates":[[[{x},32],[{x1},32],[{x1},32.01],[{x},32.01],[{x},32]]]}}"#,
                x1 = x + 0.01
            ),
        )
    };
    let file = write_collection(
        dir.path(),
        "cells.geojson",
        &[
            cell("C1", "二堰分局", "A1", 110.0),
            cell("C2", "武当分局", "A1", 110.01),
            cell("C3", "二堰分局", "A2", 110.02),
            feature(
                r#"{"code":"C4","type":"小区","经营部":"茅箭经营部","网点":"A2"}"#,
                SQUARE,
            ),
        ],
    );
    let out = wangge(
        &db,
        &[
            "import",
            "cells",
            file.to_str().unwrap(),
            "--l1-field",
            "经营部",
            "--l2-field",
            "分局",
            "--l3-field",
            "网点",
        ],
    );
    let error = cli::fails(&out);
    assert!(
        error.contains("feature 1 (code C2)")
            && error
                .contains("网点 A1 is under 分局 武当分局 here but under 二堰分局 in feature 0"),
        "{error}"
    );
    assert!(
        error.contains("feature 3 (code C4)") && error.contains("no value for 分局"),
        "{error}"
    );
    assert!(error.contains("database is unchanged"), "{error}");
    assert_eq!(stats(&db)["by_level"][3], 0);
    // Fixed, the same file makes two branches with codes made up from the names.
    let fixed = write_collection(
        dir.path(),
        "fixed.geojson",
        &[
            cell("C1", "二堰分局", "A1", 110.0),
            cell("C2", "武当分局", "A3", 110.01),
            cell("C3", "二堰分局", "A2", 110.02),
        ],
    );
    let done = ok(&wangge(
        &db,
        &[
            "import",
            "cells",
            fixed.to_str().unwrap(),
            "--l1-field",
            "经营部",
            "--l2-field",
            "分局",
            "--l3-field",
            "网点",
        ],
    ));
    assert!(
        done.contains("imported 1 departments, 2 branches, 3 outlet areas and 3 cells"),
        "{done}"
    );
    let grids = exported_grids(&db, dir.path(), "grids");
    assert_eq!(grids["L1-01"].1, "茅箭经营部");
    assert_eq!(grids["L1-01-01"].1, "二堰分局");
    assert_eq!(grids["A3"].2, "L1-01-02");
}

/// CSV for Excel: a file starts with a BOM, `--csv-encoding gbk` writes the
/// code page, stdout stays plain UTF-8 for the next program.
#[test]
fn csv_is_written_for_excel_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    ok(&wangge(
        &db,
        &[
            "import",
            "grids",
            shiyan_file().to_str().unwrap(),
            "--level",
            "1",
        ],
    ));
    let file = dir.path().join("grids.csv");
    let export = |extra: &[&str]| {
        let mut args = vec![
            "export",
            "grids",
            "--format",
            "csv",
            "-o",
            file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        ok(&wangge(&db, &args));
        std::fs::read(&file).unwrap()
    };
    let excel = export(&[]);
    assert!(
        excel.starts_with(b"\xEF\xBB\xBFWKT,code,name"),
        "{:?}",
        &excel[..20]
    );
    assert!(String::from_utf8(excel).unwrap().contains("茅箭区"));
    let gbk = export(&["--csv-encoding", "gbk"]);
    let (text, _, bad) = encoding_rs::GBK.decode(&gbk);
    assert!(
        !bad && text.starts_with("WKT,code,name") && text.contains("茅箭区"),
        "{}",
        &text[..40]
    );
    let piped = wangge(&db, &["export", "grids", "--format", "csv"]);
    assert!(piped.stdout.starts_with(b"WKT,code,name"));
    let wrong = wangge(
        &db,
        &[
            "--csv-encoding",
            "latin1",
            "export",
            "grids",
            "--format",
            "csv",
        ],
    );
    assert!(cli::fails(&wrong).contains("utf-8-bom"));
}

/// Customers go out as points in any format and come back: the GIS
/// formats leave out (and count) those without a location, GeoJSON keeps
/// them with a null geometry.
#[test]
fn customers_go_out_as_points_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let csv = dir.path().join("customers.csv");
    std::fs::write(
        &csv,
        "code,name,lon,lat\nK1,茅箭区便利店,110.79812,32.59123\nK2,张湾区五金店,110.76954,32.65218\nK3,无址小店,,\n",
    )
    .unwrap();
    ok(&wangge(
        &db,
        &["import", "customers", csv.to_str().unwrap(), "--no-assign"],
    ));
    let geojson = dir.path().join("out.geojson");
    ok(&wangge(
        &db,
        &["export", "customers", "-o", geojson.to_str().unwrap()],
    ));
    let root: Value = serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let features = root["features"].as_array().unwrap();
    assert_eq!(features.len(), 3);
    assert_eq!(features[2]["properties"]["name"], "无址小店");
    assert!(features[2]["geometry"].is_null());
    assert_eq!(features[0]["geometry"]["coordinates"][0], 110.79812);
    let gpkg = dir.path().join("out.gpkg");
    let out = wangge(
        &db,
        &[
            "export",
            "customers",
            "--format",
            "geopackage",
            "--crs",
            "EPSG:4546",
            "-o",
            gpkg.to_str().unwrap(),
        ],
    );
    ok(&out);
    assert!(
        text(&out.stderr).contains("1 without a location left out"),
        "{}",
        text(&out.stderr)
    );
    let again = dir.path().join("again.db");
    ok(&wangge(
        &again,
        &["import", "customers", gpkg.to_str().unwrap(), "--no-assign"],
    ));
    let back = dir.path().join("back.geojson");
    ok(&wangge(
        &again,
        &["export", "customers", "-o", back.to_str().unwrap()],
    ));
    let root: Value = serde_json::from_str(&std::fs::read_to_string(&back).unwrap()).unwrap();
    let features = root["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    let lon = features[0]["geometry"]["coordinates"][0].as_f64().unwrap();
    assert!(
        (lon - 110.79812).abs() < 1e-7,
        "{lon}: through EPSG:4546 and back"
    );
    assert_eq!(features[1]["properties"]["name"], "张湾区五金店");
}

// The command line behaves like a Unix tool.

/// `wangge stats | head`, `wangge export … | head`: the reader closes the
/// pipe early; wangge stops quietly with exit 0 (it used to panic).
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    ok(&wangge(
        &db,
        &[
            "import",
            "grids",
            shiyan_file().to_str().unwrap(),
            "--level",
            "1",
        ],
    ));
    for args in [&["export", "grids"][..], &["stats"][..]] {
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(cli::sqlite_url(&db))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        if args[0] == "export" {
            // A few bytes of the 300 kB, as `head -c` would read.
            let mut first = [0u8; 100];
            stdout.read_exact(&mut first).unwrap();
        }
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let stderr = text(&output.stderr);
        assert!(
            output.status.success(),
            "{args:?}: {:?}\n{stderr}",
            output.status
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

/// Logs and tables written to a pipe or a file carry no terminal colour
/// codes; tables line up by display width, Chinese text included.
#[test]
fn output_to_a_pipe_has_no_colour_and_tables_line_up() {
    use unicode_width::UnicodeWidthStr;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    ok(&wangge(
        &db,
        &[
            "import",
            "grids",
            shiyan_file().to_str().unwrap(),
            "--level",
            "1",
        ],
    ));
    let report = dir.path().join("coverage.json");
    let covered = Command::new(BIN)
        .arg("--db")
        .arg(cli::sqlite_url(&db))
        .args(["coverage", "-o", report.to_str().unwrap()])
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let log = text(&covered.stderr);
    assert!(covered.status.success(), "{log}");
    assert!(log.contains("INFO"), "the info log is on stderr: {log}");
    assert!(!log.contains('\u{1b}'), "escape codes in a pipe: {log:?}");
    let out = ok(&wangge(&db, &["stats"]));
    assert!(!out.contains('\u{1b}'));
    // The cell type table: right-aligned counts, so every row as wide as
    // its header, whatever the Chinese names' lengths.
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("type"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 21, "{out}");
    let header_width = rows[0].width();
    for row in &rows {
        assert_eq!(row.width(), header_width, "misaligned: {row:?}\n{out}");
    }
    assert!(rows.iter().any(|r| r.contains("住宅楼-底层经营")), "{out}");
}

/// A command that only reads, run where there is no database, says so and
/// how to make one, and creates nothing; an unreachable PostgreSQL is
/// named with its address at once; an error is printed once.
#[test]
fn a_missing_territory_or_server_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    for args in [&["stats"][..], &["export", "cells"][..], &["coverage"][..]] {
        let said = cli::fails(&wangge(&db, args));
        assert!(
            said.contains("there is no territory here"),
            "{args:?}: {said}"
        );
        assert!(said.contains("wangge demo"), "{said}");
        assert!(!db.exists(), "{args:?} created {}", db.display());
    }
    let refused = Command::new(BIN)
        .args(["--db", "postgres://wangge@127.0.0.1:1/none", "stats"])
        .output()
        .unwrap();
    let said = cli::fails(&refused);
    assert!(
        said.contains("cannot connect to PostgreSQL at 127.0.0.1:1: connection refused"),
        "{said}"
    );
    assert_eq!(said.matches("connection refused").count(), 1, "{said}");
    assert!(!said.contains("pool timed out"), "{said}");
    // A folder that is not there: refused before any work, once.
    let demo_db = dir.path().join("t.db");
    ok(&wangge(
        &demo_db,
        &[
            "import",
            "grids",
            shiyan_file().to_str().unwrap(),
            "--level",
            "1",
        ],
    ));
    let missing = dir.path().join("no/such/folder/out.shp");
    let said = cli::fails(&wangge(
        &demo_db,
        &[
            "export",
            "grids",
            "--format",
            "shapefile",
            "-o",
            missing.to_str().unwrap(),
        ],
    ));
    assert_eq!(
        said.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{said}"
    );
    assert!(said.contains("does not exist"), "{said}");
    assert_eq!(said.matches(missing.to_str().unwrap()).count(), 1, "{said}");
}
