//! The AWS plumbing that collection and log verification share: the SDK
//! clients on one HTTP client, credentials and assumed roles, the
//! classification of failed calls, and the list of operations trailwarden
//! calls (its IAM policy). Nothing here decides a verdict.

pub mod clients;
pub mod errors;
pub mod ops;
pub mod roles;

pub use ops::{Operation, OPERATIONS};

/// How to reach AWS: what [`clients::Plumbing::load`] needs, whichever
/// command connects.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub profile: Option<String>,
    /// The region of global calls; `None`: the standard chain's.
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub call_timeout: std::time::Duration,
    /// Most requests in flight per account.
    pub account_concurrency: usize,
    /// Send the read-only session policy with every AssumeRole.
    pub session_policy: bool,
    /// Accept a plain http:// endpoint to another machine (one set in the
    /// shared config profile is checked when the configuration is loaded).
    pub allow_insecure_endpoint: bool,
}

/// A failure that stops a run before anything could be read (no
/// credentials, AWS unreachable, a refused endpoint).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("no AWS credentials found: {0}")]
    NoCredentials(String),
    #[error("cannot reach AWS: {0}")]
    Unreachable(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("cannot start the audit: {0}")]
    Fatal(String),
}
