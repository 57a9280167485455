//! The question `list`, `search`, `stats` and `export` ask of the archive.
//!
//! A plain value: the CLI fills it from flags, the store turns it into SQL.

use chrono::{DateTime, Utc};

use super::{Classification, Kind, MessageState, Status};

/// Which records (or updates) a question is about. Every field is optional;
/// the fields that are set must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Case-insensitive substring of the service name.
    pub service: Option<String>,
    /// Any of these statuses (empty: any status).
    pub statuses: Vec<Status>,
    /// Or any of these Message Center states (`--status active,ended`); a
    /// record matches when either list holds its state.
    pub message_states: Vec<MessageState>,
    /// `Some(false)`: only open records; `Some(true)`: only closed ones.
    pub closed: Option<bool>,
    /// Only service health, or only Message Center.
    pub kind: Option<Kind>,
    /// Only this classification (any case).
    pub classification: Option<Classification>,
    /// Last Updated at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Last Updated strictly before this time.
    pub until: Option<DateTime<Utc>>,
    /// At most this many rows, most recently updated first.
    pub limit: Option<u64>,
    /// The moment the question is asked at: a Message Center record is over
    /// once its End Time is at or before it. None: the clock when the archive is read.
    pub now: Option<DateTime<Utc>>,
}
