//! Answering questions: `query`, `list`, `search`, `stats` and `export` on an
//! archive built by `healthfeed import` from the bundled feed (whose ground
//! truth is written down in fixtures/README.md), the single-post fixtures, and
//! generated posts.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};

use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

use crate::support::posts::{Spec, page};
use crate::support::{self, fixture, fixtures, healthfeed};

/// An archive in a temp dir, filled by `healthfeed import`.
struct Archive {
    dir: TempDir,
    db: PathBuf,
}

impl Archive {
    /// The bundled feed only: 15 records, 38 updates (fixtures/README.md).
    fn feed() -> Self {
        let a = Archive::empty();
        a.import(&[fixtures().join("feed").join("m365jp-sample.json")]);
        a
    }

    /// The bundled feed and every single-post fixture.
    fn everything() -> Self {
        let a = Archive::empty();
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.push(fixtures().join("feed").join("m365jp-sample.json"));
        a.import(&files);
        a
    }

    fn empty() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("healthfeed.db");
        Archive { dir, db }
    }

    fn import(&self, files: &[PathBuf]) {
        let mut args = vec!["import"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        support::ok(&self.db, &args);
    }

    fn import_text(&self, name: &str, text: &str) {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        self.import(&[path]);
    }

    fn run(&self, args: &[&str]) -> Output {
        healthfeed()
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs and asserts success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        support::ok(&self.db, args)
    }

    /// The IDs `list --format ndjson` prints for these filters, in order.
    fn ids(&self, filters: &[&str]) -> Vec<String> {
        let mut args = vec!["list", "--format", "ndjson"];
        args.extend_from_slice(filters);
        self.ok(&args)
            .lines()
            .map(|l| {
                let row: Value = serde_json::from_str(l).unwrap();
                row["id"].as_str().unwrap().to_owned()
            })
            .collect()
    }

    fn count(&self, filters: &[&str]) -> usize {
        self.ids(filters).len()
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[test]
fn each_filter_alone_selects_the_records_the_ground_truth_says() {
    let a = Archive::feed();
    assert_eq!(a.count(&[]), 15);
    assert_eq!(a.count(&["--kind", "health"]), 12);
    assert_eq!(a.count(&["--kind", "message"]), 3);
    assert_eq!(
        sorted(a.ids(&["--open"])),
        ["EX531442", "TM532087"],
        "the two ongoing records"
    );
    assert_eq!(a.count(&["--closed"]), 13);
    assert_eq!(a.count(&["--service", "exchange"]), 3);
    assert_eq!(a.count(&["--service", "EXCHANGE ONLINE"]), 3);
    assert_eq!(a.count(&["--service", "365"]), 5, "Defender 3 + suite 2");
    assert_eq!(
        a.count(&["--service", "%"]),
        0,
        "% is a character, not a wildcard"
    );
    assert_eq!(a.count(&["--classification", "incident"]), 7);
    assert_eq!(a.count(&["--classification", "ADVISORY"]), 5);
    assert_eq!(a.count(&["--classification", "planForChange"]), 1);
    assert_eq!(a.count(&["--status", "serviceRestored"]), 7);
    assert_eq!(a.count(&["--status", "postincidentreviewpublished"]), 3);
    assert_eq!(
        a.count(&["--status", "serviceRestored,postIncidentReviewPublished"]),
        10
    );
    assert_eq!(
        a.count(&[
            "--status",
            "serviceRestored",
            "--status",
            "extendedRecovery"
        ]),
        8
    );
    assert_eq!(a.count(&["--since", "2023-03-30"]), 9);
    assert_eq!(
        a.count(&["--since", "2023-03-30T09:20:12Z"]),
        8,
        "inclusive"
    );
    assert_eq!(a.count(&["--until", "2023-03-29"]), 3, "exclusive");
    assert_eq!(a.count(&["--since", "7d"]), 0, "the feed is from 2023");
    assert_eq!(a.count(&["--until", "12h"]), 15);
    assert_eq!(
        a.ids(&["--limit", "3"]),
        ["EX528690", "TM530955", "MO532355"],
        "most recently updated first"
    );
}

#[test]
fn filters_combine_with_and() {
    let a = Archive::feed();
    assert_eq!(a.ids(&["--service", "exchange", "--open"]), ["EX531442"]);
    assert_eq!(
        a.count(&["--kind", "health", "--classification", "advisory"]),
        5
    );
    assert_eq!(
        sorted(a.ids(&["--status", "serviceRestored", "--service", "sharepoint"])),
        ["SP530412", "SP531870"]
    );
    assert_eq!(
        a.count(&["--kind", "health", "--since", "2023-03-30", "--closed"]),
        6
    );
    assert_eq!(
        sorted(a.ids(&["--since", "2023-03-29", "--until", "2023-03-30"])),
        ["DZ534539", "DZ534548", "MC532044"]
    );
    assert_eq!(
        a.ids(&["--kind", "message", "--closed", "--limit", "1"]),
        ["MC529350"]
    );
    // The same filters mean the same on export and stats.
    let csv = a.ok(&["export", "--service", "exchange", "--closed"]);
    assert_eq!(csv.lines().count(), 1 + 2);
    let stats: Value =
        serde_json::from_str(&a.ok(&["stats", "--format", "json", "--service", "exchange"]))
            .unwrap();
    assert_eq!(stats["records"], 3);
}

#[test]
fn bad_filter_values_are_usage_errors() {
    let a = Archive::feed();
    for args in [
        &["list", "--since", "yesterday"][..],
        &["list", "--open", "--closed"],
        &["list", "--kind", "incident"],
        &["query", "not-an-id"],
    ] {
        let out = a.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = a.run(&["list", "--since", "yesterday"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("7d"));
}

#[test]
fn query_shows_the_timeline_in_order_and_what_changed() {
    let a = Archive::feed();
    let text = a.ok(&["query", "ex529801"]);
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from:\n{text}"))
    };
    assert!(text.starts_with("EX529801  Users may be unable to access their mailboxes"));
    assert!(text.contains("Timeline (4 updates, oldest first)"));
    let steps = [
        at("2023-03-27 09:12  investigating"),
        at("  serviceDegradation\n"),
        at("  serviceRestored\n"),
        at("  postIncidentReviewPublished\n"),
    ];
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(at("first update: Users may be unable to access Exchange Online mailboxes") < steps[1]);
    let second = &text[steps[1]..steps[2]];
    assert!(second.contains("status: investigating → serviceDegradation"));
    assert!(second.contains(
        "title → “Users may be unable to access their mailboxes using Outlook on the web”"
    ));
    assert!(second.contains("start time: 2023-03-27 08:30 → 2023-03-27 07:55"));
    assert!(second.contains("post 875 "), "{second}");
    assert!(
        second.contains("post 878 "),
        "the repost carries the same update"
    );
    assert!(text[steps[2]..steps[3]].contains("end time: - → 2023-03-27 15:20"));
    assert!(text.contains("  lasted        7h 25m\n"), "{text}");
    assert!(text.contains("Latest message"));
    assert!(text.contains("  Root cause\n"));
    assert!(!text.contains("Machine translation"));
    // EX531442's first update mentions EX529801.
    assert!(
        text.contains("Mentioned by\n  EX531442  serviceDegradation  Some users may see delays")
    );

    let translated = a.ok(&["query", "EX529801", "--translation"]);
    assert!(
        translated.contains(
            "Machine translation\n  (of the 2023-03-27 16:05 UTC update; later posts had none)\n"
        ),
        "the latest post (926) has none; 883 has one: {translated}"
    );
    assert!(translated.contains("メールボックス"));
    let with = a.ok(&["query", "DZ534548", "--translation"]);
    assert!(
        with.contains("Machine translation\n  タイトル: 管理者がアラート"),
        "{with}"
    );
    assert!(with.contains("Related\n  DZ534539  serviceRestored  Admins received false alerts"));
}

#[test]
fn query_json_has_the_same_content_one_object_per_id() {
    let a = Archive::feed();
    let out = a.ok(&["query", "--json", "TM530955", "MC529350"]);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let tm = &lines[0];
    assert_eq!(tm["id"], "TM530955");
    assert_eq!(tm["status"], "postIncidentReviewPublished");
    assert_eq!(tm["update_count"], 5);
    assert_eq!(tm["duration_minutes"], 11 * 60 + 25);
    assert_eq!(tm["ongoing"], false);
    let statuses: Vec<&str> = tm["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "investigating",
            "serviceDegradation",
            "extendedRecovery",
            "serviceRestored",
            "postIncidentReviewPublished"
        ]
    );
    assert_eq!(tm["timeline"][0]["changes"], serde_json::json!([]));
    assert_eq!(tm["timeline"][1]["changes"][0]["field"], "status");
    assert_eq!(tm["timeline"][0]["posts"][0]["id"], 890);
    assert_eq!(tm["related"][0]["id"], "MO530611");
    assert_eq!(tm["related"][0]["in_archive"], true);
    assert!(tm.get("machine_translation").is_none());
    assert!(tm["sections"].as_array().unwrap().len() > 1);
    let mc = &lines[1];
    assert_eq!(mc["kind"], "message");
    assert_eq!(mc["status"], Value::Null);
    assert_eq!(mc["duration_minutes"], Value::Null);
    assert_eq!(mc["timeline"][1]["changes"][0]["field"], "title");
}

#[test]
fn query_of_a_missing_id_names_it_and_still_prints_the_others() {
    let a = Archive::feed();
    let out = a.run(&["query", "DZ534539", "EX999999", "MC529350"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("EX999999 is not in the archive"),
        "{stderr}"
    );
    assert!(stderr.contains("it holds 15 records"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("DZ534539  "));
    assert!(stdout.contains("\nMC529350  "));
    assert!(!stdout.contains("EX999999"));

    let json = a.run(&["query", "--json", "EX999999"]);
    assert_eq!(json.status.code(), Some(1));
    assert!(json.stdout.is_empty());
}

#[test]
fn a_missing_archive_is_reported_not_created() {
    let a = Archive::empty();
    let out = a.run(&["list"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no archive at"));
    assert!(!a.db.exists());
}

#[test]
fn csv_read_back_gives_the_stored_values() {
    let a = Archive::everything();
    let csv_text = a.ok(&["export"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "kind",
            "service",
            "title",
            "status",
            "classification",
            "user_impact",
            "start_time",
            "end_time",
            "last_updated",
            "duration_minutes",
            "update_count",
            "related_ids",
            "link",
            "closed"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let conn = Connection::open(&a.db).unwrap();
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows.len() as i64, stored);
    let mut stmt = conn
        .prepare(
            "SELECT r.kind, coalesce(r.service, ''), r.title, coalesce(r.status, ''),
               r.classification, coalesce(r.user_impact, ''), r.start_time,
               coalesce(r.end_time, ''), r.last_updated, r.update_count, u.related_ids
             FROM records r JOIN updates u ON u.id = r.current_update_id WHERE r.id = ?1",
        )
        .unwrap();
    for row in &rows {
        let want: Vec<String> = stmt
            .query_row([&row[0]], |r| {
                let related: String = r.get(10)?;
                let related: Vec<String> = serde_json::from_str(&related).unwrap();
                Ok(vec![
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get::<_, i64>(9)?.to_string(),
                    related.join(";"),
                ])
            })
            .unwrap();
        let got: Vec<&str> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
            .iter()
            .map(|&i| &row[i])
            .collect();
        assert_eq!(got, want, "record {}", &row[0]);
    }
    let dz = rows.iter().find(|r| &r[0] == "DZ534539").unwrap();
    assert_eq!(&dz[10], "615", "07:00 to 17:15");
    assert_eq!(&dz[14], "true");
    let ongoing = rows.iter().find(|r| &r[0] == "EX531442").unwrap();
    assert_eq!(&ongoing[8], "", "no End Time: an empty cell");
    let mc = rows.iter().find(|r| &r[0] == "MC529350").unwrap();
    assert_eq!(&mc[2], "");
    assert_eq!(&mc[10], "", "no duration for Message Center");
}

#[test]
fn json_and_ndjson_parse_with_nulls_and_arrays() {
    let a = Archive::feed();
    let json: Value = serde_json::from_str(&a.ok(&["export", "--format", "json"])).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 15);
    let dz = rows.iter().find(|r| r["id"] == "DZ534539").unwrap();
    assert_eq!(dz["related_ids"], serde_json::json!(["DZ534548"]));
    assert_eq!(dz["start_time"], "2023-03-29T07:00:00Z");
    assert_eq!(dz["update_count"], 3);
    let ongoing = rows.iter().find(|r| r["id"] == "EX531442").unwrap();
    assert_eq!(ongoing["end_time"], Value::Null);
    assert_eq!(ongoing["closed"], false);

    let nd = a.ok(&["export", "--format", "ndjson", "--updates"]);
    let updates: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(updates.len(), 38, "38 distinct updates in the feed");
    let repost = updates
        .iter()
        .find(|u| u["id"] == "SP531870" && u["post_ids"].as_array().unwrap().len() == 2)
        .unwrap();
    assert_eq!(repost["post_ids"], serde_json::json!([922, 923]));
    assert_eq!(repost["post_id"], 922);
    let empty: Value =
        serde_json::from_str(&a.ok(&["export", "--format", "json", "--service", "none"])).unwrap();
    assert_eq!(empty, serde_json::json!([]));

    let list: Value = serde_json::from_str(&a.ok(&["list", "--format", "json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 15);
    let updates_csv = a.ok(&["export", "--updates", "--service", "teams"]);
    let mut reader = csv::Reader::from_reader(updates_csv.as_bytes());
    assert_eq!(
        &reader.headers().unwrap().iter().take(7).collect::<Vec<_>>(),
        &[
            "id",
            "last_updated",
            "status",
            "title",
            "end_time",
            "post_id",
            "link"
        ]
    );
    assert_eq!(reader.records().count(), 5 + 3, "TM530955 and TM532087");
}

#[test]
fn csv_cells_that_spreadsheets_would_run_are_escaped_unless_asked_not_to() {
    let a = Archive::empty();
    let mut specs = Vec::new();
    for (i, (record, title)) in [
        ("EX700001", "=HYPERLINK(\"http://x\")"),
        ("EX700002", "+1 users"),
        ("EX700003", "-2 users"),
        ("EX700004", "@SUM(A1)"),
        ("EX700005", "Plain title"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = Spec::new(70 + i as u64, record, "investigating", 10, 8);
        s.title = title.to_owned();
        specs.push(s);
    }
    a.import_text("formulas.json", &page(&specs));
    let titles = |args: &[&str]| -> Vec<String> {
        let text = a.ok(args);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut titles: Vec<String> = reader.records().map(|r| r.unwrap()[3].to_owned()).collect();
        titles.sort();
        titles
    };
    assert_eq!(
        titles(&["export"]),
        [
            "'+1 users",
            "'-2 users",
            "'=HYPERLINK(\"http://x\")",
            "'@SUM(A1)",
            "Plain title"
        ]
    );
    assert_eq!(
        titles(&["export", "--no-formula-escape"]),
        [
            "+1 users",
            "-2 users",
            "=HYPERLINK(\"http://x\")",
            "@SUM(A1)",
            "Plain title"
        ]
    );
    let json: Value = serde_json::from_str(&a.ok(&["export", "--format", "json"])).unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|r| r["title"] == "=HYPERLINK(\"http://x\")"),
        "JSON is not for spreadsheets: values stay as stored"
    );
}

#[test]
fn search_ranks_records_and_shows_a_snippet() {
    let a = Archive::feed();
    let out = a.ok(&["search", "--format", "json", "outlook", "web"]);
    let hits: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], "EX529801", "{out}");
    assert!(hits[0]["snippet"].as_str().unwrap().contains("[Outlook]"));
    let scores: Vec<f64> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] <= w[1]),
        "best (lowest bm25) first"
    );

    // An ID finds its record first; filters narrow the hits.
    let by_id = a.ok(&["search", "--format", "ndjson", "dz534548"]);
    assert!(
        by_id
            .lines()
            .next()
            .unwrap()
            .contains("\"id\":\"DZ534548\"")
    );
    let open = a.ok(&["search", "--format", "ndjson", "--open", "delays"]);
    for line in open.lines() {
        let hit: Value = serde_json::from_str(line).unwrap();
        assert!(["EX531442", "TM532087"].contains(&hit["id"].as_str().unwrap()));
    }
    let limited = a.ok(&["search", "--format", "ndjson", "--limit", "2", "users"]);
    assert_eq!(limited.lines().count(), 2);

    let table = a.ok(&["search", "mailboxes"]);
    assert!(table.starts_with("EX529801  postIncidentReviewPublished  Exchange Online  "));
    assert!(table.lines().nth(1).unwrap().starts_with("    "));
    assert!(table.contains("[mailboxes]"));
}

#[test]
fn text_that_is_not_fts_syntax_is_searched_as_plain_words() {
    let a = Archive::feed();
    for text in [
        "\"unbalanced",
        "AND OR",
        "foo*bar(",
        "NEAR(",
        "title:",
        "-",
        "\"",
        "*",
        "'); DROP TABLE records; --",
    ] {
        let out = a.run(&["search", text]);
        assert!(
            out.status.success(),
            "{text:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = a.run(&["search", "\"alerts"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not FTS5 query syntax"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("DZ534539"));
    // Valid syntax still works as syntax.
    let or = a.ok(&[
        "search",
        "--format",
        "ndjson",
        "--limit",
        "50",
        "zoom OR launcher",
    ]);
    assert!(or.contains("DZ534539") && or.contains("MO532355"), "{or}");
    assert_eq!(a.count(&[]), 15, "the archive is intact");
    let empty = a.run(&["search", " "]);
    assert!(!empty.status.success());
    assert!(String::from_utf8_lossy(&empty.stderr).contains("empty"));
}

#[test]
fn japanese_words_are_found_in_machine_translations_and_titles() {
    let a = Archive::everything();
    let hits = |text: &str| -> Vec<String> {
        a.ok(&["search", "--format", "ndjson", text])
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    // Trigram index: post 883's translation of EX529801.
    assert_eq!(hits("メールボックス"), ["EX529801"]);
    // Two characters: a substring scan of the translations.
    assert!(hits("管理").contains(&"DZ534548".to_owned()));
    // A Japanese title (no translation row).
    assert!(hits("サインインできない").contains(&"MO532019".to_owned()));
    let table = a.ok(&["search", "メールボックス"]);
    assert!(table.contains("[メールボックス]"), "{table}");
    assert!(hits("存在しない言葉").is_empty());
}

#[test]
fn stats_count_by_service_status_class_and_month_with_durations() {
    let a = Archive::feed();
    let stats: Value = serde_json::from_str(&a.ok(&["stats", "--format", "json"])).unwrap();
    assert_eq!(stats["records"], 15);
    let count = |dim: &str, key: Value| -> u64 {
        stats[dim]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map_or(0, |c| c["records"].as_u64().unwrap())
    };
    assert_eq!(count("by_service", "Exchange Online".into()), 3);
    assert_eq!(count("by_service", "Microsoft 365 Defender".into()), 3);
    assert_eq!(count("by_service", Value::Null), 3, "Message Center");
    assert_eq!(count("by_status", "serviceRestored".into()), 7);
    assert_eq!(count("by_classification", "incident".into()), 7);
    assert_eq!(count("by_month", "2023-03".into()), 15);
    let exchange = stats["durations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["service"] == "Exchange Online")
        .unwrap();
    // EX529801 lasted 445 minutes, EX528690 425; EX531442 is still open.
    assert_eq!(exchange["records"], 2);
    assert_eq!(exchange["median_minutes"], 435.0);
    assert_eq!(exchange["p90_minutes"], 443.0);

    let table = a.ok(&["stats", "--kind", "health"]);
    assert!(table.starts_with("12 records\n"), "{table}");
    assert!(table.contains("  Exchange Online  "));
    let csv = a.ok(&["stats", "--format", "csv"]);
    assert!(csv.starts_with("dimension,value,records,median_minutes,p90_minutes\n"));
    assert!(
        csv.contains("\nduration,Exchange Online,2,435.0,443.0\n"),
        "{csv}"
    );
}

#[test]
fn list_fits_the_terminal_width_and_colours_only_when_allowed() {
    let a = Archive::everything();
    let full = a.ok(&["list"]);
    assert!(full.starts_with("ID "));
    assert!(full.contains("一部のユーザーが Microsoft 365 アプリにサインインできない"));
    for width in [60, 100] {
        let out = healthfeed()
            .arg("--db")
            .arg(&a.db)
            .arg("list")
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            let cols = unicode_width::UnicodeWidthStr::width(line);
            assert!(cols <= width, "{cols} > {width}: {line}");
        }
    }
    assert!(!full.contains('\u{1b}'), "not a terminal: no colour");
    let forced = healthfeed()
        .arg("--db")
        .arg(&a.db)
        .arg("list")
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains("\u{1b}["));
    let no_color = healthfeed()
        .arg("--db")
        .arg(&a.db)
        .arg("list")
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\u{1b}'));
}

#[test]
fn export_to_a_file_goes_through_a_temp_file_and_matches_stdout() {
    let a = Archive::feed();
    let out_dir = a.dir.path().join("reports");
    std::fs::create_dir(&out_dir).unwrap();
    let path = out_dir.join("march.csv");
    std::fs::write(&path, "old report").unwrap();
    let target = path.to_str().unwrap();
    let run = a.run(&["export", "--output", target]);
    assert!(run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("wrote 15 rows"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), a.ok(&["export"]));
    let names: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["march.csv"], "no temp file left behind");

    let missing = a.dir.path().join("no-such-dir").join("x.csv");
    let failed = a.run(&["export", "--output", missing.to_str().unwrap()]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("cannot write the export to"));
}

/// Enough generated records that an export overflows any pipe buffer.
fn big_archive() -> Archive {
    let a = Archive::empty();
    let specs: Vec<Spec> = (0..600u64)
        .map(|i| {
            let id: &'static str = Box::leak(format!("EX{}", 800_000 + i).into_boxed_str());
            Spec::new(
                10_000 + i,
                id,
                "serviceDegradation",
                1 + (i % 28) as u32,
                (i % 24) as u32,
            )
        })
        .collect();
    a.import_text("big.json", &page(&specs));
    a
}

#[test]
fn export_into_a_closed_pipe_ends_quietly_with_exit_0() {
    let a = big_archive();
    // Close the reading end at once: healthfeed's first write meets a closed pipe.
    let mut child = Process::new(env!("CARGO_BIN_EXE_healthfeed"))
        .arg("--db")
        .arg(&a.db)
        .args(["export", "--updates", "--format", "ndjson"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");

    // And as a shell user writes it, with the pipeline's status checked.
    let script = format!(
        "set -o pipefail; {:?} --db {:?} export | head -1",
        env!("CARGO_BIN_EXE_healthfeed"),
        a.db
    );
    let out = Process::new("bash").args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for cmd in ["list", "search users"] {
        let script = format!(
            "set -o pipefail; {:?} --db {:?} {cmd} --limit 600 | head -1",
            env!("CARGO_BIN_EXE_healthfeed"),
            a.db
        );
        let out = Process::new("bash").args(["-c", &script]).output().unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn readers_do_not_wait_for_a_writer() {
    let a = Archive::feed();
    let writer = Connection::open(&a.db).unwrap();
    writer
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM runs;")
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(a.count(&[]), 15);
    a.ok(&["query", "DZ534539"]);
    a.ok(&["search", "alerts"]);
    assert!(started.elapsed().as_secs() < 5, "readers were blocked");
    writer.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn the_fixture_single_posts_answer_too() {
    let a = Archive::empty();
    a.import(&[fixture("seed-dz534539-servicerestored.json")]);
    let text = a.ok(&["query", "DZ534539"]);
    assert!(text.contains("Timeline (1 update, oldest first)"));
    assert!(text.contains("post 907 https://m365jp.net/"));
    assert!(text.contains("DZ534548  (not in the archive)"));
    assert_eq!(a.count(&[]), 1);
    assert!(!Path::new(&a.dir.path().join("x")).exists());
}

#[test]
fn an_archive_from_before_the_read_columns_answers_the_same_after_upgrading() {
    let a = Archive::everything();
    // Durations of ongoing records run to now, so they may tick between the two exports.
    let export = || -> Vec<Value> {
        a.ok(&["export", "--format", "ndjson"])
            .lines()
            .map(|l| {
                let mut row: Value = serde_json::from_str(l).unwrap();
                row["duration_minutes"] = Value::Null;
                row
            })
            .collect()
    };
    let before = export();
    // Take the archive back to schema 1: no related_ids/link on records, the old index.
    let conn = Connection::open(&a.db).unwrap();
    conn.execute_batch(
        "DROP INDEX records_recent; DROP INDEX updates_recent;
         ALTER TABLE records DROP COLUMN related_ids; ALTER TABLE records DROP COLUMN link;
         CREATE INDEX records_last_updated ON records(last_updated);
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    // A reader upgrades it (a write) before answering.
    assert_eq!(export(), before);
    let conn = Connection::open(&a.db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}
