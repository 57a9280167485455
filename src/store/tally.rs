//! What a batch changed: the counts and status changes that ingesting and
//! settling add up, in a module of their own so both can write them without
//! depending on each other.

use serde::Serialize;

use crate::model::RecordId;

/// A record whose status changed (or that appeared) in a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    /// The record.
    pub id: RecordId,
    /// Status before the batch; `None` for a new record.
    pub from: Option<String>,
    /// Status after the batch (`None` for Message Center).
    pub to: Option<String>,
    /// The record's service.
    pub service: Option<String>,
    /// The record's title.
    pub title: String,
    /// Whether the record is over after the batch; for Message Center, whether
    /// its End Time had passed when the batch was written.
    pub closed: bool,
}

/// What a batch changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    /// Posts offered.
    pub posts: u64,
    /// Posts already stored byte for byte (or older than the stored version).
    pub unchanged: u64,
    /// Records that did not exist before.
    pub new_records: u64,
    /// Existing records whose current state changed.
    pub updated_records: u64,
    /// New posts that are not records.
    pub not_records: u64,
    /// New posts that failed to parse.
    pub failed: u64,
    /// Existing records whose status changed.
    pub status_changes: u64,
    /// New records and status changes, for `--changes`; callers that only
    /// count may clear it after each batch to keep memory flat.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<StatusChange>,
}

impl BatchOutcome {
    /// Adds another batch's counts to these.
    pub fn absorb(&mut self, other: BatchOutcome) {
        self.posts += other.posts;
        self.unchanged += other.unchanged;
        self.new_records += other.new_records;
        self.updated_records += other.updated_records;
        self.not_records += other.not_records;
        self.failed += other.failed;
        self.status_changes += other.status_changes;
        self.changes.extend(other.changes);
    }
}
