//! `healthfeed export` at the terminal: rows to stdout, or to a file with a note on stderr.

use std::path::Path;

use super::answer_args::ExportArgs;
use super::output::Kind;
use super::{Error, Exit, clock};
use crate::commands::{self, count, export::Config};

pub(super) fn run(db: &Path, args: ExportArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let target = target.paged();
    let Kind::Machine(format) = target.kind else {
        return Err(Error::Usage("export writes CSV, JSON or NDJSON".to_owned()));
    };
    let zone = args.zone.zone()?;
    let now = clock::now()?;
    let mut filter = args.filters.to_filter(&zone, now)?;
    args.window.apply(&mut filter, &zone, now)?;
    filter.limit = args.limit;
    filter.order = args.sort.to_order();
    let config = Config {
        filter,
        format,
        escape_formulas: !args.no_formula_escape,
        updates: args.updates,
        columns: args.columns,
        bom: args.bom,
        now,
        zone,
    };
    match target.file() {
        Some(path) => {
            let rows = commands::export::to_file(db, &config, path)?;
            eprintln!(
                "healthfeed: wrote {} to {}",
                count(rows, "row", "rows"),
                path.display()
            );
        }
        None => {
            target.write(|out, _| commands::export::run(db, &config, out))?;
        }
    }
    Ok(Exit::Success)
}
