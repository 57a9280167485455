//! `healthfeed parse FILE…`: saved REST JSON → a JSON array of updates, no archive involved.

use std::io::{self, Write};

use serde::ser::{SerializeSeq, Serializer};

use super::{Exit, Input};
use crate::input::{InputError, PostReader};
use crate::parse::{self, ParseError};

/// What one `parse` run saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Posts read from all inputs.
    pub posts: u64,
    /// Posts that became updates (and were printed).
    pub updates: u64,
    /// Posts that are not records (site notices, no header table).
    pub not_records: u64,
    /// Posts that look like records but failed to parse.
    pub failed: u64,
}

/// Why `parse` could not go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file could not be opened.
    #[error("cannot open {input}: {source} (check the path; use - for standard input)")]
    Open {
        /// The input's name.
        input: String,
        /// The OS error.
        source: io::Error,
    },
    /// An input is not readable JSON.
    #[error(
        "{input} is not readable REST JSON: {source} (expected a post object, an array of posts as /wp/v2/posts returns, or NDJSON)"
    )]
    Input {
        /// The input's name.
        input: String,
        /// Where and why reading stopped.
        source: InputError,
    },
    /// The output could not be written.
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
}

impl Error {
    /// The exit code: inputs and the output are files, not the archive.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Open { .. } | Error::Input { .. } => Exit::File,
            Error::Output(e) => Exit::unless_broken_pipe(e, Exit::File),
        }
    }
}

/// Parses every post of `sources` in order and streams the updates to `out`:
/// one pretty-printed JSON array, or with `ndjson` one compact object per
/// line. Rejected posts go to `on_reject` with their input's name. The array
/// is closed even when an input fails midway, so what was printed is still
/// valid JSON.
pub fn run(
    sources: &[Input],
    ndjson: bool,
    out: &mut dyn Write,
    on_reject: impl FnMut(&str, &ParseError),
) -> Result<Summary, Error> {
    if ndjson {
        return each_update(sources, on_reject, |update| {
            serde_json::to_writer(&mut *out, update).map_err(output)?;
            out.write_all(b"\n").map_err(Error::Output)
        });
    }
    let mut ser = serde_json::Serializer::pretty(out);
    let mut seq = ser.serialize_seq(None).map_err(output)?;
    let result = each_update(sources, on_reject, |update| {
        seq.serialize_element(update).map_err(output)
    });
    seq.end().map_err(output)?;
    result
}

/// Reads and parses every post of `sources`, handing each update to `emit`
/// and each rejected post to `on_reject`; stops at the first unreadable input.
fn each_update(
    sources: &[Input],
    mut on_reject: impl FnMut(&str, &ParseError),
    mut emit: impl FnMut(&crate::model::Update) -> Result<(), Error>,
) -> Result<Summary, Error> {
    let mut outcome = Summary::default();
    for source in sources {
        let input = source.label();
        let reader = source.open().map_err(|e| Error::Open {
            input: input.clone(),
            source: e,
        })?;
        for post in PostReader::new(reader) {
            let post = post.map_err(|e| Error::Input {
                input: input.clone(),
                source: e,
            })?;
            outcome.posts += 1;
            match parse::parse_json(&post) {
                Ok(update) => {
                    emit(&update)?;
                    outcome.updates += 1;
                }
                Err(e) => {
                    if e.is_not_record() {
                        outcome.not_records += 1;
                    } else {
                        outcome.failed += 1;
                    }
                    on_reject(&input, &e);
                }
            }
        }
    }
    Ok(outcome)
}

fn output(e: serde_json::Error) -> Error {
    Error::Output(e.into())
}
