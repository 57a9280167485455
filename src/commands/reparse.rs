//! `healthfeed reparse`: rebuild everything derived from the raw posts with today's parser.

use std::path::Path;

use super::{Error, ReparseOutcome};
use crate::parse::PARSER_VERSION;
use crate::pipeline;
use crate::store::Store;

/// Replays every post stored in the archive at `db` through the current parser, in one transaction.
pub fn run(db: &Path) -> Result<ReparseOutcome, Error> {
    let mut store = Store::open(db)?;
    let run = store.begin_run("reparse", None)?;
    let result = store.reparse(PARSER_VERSION, pipeline::judge_json);
    match &result {
        Ok(outcome) => store.finish_run(run, Ok(outcome))?,
        Err(e) => store.finish_run(run, Err::<&ReparseOutcome, _>(&super::describe(e)))?,
    }
    Ok(result?)
}
