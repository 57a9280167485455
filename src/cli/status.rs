//! `healthfeed status` at the terminal: what the archive holds, one fact a line.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::output::{self, Kind, Target};
use super::visible::clean;
use super::{Error, Exit, StatusArgs, clock};
use crate::commands::status::Check;
use crate::commands::{self, ArchiveStatus, count};
use crate::model::Zone;

pub(super) fn run(db: &Path, args: StatusArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let zone = args.zone.zone()?;
    if let Some(max_age) = args.max_age {
        return check(db, max_age, target, &zone);
    }
    let target = target.paged();
    let status = commands::status::run(db, clock::now()?)?;
    target.write(|out, _| match target.kind {
        // Every line quotes the archive (sites, run outcomes with a server's words).
        Kind::Table => Ok(write!(out, "{}", clean(&render(&status, &zone)))?),
        Kind::Machine(_) => output::doc_in(out, target.kind, &status, &zone),
    })?;
    Ok(Exit::Success)
}

/// `status --max-age`: a check for cron, silent when all is well (a cron job
/// mails whatever it prints), one line per problem on stderr otherwise. Ages
/// count to `HEALTHFEED_NOW` when it is set.
fn check(db: &Path, max_age: Duration, target: Target<'_>, zone: &Zone) -> Result<Exit, Error> {
    let (status, check) = commands::status::check(db, clock::now()?, max_age)?;
    for p in &check.problems {
        let line = match &p.which {
            Some(which) => format!("unhealthy: {} {which}: {}", p.what, p.reason),
            None => format!("unhealthy: {}: {}", p.what, p.reason),
        };
        eprintln!("healthfeed: {}", clean(&line));
    }
    if let Kind::Machine(_) = target.kind {
        /// The status document with the check's facts and verdict beside it.
        #[derive(Serialize)]
        struct Checked<'a> {
            #[serde(flatten)]
            status: &'a ArchiveStatus,
            check: &'a Check,
        }
        let doc = Checked {
            status: &status,
            check: &check,
        };
        target.write(|out, _| output::doc_in(out, target.kind, &doc, zone))?;
    }
    Ok(if check.healthy() {
        Exit::Success
    } else {
        Exit::Unhealthy
    })
}

/// A stored time (RFC 3339 text) on the wall clock of `zone`, naming it; text
/// that is not a time is shown as it is.
fn when(text: &str, zone: &Zone) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => format!(
            "{} {}",
            zone.local(t.to_utc()).format("%Y-%m-%d %H:%M:%S"),
            zone.name()
        ),
        Err(_) => text.to_owned(),
    }
}

/// The `status` report.
fn render(st: &ArchiveStatus, zone: &Zone) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "archive    {} (schema {})", st.path, st.schema_version);
    let _ = writeln!(
        s,
        "records    {} ({} health, {} message; {} open)",
        st.health_records + st.message_records,
        st.health_records,
        st.message_records,
        st.open_records
    );
    let _ = writeln!(s, "updates    {}", st.updates);
    let _ = writeln!(s, "raw posts  {}", st.raw_posts);
    let _ = writeln!(
        s,
        "rejects    {}, {} failed",
        count(st.not_records, "not a record", "not records"),
        st.failed
    );
    if st.failed > 0 {
        let _ = writeln!(s, "           see which and why: healthfeed rejects");
    }
    if st.sources.is_empty() {
        let _ = writeln!(s, "sources    none yet");
    }
    for source in &st.sources {
        let mark = source
            .sync_mark
            .as_deref()
            .map_or_else(|| "never synced".to_owned(), |m| when(m, zone));
        let _ = writeln!(s, "source     {} (sync mark: {mark})", source.site);
    }
    let _ = writeln!(
        s,
        "newest     {}",
        st.newest_update
            .as_deref()
            .map_or_else(|| "-".to_owned(), |t| when(t, zone))
    );
    match &st.last_run {
        None => {
            let _ = writeln!(s, "last run   none");
        }
        Some(run) => {
            let _ = writeln!(
                s,
                "last run   {} {} at {}: {}",
                run.kind,
                run.source.as_deref().unwrap_or(""),
                when(&run.started_at, zone),
                run.outcome.as_deref().unwrap_or("did not finish")
            );
        }
    }
    s
}
