//! `healthfeed status` at the terminal: what the archive holds, one fact a line.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::output::{self, Kind, Target};
use super::visible::clean;
use super::{Error, Exit, StatusArgs};
use crate::commands::status::Check;
use crate::commands::{self, ArchiveStatus, count};

pub(super) fn run(db: &Path, args: StatusArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    if let Some(max_age) = args.max_age {
        return check(db, max_age, target);
    }
    let target = target.paged();
    let status = commands::status::run(db, now())?;
    target.write(|out, _| match target.kind {
        // Every line quotes the archive (sites, run outcomes with a server's words).
        Kind::Table => Ok(write!(out, "{}", clean(&render(&status)))?),
        Kind::Machine(_) => output::doc(out, target.kind, &status),
    })?;
    Ok(Exit::Success)
}

/// The moment ages are counted to: the one place `status` reads the clock.
fn now() -> DateTime<Utc> {
    Utc::now()
}

/// `status --max-age`: a check for cron, silent when all is well (a cron job
/// mails whatever it prints), one line per problem on stderr otherwise.
fn check(db: &Path, max_age: Duration, target: Target<'_>) -> Result<Exit, Error> {
    let (status, check) = commands::status::check(db, now(), max_age)?;
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
        target.write(|out, _| output::doc(out, target.kind, &doc))?;
    }
    Ok(if check.healthy() {
        Exit::Success
    } else {
        Exit::Unhealthy
    })
}

/// The `status` report.
fn render(st: &ArchiveStatus) -> String {
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
        let mark = source.sync_mark.as_deref().unwrap_or("never synced");
        let _ = writeln!(s, "source     {} (sync mark: {mark})", source.site);
    }
    let _ = writeln!(
        s,
        "newest     {}",
        st.newest_update.as_deref().unwrap_or("-")
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
                run.started_at,
                run.outcome.as_deref().unwrap_or("did not finish")
            );
        }
    }
    s
}
