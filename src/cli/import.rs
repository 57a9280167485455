//! `healthfeed import FILE…` at the terminal: a running count, rejects, one summary line.

use std::io::{self, IsTerminal};
use std::path::Path;

use super::output::{self, Kind};
use super::visible::clean;
use super::{Error, Exit, ImportArgs, progress};
use crate::commands::import::Event;
use crate::commands::{self, BatchOutcome, Input, count};

pub(super) fn run(db: &Path, args: ImportArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let zone = args.zone.zone()?;
    let inputs: Vec<Input> = args.files.into_iter().map(Input).collect();
    // A spinner with the count and rate on a terminal; nothing in a pipe or from cron.
    let bar = (target.kind == Kind::Table && io::stderr().is_terminal()).then(progress::counter);
    let batch = usize::try_from(args.batch_size).unwrap_or(usize::MAX);
    let outcome = commands::import::run(db, &inputs, batch, |event| match event {
        Event::Rejected { input, reason } => {
            let line = format!("healthfeed: {}", clean(&format!("{input}: {reason}")));
            match &bar {
                Some(bar) => bar.suspend(|| eprintln!("{line}")),
                None => eprintln!("{line}"),
            }
        }
        Event::Stored { posts } => {
            if let Some(bar) = &bar {
                bar.set_position(posts);
            }
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let outcome = outcome?;
    target.write(|out, _| match target.kind {
        Kind::Table => Ok(writeln!(out, "{}", summary(&outcome))?),
        Kind::Machine(_) => output::doc_in(out, target.kind, &outcome, &zone),
    })?;
    Ok(Exit::Success)
}

/// One line: what the posts did to the archive.
fn summary(o: &BatchOutcome) -> String {
    format!(
        "{} read: {}, {}, {} unchanged, {}, {} failed",
        count(o.posts, "post", "posts"),
        count(o.new_records, "new record", "new records"),
        count(o.updated_records, "updated record", "updated records"),
        o.unchanged,
        count(o.not_records, "not a record", "not records"),
        o.failed
    )
}
