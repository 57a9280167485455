//! What the archive holds, and the log of runs (import, sync, reparse) that filled it.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::state::{closed_sql, now_value};
use super::{Store, StoreError, ts};

/// One import, sync or reparse, as logged in the `runs` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunInfo {
    /// `import`, `sync` or `reparse`.
    pub kind: String,
    /// The input or source it read.
    pub source: Option<String>,
    /// When it started (RFC 3339 UTC).
    pub started_at: String,
    /// When it ended; `None` if it is running or was killed.
    pub finished_at: Option<String>,
    /// `ok`, or the error that ended it.
    pub outcome: Option<String>,
    /// Its counts, as JSON.
    pub summary: Option<serde_json::Value>,
}

/// One source as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// The WordPress site its posts come from (`https://m365jp.net`, `https://host/blog`).
    pub site: String,
    /// The REST route sync found for it, once known.
    pub posts_url: Option<String>,
    /// The sync mark: every post modified at or before it is stored; none before the first sync.
    pub sync_mark: Option<String>,
}

/// A summary of the archive's content for `healthfeed status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchiveStatus {
    /// The archive file.
    pub path: String,
    /// Its schema version.
    pub schema_version: i64,
    /// Service-health records.
    pub health_records: u64,
    /// Message Center records.
    pub message_records: u64,
    /// Records not over: service health whose status is not closed, Message
    /// Center whose End Time has not passed (or that has none).
    pub open_records: u64,
    /// Distinct updates in all timelines.
    pub updates: u64,
    /// Raw post versions stored.
    pub raw_posts: u64,
    /// Posts that are not records.
    pub not_records: u64,
    /// Posts that failed to parse.
    pub failed: u64,
    /// Sources (sites) with their sync marks.
    pub sources: Vec<SourceInfo>,
    /// The newest Last Updated of any record.
    pub newest_update: Option<String>,
    /// The most recent run.
    pub last_run: Option<RunInfo>,
}

impl Store {
    /// Counts what the archive holds; open records are those not over at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> Result<ArchiveStatus, StoreError> {
        let fail = |e| self.err("reading the archive status", e);
        let count = |sql: &str| -> Result<u64, StoreError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(fail)
        };
        let mut stmt = self
            .conn
            .prepare("SELECT site, posts_url, cursor FROM sources ORDER BY site")
            .map_err(fail)?;
        let sources = stmt
            .query_map([], |r| {
                Ok(SourceInfo {
                    site: r.get(0)?,
                    posts_url: r.get(1)?,
                    sync_mark: r.get(2)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(fail)?;
        Ok(ArchiveStatus {
            path: self.path.display().to_string(),
            schema_version: self.schema_version()?,
            health_records: count("SELECT count(*) FROM records WHERE kind = 'health'")?,
            message_records: count("SELECT count(*) FROM records WHERE kind = 'message'")?,
            open_records: self
                .conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM records r WHERE NOT {}",
                        closed_sql("r")
                    ),
                    [now_value(now)],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n.max(0) as u64)
                .map_err(fail)?,
            updates: count("SELECT count(*) FROM updates")?,
            raw_posts: count("SELECT count(*) FROM raw_posts")?,
            not_records: count("SELECT count(*) FROM rejects WHERE not_record")?,
            failed: count("SELECT count(*) FROM rejects WHERE NOT not_record")?,
            sources,
            newest_update: self
                .conn
                .query_row("SELECT max(last_updated) FROM records", [], |r| r.get(0))
                .map_err(fail)?,
            last_run: self.last_run()?,
        })
    }

    fn last_run(&self) -> Result<Option<RunInfo>, StoreError> {
        self.conn
            .query_row(
                "SELECT kind, source, started_at, finished_at, outcome, summary
                 FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    let summary: Option<String> = r.get(5)?;
                    Ok(RunInfo {
                        kind: r.get(0)?,
                        source: r.get(1)?,
                        started_at: r.get(2)?,
                        finished_at: r.get(3)?,
                        outcome: r.get(4)?,
                        summary: summary.and_then(|s| serde_json::from_str(&s).ok()),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err("reading the run log", e))
    }

    /// Whether any post is stored (records and rejects all come from posts; a run log is not content).
    pub fn holds_posts(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT EXISTS(SELECT 1 FROM raw_posts)", [], |r| r.get(0))
            .map_err(|e| self.err("counting posts", e))
    }

    /// Closes the archive and deletes its file and the journals beside it: for
    /// a run that created it and then stored nothing, so a refused input
    /// leaves no empty archive behind. Best effort: the run already failed
    /// with the reason that matters, and a file left behind is harmless.
    pub fn discard(self) {
        let path = self.path.clone();
        drop(self.conn);
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(&file);
        }
    }

    /// Logs the start of a run and returns its id for [`Store::finish_run`].
    pub fn begin_run(&self, kind: &str, source: Option<&str>) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO runs(kind, source, started_at) VALUES (?1, ?2, ?3)",
                params![kind, source, ts(Utc::now())],
            )
            .map_err(|e| self.err("logging the run", e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Logs how a run ended: `Ok(summary)` or `Err(message)`.
    pub fn finish_run(
        &self,
        run: i64,
        result: Result<&impl Serialize, &str>,
    ) -> Result<(), StoreError> {
        let (outcome, summary) = match result {
            Ok(summary) => ("ok".to_owned(), serde_json::to_string(summary).ok()),
            Err(message) => (message.to_owned(), None),
        };
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?1, outcome = ?2, summary = ?3 WHERE id = ?4",
                params![ts(Utc::now()), outcome, summary, run],
            )
            .map_err(|e| self.err("logging the run", e))?;
        Ok(())
    }
}
