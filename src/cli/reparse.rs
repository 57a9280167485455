//! `healthfeed reparse` at the terminal: counts before and after, and the IDs that changed.

use std::fmt::Write as _;
use std::path::Path;

use super::output::{self, Kind};
use super::{Error, Exit, OutputOnly};
use crate::commands::{self, ReparseOutcome, count};

pub(super) fn run(db: &Path, args: OutputOnly) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let outcome = commands::reparse::run(db)?;
    target.write(|out, _| match target.kind {
        Kind::Table => Ok(write!(out, "{}", render(&outcome))?),
        Kind::Machine(_) => output::doc(out, target.kind, &outcome),
    })?;
    Ok(Exit::Success)
}

/// What `reparse` changed.
fn render(o: &ReparseOutcome) -> String {
    // The same arrow as `sync --changes`: one arrow for "from → to" everywhere.
    let mut s = format!(
        "reparsed {}: records {} → {}, updates {} → {}, rejects {} → {}\n",
        count(o.posts, "post", "posts"),
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
