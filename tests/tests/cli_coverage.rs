//! `wangge coverage` as a user runs it, on a hand-made territory imported
//! with `wangge import grids`: one outlet area A1 (0.02° × 0.02° at 32°N)
//! tiled by four cells that leave a 0.0001° strip between C1 and C2 (a gap
//! 9.4 m wide: a blind spot, small enough to give to a neighbour) and
//! overlap by a 0.0002° strip between C3 and C4.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wangge_tests::cli::{self, ok, text};

use serde_json::Value;

/// Areas of the two strips on the WGS-84 ellipsoid (edges straight in
/// lon/lat), from scripts/coverage/compare_shapely.py's formula.
const GAP_M2: f64 = 10_477.48;
const OVERLAP_M2: f64 = 20_952.72;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_wangge-under-test");

fn wangge(db: &Path, args: &[&str]) -> Output {
    cli::run(BIN, &cli::sqlite_url(db), args)
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#
    )
}

/// Code, parent code, geometry.
type Feature<'a> = (&'a str, Option<&'a str>, String);

fn collection(dir: &Path, name: &str, features: &[Feature<'_>]) -> PathBuf {
    let features: Vec<String> = features
        .iter()
        .map(|(code, parent, geometry)| {
            let parent = parent.map_or("null".to_owned(), |p| format!("{p:?}"));
            format!(
                r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{code}","parent":{parent},"type":"15"}},"geometry":{geometry}}}"#
            )
        })
        .collect();
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

/// The territory of the module comment in a fresh database, with a customer
/// standing in the gap.
fn territory(dir: &Path) -> PathBuf {
    let db = dir.join("w.db");
    let whole = rect(110.0, 32.0, 110.02, 32.02);
    let levels: [(&str, Vec<Feature<'_>>); 4] = [
        ("1", vec![("D1", None, whole.clone())]),
        ("2", vec![("B1", Some("D1"), whole.clone())]),
        ("3", vec![("A1", Some("B1"), whole)]),
        (
            "4",
            vec![
                ("C1", Some("A1"), rect(110.0, 32.0, 110.01, 32.01)),
                ("C2", Some("A1"), rect(110.0101, 32.0, 110.02, 32.01)),
                ("C3", Some("A1"), rect(110.0, 32.01, 110.0102, 32.02)),
                ("C4", Some("A1"), rect(110.01, 32.01, 110.02, 32.02)),
            ],
        ),
    ];
    for (level, features) in levels {
        let file = collection(dir, &format!("level{level}.geojson"), &features);
        ok(&wangge(
            &db,
            &["import", "grids", file.to_str().unwrap(), "--level", level],
        ));
    }
    let customers = dir.join("customers.csv");
    std::fs::write(
        &customers,
        "code,name,lon,lat\nIN_GAP,在缝里,110.01005,32.005\nIN_C1,在C1,110.005,32.005\n",
    )
    .unwrap();
    ok(&wangge(
        &db,
        &["import", "customers", customers.to_str().unwrap()],
    ));
    db
}

fn report(db: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["coverage", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&wangge(db, &args))).expect("coverage JSON")
}

fn near(found: f64, expected: f64) -> bool {
    (found / expected - 1.0).abs() < 2e-3
}

#[test]
fn finds_the_known_gap_overlap_and_ownership_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let db = territory(dir.path());
    let r = report(&db, &[]);
    for key in [
        "summary",
        "gaps",
        "overlaps",
        "outside_parent",
        "edge_mismatches",
        "invalid",
        "ownership",
        "data",
    ] {
        assert!(r.get(key).is_some(), "no {key}");
    }
    // Levels 1-3 tile exactly.
    let gaps = r["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    let gap = &gaps[0];
    assert_eq!(gap["level"], 4);
    assert_eq!(gap["parent"], "A1");
    assert!(near(gap["area_m2"].as_f64().unwrap(), GAP_M2), "{gap}");
    // 0.0001° of longitude at 32°N.
    let width = gap["width_m"].as_f64().unwrap();
    assert!((width - 9.45).abs() < 0.05, "{width}");
    assert_eq!(gap["sliver"], false);
    let neighbours: Vec<&str> = gap["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(&neighbours[..2], ["C1", "C2"], "{neighbours:?}");
    assert_eq!(gap["geometry"]["type"], "Polygon");

    let overlaps = r["overlaps"].as_array().unwrap();
    assert_eq!(overlaps.len(), 1, "{overlaps:#?}");
    assert_eq!(
        (overlaps[0]["a"].as_str(), overlaps[0]["b"].as_str()),
        (Some("C3"), Some("C4"))
    );
    assert!(
        near(overlaps[0]["area_m2"].as_f64().unwrap(), OVERLAP_M2),
        "{}",
        overlaps[0]
    );
    assert!(r["outside_parent"].as_array().unwrap().is_empty());
    assert!(r["invalid"].as_array().unwrap().is_empty());
    // C3's bottom edge runs along C1's top without sharing its corner.
    assert!(r["edge_mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["a"] == "C1" && m["b"] == "C3"));

    let level4 = r["summary"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == 4)
        .unwrap();
    assert_eq!(level4["gaps"]["count"], 1);
    assert_eq!(level4["blind_spots"]["count"], 1);
    assert_eq!(level4["overlaps"]["count"], 1);
    let health = r["summary"]["health"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["parent"] == "A1")
        .unwrap()["share_covered_once"]
        .as_f64()
        .unwrap();
    // A1 loses the gap and the overlap: 0.25 % + 0.5 % of its area.
    assert!((health - 0.9925).abs() < 1e-3, "{health}");

    // No claims, users or outlets yet: every cell unclaimed, A1 has neither
    // manager nor outlet.
    let owned = &r["ownership"];
    let unclaimed: Vec<&str> = owned["unclaimed_cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["grid"].as_str().unwrap())
        .collect();
    assert_eq!(unclaimed, ["C1", "C2", "C3", "C4"]);
    assert_eq!(owned["claimed_cells"], 0);
    assert_eq!(owned["level3_without_manager"][0]["grid"], "A1");
    assert_eq!(owned["grids_without_outlet"][0]["grid"], "A1");
    assert_eq!(owned["unclaimed_cells"][0]["geometry"]["type"], "Polygon");
    assert_eq!(r["summary"]["ownership"]["unclaimed_cells"], 4);

    // The customer in the gap is in no cell; C1 has a customer and no network.
    let customers = &r["data"]["unplaced"][0];
    assert_eq!(customers["kind"], "customer");
    assert_eq!(
        (customers["stored"].as_i64(), customers["in_gap"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(r["data"]["unplaced_by_grid"][0]["grid"], "A1");
    assert_eq!(r["data"]["unplaced_by_grid"][0]["customers_in_gap"], 1);
    assert_eq!(r["data"]["network_blind_spots"][0]["grid"], "C1");

    // Filters: a level, a parent, kinds.
    let only_gaps = report(&db, &["--kind", "gaps", "--level", "4", "--parent", "B1"]);
    assert_eq!(only_gaps["gaps"].as_array().unwrap().len(), 1);
    assert!(only_gaps["overlaps"].as_array().unwrap().is_empty());
    assert!(only_gaps["ownership"]["unclaimed_cells"]
        .as_array()
        .unwrap()
        .is_empty());
    let level3 = report(&db, &["--level", "3"]);
    assert!(level3["gaps"].as_array().unwrap().is_empty());
    assert!(level3["ownership"]["unclaimed_cells"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(level3["ownership"]["grids_without_outlet"][0]["grid"], "A1");

    let bad = wangge(&db, &["coverage", "--kind", "holes"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("\"holes\""),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn fix_dry_run_changes_nothing_and_fix_removes_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let db = territory(dir.path());
    let before = report(&db, &[]);

    let dry = ok(&wangge(&db, &["coverage", "--fix", "--dry-run"]));
    assert!(dry.contains("dry run: nothing written"), "{dry}");
    assert!(dry.contains("4 grids would change"), "{dry}");
    assert!(dry.contains("level 4  gaps             1 ("), "{dry}");
    assert_eq!(report(&db, &[]), before, "a dry run wrote something");

    let fixed = ok(&wangge(&db, &["coverage", "--fix"]));
    assert!(
        fixed.contains("wrote 4 grids in one transaction"),
        "{fixed}"
    );
    assert!(fixed.contains("-> 0 (0.00 m²)"), "{fixed}");
    let after = report(&db, &[]);
    assert!(
        after["gaps"].as_array().unwrap().is_empty(),
        "{}",
        after["gaps"]
    );
    assert!(
        after["overlaps"].as_array().unwrap().is_empty(),
        "{}",
        after["overlaps"]
    );
    assert_ne!(after["summary"]["revision"], before["summary"]["revision"]);
    // The customer of the gap now lies in the neighbour that took the gap.
    assert_eq!(after["data"]["unplaced"][0]["in_gap"], 0);
    assert_eq!(after["data"]["unplaced"][0]["in_cell"], 2);
    // Nothing left to fix.
    let again = ok(&wangge(&db, &["coverage", "--fix"]));
    assert!(again.contains("0 grids changed"), "{again}");
}

#[test]
fn a_broken_polygon_is_reported_and_the_rest_still_computed() {
    let dir = tempfile::tempdir().unwrap();
    let db = territory(dir.path());
    let bowtie = r#"{"type":"Polygon","coordinates":[[[110.0,32.0],[110.01,32.01],[110.01,32.0],[110.0,32.01],[110.0,32.0]]]}"#;
    let file = collection(
        dir.path(),
        "broken.geojson",
        &[("C5", Some("A1"), bowtie.to_owned())],
    );
    ok(&wangge(
        &db,
        &["import", "grids", file.to_str().unwrap(), "--level", "4"],
    ));
    let r = report(&db, &[]);
    let invalid = r["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 1, "{invalid:#?}");
    assert_eq!(invalid[0]["grid"], "C5");
    assert!(!invalid[0]["reason"].as_str().unwrap().is_empty());
    assert!(invalid[0]["location"].is_array());
    // The gap is still found; the bowtie now overlaps C1.
    assert_eq!(r["gaps"].as_array().unwrap().len(), 1);
    assert!(r["overlaps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["a"] == "C1" && o["b"] == "C5"));
    // GeoJSON and CSV still come out.
    ok(&wangge(&db, &["coverage", "--format", "geojson"]));
    ok(&wangge(&db, &["coverage", "--format", "csv"]));
}

/// GDAL's ogrinfo reads the GeoJSON and the CSV report. CI installs gdal-bin.
#[test]
fn geojson_and_csv_reports_are_read_by_ogrinfo() {
    if !cli::ogrinfo_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = territory(dir.path());
    for (format, file) in [("geojson", "coverage.geojson"), ("csv", "coverage.csv")] {
        let path = dir.path().join(file);
        ok(&wangge(
            &db,
            &["coverage", "--format", format, "-o", path.to_str().unwrap()],
        ));
        let info = Command::new("ogrinfo")
            .args(["-ro", "-al", "-where", "kind = 'gap'"])
            .arg(&path)
            .output()
            .unwrap();
        let out = text(&info.stdout);
        assert!(info.status.success(), "{file}: {}", text(&info.stderr));
        assert!(out.contains("Feature Count: 1"), "{file}:\n{out}");
        assert!(
            out.contains("POLYGON ((110.01"),
            "{file}: geometry not read\n{out}"
        );
        assert!(out.contains("parent (String) = A1"), "{file}:\n{out}");
        let all = Command::new("ogrinfo")
            .args(["-ro", "-al", "-so"])
            .arg(&path)
            .output()
            .unwrap();
        let summary = text(&all.stdout);
        // 1 gap, 1 overlap, the edge mismatches, 2 fixes, 4 unclaimed cells,
        // A1 twice (no manager, no outlet), the unplaced grid, C1's network.
        assert!(summary.contains("kind: String"), "{file}:\n{summary}");
        assert!(summary.contains("Feature Count: "), "{file}:\n{summary}");
    }
}

/// A Shapefile holds one kind of shape: the findings go out as one file per
/// kind, every one read by ogrinfo, together as many as the GeoJSON report
/// has features with a geometry.
#[test]
fn findings_go_out_as_one_shapefile_per_kind_of_shape() {
    if !cli::ogrinfo_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = territory(dir.path());
    let geojson: Value =
        serde_json::from_str(&ok(&wangge(&db, &["coverage", "--format", "geojson"]))).unwrap();
    let with_geometry = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .count();
    let refused = wangge(&db, &["coverage", "--format", "shapefile"]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("-o FILE.shp"));
    let path = dir.path().join("findings.shp");
    let written = wangge(
        &db,
        &[
            "coverage",
            "--format",
            "shapefile",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    let said = text(&written.stderr);
    assert!(written.status.success(), "{said}");
    let mut total = 0;
    for (suffix, shape) in [("polygons", "Polygon"), ("lines", "Line String")] {
        let file = dir.path().join(format!("findings_{suffix}.shp"));
        assert!(said.contains(&file.display().to_string()), "{said}");
        let info = Command::new("ogrinfo")
            .args(["-ro", "-al", "-so"])
            .arg(&file)
            .output()
            .unwrap();
        let out = text(&info.stdout);
        assert!(info.status.success(), "{suffix}: {}", text(&info.stderr));
        assert!(
            out.contains(&format!("Geometry: {shape}")),
            "{suffix}:\n{out}"
        );
        assert!(out.contains("kind: String"), "{suffix}:\n{out}");
        let count: usize = out
            .lines()
            .find_map(|l| l.strip_prefix("Feature Count: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        total += count;
    }
    let points = dir.path().join("findings_points.shp");
    if points.exists() {
        let info = Command::new("ogrinfo")
            .args(["-ro", "-al", "-so"])
            .arg(&points)
            .output()
            .unwrap();
        let out = text(&info.stdout);
        assert!(out.contains("Geometry: Point"), "{out}");
        total += out
            .lines()
            .find_map(|l| l.strip_prefix("Feature Count: "))
            .unwrap()
            .trim()
            .parse::<usize>()
            .unwrap();
    }
    assert_eq!(total, with_geometry);
    let gap = Command::new("ogrinfo")
        .args(["-ro", "-al", "-where", "kind = 'gap'"])
        .arg(dir.path().join("findings_polygons.shp"))
        .output()
        .unwrap();
    let out = text(&gap.stdout);
    assert!(out.contains("Feature Count: 1"), "{out}");
    assert!(out.contains("parent (String) = A1"), "{out}");
}

/// Plain `wangge coverage` at a terminal prints the summary tables; down
/// a pipe (or with -o / --format) the whole JSON report, as before. The
/// terminal is a real pseudo-terminal, made by util-linux's `script`.
#[test]
fn a_terminal_gets_the_summary_and_a_pipe_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = territory(dir.path());
    let piped = ok(&wangge(&db, &["coverage"]));
    let report: Value = serde_json::from_str(&piped).expect("JSON down a pipe");
    assert!(report["summary"]["levels"].is_array());
    let command = format!("{BIN} --db {} coverage", cli::sqlite_url(&db));
    let at_terminal = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("util-linux script");
    let shown = text(&at_terminal.stdout);
    assert!(at_terminal.status.success(), "{shown}");
    assert!(shown.contains("coverage at grid revision"), "{shown}");
    assert!(shown.contains("unclaimed cells"), "{shown}");
    assert!(shown.contains("--format json"), "{shown}");
    assert!(
        !shown.contains("\"summary\""),
        "the JSON went to the terminal:\n{shown}"
    );
}
