//! `healthfeed search TEXT`: ranked full-text search with snippets.

use crate::model::Hit;
use crate::store::{Filter, SearchOutcome, Store, StoreError};

/// Why a search did not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing to search for.
    #[error("the search text is empty: give one or more words, e.g. healthfeed search mailbox")]
    Empty,
    /// The archive failed.
    #[error("cannot search the archive")]
    Store(#[from] StoreError),
    /// The output could not be written.
    #[error("cannot write the results")]
    Output(#[from] std::io::Error),
}

/// Searches for `text`, passing each hit to `each`, best match first; matched
/// words in snippets are wrapped in `marks`.
pub fn run(
    store: &Store,
    text: &str,
    filter: &Filter,
    marks: (&str, &str),
    each: impl FnMut(Hit) -> Result<(), Error>,
) -> Result<SearchOutcome, Error> {
    if text.trim().is_empty() {
        return Err(Error::Empty);
    }
    store.search(text, filter, marks, each)
}
