//! `healthfeed search TEXT…` at the terminal: each hit's row and snippet, or machine rows.

use std::io::Write;
use std::path::Path;

use super::answer_args::{SearchArgs, TableFormat};
use super::table::{self, Paint, minute};
use super::{Error, Exit};
use crate::commands::{self, Rows};

pub(super) fn run(db: &Path, args: SearchArgs) -> Result<Exit, Error> {
    let filter = args.filters.to_filter();
    let text = args.text.join(" ");
    let paint = Paint::for_stdout();
    let mut out = super::stdout();
    let (open, close) = paint.marks();
    let outcome = match args.format.machine() {
        Some(format) => {
            let rows = Rows::Machine {
                format,
                out: &mut out,
            };
            commands::search::run(db, &text, &filter, (&open, &close), rows)?
        }
        None => {
            let width = table::width();
            let mut show = |hit: crate::model::Hit| {
                let r = &hit.record;
                let cells = table::record_cells(r);
                let head = format!(
                    "{}  {}  {}  {}  ",
                    r.id,
                    cells[1],
                    cells[2],
                    minute(r.last_updated)
                );
                let title = match width {
                    Some(w) => table::cut(&r.title, w.saturating_sub(table::cols(&head)).max(20)),
                    None => r.title.clone(),
                };
                writeln!(
                    out,
                    "{}  {}  {}  {}  {}",
                    paint.bold(r.id.as_str()),
                    paint.status(r.status.as_ref(), r.closed, &cells[1]),
                    cells[2],
                    paint.dim(&minute(r.last_updated)),
                    title
                )?;
                writeln!(out, "    {}", hit.snippet)
            };
            commands::search::run(db, &text, &filter, (&open, &close), Rows::Each(&mut show))?
        }
    };
    out.flush()?;
    if outcome.plain_words {
        eprintln!(
            "healthfeed: {text:?} is not FTS5 query syntax; searched for the words as written"
        );
    }
    if outcome.hits == 0 && args.format == TableFormat::Table {
        eprintln!("healthfeed: no records match {text:?}");
    }
    Ok(Exit::Success)
}
