fn main() -> std::process::ExitCode {
    wangge_cli::main()
}
