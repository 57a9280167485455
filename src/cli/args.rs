//! The command line, as clap types only: no I/O, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Archive Microsoft 365 service-health and Message Center posts from WordPress feeds.
#[derive(Debug, Parser)]
#[command(name = "healthfeed", version, propagate_version = true)]
pub struct Cli {
    /// The archive file [default: the platform data folder, e.g. ~/.local/share/healthfeed/healthfeed.db].
    #[arg(long, global = true, env = "HEALTHFEED_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

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

    /// Load saved REST JSON into the archive (the same pipeline sync uses).
    ///
    /// Streams its input, so a file of any size imports in flat memory.
    /// Importing the same file twice changes nothing.
    Import(ImportArgs),

    /// Rebuild records, timelines and rejects from the stored raw posts with this version's parser.
    Reparse(JsonFlag),

    /// Show what the archive holds and how the last run went.
    Status(JsonFlag),
}

/// Arguments of `healthfeed import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files of saved REST JSON (a post, an array of posts, or NDJSON); `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A lone `--json` switch.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `healthfeed parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Files of saved REST JSON; `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}
