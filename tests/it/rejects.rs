//! `healthfeed rejects`, `sync -v` and `status` on rejected posts, and the
//! layouts real pages showed (12-hour times, titles with ` | `) end to end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{fixture, healthfeed};

/// Fixtures that are rejected, with their post ids newest first by modified time.
const REJECTED: &[(&str, u64)] = &[
    ("header-not-a-record-id.json", 940),
    ("site-notice-no-table.json", 901),
    ("health-status-row-missing.json", 876),
    ("health-unparseable-date-13-45-2023.json", 868),
];

fn db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("healthfeed.db");
    (dir, db)
}

/// `healthfeed --db DB args…`; asserts exit `code` and returns (stdout, stderr).
fn run(db: &Path, args: &[&str], code: i32) -> (String, String) {
    let out = healthfeed()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

fn import(db: &Path, names: &[&str]) {
    let files: Vec<String> = names
        .iter()
        .map(|n| fixture(n).to_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    run(db, &args, 0);
}

fn with_rejects(db: &Path) {
    let mut names: Vec<&str> = REJECTED.iter().map(|r| r.0).collect();
    names.push("seed-dz534539-servicerestored.json");
    import(db, &names);
}

#[test]
fn rejects_lists_each_rejected_post_newest_first_as_json() {
    let (_dir, db) = db();
    with_rejects(&db);
    let (out, _) = run(&db, &["rejects", "--format", "json"], 0);
    let rows: Value = serde_json::from_str(&out).unwrap();
    let rows = rows.as_array().unwrap();
    let posts: Vec<u64> = rows
        .iter()
        .map(|r| r["post_id"].as_u64().unwrap())
        .collect();
    assert_eq!(posts, REJECTED.iter().map(|r| r.1).collect::<Vec<_>>());
    let bad_date = &rows[3];
    assert_eq!(bad_date["source"], "https://m365jp.net");
    assert_eq!(bad_date["verdict"], "failed");
    assert_eq!(bad_date["modified_gmt"], "2023-03-28T04:40:10Z");
    assert_eq!(
        bad_date["link"],
        "https://m365jp.net/index.php/2023-03-28-investigating-sp529650-sharepoint-online-users-may-be-unable-to-load-sharepoint-online-pages"
    );
    let reason = bad_date["reason"].as_str().unwrap();
    assert!(
        reason.contains("\"Start Time\": \"13/45/2023 07:00:00\""),
        "{reason}"
    );
    assert!(reason.contains("M/D/YYYY h:MM:SS AM/PM"), "{reason}");
    assert!(bad_date["parser_version"].as_u64().unwrap() >= 3);
    assert_eq!(rows[1]["verdict"], "not-a-record");
    assert_eq!(
        rows[0].as_object().unwrap().keys().count(),
        7,
        "source, post_id, link, modified_gmt, verdict, reason, parser_version"
    );
}

#[test]
fn rejects_as_csv_and_as_a_table() {
    let (_dir, db) = db();
    with_rejects(&db);
    let (csv, _) = run(&db, &["rejects", "--format", "csv"], 0);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "source,post_id,link,modified_gmt,verdict,reason,parser_version"
    );
    assert_eq!(lines.count(), 4);
    assert!(csv.contains(",876,"), "{csv}");

    let out = healthfeed()
        .env("COLUMNS", "70")
        .arg("--db")
        .arg(&db)
        .arg("rejects")
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "{table}");
    assert!(lines[0].starts_with("MODIFIED"), "{table}");
    assert!(
        lines[1].contains("940") && lines[1].contains("failed"),
        "{table}"
    );
    assert!(lines[2].contains("not-a-record"), "{table}");
    assert!(
        lines.iter().all(|l| l.chars().count() <= 70),
        "fits the terminal: {table}"
    );
}

#[test]
fn rejects_of_an_archive_without_any_say_so() {
    let (_dir, db) = db();
    import(&db, &["seed-dz534539-servicerestored.json"]);
    let (out, err) = run(&db, &["rejects"], 0);
    assert_eq!(out, "");
    assert!(err.contains("no rejected posts"), "{err}");
    let (json, _) = run(&db, &["rejects", "--format", "json"], 0);
    assert_eq!(json.trim(), "[]");
}

#[test]
fn rejects_without_an_archive_exits_5_like_list() {
    let (_dir, db) = db();
    let (_, err) = run(&db, &["rejects"], 5);
    assert!(err.contains("no archive at"), "{err}");
    assert!(!db.exists(), "a read command creates no archive");
}

#[test]
fn status_points_at_rejects_only_when_posts_failed() {
    let (_dir, db) = db();
    import(
        &db,
        &[
            "seed-dz534539-servicerestored.json",
            "site-notice-no-table.json",
        ],
    );
    let (out, _) = run(&db, &["status"], 0);
    assert!(out.contains("rejects    1 not a record, 0 failed"), "{out}");
    assert!(!out.contains("healthfeed rejects"), "{out}");
    with_rejects(&db);
    let (out, _) = run(&db, &["status"], 0);
    assert!(out.contains("3 failed"), "{out}");
    assert!(out.contains("healthfeed rejects"), "{out}");
}

#[test]
fn early_and_message_center_layouts_become_records() {
    let (_dir, db) = db();
    import(
        &db,
        &[
            "message-center-12-hour-times-january-2023.json",
            "message-center-title-with-bar-updated-slug-2.json",
            "message-center-action-required-by-date.json",
            "message-center-machine-translation-row.json",
        ],
    );
    let (out, _) = run(&db, &["rejects", "--format", "json"], 0);
    assert_eq!(out.trim(), "[]");
    let query = |id: &str| -> Value {
        let (out, _) = run(&db, &["query", id, "--format", "ndjson"], 0);
        serde_json::from_str(&out).unwrap()
    };
    let early = query("MC503292");
    assert_eq!(early["last_updated"], "2023-01-27T02:12:32Z");
    assert_eq!(early["start_time"], "2023-01-26T22:47:05Z");
    assert_eq!(early["end_time"], "2023-04-28T12:00:00Z");
    let barred = query("MC765808");
    assert_eq!(
        barred["title"],
        "(Updated) Microsoft Purview | Compliance portal: Enhanced policy conditions for Communication Compliance"
    );
    assert_eq!(barred["kind"], "message");
    assert_eq!(barred["service"], Value::Null);
}

/// Serves `body` as the answer to every request, one connection at a time.
fn serve(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nX-WP-Total: 3\r\nX-WP-TotalPages: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
            let _ = stream.flush();
            let _ = stream.read(&mut [0; 1]);
        }
    });
    format!("http://{addr}/wp-json/wp/v2/posts")
}

#[test]
fn sync_verbose_names_each_post_it_rejects() {
    // Oldest modified first, as WordPress answers `orderby=modified&order=asc`.
    let posts: Vec<String> = [
        "health-unparseable-date-13-45-2023.json",
        "site-notice-no-table.json",
        "seed-dz534539-servicerestored.json",
    ]
    .iter()
    .map(|n| std::fs::read_to_string(fixture(n)).unwrap())
    .collect();
    let url = serve(format!("[{}]", posts.join(",")));
    let (_dir, db) = db();
    let (out, err) = run(&db, &["sync", "--source", &url, "-v", "--retries", "0"], 0);
    assert!(out.contains("1 not a record, 1 failed"), "{out}");
    assert!(
        err.contains("healthfeed: rejected post 901: not a record"),
        "{err}"
    );
    assert!(
        err.contains("healthfeed: rejected post 868 (SP529650): bad timestamp in \"Start Time\""),
        "{err}"
    );
    assert!(!err.contains("rejected post 907"), "{err}");
    let (quiet_out, quiet_err) = {
        let (_d, db) = self::db();
        run(&db, &["sync", "--source", &url, "--retries", "0"], 0)
    };
    assert!(quiet_out.contains("1 failed"), "{quiet_out}");
    assert!(!quiet_err.contains("rejected"), "without -v: {quiet_err}");
}
