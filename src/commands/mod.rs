//! One module per subcommand: the only way into the library from the CLI.
//!
//! Each command takes plain options, opens what it needs (the archive, the
//! HTTP client, an output file), does the work through the layers below, and
//! returns data for the caller to show. Commands never print to a terminal:
//! rows in a machine format go to the writer they are given, everything else
//! comes back as values. Every error a command returns says its own exit code
//! ([`Error::exit`]).

pub mod export;
pub mod heal;
pub mod import;
pub mod list;
pub mod notify;
pub mod parse;
pub mod query;
pub mod rejects;
pub mod reparse;
pub mod report;
pub mod search;
pub mod stats;
pub mod status;
pub mod sync;
pub mod version;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub use crate::exit::Exit;
pub use crate::export::{Format, rezone};
pub use crate::store::{
    ArchiveStatus, BatchOutcome, ReparseOutcome, RunInfo, SearchOutcome, StatusChange,
};

use crate::store::{self, StoreError};

/// Why a command failed; each variant knows its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The archive failed (or is busy).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `import` failed.
    #[error(transparent)]
    Import(#[from] import::Error),
    /// `parse` failed.
    #[error(transparent)]
    Parse(#[from] parse::Error),
    /// `search` failed.
    #[error(transparent)]
    Search(#[from] search::Error),
    /// `export` failed.
    #[error(transparent)]
    Export(#[from] export::Error),
    /// `sync` could not run.
    #[error(transparent)]
    Sync(#[from] sync::Error),
    /// A `notify` command failed.
    #[error(transparent)]
    Notify(#[from] notify::Error),
    /// The report could not be drawn (a bug: its input is already checked).
    #[error(transparent)]
    Report(#[from] crate::report::Error),
    /// No `--db` and no platform data folder to put the archive in.
    #[error("cannot find a data folder for the archive: pass --db PATH or set HEALTHFEED_DB")]
    NoDataFolder,
    /// The rows could not be written to their output.
    #[error("cannot write the output")]
    Output(#[source] io::Error),
    /// An output file could not be written; any earlier file at that path is untouched.
    #[error("cannot write {path} (any earlier file there is untouched)")]
    File {
        /// The file asked for.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The command line asks for something that cannot be done as asked.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// The exit code this failure ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Store(e) => e.exit(),
            Error::Import(e) => e.exit(),
            Error::Parse(e) => e.exit(),
            Error::Search(e) => e.exit(),
            Error::Export(e) => e.exit(),
            Error::Sync(e) => e.exit(),
            Error::Notify(e) => e.exit(),
            Error::Report(_) => Exit::File,
            Error::NoDataFolder => Exit::Archive,
            Error::Output(e) => Exit::unless_broken_pipe(e, Exit::File),
            Error::File { .. } => Exit::File,
            Error::Usage(_) => Exit::Usage,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Output(e)
    }
}

pub use crate::describe::{count, describe};

/// Refuses a filter value no table prints: a typo would otherwise match nothing, silently.
fn check_words(store: &store::Store, filter: &crate::model::Filter) -> Result<(), Error> {
    match store.unknown_word(filter)? {
        Some(word) => Err(Error::Usage(word.to_string())),
        None => Ok(()),
    }
}

/// The archive to use: `db` when given (from `--db` or `HEALTHFEED_DB`), else
/// `healthfeed.db` in the platform's data folder.
pub fn archive_path(db: Option<PathBuf>) -> Result<PathBuf, Error> {
    db.or_else(store::default_path).ok_or(Error::NoDataFolder)
}

/// Runs `write` on a writer for the file `path`: a regular file is replaced
/// atomically when `write` succeeds (keeping its mode and owner), a FIFO or
/// device is written into, a folder is refused.
pub fn write_file<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, Error>,
) -> Result<T, Error> {
    crate::export::write_to_path(path, write).map_err(|e| match e {
        Error::Output(source) => Error::File {
            path: path.to_owned(),
            source,
        },
        other => other,
    })
}

/// Where a command's rows go.
pub enum Rows<'a, T> {
    /// Written by the command, in a machine format, to `out`.
    Machine {
        /// The format.
        format: Format,
        /// The writer.
        out: &'a mut dyn Write,
        /// The zone times are written in.
        zone: crate::model::Zone,
    },
    /// Handed one at a time to the caller, who shows them.
    Each(&'a mut dyn FnMut(T) -> io::Result<()>),
}

/// A named input file: a path, or `-` for standard input.
#[derive(Debug, Clone)]
pub struct Input(pub PathBuf);

impl Input {
    /// How the input is named in messages.
    pub fn label(&self) -> String {
        if self.is_stdin() {
            "<stdin>".to_owned()
        } else {
            self.0.display().to_string()
        }
    }

    fn is_stdin(&self) -> bool {
        self.0 == Path::new("-")
    }

    /// Opens the input for buffered reading.
    pub fn open(&self) -> io::Result<Box<dyn BufRead>> {
        if self.is_stdin() {
            Ok(Box::new(io::stdin().lock()))
        } else {
            let file = File::open(&self.0)?;
            // Opening a folder succeeds on Unix and only the first read fails,
            // which would read as broken JSON; say what it is instead.
            if file.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    format!(
                        "it is a folder; give the files in it, e.g. {}/*.json",
                        self.0.display()
                    ),
                ));
            }
            Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_names_each_cause_once() {
        let inner = io::Error::other("disk I/O error");
        let quoting = import::Error::Open {
            input: "a.json".into(),
            source: io::Error::other("No such file"),
        };
        let outer = StoreError::CreateDir {
            path: "/x".into(),
            source: inner,
        };
        assert_eq!(
            describe(&outer),
            "cannot create the archive folder /x: disk I/O error"
        );
        // The message already quotes its cause; it is not repeated.
        assert_eq!(describe(&quoting).matches("No such file").count(), 1);
    }

    #[test]
    fn usage_errors_exit_2_and_unwritable_files_are_not_archive_failures() {
        assert_eq!(Error::from(search::Error::Empty).exit(), Exit::Usage);
        let file = export::Error::File {
            path: "/nope/x.csv".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(Error::from(file).exit(), Exit::File);
        let pipe = Error::Output(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(pipe.exit(), Exit::Success);
    }
}
