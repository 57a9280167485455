//! End-to-end tests: the real `healthfeed` binary against real files and servers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod answers;
mod archive;
mod exit_codes;
mod faults;
mod fetch;
mod hostile;
mod parse;
mod rejects;
mod support;
mod sync;
