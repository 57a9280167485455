//! The report as Markdown for a wiki or a mail: the same content as the
//! page, its charts as tables of numbers.

use std::fmt::Write as _;

use super::{Report, text};
use crate::model::Zone;

/// Text from a post, safe in Markdown: every punctuation mark Markdown
/// gives a meaning is backslash-escaped, line breaks become spaces (a table
/// row is one line) and other control characters their escapes.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in text::printable(value).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '(' | ')' | '#' | '+'
            | '-' | '!' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A link target Markdown cannot misread: characters that would end or split it are percent-encoded.
fn target(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '|' => out.push_str("%7C"),
            '\\' => out.push_str("%5C"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn id_link(id: &str, link: Option<&str>) -> String {
    match link {
        Some(link) => format!("[{}]({})", escape(id), target(link)),
        None => escape(id),
    }
}

/// Renders `report` as Markdown, times in `zone`.
pub fn markdown(report: &Report, zone: &Zone) -> String {
    let t = |time| text::time(time, zone);
    let mut s = String::new();
    let _ = writeln!(s, "# Microsoft 365 service health, {}\n", report.month);
    let _ = writeln!(s, "{}\n", text::window(report, zone));
    if let Some(filters) = text::filters(report) {
        let _ = writeln!(s, "{}\n", escape(&filters));
    }
    let _ = writeln!(s, "Made {}.\n", t(report.generated));

    let _ = writeln!(s, "## Headline\n");
    let _ = writeln!(
        s,
        "| | {} | month before | change |\n| --- | ---: | ---: | ---: |",
        report.month
    );
    for row in text::headline(&report.this, &report.previous) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            row.what, row.value, row.previous, row.change
        );
    }
    let _ = writeln!(s, "\n{}\n", text::rules(report, zone));

    let _ = writeln!(s, "## Incidents per service\n");
    if report.services.is_empty() {
        let _ = writeln!(s, "No service-health record started in the month.\n");
    } else {
        let _ = writeln!(
            s,
            "Service-health records (incidents and advisories) that started in the month, and their total hours.\n"
        );
        let _ = writeln!(s, "| service | records | hours |\n| --- | ---: | ---: |");
        for l in &report.services {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                escape(&l.service),
                l.records,
                text::hours(l.minutes)
            );
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## Timeline\n");
    if report.spans.is_empty() {
        let _ = writeln!(s, "No service-health record started in the month.\n");
    } else {
        let _ = writeln!(
            s,
            "Each service-health record from its start to its end (open ones to the month's end or now).\n"
        );
        let _ = writeln!(s, "| ID | from | to | state |\n| --- | --- | --- | --- |");
        for span in &report.spans {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                escape(span.id.as_str()),
                t(span.from),
                t(span.to),
                if span.open { "open" } else { "ended" }
            );
        }
        if report.spans_left_off > 0 {
            let _ = writeln!(
                s,
                "\nThe {} longest are listed; {} shorter ones are left off.",
                report.spans.len(),
                report.spans_left_off
            );
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## Longest incidents\n");
    if report.longest.is_empty() {
        let _ = writeln!(s, "None.\n");
    } else {
        let _ = writeln!(
            s,
            "| ID | service | title | start | end | duration |\n| --- | --- | --- | --- | --- | ---: |"
        );
        for l in &report.longest {
            let length = text::length(l.minutes);
            let _ = writeln!(
                s,
                "| {} | {} | {} ({}) | {} | {} | {} |",
                id_link(l.id.as_str(), l.link.as_deref()),
                escape(l.service.as_deref().unwrap_or("")),
                escape(&l.title),
                escape(l.classification.as_str()),
                t(l.start),
                l.end.map_or_else(|| "open".to_owned(), t),
                if l.open {
                    format!("{length} so far")
                } else {
                    length
                }
            );
        }
        for l in &report.longest {
            let _ = writeln!(
                s,
                "\n### {}: {}\n",
                id_link(l.id.as_str(), l.link.as_deref()),
                escape(&l.title)
            );
            for step in &l.steps {
                let _ = writeln!(s, "- {}: {}", t(step.at), escape(&step.status));
            }
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## Announcements due\n");
    let _ = writeln!(s, "{}\n", text::due_window(report, zone));
    if report.due.is_empty() {
        let _ = writeln!(s, "None.");
    } else {
        let _ = writeln!(
            s,
            "| ID | title | class | action required by | End Time |\n| --- | --- | --- | --- | --- |"
        );
        for d in &report.due {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                id_link(d.id.as_str(), d.link.as_deref()),
                escape(&d.title),
                escape(d.classification.as_str()),
                d.action_required_by
                    .map(|x| text::day(x, zone))
                    .unwrap_or_default(),
                d.end_time.map(|x| text::day(x, zone)).unwrap_or_default()
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_specials_in_titles_are_escaped() {
        assert_eq!(
            escape("<script>*x*</script> | [a](b)"),
            "\\<script\\>\\*x\\*\\</script\\> \\| \\[a\\]\\(b\\)"
        );
        assert_eq!(escape("two\nlines"), "two lines");
    }

    #[test]
    fn link_targets_cannot_end_early() {
        assert_eq!(target("https://x/a b)c"), "https://x/a%20b%29c");
    }
}
