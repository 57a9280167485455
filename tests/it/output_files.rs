//! `export --output` onto paths that are not regular files: a FIFO's reader
//! gets the export, a device stays a device (cron runs as root, and renaming
//! over `/dev/null` would replace it for the whole system), a folder is refused.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{fixture, healthfeed};

fn archive(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("a.db");
    let out = healthfeed()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(fixture("feed/m365jp-sample.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    db
}

fn export(db: &Path, target: &Path) -> Output {
    healthfeed()
        .arg("--db")
        .arg(db)
        .args(["export", "--format", "ndjson", "--output"])
        .arg(target)
        .output()
        .unwrap()
}

#[test]
fn export_into_a_fifo_feeds_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let db = archive(dir.path());
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = export(&db, &fifo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = reader.join().unwrap();
    assert_eq!(text.lines().count(), 15, "every record reached the reader");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&kind),
        "still a FIFO"
    );
}

#[test]
#[allow(clippy::print_stderr)] // a skipped check says so
fn export_onto_a_device_leaves_it_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let db = archive(dir.path());
    let null = dir.path().join("null");
    // The same device as /dev/null (1, 3), made in a temp folder: needs root, as CI is.
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mknod needs root to make a device node");
        return;
    }
    let out = export(&db, &null);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kind = std::fs::symlink_metadata(&null).unwrap().file_type();
    assert!(
        std::os::unix::fs::FileTypeExt::is_char_device(&kind),
        "still a device"
    );
}

#[test]
fn export_onto_a_folder_is_refused_as_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = archive(dir.path());
    let out = export(&db, dir.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a folder"));
}
