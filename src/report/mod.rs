//! The monthly report: the records that started in a month, turned into
//! figures, charts and text.
//!
//! Pure: it takes what the archive holds (records, a few timelines) and the
//! report's moment, and gives figures; [`html`] and [`markdown`] render them.
//! Nothing here reads a clock or a file, so every number is testable, and
//! `commands::report` is the only place that asks the archive.
//!
//! One rule times everything: the report's *moment* is the earlier of the
//! month's end and now. A record is open when it has no End Time (and an open
//! status) or its End Time is after the moment; its length runs to the moment.

mod charts;
mod html;
mod markdown;
mod text;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::model::{Classification, Kind, Month, Record, RecordId, Step, Zone};

pub use charts::{BAR_COLOR, OPEN_COLOR};
pub use html::html;
pub use markdown::markdown;

/// How many of the longest incidents get a table row and their timeline.
pub const LONGEST: usize = 10;

/// How far past the moment an announcement's date makes it due.
pub const DUE_DAYS: i64 = 60;

/// At most this many bars in the timeline chart (the longest are kept), so a
/// busy month still prints on a page or two.
pub const TIMELINE_MAX: usize = 120;

/// A failure to draw a chart or fill the page (a bug, not bad input).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// plotters refused to draw.
    #[error("cannot draw the {chart} chart: {reason}")]
    Chart {
        /// Which chart.
        chart: &'static str,
        /// plotters' words.
        reason: String,
    },
    /// The page template failed.
    #[error("cannot fill the report page")]
    Template(#[from] askama::Error),
}

/// What a report is built from: what the archive holds for the month and the one before.
#[derive(Debug, Clone)]
pub struct Input {
    /// The month reported on.
    pub month: Month,
    /// The zone its days and times are read in.
    pub zone: Zone,
    /// The clock when the report is made.
    pub now: DateTime<Utc>,
    /// The filters the records were chosen with, in words (empty: none).
    pub filters: Vec<String>,
    /// Records whose Start Time is in the month.
    pub records: Vec<Record>,
    /// Records whose Start Time is in the month before.
    pub previous: Vec<Record>,
    /// The timelines of (at least) the [`longest`] records, by ID.
    pub timelines: Vec<(RecordId, Vec<Step>)>,
    /// Announcements with an Action Required By or End Time in [`due_window`].
    pub due: Vec<Record>,
}

/// The report's moment: the month's end, or now while the month is not over.
pub fn moment(month: Month, zone: &Zone, now: DateTime<Utc>) -> DateTime<Utc> {
    month.end(zone).min(now)
}

/// The window an announcement's date must fall in to be listed: the
/// [`DUE_DAYS`] days after the moment, `[from, until)`. Days of the zone's
/// calendar, so a window across a daylight-saving change ends at the same
/// wall-clock time it starts at, as the report's sentence reads.
pub fn due_window(moment: DateTime<Utc>, zone: &Zone) -> (DateTime<Utc>, DateTime<Utc>) {
    let wall = zone.local(moment).naive_local();
    let until = wall
        .checked_add_days(chrono::Days::new(DUE_DAYS.unsigned_abs()))
        .map_or_else(|| moment + TimeDelta::days(DUE_DAYS), |w| zone.instant(w));
    (moment, until)
}

/// Where a service-health record stood at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Still open: no End Time yet, or one after the moment.
    Open,
    /// Over, at this End Time.
    Ended(DateTime<Utc>),
    /// Over by its status, with no End Time: its length is unknown.
    Unknown,
}

fn state(r: &Record, moment: DateTime<Utc>) -> State {
    match r.fields.end_time {
        Some(end) if end <= moment => State::Ended(end),
        Some(_) => State::Open,
        None if r.closed => State::Unknown,
        None => State::Open,
    }
}

/// Minutes from Start Time to the End Time, or to the moment while open.
fn minutes(r: &Record, moment: DateTime<Utc>) -> Option<i64> {
    let end = match state(r, moment) {
        State::Open => moment,
        State::Ended(end) => end,
        State::Unknown => return None,
    };
    Some((end - r.fields.start_time).num_minutes().max(0))
}

fn health(records: &[Record]) -> impl Iterator<Item = &Record> {
    records.iter().filter(|r| r.fields.kind == Kind::Health)
}

/// The report, every figure worked out; times UTC, shown in [`Report::zone`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `2024-03`.
    pub month: String,
    /// The IANA zone times are shown in.
    pub zone: String,
    /// The month's first instant in the zone.
    pub start: DateTime<Utc>,
    /// The first instant after the month.
    pub end: DateTime<Utc>,
    /// The earlier of the month's end and the time the report was made.
    pub moment: DateTime<Utc>,
    /// When the report was made.
    pub generated: DateTime<Utc>,
    /// The end of the window announcements are due in (it starts at the moment).
    pub due_until: DateTime<Utc>,
    /// The filters, in words.
    pub filters: Vec<String>,
    /// This month's figures.
    pub this: Figures,
    /// The month before's, each at that month's own end.
    pub previous: Figures,
    /// Service-health records per service, most first.
    pub services: Vec<ServiceLoad>,
    /// Each service-health record's bar on the month's timeline, by Start Time.
    pub spans: Vec<Span>,
    /// Service-health records left off the timeline chart (beyond [`TIMELINE_MAX`]).
    pub spans_left_off: usize,
    /// The longest service-health records, longest first.
    pub longest: Vec<Longest>,
    /// Announcements due in the window, soonest first.
    pub due: Vec<Due>,
}

/// The headline figures of one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Service-health incidents that started in the month.
    pub incidents: u64,
    /// Service-health advisories that started in the month.
    pub advisories: u64,
    /// Message Center announcements that started in the month.
    pub announcements: u64,
    /// Service-health records of the month still open at its moment.
    pub open_at_end: u64,
    /// Median length of the month's service-health records that ended, minutes.
    pub median_minutes: Option<f64>,
    /// The longest of them, minutes.
    pub worst_minutes: Option<i64>,
}

/// One service's load in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceLoad {
    /// The service (`(none)` when a record names none).
    pub service: String,
    /// Service-health records that started in the month.
    pub records: u64,
    /// Their lengths added up, minutes (open ones to the moment).
    pub minutes: i64,
}

/// One bar of the timeline chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The record.
    pub id: RecordId,
    /// Its title.
    pub title: String,
    /// Where the bar starts (the Start Time).
    pub from: DateTime<Utc>,
    /// Where the bar ends: the End Time, the moment while open, or the month's end.
    pub to: DateTime<Utc>,
    /// Still open at the moment.
    pub open: bool,
}

/// One of the longest incidents, with its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Longest {
    /// The record.
    pub id: RecordId,
    /// Its title.
    pub title: String,
    /// Its service.
    pub service: Option<String>,
    /// Incident or advisory.
    pub classification: Classification,
    /// Its status now.
    pub status: Option<String>,
    /// Start Time.
    pub start: DateTime<Utc>,
    /// End Time, when it ended by the moment.
    pub end: Option<DateTime<Utc>>,
    /// Its length, minutes (to the moment while open).
    pub minutes: i64,
    /// Still open at the moment.
    pub open: bool,
    /// The post's address (http or https only).
    pub link: Option<String>,
    /// Its updates, oldest first.
    pub steps: Vec<StepLine>,
}

/// One update in a timeline: when, and the status it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepLine {
    /// Its Last Updated.
    pub at: DateTime<Utc>,
    /// Its status (`-` for none).
    pub status: String,
}

/// An announcement whose date falls in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The record.
    pub id: RecordId,
    /// Its title.
    pub title: String,
    /// Its classification.
    pub classification: Classification,
    /// Action Required By, when the post gives one.
    pub action_required_by: Option<DateTime<Utc>>,
    /// End Time.
    pub end_time: Option<DateTime<Utc>>,
    /// The earliest of the two that falls in the window.
    pub due: DateTime<Utc>,
    /// The post's address (http or https only).
    pub link: Option<String>,
}

/// The headline figures of `records`, judged at `moment`.
pub fn figures(records: &[Record], moment: DateTime<Utc>) -> Figures {
    let mut f = Figures::default();
    let mut lengths: Vec<i64> = Vec::new();
    for r in records {
        match (r.fields.kind, &r.fields.classification) {
            (Kind::Message, _) => f.announcements += 1,
            (Kind::Health, Classification::Incident) => f.incidents += 1,
            (Kind::Health, Classification::Advisory) => f.advisories += 1,
            (Kind::Health, _) => {}
        }
    }
    for r in health(records) {
        match state(r, moment) {
            State::Open => f.open_at_end += 1,
            State::Ended(end) => lengths.push((end - r.fields.start_time).num_minutes().max(0)),
            State::Unknown => {}
        }
    }
    lengths.sort_unstable();
    f.median_minutes = median(&lengths);
    f.worst_minutes = lengths.last().copied();
    f
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// Service-health records per service with their total length, most records first.
pub fn services(records: &[Record], moment: DateTime<Utc>) -> Vec<ServiceLoad> {
    let mut out: Vec<ServiceLoad> = Vec::new();
    for r in health(records) {
        let name = r.fields.service.as_deref().unwrap_or("(none)");
        let i = match out.iter().position(|s| s.service == name) {
            Some(i) => i,
            None => {
                out.push(ServiceLoad {
                    service: name.to_owned(),
                    records: 0,
                    minutes: 0,
                });
                out.len() - 1
            }
        };
        out[i].records += 1;
        out[i].minutes += minutes(r, moment).unwrap_or(0);
    }
    out.sort_by(|a, b| b.records.cmp(&a.records).then(a.service.cmp(&b.service)));
    out
}

/// The IDs of the `n` longest service-health records, longest first (ties by ID).
pub fn longest(records: &[Record], moment: DateTime<Utc>, n: usize) -> Vec<RecordId> {
    let mut ranked: Vec<(&Record, i64)> = health(records)
        .filter_map(|r| Some((r, minutes(r, moment)?)))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    ranked
        .into_iter()
        .take(n)
        .map(|(r, _)| r.id.clone())
        .collect()
}

/// The timeline bars: one per service-health record, by Start Time, each
/// clipped to the month; at most [`TIMELINE_MAX`] (the longest), and how many were left off.
pub fn spans(
    records: &[Record],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    moment: DateTime<Utc>,
) -> (Vec<Span>, usize) {
    let mut spans: Vec<(Span, i64)> = health(records)
        .map(|r| {
            let (to, open) = match state(r, moment) {
                State::Open => (moment, true),
                State::Ended(e) => (e, false),
                State::Unknown => (r.fields.start_time, false),
            };
            let from = r.fields.start_time.clamp(start, end);
            let to = to.clamp(from, end);
            let span = Span {
                id: r.id.clone(),
                title: r.fields.title.clone(),
                from,
                to,
                open,
            };
            (span, (to - from).num_minutes())
        })
        .collect();
    let left_off = spans.len().saturating_sub(TIMELINE_MAX);
    if left_off > 0 {
        spans.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
        spans.truncate(TIMELINE_MAX);
    }
    spans.sort_by(|a, b| a.0.from.cmp(&b.0.from).then(a.0.id.cmp(&b.0.id)));
    (spans.into_iter().map(|(s, _)| s).collect(), left_off)
}

/// A post's address when it is a web address; anything else (a `javascript:`
/// URL in a hostile feed) is not made a link.
fn web_link(link: Option<&str>) -> Option<String> {
    let link = link?.trim();
    let lower = link.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| link.to_owned())
}

/// The announcements of `due` whose date falls in `[from, until)`, soonest first.
fn due(records: &[Record], from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Due> {
    let inside = |t: Option<DateTime<Utc>>| t.filter(|t| *t >= from && *t < until);
    let mut out: Vec<Due> = records
        .iter()
        .filter(|r| r.fields.kind == Kind::Message)
        .filter_map(|r| {
            let when = [
                inside(r.fields.action_required_by),
                inside(r.fields.end_time),
            ]
            .into_iter()
            .flatten()
            .min()?;
            Some(Due {
                id: r.id.clone(),
                title: r.fields.title.clone(),
                classification: r.fields.classification.clone(),
                action_required_by: r.fields.action_required_by,
                end_time: r.fields.end_time,
                due: when,
                link: web_link(r.link.as_deref()),
            })
        })
        .collect();
    out.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
    out
}

/// Works out the whole report from `input`.
pub fn build(input: &Input) -> Report {
    let zone = &input.zone;
    let (start, end) = (input.month.start(zone), input.month.end(zone));
    let moment = moment(input.month, zone, input.now);
    let previous_moment = moment.min(input.month.previous().end(zone));
    let (_, due_until) = due_window(moment, zone);
    let (spans, spans_left_off) = spans(&input.records, start, end, moment);
    let longest = longest(&input.records, moment, LONGEST)
        .into_iter()
        .filter_map(|id| {
            let r = input.records.iter().find(|r| r.id == id)?;
            let steps = input
                .timelines
                .iter()
                .find(|(tid, _)| *tid == id)
                .map(|(_, steps)| {
                    steps
                        .iter()
                        .map(|s| StepLine {
                            at: s.fields.last_updated,
                            status: s
                                .fields
                                .status
                                .as_ref()
                                .map_or_else(|| "-".to_owned(), |st| st.as_str().to_owned()),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let state = state(r, moment);
            Some(Longest {
                id: r.id.clone(),
                title: r.fields.title.clone(),
                service: r.fields.service.clone(),
                classification: r.fields.classification.clone(),
                status: r.fields.status.as_ref().map(|s| s.as_str().to_owned()),
                start: r.fields.start_time,
                end: match state {
                    State::Ended(e) => Some(e),
                    _ => None,
                },
                minutes: minutes(r, moment)?,
                open: state == State::Open,
                link: web_link(r.link.as_deref()),
                steps,
            })
        })
        .collect();
    Report {
        month: input.month.to_string(),
        zone: zone.name().to_owned(),
        start,
        end,
        moment,
        generated: input.now,
        due_until,
        filters: input.filters.clone(),
        this: figures(&input.records, moment),
        previous: figures(&input.previous, previous_moment),
        services: services(&input.records, moment),
        spans,
        spans_left_off,
        longest,
        due: due(&input.due, moment, due_until),
    }
}

#[cfg(test)]
mod tests;
