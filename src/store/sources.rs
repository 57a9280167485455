//! Per-source sync state and the one-sync-per-archive lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// What the archive remembers about a source between syncs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceState {
    /// The REST posts route found for it, so later runs skip discovery.
    pub posts_url: Option<String>,
    /// The committed sync mark, as text (empty or absent: never synced).
    pub cursor: Option<String>,
}

impl Store {
    /// The sync state of `origin`, if the archive has seen it.
    pub fn source_state(&self, origin: &str) -> Result<Option<SourceState>, StoreError> {
        self.conn
            .query_row(
                "SELECT posts_url, cursor FROM sources WHERE origin = ?1",
                [origin],
                |r| {
                    Ok(SourceState {
                        posts_url: r.get(0)?,
                        cursor: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err("reading the sync state", e))
    }

    /// Remembers the posts route of `origin`.
    pub fn set_posts_url(&self, origin: &str, posts_url: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sources(origin, posts_url) VALUES (?1, ?2)
                 ON CONFLICT(origin) DO UPDATE SET posts_url = excluded.posts_url",
                params![origin, posts_url],
            )
            .map(|_| ())
            .map_err(|e| self.err("recording the posts route", e))
    }
}

/// Held while a sync runs; a second sync on the same archive cannot take it.
///
/// An OS file lock (not a row in the database) so that it is released when the
/// process dies, however it dies, and never blocks readers of the archive.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
}

impl SyncLock {
    /// Takes the lock beside `db`, waiting up to `wait` for another sync to finish.
    pub fn acquire(db: &Path, wait: Duration) -> Result<Self, StoreError> {
        let path = lock_path(db);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StoreError::LockFile {
                path: path.clone(),
                source,
            })?;
        // A wait too long to add to the clock (`--wait 18446744073709551615`) is forever.
        let deadline = Instant::now().checked_add(wait);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(SyncLock { _file: file }),
                Err(TryLockError::WouldBlock) if deadline.is_none_or(|d| Instant::now() < d) => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(StoreError::SyncRunning {
                        path: db.to_owned(),
                        waited: wait,
                    });
                }
                Err(TryLockError::Error(source)) => {
                    return Err(StoreError::LockFile { path, source });
                }
            }
        }
    }
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push(".sync-lock");
    db.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_sync_lock_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let held = SyncLock::acquire(&db, Duration::ZERO).unwrap();
        let err = SyncLock::acquire(&db, Duration::from_millis(250)).unwrap_err();
        assert!(matches!(err, StoreError::SyncRunning { .. }), "{err}");
        drop(held);
        SyncLock::acquire(&db, Duration::ZERO).unwrap();
    }
}
