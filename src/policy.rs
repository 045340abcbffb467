//! The exit-code contract (README, "Exit codes").

use crate::finding::{Finding, Severity, Status};

/// What the process tells its caller. The numbers are a documented contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: audit complete, no failing finding at or above `--fail-on`.
    Clean,
    /// 1: at least one failing finding at or above `--fail-on`.
    Failed,
    /// 2: usage or input error (flags, config, snapshot, credentials, endpoint).
    UsageError,
    /// 3: audit incomplete: some findings are `error`, and nothing at or
    /// above `--fail-on` failed.
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

/// A qualifying failure wins over errors: the gate must block on what it
/// knows is broken even when it could not see everything.
pub fn outcome(findings: &[Finding], fail_on: Severity) -> Outcome {
    if findings
        .iter()
        .any(|f| f.status == Status::Fail && f.severity >= fail_on)
    {
        Outcome::Failed
    } else if findings.iter().any(|f| f.status == Status::Error) {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: Status, severity: Severity) -> Finding {
        let mut f = Finding::new("x", status, "111111111111", "r", "m");
        f.severity = severity;
        f
    }

    #[test]
    fn contract() {
        use Severity::*;
        use Status::*;
        assert_eq!(outcome(&[], Low), Outcome::Clean);
        assert_eq!(outcome(&[finding(Pass, High)], Low), Outcome::Clean);
        assert_eq!(outcome(&[finding(Fail, Low)], Low), Outcome::Failed);
        assert_eq!(outcome(&[finding(Fail, Low)], Medium), Outcome::Clean);
        assert_eq!(
            outcome(&[finding(Fail, Low), finding(Error, Low)], Medium),
            Outcome::Incomplete
        );
        assert_eq!(
            outcome(&[finding(Fail, Critical), finding(Error, Low)], High),
            Outcome::Failed
        );
        assert_eq!(
            outcome(&[finding(NotApplicable, Critical)], Info),
            Outcome::Clean
        );
        assert_eq!(
            [
                Outcome::Clean,
                Outcome::Failed,
                Outcome::UsageError,
                Outcome::Incomplete
            ]
            .map(Outcome::code),
            [0, 1, 2, 3]
        );
    }
}
