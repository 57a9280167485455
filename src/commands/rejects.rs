//! `healthfeed rejects`: the posts the archive keeps raw but made no record of, and why.

use std::path::Path;

use super::{Error, Rows};
use crate::export::{Options, RejectRow, Writer};
use crate::model::Reject;
use crate::store::Store;

/// Hands every rejected post in the archive at `db` to `rows`, most recently
/// modified first, and says how many there were. Rejects are few (site
/// notices, posts a parser could not read), so they are read in one query.
pub fn run(db: &Path, rows: Rows<'_, Reject>) -> Result<u64, Error> {
    let rejects = Store::open_read_only(db)?.rejects()?;
    let count = rejects.len() as u64;
    match rows {
        Rows::Machine { format, out, zone } => {
            let mut writer = Writer::new::<RejectRow<'_>>(out, Options::new(format).in_zone(zone))?;
            for reject in &rejects {
                writer.write(&RejectRow::new(reject))?;
            }
            writer.finish()?;
        }
        Rows::Each(each) => {
            for reject in rejects {
                each(reject)?;
            }
        }
    }
    Ok(count)
}
