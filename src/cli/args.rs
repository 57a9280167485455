//! The command line, as clap types only: no I/O, no behaviour.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use super::output::{DocFormat, Output, ParseFormat};

pub use super::answer_args::{ExportArgs, ListArgs, QueryArgs, SearchArgs, StatsArgs};

/// Archive Microsoft 365 service-health and Message Center posts from WordPress feeds.
#[derive(Debug, Parser)]
#[command(
    name = "healthfeed",
    version,
    long_version = long_version(),
    propagate_version = true,
    args_override_self = true,
    after_help = examples!(
        "healthfeed sync", "fetch what is new into the archive (the first run walks the whole feed)";
        "healthfeed list --open", "then ask it: records still open, most recently updated first";
    )
)]
pub struct Cli {
    /// The archive file, for every command that opens one (also taken after the command) [default: the platform data folder, e.g. ~/.local/share/healthfeed/healthfeed.db].
    #[arg(long, env = "HEALTHFEED_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// When to colour, for every command that colours (also taken after the command): auto (a terminal that takes colour; NO_COLOR, CLICOLOR and CLICOLOR_FORCE are honoured), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorWhen,

    /// Never page long output, for every command that pages (also taken after the command).
    #[arg(long)]
    pub no_pager: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--version`: the release, and the versions an archive and its records depend on.
fn long_version() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let v = crate::commands::version::versions();
        format!(
            "{}\narchive schema {}\nparser {}\nSQLite {}",
            v.healthfeed, v.schema, v.parser, v.sqlite
        )
    })
}

/// `--db` on each command that opens the archive (and only there).
#[derive(Debug, Args)]
pub struct ArchiveArg {
    /// The archive file [default: --db before the command, HEALTHFEED_DB, or the platform data folder, e.g. ~/.local/share/healthfeed/healthfeed.db].
    #[arg(long = "db", value_name = "PATH")]
    pub path: Option<PathBuf>,
}

/// `--color` on each command that colours its output (and only there).
#[derive(Debug, Args)]
pub struct ColorArg {
    /// When to colour: auto (a terminal that takes colour; NO_COLOR, CLICOLOR and CLICOLOR_FORCE are honoured), always, never [default: --color before the command, else auto].
    #[arg(long = "color", value_name = "WHEN")]
    pub when: Option<ColorWhen>,
}

/// `--tz` and `--local` on each command that shows or reads times (and only there).
#[derive(Debug, Args)]
pub struct ZoneArg {
    /// Show times in ZONE and read dates in it, an IANA name like Asia/Tokyo or Europe/Berlin; JSON, NDJSON and CSV then carry its offset [default: HEALTHFEED_TZ, else UTC].
    #[arg(long = "tz", value_name = "ZONE", conflicts_with = "local")]
    pub tz: Option<String>,

    /// Show times in this system's time zone and read dates in it (as --tz with its name): TZ when set (Asia/Tokyo, :Asia/Tokyo), else /etc/localtime's.
    #[arg(long)]
    pub local: bool,
}

/// `--no-pager` on each command whose output may be long (and only there).
#[derive(Debug, Args)]
pub struct PagerArg {
    /// Never page long output (a pager runs only at a terminal: HEALTHFEED_PAGER, else PAGER, else less).
    #[arg(long = "no-pager")]
    pub off: bool,
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

/// The subcommands, in the order a user meets them.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch new and changed posts from WordPress feeds into the archive (the cron job).
    ///
    /// The first run walks the whole feed; later runs ask only for posts modified
    /// since the last committed page, so a run with nothing new costs one request.
    /// Exit codes: 0 success, 4 fetch failure, 5 archive failure, 6 another sync
    /// holds the archive, 2 usage error, 7 notifications left pending.
    #[command(after_help = examples!(
        "healthfeed sync", "fetch what is new (the first run walks the whole feed)";
        "healthfeed sync --changes --wait 1m", "from cron: one line per new record and status change";
    ))]
    Sync(SyncArgs),

    /// Show records by ID: current state, timeline with what changed, message, related records.
    ///
    /// Exit code 1 when an ID is not in the archive (the other IDs are still shown).
    #[command(after_help = examples!(
        "healthfeed query DZ534539", "one record's state and timeline";
        "healthfeed query ex528690 tm530955 --json", "two records as one JSON document";
    ))]
    Query(QueryArgs),

    /// List records, most recently updated first, in columns that fit the terminal.
    #[command(after_help = examples!(
        "healthfeed list --open --kind health", "service-health records still open";
        "healthfeed list --service exchange --since 2023-03-29 -o exchange.csv", "Exchange records updated since a date, as CSV";
    ))]
    List(ListArgs),

    /// Search ids, services, titles, impacts, messages and machine translations, best match first.
    #[command(after_help = examples!(
        "healthfeed search outlook", "the best matches for a word";
        "healthfeed search \"meeting recordings\" --kind message", "a phrase, in Message Center only";
    ))]
    Search(SearchArgs),

    /// Count records by service, status, classification and month; durations per service.
    #[command(after_help = examples!(
        "healthfeed stats", "the whole archive";
        "healthfeed stats --kind health --since 2023-03-29 --json", "recent service health, as JSON";
    ))]
    Stats(StatsArgs),

    /// Write records (or, with --updates, every update) as CSV, JSON or NDJSON.
    ///
    /// The columns are a stable contract (see README). CSV cells that start
    /// with = + - @ tab or CR are prefixed with ' so spreadsheets do not run them.
    #[command(after_help = examples!(
        "healthfeed export -o records.csv", "every record, as CSV";
        "healthfeed export --updates --service teams -o teams.ndjson", "every update of Teams records, one JSON object a line";
    ))]
    Export(ExportArgs),

    /// Write a monthly report: headline figures against the month before, charts, the longest incidents, announcements coming due.
    ///
    /// One self-contained HTML page (no script, nothing fetched; prints with a
    /// page per section) or the same content as Markdown. Records are chosen
    /// by Start Time in the month, read in --tz.
    #[command(after_help = examples!(
        "healthfeed report -o report.html", "last month's report as a page";
        "healthfeed report --month 2023-03 --tz Asia/Tokyo -o report.md", "March 2023 in Japan time, as Markdown";
    ))]
    Report(super::report::ReportArgs),

    /// Show what the archive holds and how the last run went; with --max-age, check that syncs and notifications still work.
    ///
    /// With --max-age, exit 8 and one line per problem on stderr when no sync
    /// succeeded within that time (or a source tried within it did not), or a
    /// subscription is failing or has had events pending longer; silent and
    /// exit 0 otherwise (unless --json).
    #[command(after_help = examples!(
        "healthfeed status", "counts, sources and the last run";
        "healthfeed status --max-age 1h", "from cron: exit 8 with one line per problem when syncs or notifications stopped working";
    ))]
    Status(StatusArgs),

    /// Load saved REST JSON into the archive (the same pipeline sync uses).
    ///
    /// Streams its input, so a file of any size imports in flat memory.
    /// Importing the same file twice changes nothing.
    #[command(after_help = examples!(
        "healthfeed import fixtures/feed/m365jp-sample.json", "the bundled sample (42 posts)";
        "healthfeed import - < posts.ndjson", "posts on standard input";
    ))]
    Import(ImportArgs),

    /// List the posts kept raw but made no record of (site notices, posts that failed to parse), newest first.
    ///
    /// Each with its source, post id, link, modified time, `not-a-record` or
    /// `failed`, the parser's reason and the parser version that judged it.
    #[command(after_help = examples!(
        "healthfeed rejects", "what was rejected, and why";
        "healthfeed rejects --format csv -o rejects.csv", "the same, as CSV";
    ))]
    Rejects(super::rejects::RejectsArgs),

    /// Send new records and newer updates to webhooks: subscriptions kept in the archive.
    ///
    /// Events are stored with the posts that cause them and delivered at the
    /// end of every `sync` (or by `notify send`); exit 7 when some stay pending.
    #[command(after_help = examples!(
        "healthfeed notify add https://example.com/hook --service exchange --kind health", "Exchange incidents and advisories, as JSON";
        "healthfeed notify list", "every subscription, with pending events";
    ))]
    Notify(super::notify::NotifyArgs),

    /// Rebuild records, timelines and rejects from the stored raw posts with this version's parser.
    #[command(after_help = examples!(
        "healthfeed reparse", "after upgrading healthfeed: counts before and after, IDs that changed";
        "healthfeed reparse --json", "the same, as JSON";
    ))]
    Reparse(OutputOnly),

    /// Parse saved REST JSON and print the records as a JSON array (no archive needed).
    ///
    /// FILE is one post object, an array of posts as /wp/v2/posts returns, or
    /// NDJSON; `-` reads standard input. Posts that are not records, or fail to
    /// parse, are reported on stderr with their post id and the reason.
    #[command(after_help = examples!(
        "healthfeed parse fixtures/feed/m365jp-sample.json", "the bundled sample as records";
        "healthfeed parse - < post.json", "one post on standard input";
    ))]
    Parse(ParseArgs),

    /// Print a shell's completion script for healthfeed on standard output.
    #[command(after_help = examples!(
        "healthfeed completions bash > ~/.local/share/bash-completion/completions/healthfeed", "bash, for this user";
        "healthfeed completions fish > ~/.config/fish/completions/healthfeed.fish", "fish";
    ))]
    Completions(CompletionsArgs),

    /// Print the manual page (roff) on standard output.
    #[command(after_help = examples!(
        "healthfeed man | man -l -", "read it";
        "healthfeed man > ~/.local/share/man/man1/healthfeed.1", "install it for this user";
    ))]
    Man,
}

/// Arguments of `healthfeed completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `healthfeed import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

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

/// Arguments of `healthfeed status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<DocFormat>,

    /// Paging.
    #[command(flatten)]
    pub pager: PagerArg,

    /// Check instead of report: exit 8 when no sync succeeded within TIME (30m, 1h, 1d), or a subscription is failing or has had events pending longer.
    #[arg(long, value_name = "TIME", value_parser = super::when::positive_span)]
    pub max_age: Option<Duration>,
}

/// The output flags alone, for commands that take nothing else.
#[derive(Debug, Args)]
pub struct OutputOnly {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

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

    /// Format and destination of the records.
    #[command(flatten)]
    pub out: Output<ParseFormat>,
}

/// Arguments of `healthfeed sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// A site URL (the posts route is found) or a full posts URL; repeatable.
    #[arg(long = "source", value_name = "URL", default_value = crate::commands::sync::DEFAULT_SOURCE)]
    pub sources: Vec<String>,

    /// Walk the whole feed again instead of starting at the last sync's mark.
    #[arg(long)]
    pub full: bool,

    /// Walk posts modified at or after WHEN (2024-01-01, a date-time, or an age like 30d; read in --tz): bounds a first or --full backfill, and reaches back before the last sync's mark.
    #[arg(long, value_name = "WHEN", value_parser = super::answer_args::when)]
    pub since: Option<String>,

    /// Wait up to this long for another sync of the same archive to finish (30s, 5m; 0: not at all).
    #[arg(long, value_name = "TIME", default_value = "0", value_parser = super::when::span)]
    pub wait: Duration,

    /// Also print one line per new record and per status change (Last Updated and link included).
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

    /// How long one request may take: connection, headers and the whole answer (30s, 1m, 1.5s).
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = super::when::positive_span)]
    pub timeout: Duration,

    /// Stop the run after this long (10m, 1h), keeping the pages fetched so far; exit 4.
    #[arg(long, value_name = "TIME", value_parser = super::when::positive_span)]
    pub max_time: Option<Duration>,

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

    /// Which changes --changes (and --json) lists, as `notify add` takes them; storing is unaffected.
    // Last: a help heading holds for every flag after it.
    #[command(
        flatten,
        next_help_heading = "Which changes to list (--changes, --json; storing is unaffected)"
    )]
    pub changes_of: super::topics::TopicArgs,
}
