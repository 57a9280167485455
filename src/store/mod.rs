//! The archive: one SQLite file holding every raw post, every distinct update,
//! the current state of each record, rejects, mentions and a full-text index.
//!
//! The store knows the model but not the parser: callers hand it posts with
//! their parse outcome already decided, which keeps `store` and `parse`
//! independent and lets `reparse` rebuild everything from the raw posts.

mod columns;
mod due;
mod filter;
mod freshness;
mod fts;
mod heal;
mod info;
mod ingest;
mod lock;
mod merge;
mod outbox;
mod records;
mod rejects;
mod reparse;
mod schema;
mod search;
mod settle;
mod sources;
mod state;
mod stats;
mod tally;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::exit::Exit;

pub use filter::Filter;
pub use freshness::{Deliveries, Freshness, SourceSync};
pub use info::{ArchiveStatus, RunInfo, SourceInfo};
pub use ingest::{Batch, Incoming, Outcome};
pub use lock::{DeliveryLock, SyncLock};
pub use outbox::{Backlog, Pending};
pub use reparse::ReparseOutcome;
pub use schema::{APPLICATION_ID, current_version, sqlite_version};
pub use search::SearchOutcome;
pub use sources::{Named, SourceState};
pub(crate) use tally::is_zero;
pub use tally::{BatchOutcome, RecordTally, StatusChange, TallyScope};

/// What went wrong with the archive file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A command that only reads found no archive at the path.
    #[error(
        "no archive at {path}: run `healthfeed sync` (or `healthfeed import FILE`) first, or point --db at an archive"
    )]
    Missing {
        /// The path that does not exist.
        path: PathBuf,
    },
    /// A command that only reads found an empty file (or an empty SQLite database).
    #[error(
        "{path} holds no archive yet (it is empty): run `healthfeed sync` (or `healthfeed import FILE`) to fill it, or point --db at an archive"
    )]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A command that only reads found an archive an older healthfeed wrote.
    #[error(
        "{path} was written by an older healthfeed (schema {found}; this one reads schema {current}) and commands that only read never upgrade it: run `healthfeed sync`, `healthfeed import` or `healthfeed reparse` once, and it is upgraded in place"
    )]
    Old {
        /// The file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The version this build reads.
        current: i64,
    },
    /// The path names a folder, a FIFO, a device: nothing an archive can be.
    #[error(
        "{path} is {what}, not an archive file: point --db at a file (it is created if missing)"
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`a folder`, `a FIFO`…).
        what: &'static str,
    },
    /// The folder for a new archive could not be created.
    #[error("cannot create the archive folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file exists but is not a SQLite database.
    #[error(
        "{path} is not a healthfeed archive (not a SQLite database); it was left untouched: point --db at another file"
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file is a SQLite database made by some other program.
    #[error(
        "{path} is a SQLite database but not a healthfeed archive; it was left untouched: point --db at another file"
    )]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// The archive's schema is newer than this build understands.
    #[error(
        "{path} was written by a newer healthfeed (schema {found}, this build knows up to {known}); it was left untouched: upgrade healthfeed"
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// Another process holds the database lock for longer than we wait.
    #[error("{path} is locked by another process (still busy after {:.1} s); try again later", waited.as_secs_f64())]
    Busy {
        /// The file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// Another `healthfeed sync` holds this archive.
    #[error(
        "another healthfeed sync is running on {path} (waited {:.1} s); try again later, or {}", waited.as_secs_f64(), if waited.is_zero() { "pass --wait 5m to wait for it" } else { "pass a longer --wait" }
    )]
    SyncRunning {
        /// The archive.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// Another process delivers this archive's notifications (a sync's end, or `notify send`).
    #[error(
        "another healthfeed process is delivering notifications from {path} (waited {:.1} s); try again later, or {}", waited.as_secs_f64(), if waited.is_zero() { "pass --wait 5m to wait for it" } else { "pass a longer --wait" }
    )]
    Delivering {
        /// The archive.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// The lock file beside the archive could not be opened or locked.
    #[error("cannot lock {path}: {source} (check the folder's permissions)")]
    LockFile {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The archive or its folder cannot be written by this user.
    #[error(
        "cannot write the archive {path}: healthfeed needs to write it and its -wal and -shm files beside it; check the permissions of the file and its folder, or point --db elsewhere"
    )]
    ReadOnly {
        /// The archive.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A writer was killed mid-commit and this user may not roll its journal back.
    #[error(
        "{path} holds an interrupted write that must be rolled back before it can be read, and this user may not write it: run any writing command (healthfeed import, sync or status) as a user who may write the archive, and it is repaired"
    )]
    Interrupted {
        /// The archive.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// Writing failed: a full disk, a file-size limit, or an I/O error.
    #[error(
        "cannot write {path}: the disk is full, a file-size limit was reached, or the disk failed; the unfinished batch was rolled back and the archive keeps everything before it: free some space (or check the disk) and run again"
    )]
    DiskFull {
        /// The archive.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The operating system failed a read or write that was not for lack of space.
    #[error(
        "reading or writing {path} failed (an I/O error: a file-size limit, a failing disk, or a file beside the archive, its -wal or -shm, removed or replaced while healthfeed had it open); the unfinished batch was rolled back: check the disk and the files beside the archive, then run again"
    )]
    Io {
        /// The archive.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A question ran past its time limit and was stopped (nothing was changed).
    #[error(
        "{action} took longer than {} s and was stopped: ask a narrower question (fewer words, longer prefixes)", limit.as_secs()
    )]
    TimedOut {
        /// What was stopped.
        action: &'static str,
        /// The limit.
        limit: Duration,
    },
    /// Any other SQLite failure, with what we were doing.
    #[error("archive {path}: {action} failed")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What we were doing.
        action: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// The exit code this failure ends a run with: busy when another process
    /// holds the archive, an archive failure otherwise.
    pub fn exit(&self) -> Exit {
        match self {
            StoreError::Busy { .. }
            | StoreError::SyncRunning { .. }
            | StoreError::Delivering { .. } => Exit::Busy,
            // The question, not the archive, is at fault.
            StoreError::TimedOut { .. } => Exit::Usage,
            StoreError::Missing { .. }
            | StoreError::Empty { .. }
            | StoreError::Old { .. }
            | StoreError::NotAFile { .. }
            | StoreError::CreateDir { .. }
            | StoreError::NotADatabase { .. }
            | StoreError::Foreign { .. }
            | StoreError::TooNew { .. }
            | StoreError::LockFile { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::Interrupted { .. }
            | StoreError::DiskFull { .. }
            | StoreError::Io { .. }
            | StoreError::Sqlite { .. } => Exit::Archive,
        }
    }
}

/// How long a statement waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open archive.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The scope of an open run tally (see `tally.rs`); none: each batch counts alone.
    tally: Option<i64>,
}

impl Store {
    /// Opens (creating if needed) the archive at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        check_file(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        // SQLite answers some lock conflicts at once instead of calling the busy
        // handler (switching the journal mode while a bulk import holds the file,
        // for one), so "busy" here is retried until the documented limit really
        // passed, and the error says how long that was.
        let started = Instant::now();
        loop {
            match Self::open_writable(path) {
                Err(StoreError::Busy { .. }) if started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(StoreError::Busy { path, .. }) => {
                    return Err(StoreError::Busy {
                        path,
                        waited: started.elapsed(),
                    });
                }
                other => return other,
            }
        }
    }

    fn open_writable(path: &Path) -> Result<Self, StoreError> {
        let mut store = Self::connect(path, OpenFlags::default())?;
        store.check_identity()?;
        let path = store.path.clone();
        store
            .conn
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 8192; PRAGMA cache_size = -32768;")
            .map_err(|e| sql_error(&path, "switching to WAL", e))?;
        schema::migrate(&mut store.conn)
            .map_err(|e| sql_error(&path, "upgrading the schema", e))?;
        Ok(store)
    }

    /// Opens an existing archive for reading only; never creates, upgrades or
    /// writes it (a killed writer's journal is rolled back, as SQLite must).
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        check_file(path)?;
        let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let (store, version) = match Self::connect(path, read_only)
            .and_then(|store| store.check_identity().map(|v| (store, v)))
        {
            // A writer killed mid-commit left a hot journal, which only a
            // connection that may write can roll back. Opening read-write (never
            // creating, never migrating) lets SQLite do that; nothing else is written.
            Err(StoreError::ReadOnly { source, .. }) if hot_journal(&source) => {
                let repair = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI;
                let store = Self::connect(path, repair).map_err(|e| unrepaired(path, e))?;
                let version = store.check_identity().map_err(|e| unrepaired(path, e))?;
                (store, version)
            }
            other => other?,
        };
        // A reader never writes: an empty file stays empty, an old schema is
        // left for a writing command to upgrade (today's queries need the new one).
        if version == 0 {
            return Err(StoreError::Empty {
                path: path.to_owned(),
            });
        }
        if version < current_version() {
            return Err(StoreError::Old {
                path: path.to_owned(),
                found: version,
                current: current_version(),
            });
        }
        Ok(store)
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| sql_error(path, "opening the archive", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .and_then(|()| conn.execute_batch("PRAGMA foreign_keys = ON;"))
            .map_err(|e| sql_error(path, "configuring the connection", e))?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            tally: None,
        })
    }

    /// Refuses non-databases, foreign databases and newer schemas before anything is written.
    fn check_identity(&self) -> Result<i64, StoreError> {
        let read = |sql: &str| self.conn.query_row(sql, [], |r| r.get::<_, i64>(0));
        let version = read("PRAGMA user_version")
            .map_err(|e| self.classify(e, "reading the schema version"))?;
        let app =
            read("PRAGMA application_id").map_err(|e| self.classify(e, "reading the file type"))?;
        if version > current_version() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: current_version(),
            });
        }
        let tables = read("SELECT count(*) FROM sqlite_schema")
            .map_err(|e| self.classify(e, "reading the schema"))?;
        if (app != 0 && app != APPLICATION_ID) || (version == 0 && tables > 0) {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        Ok(version)
    }

    fn classify(&self, e: rusqlite::Error, action: &'static str) -> StoreError {
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => StoreError::NotADatabase {
                path: self.path.clone(),
            },
            _ => sql_error(&self.path, action, e),
        }
    }

    /// Trades the WAL for a rollback journal while a bulk load runs, and says whether it did.
    ///
    /// A load into an archive mostly appends pages; a rollback journal keeps
    /// only the few existing pages a batch changes, where the WAL writes every
    /// page twice (once to the log, once at checkpoint): imports take about a
    /// fifth less time. Each batch stays one atomic transaction. Leaving WAL
    /// needs the archive to ourselves, so with any other connection open (a
    /// reader, another writer) nothing changes and the load runs in WAL.
    pub fn begin_bulk(&mut self) -> bool {
        // Never wait for other connections here: their presence is the answer.
        self.switch_journal("truncate", Duration::ZERO)
    }

    /// Returns to WAL after [`Store::begin_bulk`], so readers no longer wait on writes;
    /// says whether it did.
    ///
    /// Switching needs the archive to ourselves for a moment: this waits up to a
    /// second for readers, and otherwise leaves the switch to the next
    /// [`Store::open`], which always asks for WAL.
    pub fn end_bulk(&mut self) -> bool {
        self.switch_journal("wal", Duration::from_secs(1))
    }

    /// Asks for journal `mode`, waiting up to `wait` for other connections; true if it took.
    fn switch_journal(&mut self, mode: &str, wait: Duration) -> bool {
        if self.conn.busy_timeout(wait).is_err() {
            return false;
        }
        // PRAGMA takes no bound parameters; `mode` is one of our own constants.
        let now = self
            .conn
            .query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| {
                r.get::<_, String>(0)
            });
        let restored = self.conn.busy_timeout(BUSY_TIMEOUT).is_ok();
        restored && now.is_ok_and(|now| now.eq_ignore_ascii_case(mode))
    }

    /// The archive file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open archive.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err("reading the schema version", e))
    }

    fn err(&self, action: &'static str, e: rusqlite::Error) -> StoreError {
        sql_error(&self.path, action, e)
    }
}

/// Whether SQLite refused a read-only open because a journal needs rolling back.
fn hot_journal(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK
                || f.extended_code == rusqlite::ffi::SQLITE_READONLY_RECOVERY
    )
}

/// A hot journal this user may not roll back: say who can repair it.
fn unrepaired(path: &Path, e: StoreError) -> StoreError {
    match e {
        StoreError::ReadOnly { source, .. } => StoreError::Interrupted {
            path: path.to_owned(),
            source,
        },
        other => other,
    }
}

/// Refuses a path that exists and is not a regular file before SQLite opens
/// it: a FIFO would block the open forever, and a folder would be reported as
/// a full disk.
fn check_file(path: &Path) -> Result<(), StoreError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(()); // missing: created, or reported by the caller
    };
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a folder"
    } else {
        file_kind(&kind)
    };
    Err(StoreError::NotAFile {
        path: path.to_owned(),
        what,
    })
}

#[cfg(unix)]
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "something other than a regular file"
    }
}

#[cfg(not(unix))]
fn file_kind(_: &std::fs::FileType) -> &'static str {
    "something other than a regular file"
}

/// An error mapper for `map_err` that names the archive and what was being done.
fn failing<'a>(
    path: &'a Path,
    action: &'static str,
) -> impl FnOnce(rusqlite::Error) -> StoreError + 'a {
    move |e| sql_error(path, action, e)
}

fn sql_error(path: &Path, action: &'static str, source: rusqlite::Error) -> StoreError {
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            path: path.to_owned(),
            waited: BUSY_TIMEOUT,
        },
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly {
                path: path.to_owned(),
                source,
            }
        }
        Some(ErrorCode::OperationInterrupted) => StoreError::TimedOut {
            action,
            limit: search::SEARCH_TIME_LIMIT,
        },
        Some(ErrorCode::SystemIoFailure) => StoreError::Io {
            path: path.to_owned(),
            source,
        },
        Some(ErrorCode::DiskFull) => StoreError::DiskFull {
            path: path.to_owned(),
            source,
        },
        _ => StoreError::Sqlite {
            path: path.to_owned(),
            action,
            source,
        },
    }
}

/// RFC 3339 UTC with a `Z` and whole seconds: sorts as text in time order.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The archive location when neither `--db` nor `HEALTHFEED_DB` is given.
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("healthfeed").join("healthfeed.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = Store::open(&path).unwrap();
        let schema_before: Vec<String> = schema_sql(&store);
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), current_version());
        assert_eq!(schema_sql(&store), schema_before);
    }

    fn schema_sql(store: &Store) -> Vec<String> {
        let mut stmt = store
            .conn
            .prepare("SELECT coalesce(sql, name) FROM sqlite_schema ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn timestamps_sort_as_text() {
        let t = DateTime::parse_from_rfc3339("2023-03-29T07:00:00+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(ts(t), "2023-03-29T07:00:00Z");
    }
}
