//! The command line, as clap types only: no I/O, no behaviour.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use super::output::{DocFormat, Output};

pub use super::answer_args::{ExportArgs, ListArgs, QueryArgs, SearchArgs, StatsArgs};

/// Archive Microsoft 365 service-health and Message Center posts from WordPress feeds.
#[derive(Debug, Parser)]
#[command(
    name = "healthfeed",
    version,
    propagate_version = true,
    args_override_self = true
)]
pub struct Cli {
    /// The archive file [default: the platform data folder, e.g. ~/.local/share/healthfeed/healthfeed.db].
    #[arg(long, global = true, env = "HEALTHFEED_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// When to colour: auto (a terminal that takes colour; NO_COLOR, CLICOLOR and CLICOLOR_FORCE are honoured), always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorWhen,

    /// Never page long output (a pager runs only at a terminal: HEALTHFEED_PAGER, else PAGER, else less).
    #[arg(long, global = true)]
    pub no_pager: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when standard output is a terminal that takes it.
    Auto,
    /// Always colour, even into a pipe or a file.
    Always,
    /// Never colour.
    Never,
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
    Reparse(OutputOnly),

    /// Show what the archive holds and how the last run went.
    Status(OutputOnly),

    /// List the posts kept raw but made no record of (site notices, posts that failed to parse), newest first.
    ///
    /// Each with its source, post id, link, modified time, `not-a-record` or
    /// `failed`, the parser's reason and the parser version that judged it.
    Rejects(super::rejects::RejectsArgs),

    /// Show records by ID: current state, timeline with what changed, message, related records.
    ///
    /// Exit code 1 when an ID is not in the archive (the other IDs are still shown).
    Query(QueryArgs),

    /// List records, most recently updated first, in columns that fit the terminal.
    List(ListArgs),

    /// Search ids, services, titles, impacts, messages and machine translations, best match first.
    Search(SearchArgs),

    /// Count records by service, status, classification and month; durations per service.
    Stats(StatsArgs),

    /// Write records (or, with --updates, every update) as CSV, JSON or NDJSON.
    ///
    /// The columns are a stable contract (see README). CSV cells that start
    /// with = + - @ tab or CR are prefixed with ' so spreadsheets do not run them.
    Export(ExportArgs),

    /// Fetch new and changed posts from WordPress feeds into the archive (the cron job).
    ///
    /// The first run walks the whole feed; later runs ask only for posts modified
    /// since the last committed page, so a run with nothing new costs one request.
    /// Exit codes: 0 success, 4 fetch failure, 5 archive failure, 6 another sync
    /// holds the archive, 2 usage error.
    Sync(SyncArgs),
}

/// Arguments of `healthfeed import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files of saved REST JSON (a post, an array of posts, or NDJSON); `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Format and destination of the summary.
    #[command(flatten)]
    pub out: Output<DocFormat>,

    /// Posts per transaction; hidden: for tests that check counts do not depend on it.
    #[arg(long, hide = true, value_name = "N", default_value_t = crate::commands::import::BATCH as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: u64,
}

/// The output flags alone, for commands that take nothing else.
#[derive(Debug, Args)]
pub struct OutputOnly {
    /// Format and destination.
    #[command(flatten)]
    pub out: Output<DocFormat>,
}

/// Arguments of `healthfeed parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Files of saved REST JSON; `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Arguments of `healthfeed sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// A site URL (the posts route is found) or a full posts URL; repeatable.
    #[arg(long = "source", value_name = "URL", default_value = crate::commands::sync::DEFAULT_SOURCE)]
    pub sources: Vec<String>,

    /// Walk the whole feed again instead of starting at the last sync's mark.
    #[arg(long)]
    pub full: bool,

    /// Walk posts modified at or after WHEN (2024-01-01, a date-time, or an age like 30d): bounds a first or --full backfill, and reaches back before the last sync's mark.
    #[arg(long, value_name = "WHEN", value_parser = super::answer_args::when)]
    pub since: Option<DateTime<Utc>>,

    /// Wait up to this long for another sync of the same archive to finish (30s, 5m; 0: not at all).
    #[arg(long, value_name = "TIME", default_value = "0", value_parser = super::when::span)]
    pub wait: Duration,

    /// Also print one line per new record and per status change.
    #[arg(long, conflicts_with = "json")]
    pub changes: bool,

    /// Print nothing but errors.
    #[arg(short, long, conflicts_with_all = ["json", "changes", "verbose"])]
    pub quiet: bool,

    /// Format and destination of the summary and changes.
    #[command(flatten)]
    pub out: Output<DocFormat>,

    /// Log every HTTP request to stderr (URL, status, bytes, time, retries).
    #[arg(short, long)]
    pub verbose: bool,

    /// How long to wait for a connection, and for each read of an answer (30s, 1m, 1.5s).
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = super::when::positive_span)]
    pub timeout: Duration,

    /// Retries of a failing request (timeouts, 429, 5xx) before giving up.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub retries: u32,

    /// First retry delay in milliseconds (doubled per retry); for tests.
    #[arg(long, hide = true, default_value_t = 500)]
    pub retry_base_ms: u64,

    /// Seconds a committed mark stays behind the server's clock; for tests.
    #[arg(long, hide = true, default_value_t = 30)]
    pub settle_secs: u64,

    /// Posts per request (1-100); for tests.
    #[arg(long, hide = true, default_value_t = 100)]
    pub per_page: u32,
}
