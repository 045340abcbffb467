//! trailwarden: audits the CloudTrail audit-logging posture of AWS accounts
//! and organizations. Flow: collect → snapshot → evaluate → report (see
//! DESIGN notes and README).

#![forbid(unsafe_code)]

// The crate by its own name from inside, so the test fixture compiled into
// both the unit and the integration tests (tests/support/) names it alike.
#[cfg(test)]
extern crate self as trailwarden;

pub mod app;
pub mod aws;
pub mod checks;
pub mod cli;
pub(crate) mod collect;
pub(crate) mod commands;
pub mod config;
pub(crate) mod diff;
pub(crate) mod docs;
pub(crate) mod endpoint;
pub(crate) mod error;
pub(crate) mod filter_pattern;
pub mod finding;
pub mod hashing;
pub mod inert;
pub mod log;
pub(crate) mod merge;
pub(crate) mod names;
pub mod outcome;
pub(crate) mod paths;
pub mod policy;
pub mod report;
pub mod snapshot;
pub(crate) mod verdict;
pub mod verify;
