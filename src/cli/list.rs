//! `healthfeed list` at the terminal: a table fitted to the width, or machine rows.

use std::path::Path;

use super::answer_args::ListArgs;
use super::output::Kind;
use super::table::RecordTable;
use super::{Error, Exit, clock};
use crate::commands::{self, Rows};

pub(super) fn run(db: &Path, args: ListArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let target = target.paged();
    let zone = args.zone.zone()?;
    let now = clock::now()?;
    let mut filter = args.filters.to_filter(&zone, now)?;
    args.window.apply(&mut filter, &zone, now)?;
    filter.limit = args.limit;
    filter.order = args.sort.to_order();
    let listed = target.write(|out, paint| match target.kind {
        Kind::Machine(format) => {
            commands::list::run(db, &filter, now, Rows::Machine { format, out, zone })
        }
        Kind::Table => {
            let mut t = RecordTable::new(out, paint, target.width(), zone);
            let listed = commands::list::run(db, &filter, now, Rows::Each(&mut |r| t.push(r)))?;
            t.finish()?;
            Ok(listed)
        }
    })?;
    if let (Kind::Table, Some(records)) = (target.kind, listed.archive_records) {
        eprintln!("healthfeed: no records match (the archive holds {records})");
    }
    Ok(Exit::Success)
}
