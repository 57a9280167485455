//! `healthfeed query ID…` at the terminal: each record's state, timeline and message.

use std::fmt::Write as _;
use std::path::Path;

use super::answer_args::QueryArgs;
use super::output::{self, Kind};
use super::table::{Paint, human_minutes, minute};
use super::visible::{clean, clean_line};
use super::{Error, Exit, clock};
use crate::commands::query::{Answer, Found};
use crate::commands::{self, Format, count};
use crate::model::{MessageState, Related, Status, Zone};

pub(super) fn run(db: &Path, args: QueryArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let target = target.paged();
    let zone = args.zone.zone()?;
    let found = commands::query::run(db, &args.ids, args.translation, clock::now()?)?;
    let mut answers = Vec::new();
    let mut exit = Exit::Success;
    for item in found {
        match item {
            Found::Record(answer) => answers.push(answer),
            Found::Missing {
                id,
                archive_records,
            } => {
                eprintln!(
                    "healthfeed: {id} is not in the archive {} (it holds {})",
                    db.display(),
                    count(archive_records, "record", "records"),
                );
                exit = Exit::NotFound;
            }
        }
    }
    target.write(|out, paint| {
        match target.kind {
            // One document: the answers as an array, whatever their number.
            Kind::Machine(Format::Json) => output::json_in(out, &answers, &zone)?,
            Kind::Machine(_) => {
                for answer in &answers {
                    output::json_line_in(out, answer, &zone)?;
                }
            }
            Kind::Table => {
                for (i, answer) in answers.iter().enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    out.write_all(render_answer(answer, paint, &zone).as_bytes())?;
                }
            }
        }
        Ok(())
    })?;
    Ok(exit)
}

/// The human-readable answer for one record.
fn render_answer(a: &Answer, paint: Paint, zone: &Zone) -> String {
    let at = |t: chrono::DateTime<chrono::Utc>| format!("{} {}", minute(t, zone), zone.name());
    let d = &a.detail;
    let r = &d.record;
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", paint.bold(r.id.as_str()), paint.bold(&r.title));
    // Padded by the name's own width: colour codes take no columns.
    let mut field = |name: &str, value: &str| {
        let fill = " ".repeat(13usize.saturating_sub(name.len()));
        let _ = writeln!(s, "  {}{fill} {value}", paint.dim(name));
    };
    if let Some(service) = &r.service {
        field("service", &clean_line(service));
    }
    field(
        "kind",
        &format!("{} · {}", r.kind, clean_line(r.classification.as_str())),
    );
    // Message Center has no status: it is active until its End Time, as `list` says.
    let state = match (&r.status, r.closed) {
        (None, over) => MessageState::of(over).as_str(),
        (Some(_), true) => "closed",
        (Some(_), false) => "open",
    };
    match &r.status {
        Some(status) => field(
            "status",
            &format!(
                "{} ({state})",
                paint.status(Some(status), r.closed, status.as_str())
            ),
        ),
        None => field("status", state),
    }
    if let Some(impact) = &r.user_impact {
        field("user impact", &clean(impact));
    }
    field("start", &at(r.start_time));
    match r.end_time {
        Some(end) => field("end", &at(end)),
        None => field("end", "-"),
    }
    if let Some(by) = r.action_required_by {
        field("action by", &at(by));
    }
    if let Some(minutes) = a.duration_minutes {
        let label = if a.ongoing { "ongoing for" } else { "lasted" };
        field(label, &human_minutes(minutes as f64));
    }
    field("last updated", &at(r.last_updated));
    if let Some(link) = &r.link {
        field("link", &clean_line(link));
    }

    if !d.extra_rows.is_empty() {
        let _ = writeln!(s, "\n{}", paint.bold("Other rows"));
        for row in &d.extra_rows {
            let _ = writeln!(
                s,
                "  {}: {}",
                paint.dim(&clean_line(&row.name)),
                clean_line(&row.text)
            );
        }
    }

    let _ = writeln!(
        s,
        "\n{} ({} {}, oldest first) · times in {}",
        paint.bold("Timeline"),
        d.timeline.len(),
        if d.timeline.len() == 1 {
            "update"
        } else {
            "updates"
        },
        zone.name()
    );
    for (i, step) in d.timeline.iter().enumerate() {
        let status = step.status.as_ref().map_or("-", Status::as_str);
        let closed = step.status.as_ref().is_some_and(Status::is_closed);
        let _ = writeln!(
            s,
            "  {}  {}",
            paint.dim(&minute(step.last_updated, zone)),
            paint.status(step.status.as_ref(), closed, status)
        );
        if step.implausible {
            let _ = writeln!(
                s,
                "      {}",
                paint.dim("Last Updated is over a day after its post was modified: a typo? not used as current")
            );
        }
        if i == 0 {
            let _ = writeln!(s, "      first update: {}", clean_line(&step.title));
        }
        for c in &step.changes {
            let show = |v: &Option<crate::model::FieldValue>| match (c.field, v) {
                (_, None) => "-".to_owned(),
                ("title", Some(t)) => format!("\u{201c}{t}\u{201d}"),
                (_, Some(crate::model::FieldValue::Time(t))) => minute(*t, zone),
                (_, Some(v)) => v.to_string(),
            };
            let show = |v: &Option<crate::model::FieldValue>| clean_line(&show(v)).into_owned();
            let name = c.field.replace('_', " ");
            let _ = if c.field == "title" {
                writeln!(s, "      title → {}", show(&c.to))
            } else {
                writeln!(s, "      {name}: {} → {}", show(&c.from), show(&c.to))
            };
        }
        for post in &step.posts {
            let _ = writeln!(
                s,
                "      {} {}",
                paint.dim(&format!("post {}", post.id)),
                clean_line(post.link.as_deref().unwrap_or(""))
            );
        }
    }

    let _ = writeln!(s, "\n{}", paint.bold("Latest message"));
    for section in &a.sections {
        if !section.heading.is_empty() {
            let _ = writeln!(s, "  {}", paint.bold(&section.heading));
        }
        let indent = if section.heading.is_empty() {
            "  "
        } else {
            "    "
        };
        for line in section.text.lines() {
            let line = clean(line);
            let _ = writeln!(s, "{}{line}", if line.is_empty() { "" } else { indent });
        }
    }
    if let Some(translation) = &d.machine_translation {
        let _ = writeln!(s, "\n{}", paint.bold("Machine translation"));
        if translation.last_updated != r.last_updated {
            let _ = writeln!(
                s,
                "  {}",
                paint.dim(&format!(
                    "(of the {} update; later posts had none)",
                    at(translation.last_updated)
                ))
            );
        }
        for line in translation.text.lines() {
            let line = clean(line);
            let _ = writeln!(s, "{}{line}", if line.is_empty() { "" } else { "  " });
        }
    }
    for (label, list) in [("Related", &d.related), ("Mentioned by", &d.mentioned_by)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{}", paint.bold(label));
        for other in list {
            let _ = writeln!(s, "  {}", related_line(other, paint));
        }
    }
    s
}

fn related_line(other: &Related, paint: Paint) -> String {
    if !other.in_archive {
        return format!("{}  {}", other.id, paint.dim("(not in the archive)"));
    }
    let closed = other.closed.unwrap_or(false);
    let status = match &other.status {
        Some(s) => paint.status(Some(s), closed, s.as_str()),
        None => paint.dim(MessageState::of(closed).as_str()),
    };
    format!(
        "{}  {}  {}",
        paint.bold(other.id.as_str()),
        status,
        clean_line(other.title.as_deref().unwrap_or(""))
    )
}
