//! `healthfeed report`: flags, and where the report goes.

use std::io::IsTerminal;
use std::path::Path;

use clap::{Args, ValueEnum};

use super::answer_args::KindArg;
use super::args::{ArchiveArg, PagerArg, ZoneArg};
use super::output::{self, Formats, Kind, Output};
use super::{Error, Exit, clock};
use crate::commands::report::{Options, Page};
use crate::commands::{self, Format};
use crate::model::{BadMonth, Classification, Filter, Month};

/// Arguments of `healthfeed report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,

    /// The month, YYYY-MM, read in the zone [default: the last complete month].
    #[arg(long, value_name = "YYYY-MM", value_parser = month)]
    pub month: Option<Month>,

    /// The zone.
    #[command(flatten)]
    pub zone: ZoneArg,

    /// Only records whose service contains TEXT (any case): --service exchange.
    #[arg(long, value_name = "TEXT")]
    pub service: Option<String>,

    /// Only service health or only Message Center.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<KindArg>,

    /// Only this classification (incident, advisory, planForChange, …; any case).
    #[arg(long, value_name = "CLASS")]
    pub classification: Option<String>,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<ReportFormat>,

    /// The pager, for the Markdown shown at a terminal.
    #[command(flatten)]
    pub pager: PagerArg,
}

fn month(text: &str) -> Result<Month, BadMonth> {
    Month::parse(text)
}

/// `report` formats: a page, Markdown, or the figures as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page (charts inline).
    Html,
    /// Markdown: the same content, charts as tables.
    Md,
    /// The figures as one JSON document (times UTC, or with the offset of a chosen zone).
    Json,
}

impl Formats for ReportFormat {
    const DEFAULT: Self = ReportFormat::Html;
    const JSON: Self = ReportFormat::Json;
    const HELP: &'static str = "Output format [default: html, or what FILE's extension names: .html, .md, .json; md at a terminal]";
    fn kind(self) -> Kind {
        match self {
            ReportFormat::Html | ReportFormat::Md => Kind::Table,
            ReportFormat::Json => Kind::Machine(Format::Json),
        }
    }
    fn by_extension(ext: &str) -> Option<Self> {
        match ext {
            "html" | "htm" => Some(ReportFormat::Html),
            "md" | "markdown" => Some(ReportFormat::Md),
            _ => None,
        }
    }
    fn from_kind(kind: Kind) -> Option<Self> {
        (kind == Kind::Machine(Format::Json)).then_some(ReportFormat::Json)
    }
}

pub(super) fn run(db: &Path, args: ReportArgs) -> Result<Exit, Error> {
    let chosen = args.out.format.is_some() || args.out.json;
    let (mut format, mut target) = args.out.resolve()?;
    // A page of HTML is unreadable in a terminal; its Markdown twin reads as text.
    if !chosen && target.file().is_none() && std::io::stdout().is_terminal() {
        format = ReportFormat::Md;
        target = target.paged();
    }
    let now = clock::now()?;
    let zone = args.zone.zone()?;
    let month = args
        .month
        .unwrap_or_else(|| Month::of(now, &zone).previous());
    let mut filters = Vec::new();
    if let Some(service) = &args.service {
        filters.push(format!("service contains {service:?}"));
    }
    if let Some(kind) = args.kind {
        filters.push(format!("kind {}", crate::model::Kind::from(kind)));
    }
    if let Some(class) = &args.classification {
        filters.push(format!("classification {}", Classification::parse(class)));
    }
    let options = Options {
        month,
        zone,
        filter: Filter {
            service: args.service.clone(),
            kind: args.kind.map(crate::model::Kind::from),
            classification: args.classification.as_deref().map(Classification::parse),
            ..Filter::default()
        },
        filters,
        now,
    };
    let report = commands::report::run(db, &options)?;
    // Rendered before the file is opened: a failure leaves no half-written report.
    let page = match format {
        ReportFormat::Html => Some(commands::report::render(&report, &zone, Page::Html)?),
        ReportFormat::Md => Some(commands::report::render(&report, &zone, Page::Markdown)?),
        ReportFormat::Json => None,
    };
    target.write(|out, _| match &page {
        Some(page) => Ok(out.write_all(page.as_bytes())?),
        None => output::json_in(out, &report, &zone),
    })?;
    if let Some(path) = target.file() {
        eprintln!("healthfeed: wrote the {month} report to {}", path.display());
    }
    Ok(Exit::Success)
}
