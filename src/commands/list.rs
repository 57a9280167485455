//! `healthfeed list`: the records a filter selects, most recently updated first.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Error, Rows};
use crate::export::{Options, RecordRow, Writer};
use crate::model::{Filter, Record};
use crate::store::Store;

/// What a listing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    /// Rows written or handed on.
    pub rows: u64,
    /// Records the archive holds, counted only when no row matched (to say so).
    pub archive_records: Option<u64>,
}

/// Streams the records `filter` selects from the archive at `db` to `rows`;
/// (unless the filter names another time) whether a Message Center record is over is judged at `now`.
pub fn run(
    db: &Path,
    filter: &Filter,
    now: DateTime<Utc>,
    rows: Rows<'_, Record>,
) -> Result<Listed, Error> {
    let store = Store::open_read_only(db)?;
    super::check_words(&store, filter)?;
    let filter = &Filter {
        now: filter.now.or(Some(now)),
        ..filter.clone()
    };
    let count = match rows {
        Rows::Machine { format, out, zone } => {
            let mut writer = Writer::new::<RecordRow<'_>>(out, Options::new(format).in_zone(zone))?;
            store.each_record(filter, |r| -> Result<(), Error> {
                Ok(writer.write(&RecordRow::new(&r))?)
            })?;
            writer.finish()?
        }
        Rows::Each(each) => {
            let mut n = 0;
            store.each_record(filter, |r| -> Result<(), Error> {
                n += 1;
                Ok(each(r)?)
            })?;
            n
        }
    };
    let archive_records = match count {
        0 => Some(store.record_count()?),
        _ => None,
    };
    Ok(Listed {
        rows: count,
        archive_records,
    })
}
