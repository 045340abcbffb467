//! Thin entry point: parse the command line, run the command, map the
//! outcome to the documented exit code.

#![forbid(unsafe_code)]

use clap::Parser;
use std::process::ExitCode;
use trailwarden::cli::Cli;
use trailwarden::outcome::Outcome;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help / --version.
    let cli = Cli::parse();
    trailwarden::log::init(cli.verbose, cli.quiet);
    match trailwarden::app::run(cli.command) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(error) => {
            // One line: the error and its causes.
            let reason: Vec<String> = error.chain().map(|e| e.to_string()).collect();
            // A cause may quote AWS or a file: inert for the terminal.
            eprintln!(
                "trailwarden: error: {}",
                trailwarden::inert::terminal_field(&reason.join(": "))
            );
            ExitCode::from(Outcome::UsageError.code())
        }
    }
}
