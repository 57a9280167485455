//! Before an `import` or `sync` writes anything new: posts an older parser
//! rejected are judged again by this one, so an upgrade that reads more of
//! the site turns them into records without a full re-sync (`reparse` still
//! redoes everything).

use super::BatchOutcome;
use crate::parse::PARSER_VERSION;
use crate::pipeline;
use crate::store::{Store, StoreError};

/// Judges again every reject in `store` filed by an older parser version;
/// says what that changed (`posts` judged again, those still rejected, records made or updated).
pub fn run(store: &mut Store) -> Result<BatchOutcome, StoreError> {
    store.heal(PARSER_VERSION, pipeline::judge_json)
}
