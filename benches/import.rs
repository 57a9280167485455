//! End-to-end import throughput and peak memory of the real binary.
//!
//! Generates seed-shaped feeds (see `common/feed.rs`), imports each into a fresh archive with
//! `healthfeed import`, and prints posts/s and the child's peak RSS.
//! Sizes: `HEALTHFEED_BENCH_SIZES=10000,100000` (the default).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::time::Instant;

#[path = "common/mod.rs"]
mod common;
#[path = "common/feed.rs"]
mod feed;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing useful either way.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let sizes = std::env::var("HEALTHFEED_BENCH_SIZES").unwrap_or_else(|_| "10000,100000".into());
    let dir = tempfile::tempdir().unwrap();
    for n in sizes
        .split(',')
        .filter_map(|s| s.trim().parse::<usize>().ok())
    {
        let feed = dir.path().join(format!("feed-{n}.json"));
        feed::generate(n, &feed);
        let bin = env!("CARGO_BIN_EXE_healthfeed");
        let feed_mb = std::fs::metadata(&feed).unwrap().len() as f64 / 1e6;
        // Every core the machine gives, then the measure: all threads on one core.
        for (label, name) in [("all cores", "all"), ("one core", "one")] {
            let report = dir.path().join(format!("{name}.rss"));
            let cmd = match name {
                "all" => Some(common::measured(bin, &report)),
                _ => common::measured_on_one_core(bin, &report),
            };
            let Some(mut cmd) = cmd else {
                println!("import {n} posts, {label}: skipped (install util-linux for taskset)");
                continue;
            };
            let db = dir.path().join(format!("bench-{n}-{name}.db"));
            let start = Instant::now();
            let out = cmd
                .arg("--db")
                .arg(&db)
                .args(["import", "--json"])
                .arg(&feed)
                .output()
                .unwrap();
            let secs = start.elapsed().as_secs_f64();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let db_mb = std::fs::metadata(&db).unwrap().len() as f64 / 1e6;
            let cpu = common::cpu_seconds(&report).map_or("n/a".to_owned(), |c| {
                format!("{:.0} posts per CPU-second", n as f64 / c)
            });
            println!(
                "import {n} posts ({feed_mb:.0} MB JSON), {label}: {secs:.2} s, {:.0} posts/s, {cpu}, \
                 peak RSS {}, archive {db_mb:.0} MB, {} records, {} unchanged",
                n as f64 / secs,
                common::rss_text(&report),
                summary["new_records"],
                summary["unchanged"],
            );
            std::fs::remove_file(&db).unwrap();
        }
    }
}
