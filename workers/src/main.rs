//! `aos-worker`: see `aos-worker --help`.

fn main() -> eyre::Result<()> {
    aos_worker::cli::run()
}
