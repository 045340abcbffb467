//! The entry point: runs a parsed command and returns its [`Outcome`];
//! `main` maps it to the process exit code. Each command lives in its own
//! module under `commands/`.

use crate::cli::Command;
use crate::commands;
use crate::outcome::Outcome;
use anyhow::Result;

pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Audit(args) => commands::audit::audit(args),
        Command::Collect(args) => commands::collect::collect_only(args),
        Command::Evaluate(args) => commands::evaluate::evaluate(args),
        Command::Checks(args) => commands::checks::list_checks(args),
        Command::Config(command) => commands::config::config_command(command),
        Command::Diff(args) => commands::diff::run(args),
        Command::Merge(args) => commands::merge::run(args),
        Command::VerifyLogs(args) => commands::verify_logs::verify_logs(args),
    }
}
