//! `healthfeed parse FILE…` at the terminal: the JSON array on stdout, rejects on stderr.

use std::io::{self, Write};

use super::visible::clean;
use super::{Error, Exit, ParseArgs};
use crate::commands::{self, Input, count};

pub(super) fn run(args: ParseArgs) -> Result<Exit, Error> {
    let inputs: Vec<Input> = args.files.into_iter().map(Input).collect();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let outcome = commands::parse::run(&inputs, &mut out, |input, error| {
        eprintln!("healthfeed: {}", clean(&format!("{input}: {error}")));
    });
    // Close the printed array's line even when an input failed midway.
    writeln!(out)?;
    out.flush()?;
    let outcome = outcome?;
    if outcome.not_records + outcome.failed > 0 {
        eprintln!(
            "healthfeed: {} read: {}, {}, {} failed",
            count(outcome.posts, "post", "posts"),
            count(outcome.updates, "record", "records"),
            count(outcome.not_records, "not a record", "not records"),
            outcome.failed
        );
    }
    Ok(Exit::Success)
}
