//! `healthfeed report`: what the archive holds for one month (and the month
//! before), read once and handed to [`crate::report`] to work out.

use std::path::Path;

use chrono::{DateTime, SubsecRound, Utc};

use super::Error;
use crate::model::{Filter, Kind, Month, Record, Zone};
pub use crate::report::Report;
use crate::report::{self, Input};
use crate::store::Store;

/// What a report is asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The month.
    pub month: Month,
    /// The zone its days are read and its times shown in.
    pub zone: Zone,
    /// Which records (service, kind, classification); its time fields are set here.
    pub filter: Filter,
    /// The filters in words, for the report to say.
    pub filters: Vec<String>,
    /// The clock the report is made at.
    pub now: DateTime<Utc>,
}

/// Builds the report for `options` from the archive at `db`, opened read-only.
pub fn run(db: &Path, options: &Options) -> Result<Report, Error> {
    let store = Store::open_read_only(db)?;
    super::check_words(&store, &options.filter)?;
    let zone = &options.zone;
    let month = options.month;
    // Whole seconds, as every other time healthfeed writes: the clock's
    // nanoseconds would show in a running month's moment and in `generated`.
    let now = options.now.trunc_subsecs(0);
    let start = month.start(zone);
    if month.start(zone) > now {
        // A month ahead is a typo for one behind (2032-03 for 2023-03): its
        // report would be empty and judged before its own first day.
        return Err(Error::Usage(format!(
            "{month} has not begun in {} (it is {} now): give a month up to that one",
            zone.name(),
            Month::of(now, zone)
        )));
    }
    let moment = report::moment(month, zone, now);
    // One query for both months: Start Time from the month before's first instant to this month's end.
    let window = Filter {
        started_since: Some(month.previous().start(zone)),
        started_until: Some(month.end(zone)),
        limit: None,
        now: Some(moment),
        ..options.filter.clone()
    };
    let mut records: Vec<Record> = Vec::new();
    let mut previous: Vec<Record> = Vec::new();
    store.each_record(&window, |r| -> Result<(), Error> {
        if r.fields.start_time >= start {
            records.push(r);
        } else {
            previous.push(r);
        }
        Ok(())
    })?;
    let mut timelines = Vec::new();
    for id in report::longest(&records, moment, report::LONGEST) {
        if let Some(detail) = store.detail(&id, moment)? {
            timelines.push((id, detail.timeline));
        }
    }
    let mut due: Vec<Record> = Vec::new();
    if options.filter.kind != Some(Kind::Health) {
        let (from, until) = report::due_window(moment, zone);
        let filter = Filter {
            limit: None,
            now: Some(moment),
            ..options.filter.clone()
        };
        store.each_due(&filter, from, until, |r| -> Result<(), Error> {
            due.push(r);
            Ok(())
        })?;
    }
    Ok(report::build(&Input {
        month,
        zone: *zone,
        now,
        filters: options.filters.clone(),
        records,
        previous,
        timelines,
        due,
    }))
}

/// The two ways a report is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// One self-contained HTML page with inline SVG charts.
    Html,
    /// The same content as Markdown, charts as tables.
    Markdown,
}

/// `report` drawn as `page`, times in `zone`.
pub fn render(report: &Report, zone: &Zone, page: Page) -> Result<String, Error> {
    Ok(match page {
        Page::Html => report::html(report, zone)?,
        Page::Markdown => report::markdown(report, zone),
    })
}
