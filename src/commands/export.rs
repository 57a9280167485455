//! `healthfeed export`: records (or updates) as CSV, JSON or NDJSON, streamed.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Exit, Format};
use crate::export::{Options, RecordRow, Row, UpdateRow, Writer, write_to_path};
use crate::model::{Filter, UnknownWord, Zone};
use crate::store::{Store, StoreError};

/// What to export.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which records (or updates).
    pub filter: Filter,
    /// The format.
    pub format: Format,
    /// Prefix CSV cells a spreadsheet would run as a formula with `'`.
    pub escape_formulas: bool,
    /// One row per update instead of one per record.
    pub updates: bool,
    /// Only these columns, in this order, by their contract names; empty: every column.
    pub columns: Vec<String>,
    /// Start CSV with a UTF-8 byte-order mark, which Excel needs to read it as
    /// UTF-8 (not the system code page); refused for JSON and NDJSON.
    pub bom: bool,
    /// The moment (unless the filter names another) whether a Message Center
    /// record is over is judged at; durations never depend on it.
    pub now: DateTime<Utc>,
    /// The zone times are written in.
    pub zone: Zone,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A filter value no table prints.
    #[error(transparent)]
    Word(#[from] UnknownWord),
    /// The archive failed (its error names the archive and what to do).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing failed (a closed pipe ends the export quietly).
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

impl Error {
    /// The exit code: a file healthfeed cannot write is not an archive failure.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Word(_) => Exit::Usage,
            Error::Store(e) => e.exit(),
            Error::Output(e) => Exit::unless_broken_pipe(e, Exit::File),
            Error::File { .. } => Exit::File,
        }
    }
}

/// Exports from the archive at `db` to `out`; returns the number of rows.
/// Columns the row type does not have are a usage error, found before the archive is opened.
pub fn run(db: &Path, config: &Config, out: &mut dyn Write) -> Result<u64, super::Error> {
    let pick = pick(config)?;
    let store = Store::open_read_only(db).map_err(Error::from)?;
    Ok(write(&store, config, pick, out)?)
}

/// Exports from the archive at `db` to `path` (a regular file is replaced
/// atomically, keeping its mode and owner; a FIFO or device is written into);
/// returns the number of rows.
pub fn to_file(db: &Path, config: &Config, path: &Path) -> Result<u64, super::Error> {
    let pick = pick(config)?;
    let store = Store::open_read_only(db).map_err(Error::from)?;
    let written =
        write_to_path(path, |out| write(&store, config, pick, out)).map_err(|e| match e {
            Error::Output(source) => Error::File {
                path: path.to_owned(),
                source,
            },
            other => other,
        })?;
    Ok(written)
}

/// `--columns` as indexes into the row type's columns (none when every column
/// is wanted), after checking `--bom` fits the format.
fn pick(config: &Config) -> Result<Option<Vec<usize>>, super::Error> {
    if config.bom && config.format != Format::Csv {
        // JSON is UTF-8 by definition (RFC 8259 forbids a BOM), and a BOM breaks
        // line-by-line NDJSON readers.
        return Err(super::Error::Usage(
            "--bom is for CSV only (JSON and NDJSON are always UTF-8, without a byte-order mark)"
                .to_owned(),
        ));
    }
    if config.columns.is_empty() {
        return Ok(None);
    }
    let (known, other) = if config.updates {
        (UpdateRow::COLUMNS, RecordRow::COLUMNS)
    } else {
        (RecordRow::COLUMNS, UpdateRow::COLUMNS)
    };
    let mut pick = Vec::with_capacity(config.columns.len());
    for name in &config.columns {
        let name = name.trim();
        let Some(i) = known.iter().position(|k| k.eq_ignore_ascii_case(name)) else {
            return Err(super::Error::Usage(unknown_column(
                name,
                known,
                other,
                config.updates,
            )));
        };
        if pick.contains(&i) {
            return Err(super::Error::Usage(format!(
                "column {} is named twice in --columns",
                known[i]
            )));
        }
        pick.push(i);
    }
    Ok(Some(pick))
}

/// Why `name` is no column of this export, and what to give instead: a
/// column of the other row type is a near miss a flag fixes, not a typo.
fn unknown_column(name: &str, known: &[&str], other: &[&str], updates: bool) -> String {
    let list = known.join(", ");
    if name.is_empty() {
        return format!(
            "--columns has an empty name (a doubled or trailing comma?): give names \
             separated by commas (known: {list})"
        );
    }
    if other.iter().any(|k| k.eq_ignore_ascii_case(name)) {
        return if updates {
            format!(
                "column {name:?} is a record column: export it without --updates \
                 (known with --updates: {list})"
            )
        } else {
            format!(
                "column {name:?} is an update column: export it with --updates, one row \
                 per update (known without --updates: {list})"
            )
        };
    }
    UnknownWord {
        what: if updates { "update column" } else { "column" },
        given: name.to_owned(),
        known: known.iter().map(|k| (*k).to_owned()).collect(),
    }
    .to_string()
}

fn write(
    store: &Store,
    config: &Config,
    pick: Option<Vec<usize>>,
    out: &mut dyn Write,
) -> Result<u64, Error> {
    if let Some(word) = store.unknown_word(&config.filter)? {
        return Err(Error::Word(word));
    }
    let options = Options {
        format: config.format,
        escape_formulas: config.escape_formulas,
        zone: config.zone,
    };
    let filter = Filter {
        now: config.filter.now.or(Some(config.now)),
        ..config.filter.clone()
    };
    if config.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    if config.updates {
        let mut writer = start::<UpdateRow<'_>>(out, options, pick)?;
        store.each_update(&filter, |u| -> Result<(), Error> {
            Ok(writer.write(&UpdateRow::new(&u))?)
        })?;
        Ok(writer.finish()?)
    } else {
        let mut writer = start::<RecordRow<'_>>(out, options, pick)?;
        store.each_record(&filter, |r| -> Result<(), Error> {
            Ok(writer.write(&RecordRow::new(&r))?)
        })?;
        Ok(writer.finish()?)
    }
}

fn start<R: Row>(
    out: &mut dyn Write,
    options: Options,
    pick: Option<Vec<usize>>,
) -> io::Result<Writer<&mut dyn Write>> {
    match pick {
        Some(pick) => Writer::picking::<R>(out, options, pick),
        None => Writer::new::<R>(out, options),
    }
}
