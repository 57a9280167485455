//! `healthfeed status`: what the archive holds and how its last run went.

use std::path::Path;

use super::{ArchiveStatus, Error};
use crate::store::Store;

/// Counts what the archive at `db` holds (opening it brings an old schema up to date).
pub fn run(db: &Path) -> Result<ArchiveStatus, Error> {
    Ok(Store::open(db)?.status()?)
}
