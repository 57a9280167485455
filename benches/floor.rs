//! The floor under import throughput: what the pieces every import must run
//! cost on their own, with no healthfeed code around them.
//!
//! Per generated seed-shaped post, on one core (the bench re-runs itself under
//! `taskset -c 0`): scraper parsing the post's HTML, SQLite storing the raw JSON
//! text, and SQLite storing the message with its FTS5 index (the archive's
//! tokenizer), 500 posts per transaction through a rollback journal as import
//! writes. Their sum bounds what any import of these posts can reach here.
//! Posts: `HEALTHFEED_BENCH_POSTS` (default 10,000).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::path::Path;
use std::time::Instant;

use healthfeed::input::PostReader;
use rusqlite::Connection;

#[path = "common/feed.rs"]
mod feed;

const PINNED: &str = "HEALTHFEED_FLOOR_PINNED";

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if std::env::var_os(PINNED).is_none() && Path::new("/usr/bin/taskset").exists() {
        let status = std::process::Command::new("/usr/bin/taskset")
            .args(["-c", "0"])
            .arg(std::env::current_exe().unwrap())
            .args(std::env::args().skip(1))
            .env(PINNED, "1")
            .status()
            .unwrap();
        assert!(status.success());
        return;
    }
    let n: usize = std::env::var("HEALTHFEED_BENCH_POSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.json");
    feed::generate(n, &path);
    let raws: Vec<Box<str>> =
        PostReader::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()))
            .map(Result::unwrap)
            .collect();
    let contents: Vec<String> = raws
        .iter()
        .map(|raw| {
            let post: serde_json::Value = serde_json::from_str(raw).unwrap();
            post["content"]["rendered"].as_str().unwrap().to_owned()
        })
        .collect();
    let last_cell = scraper::Selector::parse("td").unwrap();
    let messages: Vec<String> = contents
        .iter()
        .map(|html| {
            let doc = scraper::Html::parse_fragment(html);
            let cell = doc.select(&last_cell).next_back().unwrap();
            cell.text().collect()
        })
        .collect();
    let pinned = if std::env::var_os(PINNED).is_some() {
        "one core"
    } else {
        "unpinned (no taskset)"
    };
    println!(
        "floor, {n} posts, {pinned}; average raw post {} bytes, message {} bytes",
        raws.iter().map(|r| r.len()).sum::<usize>() / n,
        messages.iter().map(String::len).sum::<usize>() / n
    );

    let per_post = |start: Instant| start.elapsed().as_secs_f64() * 1e6 / n as f64;
    let start = Instant::now();
    let mut nodes = 0;
    for html in &contents {
        nodes += scraper::Html::parse_fragment(html).tree.nodes().count();
    }
    let html = per_post(start);
    assert!(nodes > n);

    let conn = archive(&dir.path().join("raw.db"));
    let start = Instant::now();
    in_batches(&conn, n, |i| {
        conn.prepare_cached("INSERT INTO raw(json) VALUES (?1)")?
            .execute([&*raws[i]])
            .map(drop)
    });
    let raw = per_post(start);

    let conn = archive(&dir.path().join("fts.db"));
    let start = Instant::now();
    in_batches(&conn, n, |i| {
        conn.prepare_cached("INSERT INTO msg(record_id, title, message) VALUES (?1, ?2, ?3)")?
            .execute(["EX1000000", "Users can't reach the service", &messages[i]])
            .map(drop)
    });
    let fts = per_post(start);

    let total = html + raw + fts;
    for (what, us) in [
        ("scraper: parse the post's HTML", html),
        ("SQLite: store the raw JSON", raw),
        ("SQLite: store the message + FTS5 index", fts),
        ("sum", total),
    ] {
        println!("  {what:<40} {us:6.1} µs/post");
    }
    println!(
        "  at most {:.0} posts/s for these pieces alone",
        1e6 / total
    );
}

/// A fresh SQLite file with the archive's journal, sync and cache settings and its tokenizer.
fn archive(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;
         CREATE TABLE raw(id INTEGER PRIMARY KEY, json TEXT NOT NULL);
         CREATE TABLE msg(id INTEGER PRIMARY KEY, record_id TEXT, title TEXT, message TEXT);
         CREATE VIRTUAL TABLE msg_fts USING fts5(record_id, title, message,
           content='msg', content_rowid='id', tokenize='unicode61 remove_diacritics 2');",
    )
    .unwrap();
    conn
}

/// Runs `write` for every post, 500 per transaction, indexing each batch's new messages.
fn in_batches(conn: &Connection, n: usize, write: impl Fn(usize) -> rusqlite::Result<()>) {
    for first in (0..n).step_by(500) {
        conn.execute_batch("BEGIN").unwrap();
        let last_id: i64 = conn
            .query_row("SELECT coalesce(max(id), 0) FROM msg", [], |r| r.get(0))
            .unwrap();
        for i in first..(first + 500).min(n) {
            write(i).unwrap();
        }
        conn.execute(
            "INSERT INTO msg_fts(rowid, record_id, title, message)
             SELECT id, record_id, title, message FROM msg WHERE id > ?1",
            [last_id],
        )
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();
    }
}
