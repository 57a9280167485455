//! `healthfeed reparse` at the terminal: counts before and after, and the IDs that changed.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use super::{Error, Exit, JsonFlag};
use crate::commands::{self, ReparseOutcome};

pub(super) fn run(db: &Path, args: JsonFlag) -> Result<Exit, Error> {
    let outcome = commands::reparse::run(db)?;
    if args.json {
        super::print_json(&outcome)?;
    } else {
        write!(io::stdout().lock(), "{}", render(&outcome))?;
    }
    Ok(Exit::Success)
}

/// What `reparse` changed.
fn render(o: &ReparseOutcome) -> String {
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
