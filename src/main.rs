//! The `recon` binary: parse the command line, run it, and turn the outcome into an exit code
//! (0 reconciled, 1 differences beyond a budget, 2 error).

use clap::Parser;

use recon::cli::{Cli, Command};
use recon::progress::{Log, LogFormat};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h, v3), which libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // mimalloc returns freed memory to the kernel 10 ms after it is freed, and recon frees and reallocates
    // decoded pages all the time: on lineitem SF1 it gave back 600 MB that then had to be faulted in and
    // zeroed again (2.05 against 1.73 s, median of 8 runs, on these VMs). A short-lived process keeps it.
    // SAFETY: sets a plain integer option; mimalloc reads options at each purge, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = Cli::parse();
    let (outcome, log) = match cli.command {
        Command::Diff(args) => {
            let log = Log::new(args.log_format, args.quiet);
            (recon::diff(args), log)
        }
        Command::SampleSize(args) => (recon::sample_size(args), Log::new(LogFormat::Text, false)),
    };
    let code = outcome.unwrap_or_else(|error| {
        log.error(&error.to_string());
        2
    });
    std::process::exit(code);
}
