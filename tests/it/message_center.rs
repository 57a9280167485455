//! Message Center records as the site writes them: over only once their End
//! Time has passed, with an Action Required By Date, and table rows the parser
//! does not know kept and shown.

use chrono::{DateTime, Utc};
use healthfeed::commands::{self, Rows};
use healthfeed::model::{Filter, Kind, Post, RecordId};
use healthfeed::parse;
use healthfeed::store::{Batch, Incoming, Outcome, Store};
use serde_json::Value;

use crate::support::{Archive, cmd, fixture};

/// The real post with an Action Required By Date (MC938271, End Time 03/31/2025 07:00:00).
const ACTION: &str = "message-center-action-required-by-date.json";

/// That post as another record, `record`, carried by `post_id` and ending at `end`.
pub(crate) fn announcement(post_id: u64, record: &str, end: &str) -> Value {
    let text = std::fs::read_to_string(fixture(ACTION)).unwrap();
    let mut post: Value = serde_json::from_str(&text.replace("MC938271", record)).unwrap();
    let content = post["content"]["rendered"].as_str().unwrap().to_owned();
    assert!(content.contains("03/31/2025 07:00:00"));
    post["content"]["rendered"] = Value::from(content.replace("03/31/2025 07:00:00", end));
    post["id"] = Value::from(post_id);
    post
}

/// An archive with one announcement ending in 2099 and one that ended in 2001.
fn future_and_past() -> Archive {
    let a = Archive::new();
    let page = Value::Array(vec![
        announcement(1, "MC900001", "12/31/2099 08:00:00"),
        announcement(2, "MC900002", "01/31/2001 08:00:00"),
    ]);
    a.import(a.write("page.json", page.to_string()));
    a
}

fn ids(a: &Archive, args: &[&str]) -> Vec<String> {
    let mut line = vec!["list", "--format", "ndjson"];
    line.extend(args);
    a.cmd(line)
        .ndjson()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_announcement_is_open_until_its_end_time_has_passed() {
    let a = future_and_past();
    assert_eq!(ids(&a, &["--open"]), ["MC900001"]);
    assert_eq!(ids(&a, &["--closed"]), ["MC900002"]);

    // query, list, export, stats and status all say the same.
    let future = a.cmd(["query", "--format", "ndjson", "MC900001"]).json();
    assert_eq!(future["closed"], false);
    let text = a.cmd(["query", "MC900001"]).ok();
    assert!(text.contains("status        active"), "{text}");
    let text = a.cmd(["query", "MC900002"]).ok();
    assert!(text.contains("status        ended"), "{text}");
    let table = a.cmd(["list"]).ok();
    let state = |id: &str| {
        let line = table.lines().find(|l| l.starts_with(id)).unwrap();
        line.split_whitespace().nth(1).unwrap().to_owned()
    };
    assert_eq!(
        (state("MC900001"), state("MC900002")),
        ("active".into(), "ended".into())
    );
    let exported: Vec<(String, bool)> = a
        .cmd(["export", "--format", "ndjson"])
        .ndjson()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["closed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        exported,
        [
            ("MC900001".to_owned(), false),
            ("MC900002".to_owned(), true)
        ]
    );
    let open = a.cmd(["stats", "--open", "--format", "json"]).json();
    assert_eq!(open["records"], 1);
    let status = a.cmd(["status", "--json"]).json();
    assert_eq!(status["open_records"], 1, "{status}");
}

#[test]
fn the_clock_a_question_is_asked_at_decides_not_when_the_post_was_stored() {
    let a = Archive::new();
    a.import(fixture(ACTION));
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let open_at = |now: DateTime<Utc>| {
        let filter = Filter {
            closed: Some(false),
            kind: Some(Kind::Message),
            now: Some(now),
            ..Filter::default()
        };
        let mut found = Vec::new();
        commands::list::run(
            a.db(),
            &filter,
            now,
            Rows::Each(&mut |r| {
                found.push((r.id.to_string(), r.closed));
                Ok(())
            }),
        )
        .unwrap();
        found
    };
    // Stored long after its End Time (today), yet open when asked before it.
    assert_eq!(
        open_at(at("2025-03-31T06:59:59Z")),
        [("MC938271".to_owned(), false)]
    );
    assert!(open_at(at("2025-03-31T07:00:00Z")).is_empty());
    let id = RecordId::parse("MC938271").unwrap();
    let closed_at = |now| match commands::query::run(a.db(), std::slice::from_ref(&id), false, now)
        .unwrap()
        .remove(0)
    {
        commands::query::Found::Record(answer) => answer.detail.record.closed,
        commands::query::Found::Missing { .. } => panic!("MC938271 is missing"),
    };
    assert!(!closed_at(at("2024-12-01T00:00:00Z")));
    assert!(closed_at(at("2025-04-01T00:00:00Z")));
}

#[test]
fn action_required_by_goes_from_the_post_to_query_and_export() {
    let parsed = cmd(["parse"]).arg(fixture(ACTION)).json();
    assert_eq!(parsed[0]["action_required_by"], "2025-01-31T08:00:00Z");
    let a = Archive::new();
    a.import(fixture(ACTION));
    let answer = a.cmd(["query", "--format", "ndjson", "MC938271"]).json();
    assert_eq!(answer["action_required_by"], "2025-01-31T08:00:00Z");
    assert_eq!(
        answer["timeline"][0]["action_required_by"],
        "2025-01-31T08:00:00Z"
    );
    let text = a.cmd(["query", "MC938271"]).ok();
    assert!(
        text.contains("action by     2025-01-31 08:00 UTC"),
        "{text}"
    );

    let rows = a.cmd(["export", "--format", "json"]).json();
    assert_eq!(rows[0]["action_required_by"], "2025-01-31T08:00:00Z");
    let updates = a
        .cmd(["export", "--updates", "--format", "ndjson"])
        .ndjson();
    assert_eq!(updates[0]["action_required_by"], "2025-01-31T08:00:00Z");
    for args in [vec!["export"], vec!["export", "--updates"]] {
        let csv_text = a.cmd(args).ok();
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let header = reader.headers().unwrap().clone();
        assert_eq!(header.iter().next_back(), Some("action_required_by"));
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(row.iter().next_back(), Some("2025-01-31T08:00:00Z"));
    }
    // A post without the row has none.
    let b = Archive::new();
    b.import(fixture("message-center-planforchange.json"));
    let answer = b.cmd(["query", "--format", "ndjson", "MC883199"]).json();
    assert_eq!(answer["action_required_by"], Value::Null);
}

#[test]
fn rows_the_parser_does_not_know_are_kept_and_shown_by_query() {
    let name = "health-unknown-extra-rows.json";
    let parsed = cmd(["parse"]).arg(fixture(name)).json();
    let kept = serde_json::json!([
        {"name": "Feature Group", "text": "Teams Components"},
        {"name": "Feature", "text": "Teams and Channels"},
        {"name": "Is Resolved", "text": "True"},
    ]);
    assert_eq!(parsed[0]["extra_rows"], kept);
    let a = Archive::new();
    a.import(fixture(name));
    let answer = a.cmd(["query", "--format", "ndjson", "TM527640"]).json();
    assert_eq!(answer["extra_rows"], kept);
    let text = a.cmd(["query", "TM527640"]).ok();
    let block = text
        .split("Other rows\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    let lines: Vec<&str> = block.lines().take(3).collect();
    assert_eq!(
        lines,
        [
            "  Feature Group: Teams Components",
            "  Feature: Teams and Channels",
            "  Is Resolved: True"
        ]
    );
    // Records without such rows show no block.
    let b = Archive::new();
    b.import(fixture("seed-dz534539-servicerestored.json"));
    assert!(!b.cmd(["query", "DZ534539"]).ok().contains("Other rows"));
}

#[test]
fn an_archive_of_schema_2_upgrades_and_reparse_fills_the_new_columns() {
    let a = Archive::new();
    a.import(fixture(ACTION));
    a.import(fixture("health-unknown-extra-rows.json"));
    // Back to schema 2: no column of migration 3.
    a.conn()
        .execute_batch(
            "ALTER TABLE updates DROP COLUMN action_required_by;
             ALTER TABLE records DROP COLUMN action_required_by;
             ALTER TABLE updates DROP COLUMN extra_rows;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    // Readers leave an old archive alone; any writing command upgrades it.
    a.cmd(["query", "--format", "ndjson", "MC938271"]).fails(5);
    a.import(fixture("site-notice-no-table.json"));
    // Rows stored before the upgrade have neither yet.
    let answer = a.cmd(["query", "--format", "ndjson", "MC938271"]).json();
    assert_eq!(answer["action_required_by"], Value::Null);
    let version: i64 = a
        .conn()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6); // the current schema: 6 since the stemmed index (was 5)
    a.cmd(["reparse"]).ok();
    let answer = a.cmd(["query", "--format", "ndjson", "MC938271"]).json();
    assert_eq!(answer["action_required_by"], "2025-01-31T08:00:00Z");
    let answer = a.cmd(["query", "--format", "ndjson", "TM527640"]).json();
    assert_eq!(answer["extra_rows"].as_array().unwrap().len(), 3);
}

#[test]
fn a_batch_reports_a_new_announcement_as_active_or_ended_by_its_end_time() {
    let a = Archive::new();
    let posts = [
        announcement(1, "MC900001", "12/31/2099 08:00:00").to_string(),
        announcement(2, "MC900002", "01/31/2001 08:00:00").to_string(),
    ];
    let incoming = posts
        .iter()
        .map(|json| Incoming {
            json,
            meta: Some(Post::from_json(json).unwrap().meta),
            outcome: Outcome::Update(Box::new(parse::parse_json(json).unwrap())),
        })
        .collect();
    let mut store = Store::open(a.db()).unwrap();
    let out = store
        .ingest(&Batch {
            site: "https://m365jp.net",
            posts: incoming,
            parser_version: parse::PARSER_VERSION,
            fetched_at: Utc::now(),
            cursor: None,
        })
        .unwrap();
    // What `sync --changes` shows as `new → active` and `new → ended`.
    let states: Vec<(String, Option<String>, bool)> = out
        .changes
        .iter()
        .map(|c| (c.id.to_string(), c.to.clone(), c.closed))
        .collect();
    assert_eq!(
        states,
        [
            ("MC900001".to_owned(), None, false),
            ("MC900002".to_owned(), None, true)
        ]
    );
}
