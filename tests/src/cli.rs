//! Running the `wangge` binary as a user does. The binary's path comes from
//! the test (`env!("CARGO_BIN_EXE_wangge-under-test")`): Cargo sets that
//! variable for integration tests only, not for this library.

use std::path::Path;
use std::process::{Command, Output};

/// `bin --db url args…` with warnings-only logging, waited for.
pub fn run(bin: &str, db_url: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .arg("--db")
        .arg(db_url)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run wangge")
}

/// The store URL of a `SQLite` file.
pub fn sqlite_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// Bytes a process wrote, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The standard output of a run that must have succeeded.
pub fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "wangge failed\nstdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The standard error of a run that must have failed.
pub fn fails(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "wangge should have failed\nstdout:\n{}",
        text(&output.stdout)
    );
    text(&output.stderr)
}

/// Whether GDAL's `ogrinfo` is here for the checks that read our files with
/// it. Without it the check says SKIPPED, which `.ci/run` counts as a
/// failure (CI installs gdal-bin), and the test returns.
pub fn ogrinfo_or_skip() -> bool {
    if Command::new("ogrinfo").arg("--version").output().is_ok() {
        return true;
    }
    eprintln!("SKIPPED: ogrinfo (gdal-bin) is not installed, so the GDAL check did not run");
    false
}
