//! `--db` and flag values an unlucky admin types: a folder, a FIFO, a wait
//! longer than the clock can count. Each ends promptly with a message naming
//! the real cause, never a hang, a panic or "the disk is full".

use std::process::Command;
use std::time::Duration;

use crate::support::{Archive, cmd, unreachable_posts_url};

#[test]
fn a_folder_as_the_archive_says_it_is_a_folder() {
    let a = Archive::new();
    for args in [&["list"][..], &["status"], &["import", "-"]] {
        let out = cmd(["--db"]).arg(a.dir()).args(args).stdin("[]").fails(5);
        assert!(
            out.stderr.contains("is a folder"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("disk is full"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_folder_as_an_input_names_the_files_to_give_instead() {
    // It used to read as broken JSON, "posts before this point were imported".
    let a = Archive::new();
    let folder = a.dir().join("feed");
    std::fs::create_dir(&folder).unwrap();
    for command in ["import", "parse"] {
        let out = cmd([command]).arg(&folder).fails(3);
        assert!(
            out.stderr.contains("it is a folder") && out.stderr.contains("feed/*.json"),
            "{command}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("REST JSON"),
            "{command}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_fifo_as_the_archive_is_refused_without_hanging() {
    let a = Archive::new();
    let fifo = a.dir().join("pipe.db");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for args in [&["list"][..], &["status"]] {
        let out = cmd(["--db"])
            .arg(&fifo)
            .args(args)
            .timeout(Duration::from_secs(10))
            .fails(5);
        assert!(out.stderr.contains("is a FIFO"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn a_wait_longer_than_the_clock_counts_does_not_panic() {
    let url = unreachable_posts_url();
    Archive::new()
        .cmd(["sync", "--retries", "0", "--wait", "18446744073709551615"])
        .args(["--source", &url])
        .fails(4);
}

#[test]
fn a_search_with_thousands_of_terms_is_refused_at_once() {
    // 2,000 `a*` terms took 65 s (3 minutes on a small archive) before a bound.
    let a = Archive::new();
    a.import(crate::support::fixture("feed/m365jp-sample.json"));
    let terms = vec!["a*"; 2000].join(" ");
    let out = a
        .cmd(["search", &terms])
        .timeout(Duration::from_secs(20))
        .fails(2);
    assert!(out.stderr.contains("give at most 64"), "{}", out.stderr);
    let few = vec!["a*"; 64].join(" ");
    a.cmd(["search", &few])
        .timeout(Duration::from_secs(20))
        .ok();
}

#[test]
fn durations_take_units_and_zero_only_where_it_means_something() {
    let a = Archive::new();
    let zero = a.cmd(["sync", "--timeout", "0"]).fails(2);
    assert!(zero.stderr.contains("more than 0"), "{}", zero.stderr);
    let typo = a.cmd(["sync", "--wait", "5 minutes"]).fails(2);
    assert!(typo.stderr.contains("30s, 1.5s, 5m"), "{}", typo.stderr);
    let url = unreachable_posts_url();
    // `1m` and `1.5` were refused with "invalid digit found in string".
    a.cmd(["sync", "--retries", "0", "--timeout", "1m", "--wait", "1.5"])
        .args(["--source", &url])
        .fails(4);
}

#[test]
fn the_lock_message_fits_the_wait_that_was_asked_for() {
    let a = Archive::new();
    let _held = healthfeed::store::SyncLock::acquire(a.db(), Duration::ZERO).unwrap();
    let none = a.cmd(["sync", "--source", "http://127.0.0.1:9/"]).fails(6);
    assert!(none.stderr.contains("pass --wait 5m"), "{}", none.stderr);
    let some = a
        .cmd(["sync", "--wait", "0.3s", "--source", "http://127.0.0.1:9/"])
        .fails(6);
    assert!(some.stderr.contains("waited 0.3 s"), "{}", some.stderr);
    assert!(some.stderr.contains("a longer --wait"), "{}", some.stderr);
}

#[test]
fn a_missing_archive_reads_the_same_from_every_reader() {
    let a = Archive::new();
    let missing = a.dir().join("none.db");
    for command in ["list", "export", "stats", "report"] {
        let out = cmd(["--db"]).arg(&missing).arg(command).fails(5);
        assert!(
            out.stderr.starts_with("healthfeed: no archive at "),
            "{command}: {}",
            out.stderr
        );
    }
}
