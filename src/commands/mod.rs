//! One module per subcommand, each a `run` that composes the library's layers.
//!
//! Commands never print: they write their product to the writer they are given
//! and return a summary, leaving messages and exit codes to the CLI.

pub mod export;
pub mod import;
pub mod list;
pub mod parse;
pub mod query;
pub mod reparse;
pub mod search;
pub mod stats;
pub mod sync;
pub mod when;

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

pub use crate::describe::describe;

/// A named input: a file path, or `-` for standard input.
#[derive(Debug, Clone)]
pub struct Source(pub PathBuf);

impl Source {
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
            Ok(Box::new(BufReader::with_capacity(
                256 * 1024,
                File::open(&self.0)?,
            )))
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
        let outer = crate::store::StoreError::CreateDir {
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
}
