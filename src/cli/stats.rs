//! `healthfeed stats` at the terminal: counts per dimension and durations per service.

use std::fmt::Write as _;
use std::path::Path;

use super::answer_args::StatsArgs;
use super::output::Kind;
use super::table::{self, Paint, human_minutes};
use super::visible::clean_line;
use super::{Error, Exit, clock};
use crate::commands;
use crate::model::{MESSAGE_CENTER, Stats, Zone};

pub(super) fn run(db: &Path, args: StatsArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let target = target.paged();
    let zone = args.zone.zone()?;
    let now = clock::now()?;
    let mut filter = args.filters.to_filter(&zone, now)?;
    args.window.apply(&mut filter, &zone, now)?;
    let stats = commands::stats::run(db, &filter, &zone)?;
    target.write(|out, paint| match target.kind {
        Kind::Machine(format) => commands::stats::write(&stats, format, out),
        Kind::Table => Ok(out.write_all(render(&stats, paint, &zone).as_bytes())?),
    })?;
    Ok(Exit::Success)
}

fn render(st: &Stats, paint: Paint, zone: &Zone) -> String {
    let records = if st.records == 1 { "record" } else { "records" };
    let mut s = format!("{} {records}\n", paint.bold(&st.records.to_string()));
    let sections = [
        ("By service", &st.by_service, MESSAGE_CENTER),
        ("By status", &st.by_status, "-"),
        ("By classification", &st.by_classification, "-"),
        ("By month of start", &st.by_month, "-"),
    ];
    let month_title = format!("By month of start ({})", zone.name());
    let name = |key: &Option<String>, none: &'static str| match key {
        Some(key) => clean_line(key).into_owned(),
        None => none.to_owned(),
    };
    let w = sections
        .iter()
        .flat_map(|(_, counts, none)| counts.iter().map(|c| name(&c.key, none)))
        .map(|n| table::cols(&n))
        .max()
        .unwrap_or(0);
    for (title, counts, none) in sections {
        // Months are counted on the zone's calendar: say which.
        let title = if std::ptr::eq(counts, &st.by_month) {
            &month_title
        } else {
            title
        };
        let _ = writeln!(s, "\n{}", paint.bold(title));
        for c in counts {
            let name = name(&c.key, none);
            let _ = writeln!(s, "  {}  {:>7}", table::pad(&name, &name, w), c.records);
        }
    }
    if !st.durations.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            paint.bold("Duration of closed service-health records (End − Start)")
        );
        let w = st
            .durations
            .iter()
            .map(|d| table::cols(&clean_line(&d.service)))
            .max()
            .unwrap_or(0)
            .max(7);
        let _ = writeln!(
            s,
            "  {}  {:>7}  {:>9}  {:>9}",
            table::pad("service", "service", w),
            "records",
            "median",
            "p90"
        );
        for d in &st.durations {
            let service = clean_line(&d.service);
            let _ = writeln!(
                s,
                "  {}  {:>7}  {:>9}  {:>9}",
                table::pad(&service, &service, w),
                d.records,
                human_minutes(d.median_minutes),
                human_minutes(d.p90_minutes)
            );
        }
    }
    s
}
