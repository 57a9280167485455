//! `healthfeed export`: records (or updates) as CSV, JSON or NDJSON, streamed.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::export::{Options, RecordRow, UpdateRow, Writer, write_atomically};
use crate::store::{Filter, Store, StoreError};

/// What to export.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which records (or updates).
    pub filter: Filter,
    /// Format and formula escaping.
    pub options: Options,
    /// One row per update instead of one per record.
    pub updates: bool,
    /// The moment durations of ongoing records are measured to.
    pub now: DateTime<Utc>,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The archive failed.
    #[error("cannot read the archive")]
    Store(#[from] StoreError),
    /// Writing failed (a closed pipe ends the export quietly at the CLI).
    #[error("cannot write the export")]
    Output(#[from] io::Error),
    /// The output file could not be written; any earlier file at that path is untouched.
    #[error("cannot write the export to {path} (any earlier file there is untouched)")]
    File {
        /// The file asked for.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Writes the export to `out`; returns the number of rows.
pub fn run<W: Write>(store: &Store, config: &Config, out: W) -> Result<u64, Error> {
    if config.updates {
        let mut writer = Writer::new::<UpdateRow<'_>>(out, config.options)?;
        store.each_update(&config.filter, |u| -> Result<(), Error> {
            Ok(writer.write(&UpdateRow::new(&u))?)
        })?;
        Ok(writer.finish()?)
    } else {
        let mut writer = Writer::new::<RecordRow<'_>>(out, config.options)?;
        store.each_record(&config.filter, |r| -> Result<(), Error> {
            Ok(writer.write(&RecordRow::new(&r, config.now))?)
        })?;
        Ok(writer.finish()?)
    }
}

/// Writes the export to `path` through a temporary file in the same folder.
pub fn to_file(store: &Store, config: &Config, path: &Path) -> Result<u64, Error> {
    write_atomically(path, |out| run(store, config, out)).map_err(|e| match e {
        Error::Output(source) => Error::File {
            path: path.to_owned(),
            source,
        },
        other => other,
    })
}
