//! One module per subcommand, plus what the judging commands share (their
//! inputs, their outputs, the collection scope). The top layer: nothing
//! below imports it.

pub(crate) mod audit;
pub(crate) mod checks;
pub(crate) mod collect;
pub(crate) mod config;
pub(crate) mod diff;
pub(crate) mod evaluate;
pub(crate) mod inputs;
pub(crate) mod merge;
pub(crate) mod outputs;
pub(crate) mod scope;
pub(crate) mod verify_logs;
