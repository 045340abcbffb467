//! `verify-logs`: proves that CloudTrail log files are intact, from S3 or a
//! local copy, by walking the signed digest chain of every region the trail
//! delivers for (concurrently) and hashing every log file listed.
//!
//! Pure logic ([`digest`], [`keys`], [`chain`] over the [`source::Source`]
//! trait, [`report`]) is separate from I/O ([`source`]'s S3 and local
//! implementations, [`run`]), so the walk is tested on in-memory fixtures.

pub mod audit;
pub mod chain;
pub mod digest;
pub mod expected;
/// The signed-chain fixture of the tests: outside the shipped library,
/// shared with the integration tests and the benchmark example.
#[cfg(test)]
#[path = "../../tests/support/verify_fixture.rs"]
pub(crate) mod fixture;
pub mod keys;
pub mod report;
pub mod request;
pub mod run;
pub mod source;

#[cfg(test)]
mod tests;

pub use report::{Anchor, Verification};
pub use request::{parse_trail_arn, AwsAccess, TrailArn, VerifyError, VerifyRequest};
