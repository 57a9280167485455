//! Human-readable renderings of command results.

use std::fmt::Write;

use crate::store::{ArchiveStatus, BatchOutcome, ReparseOutcome};

/// One line: what a batch of posts did to the archive.
pub fn batch_summary(o: &BatchOutcome) -> String {
    format!(
        "{} posts read: {} new records, {} updated records, {} unchanged, {} not records, {} failed",
        o.posts, o.new_records, o.updated_records, o.unchanged, o.not_records, o.failed
    )
}

/// What `reparse` changed.
pub fn reparse(o: &ReparseOutcome) -> String {
    let mut s = format!(
        "reparsed {} posts: records {} -> {}, updates {} -> {}, rejects {} -> {}\n",
        o.posts,
        o.records_before,
        o.records_after,
        o.updates_before,
        o.updates_after,
        o.rejects_before,
        o.rejects_after
    );
    for (label, ids) in [
        ("added", &o.added),
        ("changed", &o.changed),
        ("removed", &o.removed),
    ] {
        if !ids.is_empty() {
            let _ = writeln!(s, "{label} ({}): {}", ids.len(), ids.join(" "));
        }
    }
    s
}

/// The `status` report.
pub fn status(st: &ArchiveStatus) -> String {
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
