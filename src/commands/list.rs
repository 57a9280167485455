//! `healthfeed list`: the records a filter selects, most recently updated first.

use crate::model::Record;
use crate::store::{Filter, Store, StoreError};

/// Streams the selected records to `each`, one at a time.
pub fn run<E: From<StoreError>>(
    store: &Store,
    filter: &Filter,
    each: impl FnMut(Record) -> Result<(), E>,
) -> Result<(), E> {
    store.each_record(filter, each)
}
