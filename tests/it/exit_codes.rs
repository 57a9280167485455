//! Every exit code in README's table, produced by the real binary: scripts and
//! cron branch on these numbers, so each one is pinned here.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::support::{fixture, healthfeed};

fn run(db: &Path, args: &[&str]) -> Output {
    healthfeed()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sample(db: &Path) {
    let feed = fixture("feed/m365jp-sample.json");
    let out = run(db, &["import", feed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn zero_one_and_two_success_not_found_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    sample(&db);
    assert_eq!(run(&db, &["query", "EX529801"]).status.code(), Some(0));
    let missing = run(&db, &["query", "EX529801", "DZ999999"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("DZ999999 is not in the archive"));

    // Usage errors are 2 whoever finds them: clap, or a command.
    let blank = run(&db, &["search", " "]);
    assert_eq!(blank.status.code(), Some(2), "{}", stderr(&blank));
    assert!(stderr(&blank).contains("the search text is empty"));
    assert_eq!(run(&db, &["list", "--no-such-flag"]).status.code(), Some(2));
    let bad_source = run(&db, &["sync", "--source", "not a url"]);
    assert_eq!(bad_source.status.code(), Some(2), "{}", stderr(&bad_source));
}

#[test]
fn three_for_a_file_that_cannot_be_read_or_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let missing = dir.path().join("no-such.json");
    let read = run(&db, &["import", missing.to_str().unwrap()]);
    assert_eq!(read.status.code(), Some(3), "{}", stderr(&read));

    sample(&db);
    let target = dir.path().join("no-such-dir").join("x.csv");
    let write = run(&db, &["export", "--output", target.to_str().unwrap()]);
    assert_eq!(write.status.code(), Some(3), "{}", stderr(&write));
    assert!(stderr(&write).contains("cannot write the export to"));
}

#[test]
fn four_when_the_feed_cannot_be_fetched() {
    // A port nothing listens on: the connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let url = format!("http://127.0.0.1:{port}/wp-json/wp/v2/posts");
    let out = run(&db, &["sync", "--source", &url, "--retries", "0"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[test]
fn five_when_the_archive_cannot_be_used() {
    let dir = tempfile::tempdir().unwrap();
    let absent = run(&dir.path().join("absent.db"), &["list"]);
    assert_eq!(absent.status.code(), Some(5), "{}", stderr(&absent));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database, just notes ".repeat(100)).unwrap();
    let foreign = run(&text, &["status"]);
    assert_eq!(foreign.status.code(), Some(5), "{}", stderr(&foreign));
}

#[test]
fn six_when_another_sync_holds_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let _held = healthfeed::store::SyncLock::acquire(&db, Duration::ZERO).unwrap();
    let out = run(&db, &["sync", "--source", "http://127.0.0.1:9/"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("another healthfeed sync is running"));
}
