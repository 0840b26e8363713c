//! Issue 5 through the `wangge` binary: standard addresses, the village
//! gazetteer, bulk geocoding with its failures file, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::path::{Path, PathBuf};
use std::process::Output;

use wangge_tests::cli::{self, fails, ok, text};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_wangge-under-test");

fn wangge(db: &Path, args: &[&str]) -> Output {
    cli::run(BIN, &cli::sqlite_url(db), args)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const ADDRESSES: &str = "code,town_code,road,house_number,building,lon,lat\n\
    A1,420302001,北京路,12号,3栋,110.7901,32.6501\n\
    A2,420302001,北京路,30号,,110.7950,32.6520\n\
    A3,420303002,人民路,8号,,110.7600,32.6300\n\
    A4,420304117,沿江大道,1号,,110.8120,32.8350\n";

fn rows_of(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records().map(Result::unwrap).collect()
}

#[test]
fn geocode_a_file_with_the_standard_address_base() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let base = write(dir.path(), "base.csv", ADDRESSES.as_bytes());
    let out = ok(&wangge(&db, &["import", "addresses", s(&base)]));
    assert!(out.contains("imported 4 standard addresses"), "{out}");

    // GBK input with a BOM-less header in Chinese; an extra column kept.
    let input = "客户,地址\n\
        甲,湖北十堰茅箭区武当路街道北京路12号3栋2单元301\n\
        乙,郧县城关镇\n\
        丙,鼓楼区中山路5号\n\
        丁,13907191234\n\
        戊,茅箭区北京路２０号附近\n\
        己,浙江省杭州市西湖区北山街道\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(input);
    let inp = write(dir.path(), "in.csv", &gbk);
    let outp = dir.path().join("out.csv");
    let run = wangge(
        &db,
        &["geocode", s(&inp), "-o", s(&outp), "--column", "地址"],
    );
    ok(&run);
    let stderr = text(&run.stderr);
    assert!(stderr.contains("geocoded 6 rows"), "{stderr}");
    assert!(stderr.contains("3 rows to fix"), "{stderr}");
    assert!(stderr.contains("rows/s"), "{stderr}");

    let mut r = csv::Reader::from_path(&outp).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let want = [
        "lon",
        "lat",
        "precision",
        "confidence",
        "province_code",
        "city_code",
        "county_code",
        "town_code",
        "village_code",
        "cell_code",
        "status",
        "reason",
    ];
    assert_eq!(&header[2..], &want);
    let rows = rows_of(&outp);
    assert_eq!(rows.len(), 6);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let get = |i: usize, name: &str| rows[i][col(name)].to_string();
    // The building from the base.
    assert_eq!(get(0, "precision"), "building");
    assert_eq!(get(0, "status"), "matched");
    assert_eq!(get(0, "lon"), "110.790100");
    assert_eq!(get(0, "town_code"), "420302001");
    // The old name, resolved to 郧阳区, placed at its town's centre.
    assert_eq!(get(1, "county_code"), "420304");
    assert_eq!(get(1, "precision"), "town");
    assert_eq!(get(1, "status"), "matched");
    // Ambiguous and failed, with reasons.
    assert_eq!(get(2, "status"), "ambiguous");
    assert!(get(2, "reason").contains("鼓楼区"));
    assert_eq!(get(3, "status"), "failed");
    // Interpolated on 北京路 between 12 and 30.
    assert_eq!(get(4, "precision"), "road");

    // Resolved to its street, but nothing here locates it: no point.
    assert_eq!(get(5, "town_code"), "330106002");
    assert_eq!(get(5, "status"), "partial");
    assert_eq!(get(5, "lon"), "");

    // The failures file: input columns + status,reason; ambiguous, failed,
    // and the row without coordinates (a clerk must fix it too).
    let failures = dir.path().join("out.failures.csv");
    let f = rows_of(&failures);
    assert_eq!(f.len(), 3);
    assert_eq!(&f[0][0], "丙");
    assert_eq!(&f[1][2], "failed");
    assert_eq!(&f[2][0], "己");
    assert_eq!(&f[2][2], "partial");
    assert!(
        f[2][3].contains("不在本公司标准地址库的范围内"),
        "{:?}",
        f[2]
    );
    // It can be re-submitted as it is.
    let again = dir.path().join("again.csv");
    ok(&wangge(
        &db,
        &[
            "geocode",
            s(&failures),
            "-o",
            s(&again),
            "--column",
            "地址",
            "--city",
            "3201",
        ],
    ));
    let a = rows_of(&again);
    assert_eq!(a.len(), 3);
    // With 南京 as the city, 鼓楼区 is decided.
    let c = a[0].len() - 6; // county_code is the 6th from the end
    assert_eq!(&a[0][c], "320106");
}

#[test]
fn crs_out_is_gcj02_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let base = write(dir.path(), "base.csv", ADDRESSES.as_bytes());
    ok(&wangge(&db, &["import", "addresses", s(&base)]));
    let inp = write(
        dir.path(),
        "in.csv",
        "address\n十堰茅箭区北京路12号3栋\n".as_bytes(),
    );
    let outp = dir.path().join("out.csv");
    ok(&wangge(
        &db,
        &["geocode", s(&inp), "-o", s(&outp), "--crs", "gcj02"],
    ));
    let rows = rows_of(&outp);
    let lon: f64 = rows[0][1].parse().unwrap();
    // GCJ-02 is shifted some hundreds of metres east of WGS-84 here.
    assert!(lon > 110.7901 + 0.003 && lon < 110.7901 + 0.02, "{lon}");
}

#[test]
fn bad_geocode_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let out = dir.path().join("o.csv");

    let empty = write(dir.path(), "empty.csv", b"");
    let e = fails(&wangge(&db, &["geocode", s(&empty), "-o", s(&out)]));
    assert!(e.contains("is empty"), "{e}");

    let no_col = write(dir.path(), "nocol.csv", "name,phone\n甲,1\n".as_bytes());
    let e = fails(&wangge(&db, &["geocode", s(&no_col), "-o", s(&out)]));
    assert!(e.contains("no address"), "{e}");
    assert!(e.contains("name, phone"), "{e}");

    let e = fails(&wangge(
        &db,
        &["geocode", s(&no_col), "-o", s(&out), "--column", "addr2"],
    ));
    assert!(e.contains("\"addr2\""), "{e}");

    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend((0..4096u32).map(|i| (i * 7 % 256) as u8));
    let junk = write(dir.path(), "junk.csv", &junk);
    let e = fails(&wangge(&db, &["geocode", s(&junk), "-o", s(&out)]));
    assert!(e.contains("binary"), "{e}");
    assert!(e.contains("xlsx"), "{e}");

    // A 10 MB single line: read as a header, named briefly in the error.
    let long = "很".repeat(10 * 1024 * 1024 / 3);
    let long = write(dir.path(), "long.csv", long.as_bytes());
    let e = fails(&wangge(&db, &["geocode", s(&long), "-o", s(&out)]));
    assert!(e.contains("no address"), "{}", &e[..e.len().min(300)]);
    assert!(e.len() < 2_000, "error is {} bytes", e.len());

    // A 10 MB address in a proper file: geocoded from its first 256 characters.
    let mut big = String::from("address\n十堰市茅箭区五堰街道");
    big.push_str(&"很".repeat(10 * 1024 * 1024 / 3));
    big.push('\n');
    let big = write(dir.path(), "big.csv", big.as_bytes());
    ok(&wangge(&db, &["geocode", s(&big), "-o", s(&out)]));
    let rows = rows_of(&out);
    assert_eq!(rows.len(), 1);
    let n = rows[0].len();
    assert_eq!(&rows[0][n - 5], "420302003"); // town_code
    assert!(rows[0][n - 1].contains("256"));
}

#[test]
fn bad_standard_addresses_are_named_by_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let bad = "code,town_code,road,house_number,lon,lat\n\
        A1,420302001,北京路,12号,110.79,32.65\n\
        A2,4203020,北京路,13号,110.79,32.65\n\
        A3,420302001,北京路,14号,abc,32.65\n\
        A4,420302001,,,110.79,32.65\n";
    let f = write(dir.path(), "bad.csv", bad.as_bytes());
    let e = fails(&wangge(&db, &["import", "addresses", s(&f)]));
    assert!(e.contains("3 bad rows, nothing imported"), "{e}");
    assert!(e.contains("row 3: town_code \"4203020\""), "{e}");
    assert!(e.contains("row 4: lon \"abc\" is not a number"), "{e}");
    assert!(e.contains("row 5: road and compound are both empty"), "{e}");
    let no_lon = write(dir.path(), "nolon.csv", "code,road\nA,北京路\n".as_bytes());
    let e = fails(&wangge(&db, &["import", "addresses", s(&no_lon)]));
    assert!(
        e.contains("no lon column; columns found: code, road"),
        "{e}"
    );
}

#[test]
fn gazetteer_import_of_villages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    // Two villages of 南京 鼓楼区 华侨路街道 (not in the built-in Hubei file).
    let v = write(
        dir.path(),
        "villages.csv",
        "code,name\n320106002001,测试一社区\n320106002002,测试二社区\n999999999001,无主村\n"
            .as_bytes(),
    );
    let out = ok(&wangge(&db, &["gazetteer", "import", s(&v)]));
    assert!(out.contains("imported 3 villages"), "{out}");
    assert!(out.contains("1 skipped"), "{out}");
    let inp = write(
        dir.path(),
        "in.csv",
        "address\n南京鼓楼区测试二社区\n".as_bytes(),
    );
    let outp = dir.path().join("out.csv");
    ok(&wangge(&db, &["geocode", s(&inp), "-o", s(&outp)]));
    let rows = rows_of(&outp);
    let n = rows[0].len();
    assert_eq!(&rows[0][n - 4], "320106002002"); // village_code

    let bad = write(dir.path(), "bad.csv", "code,name\n3201,太短\n".as_bytes());
    let e = fails(&wangge(&db, &["gazetteer", "import", s(&bad)]));
    assert!(
        e.contains("row 2: code \"3201\" is not a 12-digit village code"),
        "{e}"
    );
}

#[test]
fn the_demo_seeds_a_standard_address_base_and_its_addresses_show_every_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    ok(&wangge(&db, &["demo", "--customers", "3000"]));
    // The customers' addresses as clerks wrote them, straight from the store.
    let url = format!("sqlite://{}", db.display());
    let addresses: Vec<String> = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Row;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            let n: i64 = sqlx::query("SELECT count(*) AS n FROM standard_addresses")
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get("n")
                .unwrap();
            assert!(n > 1000, "only {n} standard addresses");
            sqlx::query("SELECT address FROM customers WHERE address IS NOT NULL ORDER BY code")
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>("address").unwrap())
                .collect()
        });
    assert!(addresses.len() > 1000);
    let mut w = csv::Writer::from_path(dir.path().join("in.csv")).unwrap();
    w.write_record(["address"]).unwrap();
    for a in &addresses {
        w.write_record([a]).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let outp = dir.path().join("out.csv");
    let run = wangge(
        &db,
        &["geocode", s(&dir.path().join("in.csv")), "-o", s(&outp)],
    );
    ok(&run);
    let rows = rows_of(&outp);
    let n = rows[0].len();
    let count = |col: usize, v: &str| rows.iter().filter(|r| &r[col] == v).count();
    let matched = count(n - 2, "matched");
    let building = count(n - 10, "building");
    let with_cell = rows.iter().filter(|r| !r[n - 3].is_empty()).count();
    eprintln!("{}", text(&run.stderr));
    assert!(
        matched * 2 > rows.len(),
        "matched {matched} of {}",
        rows.len()
    );
    assert!(building > 0, "no building matches");
    assert!(
        with_cell * 2 > rows.len(),
        "cells for {with_cell} of {}",
        rows.len()
    );
    // Clerks' damage shows: every status occurs.
    for status in ["partial", "ambiguous", "failed"] {
        assert!(count(n - 2, status) > 0, "no {status} row");
    }
}

fn rect(x0: f64, x1: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x0},32.6],[{x1},32.6],[{x1},32.7],[{x0},32.7],[{x0},32.6]]]}}"#
    )
}

/// A grid over 十堰's centre: one department, one branch, outlet areas W
/// (110.70-110.78, 人民路 8号 lies here) and E (110.78-110.85, 北京路), one
/// cell each.
fn shiyan_grid(dir: &Path, db: &Path) {
    let levels: [(&str, Vec<(&str, String)>); 4] = [
        ("1", vec![(r#"{"code":"D"}"#, rect(110.70, 110.85))]),
        (
            "2",
            vec![(r#"{"code":"B","parent":"D"}"#, rect(110.70, 110.85))],
        ),
        (
            "3",
            vec![
                (r#"{"code":"W","parent":"B"}"#, rect(110.70, 110.78)),
                (r#"{"code":"E","parent":"B"}"#, rect(110.78, 110.85)),
            ],
        ),
        (
            "4",
            vec![
                (
                    r#"{"code":"CW","parent":"W","type":"小区"}"#,
                    rect(110.70, 110.78),
                ),
                (
                    r#"{"code":"CE","parent":"E","type":"小区","name":"东岳花园"}"#,
                    rect(110.78, 110.85),
                ),
            ],
        ),
    ];
    for (n, features) in levels {
        let features: Vec<String> = features
            .iter()
            .map(|(props, geometry)| {
                format!(r#"{{"type":"Feature","properties":{props},"geometry":{geometry}}}"#)
            })
            .collect();
        let path = write(
            dir,
            &format!("l{n}.geojson"),
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            )
            .as_bytes(),
        );
        ok(&wangge(db, &["import", "grids", s(&path), "--level", n]));
    }
}

/// (customer code, status, cell code, reason) of every customer.
fn customer_placements(db: &Path) -> Vec<(String, String, Option<String>, Option<String>)> {
    use sqlx::Row;
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let rows = sqlx::query(
            "SELECT c.code, p.status, g.code AS cell, p.reason FROM customers c \
             JOIN placements p ON p.entity_kind = 'customer' AND p.entity_id = c.id \
             LEFT JOIN grids g ON g.id = p.cell_id ORDER BY c.code",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows.iter()
            .map(|r| {
                (
                    r.get("code"),
                    r.get("status"),
                    r.get("cell"),
                    r.get("reason"),
                )
            })
            .collect()
    })
}

/// Issue 13: a row naming one of the cells is placed in it (precision
/// cell, its cell_code), and a row of the wrong width goes to the failures
/// named by its row, as in the HTTP jobs (one table for both).
#[test]
fn geocode_places_a_row_naming_a_cell_in_that_cell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    shiyan_grid(dir.path(), &db);
    let input = write(
        dir.path(),
        "in.csv",
        "id,地址\n1,十堰市茅箭区东岳花园5栋\n2,十堰市茅箭区\n3,a,b\n".as_bytes(),
    );
    let out = dir.path().join("out.csv");
    let run = wangge(&db, &["geocode", s(&input), "-o", s(&out)]);
    ok(&run);
    let rows = rows_of(&out);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let n = rows[0].len();
    assert_eq!(&rows[0][n - 3], "CE", "{:?}", rows[0]); // cell_code
    assert_eq!(&rows[0][n - 10], "cell", "{:?}", rows[0]); // precision
    assert_eq!(&rows[0][n - 2], "matched");
    assert!(rows[0][n - 1].contains("东岳花园"), "{:?}", rows[0]);
    // A county's centre names no cell.
    assert_eq!(&rows[1][n - 3], "");
    let failures = rows_of(&dir.path().join("out.failures.csv"));
    let refused = failures
        .iter()
        .find(|r| &r[0] == "3")
        .expect("row 4 refused");
    assert!(refused[3].contains("row 4 has 3 fields"), "{refused:?}");
}

#[test]
fn geocode_assign_places_customers_without_coordinates_from_their_address() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let base = write(dir.path(), "base.csv", ADDRESSES.as_bytes());
    ok(&wangge(&db, &["import", "addresses", s(&base)]));
    shiyan_grid(dir.path(), &db);
    // Written the way clerks write: levels missing, full-width digits, noise.
    let customers = write(
        dir.path(),
        "customers.csv",
        "code,name,address,lon,lat\n\
         BLD,楼里,十堰茅箭区武当路街道北京路１２号3栋2单元301,,\n\
         RD,路边,张湾区人民路8号附近,,\n\
         GPS,有坐标,张湾区人民路8号,110.72,32.65\n\
         FZ,福州,福州鼓楼区,,\n\
         JUNK,乱写,不知道,,\n\
         NONE,没地址,,,\n"
            .as_bytes(),
    );
    ok(&wangge(&db, &["import", "customers", s(&customers)]));
    let before = customer_placements(&db);
    let bld = before.iter().find(|p| p.0 == "BLD").unwrap();
    assert_eq!(bld.1, "no_location", "{before:?}");

    let input = write(dir.path(), "in.csv", "地址\n茅箭区北京路12号\n".as_bytes());
    let out = dir.path().join("out.csv");
    let run = wangge(&db, &["geocode", s(&input), "-o", s(&out), "--assign"]);
    ok(&run);
    let stderr = text(&run.stderr);
    assert!(stderr.contains("placed 6 customer"), "{stderr}");

    let after = customer_placements(&db);
    let get = |code: &str| after.iter().find(|p| p.0 == code).unwrap().clone();
    // The building of the standard base lies in E's cell.
    let (_, status, cell, reason) = get("BLD");
    assert_eq!(status, "assigned", "{after:?}");
    assert_eq!(cell.as_deref(), Some("CE"));
    let reason = reason.unwrap();
    assert!(
        reason.contains("located from its address (precision building"),
        "{reason}"
    );
    // 人民路 8号 in 张湾区 is at 110.76: W's cell.
    let (_, status, cell, reason) = get("RD");
    assert_eq!(
        (status.as_str(), cell.as_deref()),
        ("assigned", Some("CW")),
        "{after:?}"
    );
    assert!(reason.unwrap().contains("from its address"));
    // Coordinates win over the address: placed as before, no reason.
    let (_, status, cell, reason) = get("GPS");
    assert_eq!(
        (status.as_str(), cell.as_deref(), reason),
        ("assigned", Some("CW"), None)
    );
    // Resolved divisions without a location: still no_location, with why.
    let (_, status, _, reason) = get("FZ");
    assert_eq!(status, "no_location");
    let reason = reason.unwrap();
    assert!(reason.contains("the address is partial"), "{reason}");
    let (_, status, _, reason) = get("JUNK");
    assert_eq!(status, "no_location");
    assert!(reason.unwrap().contains("the address is failed"));
    let (_, status, _, reason) = get("NONE");
    assert_eq!(status, "no_location");
    assert_eq!(reason.as_deref(), Some("no coordinates and no address"));

    // A plain `wangge assign` places by coordinates only; `--geocode` keeps
    // the address placements.
    ok(&wangge(&db, &["assign"]));
    let plain = customer_placements(&db);
    let bld = plain.iter().find(|p| p.0 == "BLD").unwrap();
    assert_eq!(bld.1, "no_location", "{plain:?}");
    ok(&wangge(&db, &["assign", "--geocode"]));
    assert_eq!(customer_placements(&db), after);

    // Without a grid, --assign says what is missing.
    let empty = dir.path().join("empty.db");
    let err = fails(&wangge(
        &empty,
        &["geocode", s(&input), "-o", s(&out), "--assign"],
    ));
    assert!(err.contains("--assign needs a grid"), "{err}");
}
