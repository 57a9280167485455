//! `query`, `list`, `search`, `stats` and `export` at the command line: flags
//! become a plain filter, the commands produce data, and this module prints it.
// The CLI is the one place allowed to print: every other module returns data.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use chrono::Utc;

use super::answer_args::{
    ExportArgs, ExportFormat, FilterArgs, KindArg, ListArgs, QueryArgs, SearchArgs, StatsArgs,
    StatsFormat, TableFormat,
};
use super::table::{self, Paint, RecordTable, human_minutes, minute};
use super::{Exit, Failure};
use crate::commands::query::{Answer, Found};
use crate::commands::{self, export::Config};
use crate::export::{self, Format, HitRow, Options, RecordRow, Writer};
use crate::model::{Classification, Kind, Related, Stats, Status};
use crate::store::{Filter, Store};

/// Search results shown when `--limit` is not given.
const SEARCH_LIMIT: u64 = 20;

impl FilterArgs {
    /// The plain filter the store takes.
    fn to_filter(&self) -> Filter {
        Filter {
            service: self.service.clone(),
            statuses: self.status.iter().map(|s| Status::parse(s)).collect(),
            closed: match (self.open, self.closed) {
                (true, _) => Some(false),
                (_, true) => Some(true),
                _ => None,
            },
            kind: self.kind.map(|k| match k {
                KindArg::Health => Kind::Health,
                KindArg::Message => Kind::Message,
            }),
            classification: self.classification.as_deref().map(Classification::parse),
            since: self.since,
            until: self.until,
            limit: self.limit,
        }
    }
}

fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

fn machine(format: TableFormat) -> Option<Format> {
    match format {
        TableFormat::Table => None,
        TableFormat::Csv => Some(Format::Csv),
        TableFormat::Json => Some(Format::Json),
        TableFormat::Ndjson => Some(Format::Ndjson),
    }
}

/// `healthfeed query ID…`.
pub fn query(db: &Path, args: QueryArgs) -> Result<Exit, Failure> {
    let store = Store::open_read_only(db)?;
    let found = commands::query::run(&store, &args.ids, args.translation, Utc::now())?;
    let paint = Paint::for_stdout();
    let mut out = stdout();
    let mut exit = Exit::Success;
    let mut first = true;
    for item in found {
        match item {
            Found::Record(answer) => {
                if args.json {
                    serde_json::to_writer(&mut out, &answer).map_err(io::Error::from)?;
                    writeln!(out)?;
                } else {
                    if !first {
                        writeln!(out)?;
                    }
                    out.write_all(render_answer(&answer, paint).as_bytes())?;
                }
                first = false;
            }
            Found::Missing(id) => {
                out.flush()?;
                eprintln!(
                    "healthfeed: {id} is not in the archive {} (it holds {} records)",
                    db.display(),
                    store.record_count()?
                );
                exit = Exit::NotFound;
            }
        }
    }
    out.flush()?;
    Ok(exit)
}

/// The human-readable answer for one record.
fn render_answer(a: &Answer, paint: Paint) -> String {
    let d = &a.detail;
    let r = &d.record;
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", paint.bold(r.id.as_str()), paint.bold(&r.title));
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(s, "  {:<13} {value}", paint.dim(name));
    };
    if let Some(service) = &r.service {
        field("service", service);
    }
    field(
        "kind",
        &format!("{} · {}", r.kind, r.classification.as_str()),
    );
    let state = if r.closed { "closed" } else { "open" };
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
        field("user impact", impact);
    }
    field("start", &format!("{} UTC", minute(r.start_time)));
    match r.end_time {
        Some(end) => field("end", &format!("{} UTC", minute(end))),
        None => field("end", "-"),
    }
    if let Some(minutes) = a.duration_minutes {
        let label = if a.ongoing { "ongoing for" } else { "lasted" };
        field(label, &human_minutes(minutes as f64));
    }
    field("last updated", &format!("{} UTC", minute(r.last_updated)));
    if let Some(link) = &r.link {
        field("link", link);
    }

    let _ = writeln!(
        s,
        "\n{} ({} {}, oldest first)",
        paint.bold("Timeline"),
        d.timeline.len(),
        if d.timeline.len() == 1 {
            "update"
        } else {
            "updates"
        }
    );
    for (i, step) in d.timeline.iter().enumerate() {
        let status = step.status.as_ref().map_or("-", Status::as_str);
        let closed = step.status.as_ref().is_some_and(Status::is_closed);
        let _ = writeln!(
            s,
            "  {}  {}",
            paint.dim(&minute(step.last_updated)),
            paint.status(step.status.as_ref(), closed, status)
        );
        if i == 0 {
            let _ = writeln!(s, "      first update: {}", step.title);
        }
        for c in &step.changes {
            let show = |v: &Option<String>| match (c.field, v) {
                (_, None) => "-".to_owned(),
                ("title", Some(t)) => format!("\u{201c}{t}\u{201d}"),
                ("start_time" | "end_time", Some(t)) => chrono::DateTime::parse_from_rfc3339(t)
                    .map_or_else(|_| t.clone(), |t| minute(t.to_utc())),
                (_, Some(v)) => v.clone(),
            };
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
                post.link.as_deref().unwrap_or("")
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
                    "(of the {} UTC update; later posts had none)",
                    minute(translation.last_updated)
                ))
            );
        }
        for line in translation.text.lines() {
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
        None => paint.dim(if closed { "ended" } else { "active" }),
    };
    format!(
        "{}  {}  {}",
        paint.bold(other.id.as_str()),
        status,
        other.title.as_deref().unwrap_or("")
    )
}

/// `healthfeed list`.
pub fn list(db: &Path, args: ListArgs) -> Result<Exit, Failure> {
    let store = Store::open_read_only(db)?;
    let filter = args.filters.to_filter();
    let now = Utc::now();
    let out = stdout();
    match machine(args.format) {
        Some(format) => {
            let mut w = Writer::new::<RecordRow<'_>>(out, Options::new(format))?;
            commands::list::run(&store, &filter, |r| -> Result<(), Failure> {
                Ok(w.write(&RecordRow::new(&r, now))?)
            })?;
            w.finish()?;
        }
        None => {
            let mut t = RecordTable::new(out, Paint::for_stdout(), table::width());
            let mut rows = 0u64;
            commands::list::run(&store, &filter, |r| -> Result<(), Failure> {
                rows += 1;
                Ok(t.push(r)?)
            })?;
            t.finish()?;
            if rows == 0 {
                eprintln!(
                    "healthfeed: no records match (the archive holds {})",
                    store.record_count()?
                );
            }
        }
    }
    Ok(Exit::Success)
}

/// `healthfeed search TEXT…`.
pub fn search(db: &Path, args: SearchArgs) -> Result<Exit, Failure> {
    let store = Store::open_read_only(db)?;
    let mut filter = args.filters.to_filter();
    filter.limit = filter.limit.or(Some(SEARCH_LIMIT));
    let text = args.text.join(" ");
    let paint = Paint::for_stdout();
    let mut out = stdout();
    let outcome = match machine(args.format) {
        Some(format) => {
            let mut w = Writer::new::<HitRow<'_>>(&mut out, Options::new(format))?;
            let outcome = commands::search::run(&store, &text, &filter, ("[", "]"), |hit| {
                Ok(w.write(&HitRow::new(&hit))?)
            })?;
            w.finish()?;
            outcome
        }
        None => {
            let (open, close) = paint.marks();
            let width = table::width();
            commands::search::run(&store, &text, &filter, (&open, &close), |hit| {
                let r = &hit.record;
                let cells = table::record_cells(r);
                let head = format!(
                    "{}  {}  {}  {}  ",
                    r.id,
                    cells[1],
                    cells[2],
                    minute(r.last_updated)
                );
                let title = match width {
                    Some(w) => table::cut(&r.title, w.saturating_sub(table::cols(&head)).max(20)),
                    None => r.title.clone(),
                };
                writeln!(
                    out,
                    "{}  {}  {}  {}  {}",
                    paint.bold(r.id.as_str()),
                    paint.status(r.status.as_ref(), r.closed, &cells[1]),
                    cells[2],
                    paint.dim(&minute(r.last_updated)),
                    title
                )?;
                writeln!(out, "    {}", hit.snippet)?;
                Ok(())
            })?
        }
    };
    out.flush()?;
    if outcome.plain_words {
        eprintln!(
            "healthfeed: {text:?} is not FTS5 query syntax; searched for the words as written"
        );
    }
    if outcome.hits == 0 && args.format == TableFormat::Table {
        eprintln!("healthfeed: no records match {text:?}");
    }
    Ok(Exit::Success)
}

/// `healthfeed stats`.
pub fn stats(db: &Path, args: StatsArgs) -> Result<Exit, Failure> {
    let store = Store::open_read_only(db)?;
    let stats = commands::stats::run(&store, &args.filters.to_filter())?;
    let mut out = stdout();
    match args.format {
        StatsFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &stats).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        StatsFormat::Csv => {
            let mut w = Writer::new::<export::StatRow<'_>>(&mut out, Options::new(Format::Csv))?;
            for row in export::stat_rows(&stats) {
                w.write(&row)?;
            }
            w.finish()?;
        }
        StatsFormat::Table => {
            out.write_all(render_stats(&stats, Paint::for_stdout()).as_bytes())?
        }
    }
    out.flush()?;
    Ok(Exit::Success)
}

fn render_stats(st: &Stats, paint: Paint) -> String {
    let mut s = format!("{} records\n", paint.bold(&st.records.to_string()));
    let sections = [
        ("By service", &st.by_service, "(Message Center)"),
        ("By status", &st.by_status, "(Message Center)"),
        ("By classification", &st.by_classification, "-"),
        ("By month of start", &st.by_month, "-"),
    ];
    let w = sections
        .iter()
        .flat_map(|(_, counts, none)| counts.iter().map(|c| c.key.as_deref().unwrap_or(none)))
        .map(table::cols)
        .max()
        .unwrap_or(0);
    for (title, counts, none) in sections {
        let _ = writeln!(s, "\n{}", paint.bold(title));
        let names: Vec<&str> = counts
            .iter()
            .map(|c| c.key.as_deref().unwrap_or(none))
            .collect();
        for (c, name) in counts.iter().zip(names) {
            let _ = writeln!(s, "  {}  {:>7}", table::pad(name, name, w), c.records);
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
            .map(|d| table::cols(&d.service))
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
            let _ = writeln!(
                s,
                "  {}  {:>7}  {:>9}  {:>9}",
                table::pad(&d.service, &d.service, w),
                d.records,
                human_minutes(d.median_minutes),
                human_minutes(d.p90_minutes)
            );
        }
    }
    s
}

/// `healthfeed export`.
pub fn export(db: &Path, args: ExportArgs) -> Result<Exit, Failure> {
    let store = Store::open_read_only(db)?;
    let format = match args.format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Json => Format::Json,
        ExportFormat::Ndjson => Format::Ndjson,
    };
    let config = Config {
        filter: args.filters.to_filter(),
        options: Options {
            format,
            escape_formulas: !args.no_formula_escape,
        },
        updates: args.updates,
        now: Utc::now(),
    };
    match &args.output {
        Some(path) => {
            let rows = commands::export::to_file(&store, &config, path)?;
            eprintln!("healthfeed: wrote {rows} rows to {}", path.display());
        }
        None => {
            commands::export::run(&store, &config, stdout())?;
        }
    }
    Ok(Exit::Success)
}
