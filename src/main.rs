//! The `recon` binary: parse the command line, run it, and turn the outcome into an exit code
//! (0 reconciled, 1 differences beyond a budget, 2 error).

use clap::Parser;

use recon::cli::{Cli, Command};
use recon::progress::{Log, LogFormat};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
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
