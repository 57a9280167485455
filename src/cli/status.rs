//! `healthfeed status` at the terminal: what the archive holds, one fact a line.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use super::visible::clean;
use super::{Error, Exit, JsonFlag};
use crate::commands::{self, ArchiveStatus};

pub(super) fn run(db: &Path, args: JsonFlag) -> Result<Exit, Error> {
    let status = commands::status::run(db, chrono::Utc::now())?;
    if args.json {
        super::print_json(&status)?;
    } else {
        // Every line quotes the archive (origins, run outcomes with a server's words).
        write!(io::stdout().lock(), "{}", clean(&render(&status)))?;
    }
    Ok(Exit::Success)
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
        "rejects    {} not records, {} failed",
        st.not_records, st.failed
    );
    if st.failed > 0 {
        let _ = writeln!(s, "           see which and why: healthfeed rejects");
    }
    if st.sources.is_empty() {
        let _ = writeln!(s, "sources    none yet");
    }
    for (origin, cursor) in &st.sources {
        let mark = cursor.as_deref().unwrap_or("never synced");
        let _ = writeln!(s, "source     {origin} (sync mark: {mark})");
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
