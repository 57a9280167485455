//! `healthfeed stats`: counts and durations over the records a filter selects.

use crate::model::Stats;
use crate::store::{Filter, Store, StoreError};

/// Aggregates the selected records.
pub fn run(store: &Store, filter: &Filter) -> Result<Stats, StoreError> {
    store.stats(filter)
}
