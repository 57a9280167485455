//! The words and numbers both renderings print, so the HTML page and the
//! Markdown say exactly the same things.

use chrono::{DateTime, Utc};

use super::{Figures, Report};
use crate::model::Zone;

/// Text from a post with its control characters shown as escapes
/// (`\u{1b}`), as the terminal tables show them: a control character is
/// a parse error in HTML and a hazard when the page goes to a terminal.
pub(super) fn printable(value: &str) -> String {
    if !value.chars().any(char::is_control) {
        return value.to_owned();
    }
    value
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => " ".to_owned(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// `2023-03-29 16:00` on the zone's wall clock.
pub(super) fn time(t: DateTime<Utc>, zone: &Zone) -> String {
    zone.local(t).format("%Y-%m-%d %H:%M").to_string()
}

/// `2023-03-29` on the zone's wall clock.
pub(super) fn day(t: DateTime<Utc>, zone: &Zone) -> String {
    zone.local(t).format("%Y-%m-%d").to_string()
}

/// A length for people: `45 min`, `10 h 15 min`, `3 d 4 h`.
pub(super) fn length(minutes: i64) -> String {
    let m = minutes.abs();
    let sign = if minutes < 0 { "−" } else { "" };
    let (d, h, min) = (m / 1440, m % 1440 / 60, m % 60);
    match (d, h) {
        (0, 0) => format!("{sign}{min} min"),
        (0, _) if min == 0 => format!("{sign}{h} h"),
        (0, _) => format!("{sign}{h} h {min} min"),
        _ if h == 0 => format!("{sign}{d} d"),
        _ => format!("{sign}{d} d {h} h"),
    }
}

/// Hours with one decimal, for the chart of total hours.
pub(super) fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

/// One headline row: what, this month, the month before, the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row {
    /// What is counted.
    pub what: &'static str,
    /// This month.
    pub value: String,
    /// The month before.
    pub previous: String,
    /// The change: `+2`, `−1`, `±0`, or `–` when either side has no value.
    pub change: String,
}

fn count_change(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", now - before),
        std::cmp::Ordering::Less => format!("−{}", before - now),
        std::cmp::Ordering::Equal => "±0".to_owned(),
    }
}

fn length_change(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => {
            let d = (a - b).round() as i64;
            match d {
                0 => "±0".to_owned(),
                d if d > 0 => format!("+{}", length(d)),
                d => length(d),
            }
        }
        _ => "–".to_owned(),
    }
}

fn optional_length(m: Option<f64>) -> String {
    m.map_or_else(|| "–".to_owned(), |m| length(m.round() as i64))
}

/// The headline table's rows.
pub(super) fn headline(this: &Figures, before: &Figures) -> Vec<Row> {
    let count = |what, a: u64, b: u64| Row {
        what,
        value: a.to_string(),
        previous: b.to_string(),
        change: count_change(a, b),
    };
    let worst = |f: &Figures| f.worst_minutes.map(|m| m as f64);
    vec![
        count("Incidents", this.incidents, before.incidents),
        count("Advisories", this.advisories, before.advisories),
        count("Announcements", this.announcements, before.announcements),
        count("Open at month end", this.open_at_end, before.open_at_end),
        Row {
            what: "Median duration",
            value: optional_length(this.median_minutes),
            previous: optional_length(before.median_minutes),
            change: length_change(this.median_minutes, before.median_minutes),
        },
        Row {
            what: "Worst duration",
            value: optional_length(worst(this)),
            previous: optional_length(worst(before)),
            change: length_change(worst(this), worst(before)),
        },
    ]
}

/// The sentence under the title: the window and the zone.
pub(super) fn window(report: &Report, zone: &Zone) -> String {
    format!(
        "Records whose Start Time is from {} up to {} (not including it), times in {}.",
        time(report.start, zone),
        time(report.end, zone),
        report.zone
    )
}

/// What "open" and "duration" mean in this report, in one sentence.
pub(super) fn rules(report: &Report, zone: &Zone) -> String {
    let at = if report.moment < report.end {
        format!("now ({})", time(report.moment, zone))
    } else {
        format!("the month's end ({})", time(report.moment, zone))
    };
    format!(
        "Service-health records are judged at {at}: one is open when it has no End Time \
         yet, or one after that, and its duration (End − Start) runs to that moment. The \
         median and worst count only the records that ended. The month before is judged at \
         its own end."
    )
}

/// The announcements section's sentence: the window it covers.
pub(super) fn due_window(report: &Report, zone: &Zone) -> String {
    format!(
        "Message Center announcements whose Action Required By date or End Time falls in the \
         {} days from {} to {}.",
        super::DUE_DAYS,
        time(report.moment, zone),
        time(report.due_until, zone)
    )
}

/// The filters line, or none.
pub(super) fn filters(report: &Report) -> Option<String> {
    (!report.filters.is_empty()).then(|| format!("Filters: {}.", report.filters.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_as_people_say_them() {
        assert_eq!(length(45), "45 min");
        assert_eq!(length(60), "1 h");
        assert_eq!(length(615), "10 h 15 min");
        assert_eq!(length(1440 * 3 + 240 + 7), "3 d 4 h");
        assert_eq!(length(-90), "−1 h 30 min");
    }

    #[test]
    fn controls_show_as_escapes() {
        assert_eq!(printable("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb c");
        assert_eq!(printable("plain"), "plain");
    }

    #[test]
    fn changes_carry_a_sign() {
        assert_eq!(count_change(3, 1), "+2");
        assert_eq!(count_change(1, 3), "−2");
        assert_eq!(count_change(2, 2), "±0");
        assert_eq!(length_change(Some(120.0), Some(60.0)), "+1 h");
        assert_eq!(length_change(Some(60.0), None), "–");
    }
}
