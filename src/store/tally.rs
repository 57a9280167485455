//! What a run changed: the counts and status changes that ingesting and
//! settling add up, in a module of their own so both can write them without
//! depending on each other.
//!
//! A run (an import, a sync) writes many batches, and how the posts fall into
//! batches must not change what it reports: a record touched by three batches
//! changed once, from its state when the run began to its state at the end, and
//! a post a feed sent twice (tie groups repeat posts across pages) was received
//! once. So a run opens a tally: each record's state at its first touch, and
//! each post's first arrival, are kept in temporary tables beside the archive
//! (rolled back with a failed batch), and the record counts are read once, at
//! the end, by comparing those states with the records as they are then.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::columns::opt_time;
use super::state::is_closed;
use super::{Store, StoreError};
use crate::model::{Kind, RecordId, Topics};

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
    /// Service health or Message Center.
    pub kind: Kind,
    /// The record's classification after the batch.
    pub classification: String,
    /// Its Last Updated after the batch (RFC 3339 UTC).
    pub last_updated: String,
    /// The post that carries its current update.
    pub link: Option<String>,
}

impl StatusChange {
    /// Whether a subscription with these filters would hear of this change
    /// (`sync --changes` narrows its lines by the same rule).
    pub fn heard_by(&self, topics: &Topics) -> bool {
        topics.matches(
            self.kind,
            self.service.as_deref(),
            &self.classification,
            self.to.as_deref(),
        )
    }
}

/// What a batch changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    /// Posts received: each post once, however often it came.
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
    /// Posts an older parser rejected that this one made updates of, judged
    /// again before the run (absent from JSON when none, as in every run but
    /// the first after an upgrade).
    #[serde(skip_serializing_if = "is_zero")]
    pub healed: u64,
    /// New records and status changes, for `--changes`; callers that only
    /// count may clear it after each batch to keep memory flat.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<StatusChange>,
}

/// For serde: a count of zero is left out.
pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
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
        self.healed += other.healed;
        self.changes.extend(other.changes);
    }

    /// Replaces the record counts and changes with a run's tally of them.
    pub fn set_records(&mut self, tally: RecordTally) {
        self.new_records = tally.new_records;
        self.updated_records = tally.updated_records;
        self.status_changes = tally.status_changes;
        self.changes = tally.changes;
    }
}

/// What a run did to records, each record counted once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordTally {
    /// Records that did not exist when the run (or scope) began.
    pub new_records: u64,
    /// Records that existed and point at another update at the end.
    pub updated_records: u64,
    /// Records that existed and have another status at the end.
    pub status_changes: u64,
    /// New records and status changes, by record ID (when asked for).
    pub changes: Vec<StatusChange>,
}

/// Which states a tally compares with the records now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyScope {
    /// Since the tally began.
    Run,
    /// Since the last [`Store::next_tally_scope`] (one source of a sync).
    Current,
}

impl Store {
    /// Opens a run tally: until [`Store::end_tally`], batches count each post
    /// once and leave record counts to [`Store::tally`].
    pub fn begin_tally(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS tally_records(
                   id TEXT PRIMARY KEY, run_update INTEGER, run_status TEXT,
                   scope INTEGER NOT NULL, scope_update INTEGER, scope_status TEXT);
                 CREATE TEMP TABLE IF NOT EXISTS tally_posts(
                   source_id INTEGER NOT NULL, post_id INTEGER NOT NULL,
                   PRIMARY KEY (source_id, post_id)) WITHOUT ROWID;
                 DELETE FROM temp.tally_records; DELETE FROM temp.tally_posts;",
            )
            .map_err(|e| self.err("starting the run's counts", e))?;
        self.tally = Some(0);
        Ok(())
    }

    /// Starts a new scope within the run tally (the next source of a sync).
    pub fn next_tally_scope(&mut self) {
        self.tally = self.tally.map(|scope| scope + 1);
    }

    /// Each record the run (or the current scope) touched, compared with its
    /// state then; `changes` lists new records and status changes when
    /// `keep_changes`, a Message Center record's state judged at `now`.
    pub fn tally(
        &self,
        scope: TallyScope,
        keep_changes: bool,
        now: DateTime<Utc>,
    ) -> Result<RecordTally, StoreError> {
        let fail = |e| self.err("counting the run's changes", e);
        let mut out = RecordTally::default();
        let Some(current) = self.tally else {
            return Ok(out);
        };
        let (update, status, only) = match scope {
            TallyScope::Run => ("t.run_update", "t.run_status", ""),
            TallyScope::Current => ("t.scope_update", "t.scope_status", "WHERE t.scope = ?1"),
        };
        let sql = format!(
            "SELECT t.id, {update}, {status}, r.current_update_id, r.status, r.service, r.title,
               r.kind, r.end_time, r.closed, r.classification, r.last_updated, r.link
             FROM temp.tally_records t JOIN records r ON r.id = t.id {only} ORDER BY t.id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(fail)?;
        let mut rows = match scope {
            TallyScope::Run => stmt.query([]),
            TallyScope::Current => stmt.query([current]),
        }
        .map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let before: Option<i64> = row.get(1).map_err(fail)?;
            let before_status: Option<String> = row.get(2).map_err(fail)?;
            let after: i64 = row.get(3).map_err(fail)?;
            let status: Option<String> = row.get(4).map_err(fail)?;
            let changed_status = before.is_none() || before_status != status;
            match before {
                None => out.new_records += 1,
                Some(old) if old != after => out.updated_records += 1,
                Some(_) => {}
            }
            if changed_status && before.is_some() {
                out.status_changes += 1;
            }
            if !(keep_changes && changed_status) {
                continue;
            }
            let text: String = row.get(0).map_err(fail)?;
            let Ok(id) = RecordId::parse(&text) else {
                continue;
            };
            let kind = match row.get_ref(7).map_err(fail)?.as_str() {
                Ok("message") => Kind::Message,
                _ => Kind::Health,
            };
            let end_time = opt_time(row, 8).map_err(fail)?;
            let stored: bool = row.get(9).map_err(fail)?;
            out.changes.push(StatusChange {
                id,
                from: before_status.filter(|_| before.is_some()),
                to: status,
                service: row.get(5).map_err(fail)?,
                title: row.get(6).map_err(fail)?,
                closed: is_closed(kind, end_time, stored, now),
                kind,
                classification: row.get(10).map_err(fail)?,
                last_updated: row.get(11).map_err(fail)?,
                link: row.get(12).map_err(fail)?,
            });
        }
        Ok(out)
    }

    /// Closes the run tally; later batches count alone again.
    pub fn end_tally(&mut self) {
        self.tally = None;
        // Best effort: the tables are temporary and go with the connection anyway.
        let _ = self
            .conn
            .execute_batch("DELETE FROM temp.tally_records; DELETE FROM temp.tally_posts;");
    }

    /// The scope of the open tally, for a batch to write into.
    pub(super) fn tally_scope(&self) -> Option<i64> {
        self.tally
    }
}

/// Remembers `record`'s state before this batch as its state when the run
/// (and the current scope) began, unless an earlier batch of it already did.
pub(super) fn remember(
    tx: &Transaction<'_>,
    scope: i64,
    record: &str,
    update: Option<i64>,
    status: Option<&str>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO temp.tally_records(id, run_update, run_status, scope, scope_update, scope_status)
         VALUES (?1, ?2, ?3, ?4, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET scope = excluded.scope,
           scope_update = excluded.scope_update, scope_status = excluded.scope_status
         WHERE scope < excluded.scope",
    )?
    .execute(params![record, update, status, scope])?;
    Ok(())
}

/// Whether this is the first time the run received post `post_id` of `source`.
pub(super) fn first_arrival(
    tx: &Transaction<'_>,
    source: i64,
    post_id: i64,
) -> rusqlite::Result<bool> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO temp.tally_posts(source_id, post_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING RETURNING 1",
        )?
        .query_row(params![source, post_id], |_| Ok(()))
        .optional()?;
    Ok(inserted.is_some())
}
