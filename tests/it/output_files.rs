//! `export --output` onto paths that are not regular files: a FIFO's reader
//! gets the export, a device stays a device (cron runs as root, and renaming
//! over `/dev/null` would replace it for the whole system), a folder is refused.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::Command;

use crate::support::{Archive, Output};

fn sample() -> Archive {
    Archive::sample()
}

fn export(a: &Archive, target: &Path) -> Output {
    a.cmd(["export", "--format", "ndjson", "--output"])
        .arg(target)
        .output()
}

#[test]
fn export_into_a_fifo_feeds_its_reader() {
    let a = sample();
    let fifo = a.dir().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = export(&a, &fifo);
    assert!(out.success(), "{}", out.stderr);
    let text = reader.join().unwrap();
    assert_eq!(text.lines().count(), 15, "every record reached the reader");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "still a FIFO");
}

#[test]
#[allow(clippy::print_stderr)] // a skipped check says so
fn export_onto_a_device_leaves_it_a_device() {
    let a = sample();
    let null = a.dir().join("null");
    // The same device as /dev/null (1, 3), made in a temp folder: needs root, as CI is.
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mknod needs root to make a device node");
        return;
    }
    let out = export(&a, &null);
    assert!(out.success(), "{}", out.stderr);
    let kind = std::fs::symlink_metadata(&null).unwrap().file_type();
    assert!(kind.is_char_device(), "still a device");
}

#[test]
fn export_onto_a_folder_is_refused_as_a_file_error() {
    let a = sample();
    let out = a.cmd(["export", "--output"]).arg(a.dir()).fails(3);
    assert!(out.stderr.contains("is a folder"), "{}", out.stderr);
}
