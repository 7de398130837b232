//! The `recon` binary: parse the command line, run it, and turn the outcome into an exit code
//! (0 reconciled, 1 differences beyond a budget, 2 error).

use clap::Parser;

use recon::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Diff(args) => recon::diff(args),
        Command::SampleSize(args) => recon::sample_size(args),
    };
    let code = outcome.unwrap_or_else(|error| {
        eprintln!("recon: error: {error}");
        2
    });
    std::process::exit(code);
}
