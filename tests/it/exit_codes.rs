//! Every exit code in README's table, produced by the real binary: scripts and
//! cron branch on these numbers, so each one is pinned here.

use std::time::Duration;

use crate::support::{Archive, unreachable_posts_url};

fn sample() -> Archive {
    Archive::sample()
}

#[test]
fn zero_one_and_two_success_not_found_and_usage() {
    let a = sample();
    a.cmd(["query", "EX529801"]).succeeds();
    let missing = a.cmd(["query", "EX529801", "DZ999999"]).fails(1);
    assert!(missing.stderr.contains("DZ999999 is not in the archive"));

    // Usage errors are 2 whoever finds them: clap, or a command.
    let blank = a.cmd(["search", " "]).fails(2);
    assert!(blank.stderr.contains("the search text is empty"));
    a.cmd(["list", "--no-such-flag"]).fails(2);
    a.cmd(["sync", "--source", "not a url"]).fails(2);
}

#[test]
fn three_for_a_file_that_cannot_be_read_or_written() {
    let a = Archive::new();
    a.cmd(["import"]).arg(a.dir().join("no-such.json")).fails(3);
    let a = sample();
    let target = a.dir().join("no-such-dir").join("x.csv");
    let write = a.cmd(["export", "--output"]).arg(&target).fails(3);
    assert!(write.stderr.contains("cannot write the export to"));
}

#[test]
fn four_when_the_feed_cannot_be_fetched() {
    let a = Archive::new();
    let url = unreachable_posts_url();
    a.cmd(["sync", "--retries", "0", "--source", &url]).fails(4);
}

#[test]
fn five_when_the_archive_cannot_be_used() {
    let a = Archive::new();
    a.cmd(["list"]).fails(5);
    let notes = a.write("notes.txt", "not a database, just notes ".repeat(100));
    crate::support::cmd(["--db"])
        .arg(notes)
        .arg("status")
        .fails(5);
}

#[test]
fn six_when_another_sync_holds_the_archive() {
    let a = Archive::new();
    let _held = healthfeed::store::SyncLock::acquire(a.db(), Duration::ZERO).unwrap();
    let busy = a.cmd(["sync", "--source", "http://127.0.0.1:9/"]).fails(6);
    assert!(busy.stderr.contains("another healthfeed sync is running"));
}

#[test]
fn seven_when_notifications_stay_pending() {
    let a = Archive::new();
    // Imported here by another name: the module's imports differ between branches.
    use crate::support::fixture as feed;
    a.cmd(["notify", "add", &unreachable_posts_url()]).ok();
    a.import(feed("feed/m365jp-sample.json"));
    let pending = a.cmd(["notify", "send"]).fails(7);
    assert!(
        pending.stderr.contains("subscription 1"),
        "{}",
        pending.stderr
    );
}

#[test]
fn eight_when_syncs_stopped_succeeding() {
    // Imported, never synced: a check with any age fails.
    let a = sample();
    let stale = a.cmd(["status", "--max-age", "1d"]).fails(8);
    assert!(stale.stderr.contains("never synced"), "{}", stale.stderr);
}
