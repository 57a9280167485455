//! End-to-end import throughput and peak memory of the real binary.
//!
//! Generates seed-shaped feeds (about 2.5 updates per ID, every 20th post a
//! repost under a `-2` slug), imports each into a fresh archive with
//! `healthfeed import`, and prints posts/s and the child's peak RSS.
//! Sizes: `HEALTHFEED_BENCH_SIZES=10000,100000` (the default).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

#[path = "common/mod.rs"]
mod common;

const STATUSES: [&str; 5] = [
    "investigating",
    "serviceDegradation",
    "serviceRestored",
    "serviceDegradation",
    "postIncidentReviewPublished",
];

fn seed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/seed-dz534539-servicerestored.json"
    ))
    .unwrap()
}

/// Writes `n` posts as one JSON array, as a REST page would hold them.
fn generate(n: usize, path: &Path) {
    let seed = seed();
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(b"[").unwrap();
    let mut last = String::new();
    for i in 0..n {
        let post = if i % 20 == 19 {
            // A repost: same update, new post id and slug.
            last.replacen(
                &format!("\"id\":{}", 100_000 + i - 1),
                &format!("\"id\":{}", 100_000 + i),
                1,
            )
            .replace("links\",\"status\"", "links-2\",\"status\"")
        } else {
            let record = (i / 5) * 2 + (i % 5) % 2;
            let id = format!("EX{}", 1_000_000 + record);
            let minute = i as i64;
            let t = chrono::DateTime::from_timestamp(1_680_000_000 + minute * 60, 0).unwrap();
            let last_updated = t.format("%m/%d/%Y %H:%M:%S").to_string();
            let modified = t.format("%Y-%m-%dT%H:%M:%S").to_string();
            let mut p = seed
                .replace("\"id\":907", &format!("\"id\":{}", 100_000 + i))
                .replace("DZ534539", &id)
                .replace("serviceRestored", STATUSES[i % 5])
                .replace("03\\/29\\/2023 18:23:04", &last_updated.replace('/', "\\/"))
                .replace("2023-03-29T19:00:43", &modified);
            let _ = write!(p, "");
            p = p.trim_end().to_owned();
            p
        };
        if i > 0 {
            out.write_all(b",\n").unwrap();
        }
        out.write_all(post.as_bytes()).unwrap();
        last = post;
    }
    out.write_all(b"]\n").unwrap();
}

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
        generate(n, &feed);
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
