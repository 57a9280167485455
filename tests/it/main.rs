//! End-to-end tests: the real `healthfeed` binary against real files and servers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod answers;
mod archive;
mod busy;
mod changes;
mod cli;
mod contract;
mod counts;
mod delivery;
mod discover;
mod escapes;
mod exit_codes;
mod faults;
mod fetch;
mod heal;
mod honest;
mod hostile;
mod lying_servers;
mod message_center;
mod monitor;
mod not_posts;
mod notify;
mod notify_chat;
mod odd_paths;
mod output_files;
mod parse;
mod redact;
mod rejects;
mod report;
mod report_use;
mod sources;
mod stemming;
mod support;
mod sync;
mod vocab;
mod zones;
