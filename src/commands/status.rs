//! `healthfeed status`: what the archive holds and how its last run went.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{ArchiveStatus, Error};
use crate::store::Store;

/// Counts what the archive at `db` holds; only reads (a monitoring check
/// with a mistyped path must fail, not create an archive there). Open records
/// are those not over at `now`.
pub fn run(db: &Path, now: DateTime<Utc>) -> Result<ArchiveStatus, Error> {
    Ok(Store::open_read_only(db)?.status(now)?)
}
