//! `healthfeed search TEXT…` at the terminal: each hit's row and snippet, or machine rows.

use std::path::Path;

use super::answer_args::SearchArgs;
use super::output::Kind;
use super::table::{self, minute_marked};
use super::visible::clean;
use super::{Error, Exit, clock};
use crate::commands::{self, Rows};

/// Where the store marks matched words: private-use characters no terminal
/// acts on, swapped for highlighting once the snippet is cleaned.
const MARKS: (&str, &str) = ("\u{e000}", "\u{e001}");

pub(super) fn run(db: &Path, args: SearchArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let target = target.paged();
    let zone = args.zone.zone()?;
    let now = clock::now()?;
    let mut filter = args.filters.to_filter(&zone, now)?;
    args.window.apply(&mut filter, &zone, now)?;
    filter.limit = args.limit;
    let text = args.text.join(" ");
    let outcome = target.write(|out, paint| match target.kind {
        Kind::Machine(format) => {
            let rows = Rows::Machine { format, out, zone };
            Ok(commands::search::run(db, &text, &filter, MARKS, rows)?)
        }
        Kind::Table => {
            let width = target.width();
            let (open, close) = paint.marks();
            let mut show = |hit: crate::model::Hit| {
                let r = &hit.record;
                let cells = table::record_cells(r, &zone);
                // No header says the zone here: each time carries it.
                let updated = minute_marked(r.last_updated, &zone);
                let head = format!("{}  {}  {}  {updated}  ", r.id, cells[1], cells[2]);
                let title = match width {
                    Some(w) => table::cut(&cells[5], w.saturating_sub(table::cols(&head)).max(20)),
                    None => cells[5].clone(),
                };
                // The snippet is cleaned with placeholder marks, which then become ours.
                let snippet = clean(&hit.snippet)
                    .replace(MARKS.0, &open)
                    .replace(MARKS.1, &close);
                writeln!(
                    out,
                    "{}  {}  {}  {}  {}",
                    paint.bold(r.id.as_str()),
                    paint.status(r.status.as_ref(), r.closed, &cells[1]),
                    cells[2],
                    paint.dim(&updated),
                    title
                )?;
                writeln!(out, "    {snippet}")
            };
            Ok(commands::search::run(
                db,
                &text,
                &filter,
                MARKS,
                Rows::Each(&mut show),
            )?)
        }
    })?;
    if outcome.plain_words {
        eprintln!(
            "healthfeed: {text:?} is not FTS5 query syntax; searched for the words as written"
        );
    }
    if outcome.hits == 0 && target.kind == Kind::Table {
        eprintln!("healthfeed: no records match {text:?}");
    }
    Ok(Exit::Success)
}
