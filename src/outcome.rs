//! The exit-code contract (README, "Exit codes"): what a run tells its
//! caller, shared by every command.

/// What the process tells its caller. The numbers are a documented contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: audit complete, no counted failing finding at or above `--fail-on`.
    Clean,
    /// 1: at least one counted failing finding at or above `--fail-on`.
    Failed,
    /// 2: usage or input error (flags, config, snapshot, credentials, endpoint).
    UsageError,
    /// 3: audit incomplete: some findings are `error`, and nothing counted
    /// at or above `--fail-on` failed.
    Incomplete,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Failed => 1,
            Outcome::UsageError => 2,
            Outcome::Incomplete => 3,
        }
    }
}

/// Exit-code priority when a report could not be written: 1 (a qualifying
/// failure: the gate must still block) outranks 2 (an unwritten report),
/// which outranks 3 (incomplete) and 0 (clean), because a CI job must not
/// pass while the report it uploads is missing.
pub fn with_write_failure(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Failed => Outcome::Failed,
        _ => Outcome::UsageError,
    }
}
