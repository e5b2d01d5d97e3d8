//! `aos`: see `aos --help`.

fn main() -> std::process::ExitCode {
    aos_cli::run()
}
