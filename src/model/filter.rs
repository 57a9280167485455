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
    /// Start Time at or after this time (a report window: what *started* then).
    pub started_since: Option<DateTime<Utc>>,
    /// Start Time strictly before this time.
    pub started_until: Option<DateTime<Utc>>,
    /// At most this many rows, the first in [`Filter::order`].
    pub limit: Option<u64>,
    /// The order rows come in (`list` and `export`; search ranks by match).
    pub order: Order,
    /// The moment the question is asked at: a Message Center record is over
    /// once its End Time is at or before it. None: the clock when the archive is read.
    pub now: Option<DateTime<Utc>>,
}

/// What rows are sorted by. Each key has the direction a reader wants first:
/// times newest first, durations longest first, names A to Z.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Last Updated, newest first.
    #[default]
    LastUpdated,
    /// Start Time, newest first.
    Start,
    /// End Time, newest first; rows without one last.
    End,
    /// Duration of a closed record, longest first; rows without one last.
    Duration,
    /// Record ID, A to Z.
    Id,
    /// Service (Message Center by that name), A to Z in any case; rows without one last.
    Service,
}

/// An order: a key, its direction flipped or not, ties always broken by record ID
/// (A to Z) so the same archive always gives the same sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Order {
    /// The key.
    pub key: SortKey,
    /// Flip the key's direction (rows without a value stay last).
    pub reverse: bool,
}
