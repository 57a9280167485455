//! "Busy" means busy: a command that meets an archive held by another
//! process waits up to its documented limit, across the journal-mode switch
//! a bulk import makes, and says how long it really waited.

use std::time::{Duration, Instant};

use crate::support::{Archive, fixture};

/// The sample archive, and a connection holding it as a running import does:
/// in rollback-journal mode, with a write transaction open.
fn held() -> (Archive, rusqlite::Connection) {
    let a = Archive::new();
    a.import(fixture("feed/m365jp-sample.json"));
    let holder = a.conn();
    holder
        .execute_batch("PRAGMA journal_mode = TRUNCATE; BEGIN IMMEDIATE; DELETE FROM runs;")
        .unwrap();
    (a, holder)
}

#[test]
fn a_writer_waits_out_a_bulk_import_instead_of_failing_at_once() {
    let (a, holder) = held();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        holder.execute_batch("ROLLBACK").unwrap();
    });
    let started = Instant::now();
    a.cmd(["reparse"])
        .timeout(Duration::from_secs(30))
        .succeeds();
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "reparse did not wait for the holder"
    );
    release.join().unwrap();
}

#[test]
fn a_writer_that_gives_up_says_how_long_it_really_waited() {
    let (a, holder) = held();
    let started = Instant::now();
    let err = a
        .cmd(["reparse"])
        .timeout(Duration::from_secs(60))
        .fails(6)
        .stderr;
    let waited = started.elapsed();
    holder.execute_batch("ROLLBACK").unwrap();
    assert!(
        waited >= Duration::from_secs(10),
        "gave up after {waited:?}: {err}"
    );
    assert!(err.contains("still busy after 10."), "{err}");
}
