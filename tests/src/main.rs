//! The `wangge` binary, built inside this package so that its integration
//! tests can run the real CLI as a process (`CARGO_BIN_EXE_wangge-under-test`).
fn main() -> std::process::ExitCode {
    wangge_cli::main()
}
