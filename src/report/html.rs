//! The report as one self-contained HTML page: inline CSS and SVG, no
//! script, no address but the records' own links.
//!
//! askama fills `templates/report.html` and escapes every value it is given;
//! only the charts go in unescaped, and plotters escapes their text itself.

use askama::Template;

use super::{Error, Report, charts, text};
use crate::model::{Month, Zone};

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    month: &'a str,
    window: String,
    rules: String,
    generated: String,
    filters: Option<String>,
    headline: Vec<text::Row>,
    services_chart: Option<String>,
    hours_chart: Option<String>,
    timeline_chart: Option<String>,
    timeline_note: Option<String>,
    bar_color: &'static str,
    open_color: &'static str,
    longest: Vec<LongestRow>,
    due_window: String,
    due: Vec<DueRow>,
}

struct LongestRow {
    id: String,
    title: String,
    service: String,
    classification: String,
    start: String,
    end: String,
    length: String,
    link: Option<String>,
    steps: Vec<(String, String)>,
}

struct DueRow {
    id: String,
    title: String,
    classification: String,
    action_required_by: String,
    end_time: String,
    link: Option<String>,
}

/// The month a report covers, from its `YYYY-MM`.
pub(super) fn month_of(report: &Report) -> Month {
    Month::parse(&report.month).unwrap_or(Month {
        year: 1970,
        month: 1,
    })
}

/// Days in the month, on the wall clock.
pub(super) fn days_in(month: Month) -> u32 {
    (month.next().first_day() - month.first_day())
        .num_days()
        .clamp(28, 31) as u32
}

/// Renders `report` as an HTML page, times in `zone`.
pub fn html(report: &Report, zone: &Zone) -> Result<String, Error> {
    let month = month_of(report);
    let t = |time| text::time(time, zone);
    let services: Vec<String> = report
        .services
        .iter()
        .map(|s| text::printable(&s.service))
        .collect();
    let (services_chart, hours_chart) = if services.is_empty() {
        (None, None)
    } else {
        let counts: Vec<f64> = report.services.iter().map(|s| s.records as f64).collect();
        let hours: Vec<f64> = report
            .services
            .iter()
            .map(|s| s.minutes as f64 / 60.0)
            .collect();
        (
            Some(charts::bars(
                "records per service",
                &services,
                &counts,
                &report
                    .services
                    .iter()
                    .map(|s| format!(" {}", s.records))
                    .collect::<Vec<_>>(),
                "service-health records started in the month",
                true,
            )?),
            Some(charts::bars(
                "hours per service",
                &services,
                &hours,
                &report
                    .services
                    .iter()
                    .map(|s| format!(" {} h", text::hours(s.minutes)))
                    .collect::<Vec<_>>(),
                "hours, End − Start added up (open ones to the report's moment)",
                false,
            )?),
        )
    };
    let timeline_chart = if report.spans.is_empty() {
        None
    } else {
        Some(charts::timeline(
            &report.spans,
            month,
            zone,
            days_in(month),
        )?)
    };
    let page = Page {
        month: &report.month,
        window: text::window(report, zone),
        rules: text::rules(report, zone),
        generated: format!("Made {}.", t(report.generated)),
        filters: text::filters(report),
        headline: text::headline(&report.this, &report.previous),
        services_chart,
        hours_chart,
        timeline_chart,
        timeline_note: (report.spans_left_off > 0).then(|| {
            format!(
                "The {} longest are drawn; {} shorter ones are left off.",
                report.spans.len(),
                report.spans_left_off
            )
        }),
        bar_color: super::BAR_COLOR,
        open_color: super::OPEN_COLOR,
        longest: report
            .longest
            .iter()
            .map(|l| LongestRow {
                id: l.id.to_string(),
                title: text::printable(&l.title),
                service: text::printable(l.service.as_deref().unwrap_or_default()),
                classification: text::printable(l.classification.as_str()),
                start: t(l.start),
                end: l.end.map_or_else(|| "open".to_owned(), t),
                length: if l.open {
                    format!("{} so far", text::length(l.minutes))
                } else {
                    text::length(l.minutes)
                },
                link: l.link.clone(),
                steps: l
                    .steps
                    .iter()
                    .map(|s| (t(s.at), text::printable(&s.status)))
                    .collect(),
            })
            .collect(),
        due_window: text::due_window(report, zone),
        due: report
            .due
            .iter()
            .map(|d| DueRow {
                id: d.id.to_string(),
                title: text::printable(&d.title),
                classification: text::printable(d.classification.as_str()),
                action_required_by: d
                    .action_required_by
                    .map(|x| text::day(x, zone))
                    .unwrap_or_default(),
                end_time: d.end_time.map(|x| text::day(x, zone)).unwrap_or_default(),
                link: d.link.clone(),
            })
            .collect(),
    };
    Ok(page.render()?)
}
