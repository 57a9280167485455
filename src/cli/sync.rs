//! `healthfeed sync` at the terminal: progress bar, request log, summary and changes.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use super::output::{self, Kind};
use super::table::minute_marked;
use super::visible::{clean, clean_line};
use super::{Error, Exit, SyncArgs, clock, progress};
use crate::commands::count;
use crate::commands::sync::{self, Options, Progress, Report, RequestLog};
use crate::model::{MESSAGE_CENTER, MessageState, Zone};

pub(super) fn run(db: &Path, args: SyncArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let machine = target.kind != Kind::Table;
    let zone = args.zone.zone()?;
    let now = clock::now()?;
    let since = match &args.since {
        Some(text) => {
            Some(super::when::parse(text, now, &zone).map_err(|e| Error::Usage(e.to_string()))?)
        }
        None => None,
    };
    let options = Options {
        sources: args.sources.clone(),
        full: args.full,
        since,
        wait: args.wait,
        keep_changes: args.changes || machine,
        timeout: args.timeout,
        max_time: args.max_time,
        retries: args.retries,
        retry_base: Duration::from_millis(args.retry_base_ms),
        settle: Duration::from_secs(args.settle_secs),
        per_page: args.per_page,
        now: Some(now),
        changes_of: args.changes_of.topics(),
    };
    let log: Option<RequestLog> = args
        .verbose
        .then(|| Box::new(|line: &str| eprintln!("healthfeed: {}", clean(line))) as RequestLog);
    let show_bar = !args.quiet && !machine && !args.verbose && io::stderr().is_terminal();
    let bar = show_bar.then(progress::bar);
    let mut seen = 0u64;
    let mut on_progress = |event: Progress<'_>| {
        if let Progress::Rejected { post, reason, .. } = event {
            if args.verbose {
                eprintln!("healthfeed: rejected {}", rejected(post, reason));
            }
            return;
        }
        let Some(bar) = &bar else { return };
        match event {
            Progress::Source { url } => {
                seen = 0;
                bar.set_message(url.to_owned());
                bar.set_position(0);
            }
            Progress::Page { posts, total } => {
                seen += posts as u64;
                if let Some(total) = total {
                    bar.set_length(total.max(seen));
                }
                bar.set_position(seen);
            }
            Progress::Rejected { .. } => {}
        }
    };
    let report = sync::run(db, &options, log, &mut on_progress)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for source in &report.sources {
        for warning in &source.warnings {
            let line = format!("sync of {}: {warning}", source.source);
            eprintln!("healthfeed: warning: {}", clean(&line));
        }
        if let Some(error) = &source.error {
            let line = format!(
                "sync of {} failed after {} ({} kept): {error}",
                source.source,
                count(source.pages, "committed page", "committed pages"),
                count(source.outcome.posts, "post", "posts")
            );
            eprintln!("healthfeed: {}", clean(&line));
        }
    }
    if machine || !args.quiet {
        target.write(|out, _| print(out, target.kind, &report, &args, &zone))?;
    }
    if args.verbose && report.notifications.left_to_other_process {
        eprintln!(
            "healthfeed: another healthfeed process is delivering notifications from this \
             archive: this run's events are left to it (or to the next run)"
        );
    }
    let undelivered = super::notify::undelivered(&report.notifications);
    Ok(if report.ok() {
        undelivered
    } else {
        Exit::Fetch
    })
}

/// A rejected post for the log: the parser's reason, which names the post,
/// or the post id in front of a reason that does not.
fn rejected(post: Option<u64>, reason: &str) -> String {
    match post {
        Some(id) if !reason.starts_with(&format!("post {id}")) => format!("post {id}: {reason}"),
        _ => reason.to_owned(),
    }
}

fn print(
    out: &mut dyn Write,
    kind: Kind,
    report: &Report,
    args: &SyncArgs,
    zone: &Zone,
) -> Result<(), Error> {
    if kind != Kind::Table {
        return output::doc_in(out, kind, report, zone);
    }
    if args.changes {
        for c in &report.changes {
            let from = c.from.as_deref().unwrap_or("new");
            // Message Center has no status: say whether it is active, as `list` does.
            let to =
                c.to.as_deref()
                    .unwrap_or(MessageState::of(c.closed).as_str());
            let service = c.service.as_deref().unwrap_or(MESSAGE_CENTER);
            let link = c.link.as_deref().unwrap_or("-");
            // On the reader's wall clock, naming the zone: no header says it here.
            let updated = chrono::DateTime::parse_from_rfc3339(&c.last_updated).map_or_else(
                |_| c.last_updated.clone(),
                |t| minute_marked(t.to_utc(), zone),
            );
            let line = format!(
                "{}  {from} → {to}  {service}  {}  {updated}  {link}",
                c.id, c.title
            );
            writeln!(out, "{}", clean_line(&line))?;
        }
    }
    // A run that failed says so on stderr; a success-shaped count here would mislead.
    if !report.ok() {
        return Ok(());
    }
    writeln!(
        out,
        "{} fetched: {}, {}, {}, {}, {} failed in {:.1} s{}",
        count(report.posts, "post", "posts"),
        count(report.new_records, "new record", "new records"),
        count(report.updated_records, "updated record", "updated records"),
        count(report.status_changes, "status change", "status changes"),
        count(report.not_records, "not a record", "not records"),
        report.failed,
        report.elapsed_ms as f64 / 1000.0,
        super::import::healed(report.healed)
    )?;
    Ok(())
}
