//! The error a user causes (a flag, a file, a credential): one line and
//! exit code 2, whichever layer finds it.

/// An error the user caused (flags, files, credentials): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);
