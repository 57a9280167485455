//! `healthfeed reparse`: rebuild everything derived from the raw posts with today's parser.

use crate::parse::PARSER_VERSION;
use crate::pipeline;
use crate::store::{ReparseOutcome, Store, StoreError};

/// Replays every stored post through the current parser, in one transaction.
pub fn run(store: &mut Store) -> Result<ReparseOutcome, StoreError> {
    let run = store.begin_run("reparse", None)?;
    let result = store.reparse(PARSER_VERSION, pipeline::judge_json);
    match &result {
        Ok(outcome) => store.finish_run(run, Ok(outcome))?,
        Err(e) => store.finish_run(run, Err::<&ReparseOutcome, _>(&super::describe(e)))?,
    }
    result
}
