//! The `psa` binary: see `psa --help`.

fn main() -> std::process::ExitCode {
    psa::cli::main()
}
