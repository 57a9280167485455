//! Seed-shaped feeds for the benchmarks: about 2.5 updates per ID, every 20th
//! post a repost of the one before under a `-2` slug.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;

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
pub fn generate(n: usize, path: &Path) {
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
    // On disk before anything is timed: the kernel flushing 60 MB of feed in
    // the background would otherwise slow the first import's own writes.
    out.into_inner().unwrap().sync_all().unwrap();
}
