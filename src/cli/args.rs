//! The command line, as clap types only: no I/O, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Archive Microsoft 365 service-health and Message Center posts from WordPress feeds.
#[derive(Debug, Parser)]
#[command(name = "healthfeed", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse saved REST JSON and print the records as a JSON array (no archive needed).
    ///
    /// FILE is one post object, an array of posts as /wp/v2/posts returns, or
    /// NDJSON; `-` reads standard input. Posts that are not records, or fail to
    /// parse, are reported on stderr with their post id and the reason.
    Parse(ParseArgs),
}

/// Arguments of `healthfeed parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Files of saved REST JSON; `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}
