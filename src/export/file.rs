//! Writing an export to a path the way a careful shell redirection would.
//!
//! A regular file (or a new path) is replaced atomically: the export goes to a
//! temporary file in the same folder, which is renamed over the target only
//! when complete, so a reader never sees half an export and a failed export
//! leaves the old file as it was. The replacement keeps the old file's mode
//! and owner (cron runs as root; a 0600 report must not become 0644).
//!
//! Anything else is not ours to replace: renaming over `/dev/null` would
//! replace it for the whole system, and over a FIFO would leave its reader
//! waiting forever. So a FIFO, a device or a socket is written straight into,
//! as `>` does; a folder is refused. A regular file with other hard links is
//! also written in place (after the export is complete in a temporary file), so
//! every name keeps pointing at the report.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, Write};
use std::path::Path;

/// Runs `write` on a writer for `path` as the module docs describe; returns what `write` returned.
pub fn write_to_path<T, E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    // A symlink is followed, as redirection does: the link stays, its target gets the export.
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path)?,
        _ => path.to_owned(),
    };
    match fs::metadata(&target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(&target, None, write),
        Err(e) => Err(e.into()),
        Ok(m) if m.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            format!(
                "{} is a folder: give a file name inside it",
                target.display()
            ),
        )
        .into()),
        Ok(m) if !m.is_file() => {
            let file = OpenOptions::new().write(true).open(&target)?;
            let mut out = BufWriter::with_capacity(256 * 1024, file);
            let value = write(&mut out)?;
            out.flush()?;
            Ok(value)
        }
        Ok(m) => replace(&target, Some(m), write),
    }
}

/// Writes a complete temporary file beside `target`, then puts it in place.
fn replace<T, E: From<io::Error>>(
    target: &Path,
    old: Option<fs::Metadata>,
    write: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".healthfeed-export-").suffix(".tmp");
    let temp = builder.tempfile_in(dir)?;
    let value = {
        let mut out = BufWriter::with_capacity(256 * 1024, temp.as_file());
        let value = write(&mut out)?;
        out.flush()?;
        value
    };
    if !adopt(temp.as_file(), old.as_ref())? {
        // Another name links to the file, or its owner cannot be kept: copy the
        // finished export into the file itself, which keeps both.
        let mut from = temp.reopen()?;
        let mut into = OpenOptions::new().write(true).truncate(true).open(target)?;
        from.seek(io::SeekFrom::Start(0))?;
        io::copy(&mut from, &mut into)?;
        into.flush()?;
        return Ok(value);
    }
    temp.persist(target).map_err(|e| e.error)?;
    Ok(value)
}

/// Gives the temporary file the old file's mode and owner (0644 for a new
/// file: an export is a report to share, not a secret); false when the old
/// file must be written in place instead of replaced.
#[cfg(unix)]
fn adopt(temp: &File, old: Option<&fs::Metadata>) -> io::Result<bool> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, fchown};
    let Some(old) = old else {
        temp.set_permissions(fs::Permissions::from_mode(0o644))?;
        return Ok(true);
    };
    if old.nlink() > 1 {
        return Ok(false);
    }
    temp.set_permissions(fs::Permissions::from_mode(old.mode() & 0o7777))?;
    let mine = temp.metadata()?;
    if (mine.uid(), mine.gid()) != (old.uid(), old.gid())
        && fchown(temp, Some(old.uid()), Some(old.gid())).is_err()
    {
        return Ok(false);
    }
    Ok(true)
}

#[cfg(not(unix))]
fn adopt(_temp: &File, _old: Option<&fs::Metadata>) -> io::Result<bool> {
    Ok(true)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn export(path: &Path, text: &str) -> io::Result<()> {
        write_to_path(path, |out| out.write_all(text.as_bytes()))
    }

    #[test]
    fn a_new_file_is_0644_and_an_old_one_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.csv");
        export(&new, "a").unwrap();
        assert_eq!(fs::metadata(&new).unwrap().mode() & 0o777, 0o644);
        let secret = dir.path().join("secret.csv");
        fs::write(&secret, "old").unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
        export(&secret, "new").unwrap();
        assert_eq!(fs::read_to_string(&secret).unwrap(), "new");
        assert_eq!(fs::metadata(&secret).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn an_old_file_keeps_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("owned.csv");
        fs::write(&file, "old").unwrap();
        // Only root can give a file away (cron and CI run as root).
        if std::os::unix::fs::chown(&file, Some(65534), Some(65534)).is_err() {
            return;
        }
        export(&file, "new").unwrap();
        let m = fs::metadata(&file).unwrap();
        assert_eq!((m.uid(), m.gid()), (65534, 65534));
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
    }

    #[test]
    fn hard_links_and_symlinks_keep_pointing_at_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.csv");
        fs::write(&file, "old").unwrap();
        let link = dir.path().join("link.csv");
        fs::hard_link(&file, &link).unwrap();
        export(&file, "new").unwrap();
        assert_eq!(fs::read_to_string(&link).unwrap(), "new");
        let sym = dir.path().join("sym.csv");
        std::os::unix::fs::symlink(&file, &sym).unwrap();
        export(&sym, "newer").unwrap();
        assert!(fs::symlink_metadata(&sym).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&file).unwrap(), "newer");
    }

    #[test]
    fn a_folder_is_refused_and_a_failed_export_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = export(dir.path(), "x").unwrap_err();
        assert!(err.to_string().contains("is a folder"), "{err}");
        let file = dir.path().join("r.csv");
        fs::write(&file, "old").unwrap();
        let failed: io::Result<()> = write_to_path(&file, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk gone"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&file).unwrap(), "old");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left behind");
    }
}
