//! `healthfeed stats`: counts and durations over the records a filter selects.

use std::io::Write;
use std::path::Path;

use super::{Error, Format};
use crate::export::{Options, StatRow, Writer, stat_rows};
use crate::model::{Filter, Stats, Zone};
use crate::store::Store;

/// Aggregates the records `filter` selects in the archive at `db`, months of start in `zone`.
pub fn run(db: &Path, filter: &Filter, zone: &Zone) -> Result<Stats, Error> {
    let store = Store::open_read_only(db)?;
    super::check_words(&store, filter)?;
    Ok(store.stats_in(filter, zone)?)
}

/// Writes `stats` to `out`: one pretty JSON object, one JSON line, or CSV rows
/// (dimension, value, records, median_minutes, p90_minutes).
pub fn write(stats: &Stats, format: Format, out: &mut dyn Write) -> Result<(), Error> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, stats).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut *out, stats).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = Writer::new::<StatRow<'_>>(out, Options::new(Format::Csv))?;
            for row in stat_rows(stats) {
                w.write(&row)?;
            }
            w.finish()?;
        }
    }
    Ok(())
}
