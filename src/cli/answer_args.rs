//! The clap types of the answering subcommands (`query`, `list`, `search`,
//! `stats`, `export`), kept apart from `args.rs` so the five can share one set
//! of filter flags without crowding the archive commands.

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};

use super::args::{ArchiveArg, ColorArg, PagerArg, ZoneArg};
use super::output::{DocFormat, ExportFormat, Output, RowFormat, StatsFormat};

use crate::commands::Error;
use crate::model::{
    Classification, Filter, Kind, MessageState, Month, Order, RecordId, SortKey, Status, Zone,
};

/// Arguments of `healthfeed query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// Record IDs, any case (DZ534539 mc883199).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<RecordId>,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<DocFormat>,

    /// Colour.
    #[command(flatten)]
    pub color: ColorArg,

    /// Paging.
    #[command(flatten)]
    pub pager: PagerArg,

    /// Also show the Machine Translation (Japanese), when the latest post has one.
    #[arg(long)]
    pub translation: bool,
}

/// The filters `list`, `search`, `stats` and `export` share; they combine with AND.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only records whose service contains TEXT (any case): --service exchange.
    #[arg(long, value_name = "TEXT")]
    pub service: Option<String>,

    /// Only these current statuses, or active/ended for Message Center (repeatable, or comma-separated; any case).
    #[arg(long, value_name = "STATUS", value_delimiter = ',')]
    pub status: Vec<String>,

    /// Only records still open.
    #[arg(long, conflicts_with = "closed")]
    pub open: bool,

    /// Only records that are over (a closed status; for Message Center, an End Time that has passed).
    #[arg(long)]
    pub closed: bool,

    /// Only service health or only Message Center.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<KindArg>,

    /// Only this classification (incident, advisory, planForChange, …; any case).
    #[arg(long, value_name = "CLASS")]
    pub classification: Option<String>,

    /// Last updated at or after WHEN: 2023-03-29, 2023-03, 2023-03-29T07:00:00Z, or an age (30m, 12h, 7d, 2w); dates and times without an offset are in --tz.
    #[arg(long, value_name = "WHEN", value_parser = when)]
    pub since: Option<String>,

    /// Last updated before WHEN (same forms as --since).
    #[arg(long, value_name = "WHEN", value_parser = when)]
    pub until: Option<String>,
}

impl FilterArgs {
    /// The plain filter the commands take, its dates read in `zone` and its
    /// ages and Message Center states judged at `now`; `--limit` is each
    /// command's own (`stats` has none), so the caller adds it.
    pub fn to_filter(&self, zone: &Zone, now: DateTime<Utc>) -> Result<Filter, Error> {
        let since = at(self.since.as_deref(), zone, now)?;
        let until = at(self.until.as_deref(), zone, now)?;
        ordered((since, until), "--since", "--until")?;
        Ok(Filter {
            service: self.service.clone(),
            statuses: self
                .status
                .iter()
                .filter(|s| MessageState::parse(s).is_none())
                .map(|s| Status::parse(s))
                .collect(),
            message_states: self
                .status
                .iter()
                .filter_map(|s| MessageState::parse(s))
                .collect(),
            closed: match (self.open, self.closed) {
                (true, _) => Some(false),
                (_, true) => Some(true),
                _ => None,
            },
            kind: self.kind.map(Kind::from),
            classification: self.classification.as_deref().map(Classification::parse),
            since,
            until,
            started_since: None,
            started_until: None,
            limit: None,
            order: Order::default(),
            now: Some(now),
        })
    }
}

/// Report windows by Start Time: `list`, `search`, `stats` and `export` (and `report`).
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// Only records that started at or after WHEN (the forms of --since, read in --tz).
    #[arg(long, value_name = "WHEN", value_parser = when)]
    pub started_since: Option<String>,

    /// Only records that started before WHEN (the forms of --since, read in --tz).
    #[arg(long, value_name = "WHEN", value_parser = when)]
    pub started_until: Option<String>,

    /// Only records that started in this month in --tz: short for --started-since and --started-until.
    #[arg(long, value_name = "YYYY-MM", value_parser = month,
          conflicts_with_all = ["started_since", "started_until"])]
    pub month: Option<Month>,
}

impl WindowArgs {
    /// Narrows `filter` to the window asked for (see [`started_window`]).
    pub fn apply(&self, filter: &mut Filter, zone: &Zone, now: DateTime<Utc>) -> Result<(), Error> {
        let (since, until) = started_window(
            self.month,
            self.started_since.as_deref(),
            self.started_until.as_deref(),
            zone,
            now,
        )?;
        filter.started_since = since;
        filter.started_until = until;
        Ok(())
    }
}

/// A Start Time window: at or after the first, before the second; either may be open.
pub type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The Start Time window `[since, until)` of a month, or of two `--since`-like
/// times, in `zone`: the one place these flags become instants, for every
/// command that selects by when records started.
pub fn started_window(
    month: Option<Month>,
    since: Option<&str>,
    until: Option<&str>,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<Window, Error> {
    if let Some(month) = month {
        return Ok((Some(month.start(zone)), Some(month.end(zone))));
    }
    let window = (at(since, zone, now)?, at(until, zone, now)?);
    ordered(window, "--started-since", "--started-until")?;
    Ok(window)
}

/// A window whose start is not before its end selects nothing, which reads
/// as an empty archive; it is nearly always two flags swapped.
fn ordered(window: Window, from: &str, to: &str) -> Result<(), Error> {
    match window {
        (Some(a), Some(b)) if a >= b => Err(Error::Usage(format!(
            "{from} ({}) is not before {to} ({}), so nothing could match: swap them",
            a.format("%Y-%m-%d %H:%M:%SZ"),
            b.format("%Y-%m-%d %H:%M:%SZ")
        ))),
        _ => Ok(()),
    }
}

/// A `--since`-like value as an instant (the text was checked when parsed).
fn at(text: Option<&str>, zone: &Zone, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
    text.map(|t| super::when::parse(t, now, zone).map_err(|e| Error::Usage(e.to_string())))
        .transpose()
}

/// `--sort` and `--reverse`, shared by `list` and `export` (the same store query).
#[derive(Debug, Args)]
pub struct SortArgs {
    /// Sort by KEY: times newest first, duration longest first, id and service A to Z; ties by record ID.
    #[arg(long, value_name = "KEY", default_value = "last-updated")]
    pub sort: SortArg,

    /// Reverse the --sort direction (rows without a value, like an open record's end, stay last).
    #[arg(long)]
    pub reverse: bool,
}

impl SortArgs {
    /// The order the store takes.
    pub fn to_order(&self) -> Order {
        Order {
            key: match self.sort {
                SortArg::LastUpdated => SortKey::LastUpdated,
                SortArg::Start => SortKey::Start,
                SortArg::End => SortKey::End,
                SortArg::Duration => SortKey::Duration,
                SortArg::Id => SortKey::Id,
                SortArg::Service => SortKey::Service,
            },
            reverse: self.reverse,
        }
    }
}

/// `--sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Last Updated, newest first.
    LastUpdated,
    /// Start Time, newest first.
    Start,
    /// End Time, newest first; records without one last.
    End,
    /// Duration of a closed record, longest first; open records last.
    Duration,
    /// Record ID.
    Id,
    /// Service (Message Center by that name).
    Service,
}

/// `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Service-health incidents and advisories.
    Health,
    /// Message Center announcements.
    Message,
}

impl From<KindArg> for Kind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Health => Kind::Health,
            KindArg::Message => Kind::Message,
        }
    }
}

/// Arguments of `healthfeed list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// Which records.
    #[command(flatten)]
    pub filters: FilterArgs,

    /// Which records, by when they started.
    #[command(flatten)]
    pub window: WindowArgs,

    /// At most N records, the most recently updated first (or the first by --sort).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Order.
    #[command(flatten)]
    pub sort: SortArgs,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<RowFormat>,

    /// Colour.
    #[command(flatten)]
    pub color: ColorArg,

    /// Paging.
    #[command(flatten)]
    pub pager: PagerArg,
}

/// Arguments of `healthfeed search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// Words to find (several words: all must match). FTS5 syntax works too
    /// (OR, NOT, "a phrase", prefix*, title:word); text that is not valid
    /// syntax is searched as plain words. Japanese is looked up in machine
    /// translations and titles.
    #[arg(required = true, value_name = "TEXT")]
    pub text: Vec<String>,

    /// Which records.
    #[command(flatten)]
    pub filters: FilterArgs,

    /// Which records by Start Time: what started in a month, looked up.
    #[command(flatten)]
    pub window: WindowArgs,

    /// At most N matches, the best first [default: 20].
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<RowFormat>,

    /// Colour.
    #[command(flatten)]
    pub color: ColorArg,

    /// Paging.
    #[command(flatten)]
    pub pager: PagerArg,
}

/// Arguments of `healthfeed stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// Which records.
    #[command(flatten)]
    pub filters: FilterArgs,

    /// Which records, by when they started.
    #[command(flatten)]
    pub window: WindowArgs,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<StatsFormat>,

    /// Colour.
    #[command(flatten)]
    pub color: ColorArg,

    /// Paging.
    #[command(flatten)]
    pub pager: PagerArg,
}

/// Arguments of `healthfeed export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The zone times are shown and read in.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// Which records (or, with --updates, which updates).
    #[command(flatten)]
    pub filters: FilterArgs,

    /// Which records, by when they started.
    #[command(flatten)]
    pub window: WindowArgs,

    /// At most N rows (records, or with --updates updates), the most recently updated first (or by --sort).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Order.
    #[command(flatten)]
    pub sort: SortArgs,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<ExportFormat>,

    /// Paging.
    #[command(flatten)]
    pub pager: PagerArg,

    /// One row per update instead of one per record; filters then apply to each update's own values.
    #[arg(long)]
    pub updates: bool,

    /// Only these columns, in this order, by their contract names: --columns id,title,duration_minutes.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub columns: Vec<String>,

    /// Start CSV with a UTF-8 byte-order mark so Excel reads it as UTF-8 (CSV only).
    #[arg(long)]
    pub bom: bool,

    /// Do not prefix CSV cells starting with = + - @ tab or CR with ' (spreadsheet formula guard).
    #[arg(long)]
    pub no_formula_escape: bool,
}

/// `--since` / `--until` for every command: checked here, so a typo is a
/// usage error at once; read later, in the zone and at the moment asked.
pub(super) fn when(text: &str) -> Result<String, super::when::BadWhen> {
    super::when::parse(text, Utc::now(), &Zone::utc())?;
    Ok(text.to_owned())
}

/// `--month`.
fn month(text: &str) -> Result<Month, crate::model::BadMonth> {
    Month::parse(text)
}
