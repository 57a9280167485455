//! `healthfeed list` at the terminal: a table fitted to the width, or machine rows.

use std::path::Path;

use chrono::Utc;

use super::answer_args::ListArgs;
use super::table::{self, Paint, RecordTable};
use super::{Error, Exit};
use crate::commands::{self, Rows};

pub(super) fn run(db: &Path, args: ListArgs) -> Result<Exit, Error> {
    let filter = args.filters.to_filter();
    let now = Utc::now();
    let mut out = super::stdout();
    match args.format.machine() {
        Some(format) => {
            let rows = Rows::Machine {
                format,
                out: &mut super::machine_stdout(),
            };
            commands::list::run(db, &filter, now, rows)?;
        }
        None => {
            let mut t = RecordTable::new(&mut out, Paint::for_stdout(), table::width());
            let listed = commands::list::run(db, &filter, now, Rows::Each(&mut |r| t.push(r)))?;
            t.finish()?;
            if let Some(records) = listed.archive_records {
                eprintln!("healthfeed: no records match (the archive holds {records})");
            }
        }
    }
    Ok(Exit::Success)
}
