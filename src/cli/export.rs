//! `healthfeed export` at the terminal: rows to stdout, or to a file with a note on stderr.

use std::path::Path;

use chrono::Utc;

use super::answer_args::ExportArgs;
use super::{Error, Exit};
use crate::commands::{self, export::Config};

pub(super) fn run(db: &Path, args: ExportArgs) -> Result<Exit, Error> {
    let config = Config {
        filter: args.filters.to_filter(),
        format: args.format.into(),
        escape_formulas: !args.no_formula_escape,
        updates: args.updates,
        now: Utc::now(),
    };
    match &args.output {
        Some(path) => {
            let rows = commands::export::to_file(db, &config, path)?;
            eprintln!("healthfeed: wrote {rows} rows to {}", path.display());
        }
        None => {
            commands::export::run(db, &config, &mut super::machine_stdout())?;
        }
    }
    Ok(Exit::Success)
}
