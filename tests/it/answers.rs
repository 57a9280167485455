//! Answering questions: `query`, `list`, `search`, `stats` and `export` on an
//! archive built by `healthfeed import` from the bundled feed (whose ground
//! truth is written down in fixtures/README.md), the single-post fixtures, and
//! generated posts.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Archive, fixture, fixtures};

mod export;

/// The bundled feed only: 15 records, 38 updates (fixtures/README.md).
fn feed() -> Archive {
    let a = Archive::new();
    a.import(fixtures().join("feed").join("m365jp-sample.json"));
    a
}

/// The bundled feed and every single-post fixture.
fn everything() -> Archive {
    let a = Archive::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files.push(fixtures().join("feed").join("m365jp-sample.json"));
    a.cmd(["import"]).args(&files).ok();
    a
}

/// What `list` answers, as the tests ask it.
trait Listed {
    /// The IDs `list --format ndjson` prints for these filters, in order.
    fn ids(&self, filters: &[&str]) -> Vec<String>;
    fn count(&self, filters: &[&str]) -> usize;
}

impl Listed for Archive {
    fn ids(&self, filters: &[&str]) -> Vec<String> {
        self.cmd(["list", "--format", "ndjson"])
            .args(filters)
            .ndjson()
            .iter()
            .map(|row| row["id"].as_str().unwrap().to_owned())
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
    let a = feed();
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
    let a = feed();
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
    let csv = a.cmd(["export", "--service", "exchange", "--closed"]).ok();
    assert_eq!(csv.lines().count(), 1 + 2);
    let stats = a
        .cmd(["stats", "--format", "json", "--service", "exchange"])
        .json();
    assert_eq!(stats["records"], 3);
}

#[test]
fn bad_filter_values_are_usage_errors() {
    let a = feed();
    for args in [
        &["list", "--since", "yesterday"][..],
        &["list", "--open", "--closed"],
        &["list", "--kind", "incident"],
        &["query", "not-an-id"],
    ] {
        a.cmd(args).fails(2);
    }
    let out = a.cmd(["list", "--since", "yesterday"]).output();
    assert!(out.stderr.contains("7d"));
}

#[test]
fn query_shows_the_timeline_in_order_and_what_changed() {
    let a = feed();
    let text = a.cmd(["query", "ex529801"]).ok();
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

    let translated = a.cmd(["query", "EX529801", "--translation"]).ok();
    assert!(
        translated.contains(
            "Machine translation\n  (of the 2023-03-27 16:05 UTC update; later posts had none)\n"
        ),
        "the latest post (926) has none; 883 has one: {translated}"
    );
    assert!(translated.contains("メールボックス"));
    let with = a.cmd(["query", "DZ534548", "--translation"]).ok();
    assert!(
        with.contains("Machine translation\n  タイトル: 管理者がアラート"),
        "{with}"
    );
    assert!(with.contains("Related\n  DZ534539  serviceRestored  Admins received false alerts"));
}

#[test]
fn query_json_has_the_same_content_one_object_per_id() {
    let a = feed();
    // Issue 12: --json is one document (an array of the answers); NDJSON is asked for by name.
    let doc = a.cmd(["query", "--json", "TM530955", "MC529350"]).json();
    let lines = a
        .cmd(["query", "--format", "ndjson", "TM530955", "MC529350"])
        .ndjson();
    assert_eq!(doc.as_array().unwrap(), &lines);
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
    let a = feed();
    let out = a
        .cmd(["query", "DZ534539", "EX999999", "MC529350"])
        .fails(1);
    let stderr = &out.stderr;
    assert!(
        stderr.contains("EX999999 is not in the archive"),
        "{stderr}"
    );
    assert!(stderr.contains("it holds 15 records"), "{stderr}");
    let stdout = &out.stdout;
    assert!(stdout.starts_with("DZ534539  "));
    assert!(stdout.contains("\nMC529350  "));
    assert!(!stdout.contains("EX999999"));

    let json = a.cmd(["query", "--format", "ndjson", "EX999999"]).fails(1);
    assert!(json.stdout.is_empty());
    // As one document, nothing found is an empty array: still valid JSON for a script.
    let doc = a.cmd(["query", "--json", "EX999999"]).fails(1);
    assert_eq!(doc.stdout.trim(), "[]");
}

#[test]
fn a_missing_archive_is_reported_not_created() {
    let a = Archive::new();
    let out = a.cmd(["list"]).fails(5);
    assert!(out.stderr.contains("no archive at"));
    assert!(!a.db().exists());
}

#[test]
fn search_ranks_records_and_shows_a_snippet() {
    let a = feed();
    let out = a.cmd(["search", "--format", "json", "outlook", "web"]).ok();
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
    let by_id = a.cmd(["search", "--format", "ndjson", "dz534548"]).ok();
    assert!(
        by_id
            .lines()
            .next()
            .unwrap()
            .contains("\"id\":\"DZ534548\"")
    );
    let open = a
        .cmd(["search", "--format", "ndjson", "--open", "delays"])
        .ndjson();
    for hit in open {
        assert!(["EX531442", "TM532087"].contains(&hit["id"].as_str().unwrap()));
    }
    let limited = a
        .cmd(["search", "--format", "ndjson", "--limit", "2", "users"])
        .ok();
    assert_eq!(limited.lines().count(), 2);

    let table = a.cmd(["search", "mailboxes"]).ok();
    assert!(table.starts_with("EX529801  postIncidentReviewPublished  Exchange Online  "));
    assert!(table.lines().nth(1).unwrap().starts_with("    "));
    assert!(table.contains("[mailboxes]"));
}

#[test]
fn text_that_is_not_fts_syntax_is_searched_as_plain_words() {
    let a = feed();
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
        a.cmd(["search", text]).ok();
    }
    let out = a.cmd(["search", "\"alerts"]).output();
    let stderr = &out.stderr;
    assert!(stderr.contains("not FTS5 query syntax"), "{stderr}");
    assert!(out.stdout.contains("DZ534539"));
    // Valid syntax still works as syntax.
    let or = a
        .cmd([
            "search",
            "--format",
            "ndjson",
            "--limit",
            "50",
            "zoom OR launcher",
        ])
        .ok();
    assert!(or.contains("DZ534539") && or.contains("MO532355"), "{or}");
    assert_eq!(a.count(&[]), 15, "the archive is intact");
    let empty = a.cmd(["search", " "]).output();
    assert!(!empty.success());
    assert!(empty.stderr.contains("empty"));
}

#[test]
fn japanese_words_are_found_in_machine_translations_and_titles() {
    let a = everything();
    let hits = |text: &str| -> Vec<String> {
        a.cmd(["search", "--format", "ndjson", text])
            .ndjson()
            .iter()
            .map(|hit| hit["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Trigram index: post 883's translation of EX529801.
    assert_eq!(hits("メールボックス"), ["EX529801"]);
    // Two characters: a substring scan of the translations.
    assert!(hits("管理").contains(&"DZ534548".to_owned()));
    // A Japanese title (no translation row).
    assert!(hits("サインインできない").contains(&"MO532019".to_owned()));
    let table = a.cmd(["search", "メールボックス"]).ok();
    assert!(table.contains("[メールボックス]"), "{table}");
    assert!(hits("存在しない言葉").is_empty());
}

#[test]
fn stats_count_by_service_status_class_and_month_with_durations() {
    let a = feed();
    let stats = a.cmd(["stats", "--format", "json"]).json();
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

    let table = a.cmd(["stats", "--kind", "health"]).ok();
    assert!(table.starts_with("12 records\n"), "{table}");
    assert!(table.contains("  Exchange Online  "));
    let csv = a.cmd(["stats", "--format", "csv"]).ok();
    assert!(csv.starts_with("dimension,value,records,median_minutes,p90_minutes\n"));
    assert!(
        csv.contains("\nduration,Exchange Online,2,435.0,443.0\n"),
        "{csv}"
    );
}

#[test]
fn list_fits_the_terminal_width_and_colours_only_when_allowed() {
    let a = everything();
    let full = a.cmd(["list"]).ok();
    assert!(full.starts_with("ID "));
    assert!(full.contains("一部のユーザーが Microsoft 365 アプリにサインインできない"));
    for width in [60, 100] {
        let text = a
            .cmd(["list"])
            .env("COLUMNS", width.to_string())
            .output()
            .stdout;
        for line in text.lines() {
            let cols = unicode_width::UnicodeWidthStr::width(line);
            assert!(cols <= width, "{cols} > {width}: {line}");
        }
    }
    assert!(!full.contains('\u{1b}'), "not a terminal: no colour");
    let forced = a
        .cmd(["list"])
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output();
    assert!(forced.stdout.contains("\u{1b}["));
    let no_color = a
        .cmd(["list"])
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output();
    assert!(!no_color.stdout.contains('\u{1b}'));
}

#[test]
fn readers_do_not_wait_for_a_writer() {
    let a = feed();
    let writer = a.conn();
    writer
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM runs;")
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(a.count(&[]), 15);
    a.cmd(["query", "DZ534539"]).ok();
    a.cmd(["search", "alerts"]).ok();
    assert!(started.elapsed().as_secs() < 5, "readers were blocked");
    writer.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn the_fixture_single_posts_answer_too() {
    let a = Archive::new();
    a.import(fixture("seed-dz534539-servicerestored.json"));
    let text = a.cmd(["query", "DZ534539"]).ok();
    assert!(text.contains("Timeline (1 update, oldest first)"));
    assert!(text.contains("post 907 https://m365jp.net/"));
    assert!(text.contains("DZ534548  (not in the archive)"));
    assert_eq!(a.count(&[]), 1);
    assert!(!Path::new(&a.dir().join("x")).exists());
}

#[test]
fn an_archive_from_before_the_read_columns_answers_the_same_after_a_writer_upgrades_it() {
    let a = everything();
    // Durations are facts of closed records (issue 13), so they are compared too.
    let export = || -> Vec<Value> {
        a.cmd(["export", "--format", "ndjson"])
            .ndjson()
            .into_iter()
            .map(|mut row| {
                // Schema 3's column: an archive of schema 1 never held it.
                row["action_required_by"] = Value::Null;
                row
            })
            .collect()
    };
    let before = export();
    // Take the archive back to schema 1: no related_ids/link on records, the old
    // index, and none of schema 3's columns.
    let conn = a.conn();
    conn.execute_batch(
        "ALTER TABLE updates DROP COLUMN action_required_by;
         ALTER TABLE records DROP COLUMN action_required_by;
         ALTER TABLE updates DROP COLUMN extra_rows;
         DROP INDEX records_recent; DROP INDEX updates_recent;
         ALTER TABLE records DROP COLUMN related_ids; ALTER TABLE records DROP COLUMN link;
         CREATE INDEX records_last_updated ON records(last_updated);
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    // Readers never write (issue 12's honest commands): they say which command
    // upgrades the archive and leave it as it was; a writing command upgrades it.
    let untouched = std::fs::read(a.db()).unwrap();
    let err = a.cmd(["export", "--format", "ndjson"]).fails(5).stderr;
    assert!(
        err.contains("older healthfeed") && err.contains("reparse"),
        "{err}"
    );
    assert_eq!(std::fs::read(a.db()).unwrap(), untouched, "a reader wrote");
    a.cmd(["reparse"]).ok();
    assert_eq!(export(), before);
    let conn = a.conn();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6); // the current schema: 6 since the stemmed index (was 5)
}
