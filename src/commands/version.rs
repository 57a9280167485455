//! What `--version` reports beyond the release: the versions an archive and
//! its records depend on, so a bug report says which parser and schema wrote them.

use crate::parse::PARSER_VERSION;
use crate::store;

/// The versions this build speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    /// healthfeed's own release.
    pub healthfeed: &'static str,
    /// The archive schema this build writes.
    pub schema: i64,
    /// The parser version stamped on every record and reject.
    pub parser: u32,
    /// The SQLite library linked in.
    pub sqlite: &'static str,
}

/// The versions of this build.
pub fn versions() -> Versions {
    Versions {
        healthfeed: env!("CARGO_PKG_VERSION"),
        schema: store::current_version(),
        parser: PARSER_VERSION,
        sqlite: store::sqlite_version(),
    }
}
