//! The `recon` binary: parse the command line, run it, and turn the outcome into an exit code
//! (0 reconciled, 1 differences beyond a budget, 2 error).

use clap::Parser;

use recon::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Diff(args) => match recon::diff(args) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("recon: error: {error}");
                2
            }
        },
    };
    std::process::exit(code);
}
