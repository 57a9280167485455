//! `healthfeed search TEXT`: ranked full-text search with snippets.

use std::io;
use std::path::Path;

use super::{Exit, Rows, SearchOutcome};
use crate::export::{HitRow, Options, Writer};
use crate::model::{Filter, Hit, UnknownWord};
use crate::store::{Store, StoreError};

/// Results shown when no `limit` is given: a search answers with its best matches.
pub const DEFAULT_LIMIT: u64 = 20;

/// The most terms a search takes (a hand-typed question has a handful).
pub const MAX_TERMS: usize = 64;

/// Why a search did not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing to search for.
    #[error("the search text is empty: give one or more words, e.g. healthfeed search mailbox")]
    Empty,
    /// More terms than any real question has; each costs a pass over the index.
    #[error("the search has {count} terms; give at most {MAX_TERMS}")]
    TooManyTerms {
        /// Terms given.
        count: usize,
    },
    /// A filter value no table prints.
    #[error(transparent)]
    Word(#[from] UnknownWord),
    /// The archive failed.
    #[error("cannot search the archive")]
    Store(#[from] StoreError),
    /// The output could not be written.
    #[error("cannot write the results")]
    Output(#[from] io::Error),
}

impl Error {
    /// The exit code: an empty search is a usage error.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Empty | Error::TooManyTerms { .. } | Error::Word(_) => Exit::Usage,
            Error::Store(e) => e.exit(),
            Error::Output(e) => Exit::unless_broken_pipe(e, Exit::File),
        }
    }
}

/// Searches the archive at `db` for `text` among the records `filter`
/// selects (at most [`DEFAULT_LIMIT`] unless it says otherwise), best match
/// first. Matched words in snippets are wrapped in `marks` for rows handed on,
/// and in `[` `]` for machine rows.
pub fn run(
    db: &Path,
    text: &str,
    filter: &Filter,
    marks: (&str, &str),
    rows: Rows<'_, Hit>,
) -> Result<SearchOutcome, Error> {
    if text.trim().is_empty() {
        return Err(Error::Empty);
    }
    let count = text.split_whitespace().count();
    if count > MAX_TERMS {
        return Err(Error::TooManyTerms { count });
    }
    let store = Store::open_read_only(db)?;
    if let Some(word) = store.unknown_word(filter)? {
        return Err(Error::Word(word));
    }
    let mut filter = filter.clone();
    filter.limit = filter.limit.or(Some(DEFAULT_LIMIT));
    match rows {
        Rows::Machine { format, out, zone } => {
            let mut w = Writer::new::<HitRow<'_>>(out, Options::new(format).in_zone(zone))?;
            let outcome = store.search(text, &filter, ("[", "]"), |hit| {
                Ok::<_, Error>(w.write(&HitRow::new(&hit))?)
            })?;
            w.finish()?;
            Ok(outcome)
        }
        Rows::Each(each) => store.search(text, &filter, marks, |hit| Ok(each(hit)?)),
    }
}
