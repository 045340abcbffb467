//! trailwarden: audits the CloudTrail audit-logging posture of AWS accounts
//! and organizations. Flow: collect → snapshot → evaluate → report (see
//! DESIGN notes and README).

#![forbid(unsafe_code)]

pub mod app;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod config;
pub mod diff;
pub mod docs;
pub mod endpoint;
pub mod filter_pattern;
pub mod finding;
pub mod inert;
pub mod log;
pub mod merge;
pub mod paths;
pub mod policy;
pub mod report;
pub mod snapshot;
pub mod verify;
