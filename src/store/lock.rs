//! The OS file locks beside the archive: one for storing (one sync at a time)
//! and one for delivering notifications (one deliverer at a time).
//!
//! Two locks, not one, so that a receiver that is slow to answer delays only
//! delivery: the next sync takes the sync lock and stores while an earlier
//! sync (or `notify send`) still waits on a webhook.
//!
//! OS file locks (not rows in the database) so that they are released when
//! the process dies, however it dies, and never block readers of the archive.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::StoreError;

/// Held while a sync stores; a second sync on the same archive cannot take it.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
}

impl SyncLock {
    /// Takes the lock beside `db`, waiting up to `wait` for another sync to finish.
    pub fn acquire(db: &Path, wait: Duration) -> Result<Self, StoreError> {
        match hold(db, ".sync-lock", Some(wait))? {
            Some(file) => Ok(SyncLock { _file: file }),
            None => Err(StoreError::SyncRunning {
                path: db.to_owned(),
                waited: wait,
            }),
        }
    }
}

/// Held while a process delivers notifications from the archive.
///
/// It is what makes each pending event go out from one process at a time:
/// a deliverer reads the pending events, POSTs them and marks them delivered
/// with no other deliverer between its read and its mark, so two processes
/// never send the same events at once (no doubled POSTs).
#[derive(Debug)]
pub struct DeliveryLock {
    _file: File,
}

impl DeliveryLock {
    /// Takes the lock beside `db`, waiting up to `wait` for another delivery to finish.
    pub fn acquire(db: &Path, wait: Duration) -> Result<Self, StoreError> {
        match hold(db, ".delivery-lock", Some(wait))? {
            Some(file) => Ok(DeliveryLock { _file: file }),
            None => Err(StoreError::Delivering {
                path: db.to_owned(),
                waited: wait,
            }),
        }
    }

    /// Takes the lock beside `db` if nobody holds it; `None` when another process is delivering.
    pub fn try_acquire(db: &Path) -> Result<Option<Self>, StoreError> {
        Ok(hold(db, ".delivery-lock", None)?.map(|file| DeliveryLock { _file: file }))
    }
}

/// Locks the file named `db` + `suffix`, waiting up to `wait` (`None`: not
/// at all); `Ok(None)` when another process still holds it.
fn hold(db: &Path, suffix: &str, wait: Option<Duration>) -> Result<Option<File>, StoreError> {
    let path = lock_path(db, suffix);
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
    let deadline = Instant::now().checked_add(wait.unwrap_or_default());
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(TryLockError::WouldBlock)
                if wait.is_some() && deadline.is_none_or(|d| Instant::now() < d) =>
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(source)) => {
                return Err(StoreError::LockFile { path, source });
            }
        }
    }
}

fn lock_path(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
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

    #[test]
    fn the_delivery_lock_is_one_deliverer_at_a_time_and_apart_from_the_sync_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let _storing = SyncLock::acquire(&db, Duration::ZERO).unwrap();
        let delivering = DeliveryLock::try_acquire(&db).unwrap().unwrap();
        assert!(DeliveryLock::try_acquire(&db).unwrap().is_none());
        let err = DeliveryLock::acquire(&db, Duration::from_millis(250)).unwrap_err();
        assert!(matches!(err, StoreError::Delivering { .. }), "{err}");
        drop(delivering);
        DeliveryLock::acquire(&db, Duration::ZERO).unwrap();
    }
}
