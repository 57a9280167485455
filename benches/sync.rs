//! Backfill throughput and the cost of a quiet run, for the real binary
//! against the WordPress stand-in on 127.0.0.1 (the integration tests' own).
//!
//! Prints posts/s for a backfill of `HEALTHFEED_BENCH_POSTS` posts (default
//! 10,000) and the median wall time of ten runs with nothing new.
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

use std::process::Command;
use std::time::{Duration, Instant};

use support::wp::{Wp, t};

/// Runs one sync; returns its wall time and, when GNU time is installed, its peak RSS.
fn sync(db: &std::path::Path, url: &str) -> (Duration, String) {
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
    (elapsed, common::rss_text(&report))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: u64 = std::env::var("HEALTHFEED_BENCH_POSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let wp = Wp::start();
    // Three posts per second of modified time: ties cross most page boundaries.
    wp.site().publish_all(1..=n, |id| t(id as i64 / 3));
    wp.site().gzip = true;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let (backfill, rss) = sync(&db, &wp.posts_url());
    let requests = wp.requests();
    println!(
        "sync backfill {n} posts: {:.2} s, {:.0} posts/s, {requests} requests, peak RSS {}",
        backfill.as_secs_f64(),
        n as f64 / backfill.as_secs_f64(),
        rss
    );
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
