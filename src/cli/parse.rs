//! `healthfeed parse FILE…` at the terminal: the JSON array on stdout, rejects on stderr.

use super::output::ParseFormat;
use super::visible::clean;
use super::{Error, Exit, ParseArgs};
use crate::commands::{self, Input, count};

pub(super) fn run(args: ParseArgs) -> Result<Exit, Error> {
    let (format, target) = args.out.resolve()?;
    let ndjson = format == ParseFormat::Ndjson;
    let inputs: Vec<Input> = args.files.into_iter().map(Input).collect();
    let outcome = target.write(|out, _| {
        let outcome = commands::parse::run(&inputs, ndjson, out, |input, error| {
            eprintln!("healthfeed: {}", clean(&format!("{input}: {error}")));
        });
        // Close the printed array's line even when an input failed midway.
        if !ndjson {
            writeln!(out)?;
        }
        Ok(outcome?)
    })?;
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
