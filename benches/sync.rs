//! Backfill throughput and the cost of a quiet run, for the real binary
//! against the WordPress stand-in on 127.0.0.1 (the integration tests' own).
//!
//! Prints posts/s for a backfill of `HEALTHFEED_BENCH_POSTS` posts (default
//! 10,000), the wall time of `healthfeed import` of the same posts saved as
//! one file, and the ratio of the two over `HEALTHFEED_BENCH_ROUNDS` rounds
//! (default 3); then the median wall time of ten runs with nothing new.
#![allow(
    missing_docs,
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

#[path = "../tests/it/support/mod.rs"]
mod support;

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::wp::{Wp, t};

/// Runs one sync; returns its wall time and, when GNU time is installed, its peak RSS.
fn sync(db: &Path, url: &str) -> (Duration, String) {
    let report = db.with_extension("rss");
    let start = Instant::now();
    let out = common::measured(env!("CARGO_BIN_EXE_healthfeed"), &report)
        .arg("--db")
        .arg(db)
        .args(["sync", "--quiet", "--settle-secs", "0", "--source", url])
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, cpu_and_rss(&report))
}

/// Imports `file` into `db`; returns its wall time and peak RSS as [`sync`] does.
fn import(db: &Path, file: &Path) -> (Duration, String) {
    let report = db.with_extension("rss");
    let start = Instant::now();
    let out = common::measured(env!("CARGO_BIN_EXE_healthfeed"), &report)
        .arg("--db")
        .arg(db)
        .args(["import", "--json"])
        .arg(file)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, cpu_and_rss(&report))
}

/// The child's CPU time and peak RSS, as GNU time recorded them.
fn cpu_and_rss(report: &Path) -> String {
    let cpu = common::cpu_seconds(report).map_or("n/a".to_owned(), |c| format!("{c:.2} s"));
    format!("CPU {cpu}, peak RSS {}", common::rss_text(report))
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Minimum and median of a few timings.
fn min_median(times: &[Duration]) -> (Duration, Duration) {
    let mut sorted = times.to_vec();
    sorted.sort();
    (sorted[0], sorted[sorted.len() / 2])
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: u64 = std::env::var("HEALTHFEED_BENCH_POSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // Backfill and import alternate, so a neighbour's load hits both alike.
    let rounds: usize = std::env::var("HEALTHFEED_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(3);
    let wp = Wp::start();
    // Three posts per second of modified time: ties cross most page boundaries.
    wp.site().publish_all(1..=n, |id| t(id as i64 / 3));
    wp.site().gzip = true;
    let dir = tempfile::tempdir().unwrap();
    // The same posts as one file, with the fields the walk asks for: the
    // yardstick a sync is held to (issue 10: at most 1.25 times an import).
    let file = dir.path().join("posts.json");
    std::fs::write(&file, wp.site().export(healthfeed::fetch::FIELDS)).unwrap();
    let mut syncs = Vec::new();
    let mut imports = Vec::new();
    let synced = |round: usize| dir.path().join(format!("sync-{round}.db"));
    for round in 1..=rounds {
        let db = synced(round);
        let before = wp.requests();
        let (backfill, rss) = sync(&db, &wp.posts_url());
        let requests = wp.requests() - before;
        println!(
            "sync backfill {n} posts: {:.2} s, {:.0} posts/s, {requests} requests, {}",
            secs(backfill),
            n as f64 / secs(backfill),
            rss
        );
        let (imported, rss) = import(&dir.path().join(format!("import-{round}.db")), &file);
        println!(
            "import of the same {n} posts from a file: {:.2} s, {:.0} posts/s, {}",
            secs(imported),
            n as f64 / secs(imported),
            rss
        );
        syncs.push(backfill);
        imports.push(imported);
    }
    let (sync_min, sync_median) = min_median(&syncs);
    let (import_min, import_median) = min_median(&imports);
    println!(
        "sync / import over {rounds} rounds: median {:.2} s / {:.2} s = {:.2}x, min {:.2} s / {:.2} s = {:.2}x",
        secs(sync_median),
        secs(import_median),
        secs(sync_median) / secs(import_median),
        secs(sync_min),
        secs(import_min),
        secs(sync_min) / secs(import_min),
    );
    let db = synced(rounds);
    let requests = wp.requests();
    let mut quiet: Vec<Duration> = (0..10).map(|_| sync(&db, &wp.posts_url()).0).collect();
    quiet.sort();
    println!(
        "sync with nothing new: median {:.1} ms, min {:.1} ms, max {:.1} ms over 10 runs, {} requests",
        quiet[5].as_secs_f64() * 1000.0,
        quiet[0].as_secs_f64() * 1000.0,
        quiet[9].as_secs_f64() * 1000.0,
        wp.requests() - requests
    );
}
