//! `aos`: see `aos --help`.

fn main() -> std::process::ExitCode {
    // `aos task list | head`: a closed stdout ends the process quietly, as for any Unix
    // filter, instead of a "failed printing to stdout" panic.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
    aos_cli::run()
}
