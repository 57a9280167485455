//! An upgrade heals the archive: posts an older parser rejected are judged
//! again by the next `import` (or `sync`), and become records when they now parse.

use chrono::Utc;
use healthfeed::model::Post;
use healthfeed::parse::PARSER_VERSION;
use healthfeed::store::{Batch, Incoming, Outcome, Store};

use crate::support::{Archive, fixture};

/// The one number `sql` counts in the archive.
fn count(a: &Archive, sql: &str) -> i64 {
    a.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Files each fixture in the archive as a failed post, judged by parser version 2.
fn rejected_by_version_2(a: &Archive, names: &[&str]) {
    let texts: Vec<String> = names
        .iter()
        .map(|name| std::fs::read_to_string(fixture(name)).unwrap())
        .collect();
    let posts = texts
        .iter()
        .map(|json| Incoming {
            json,
            meta: Some(Post::from_json(json).unwrap().meta),
            outcome: Outcome::Rejected {
                not_record: false,
                reason: "bad timestamp (expected MM/DD/YYYY HH:MM:SS)".into(),
            },
        })
        .collect();
    let mut store = Store::open(a.db()).unwrap();
    store
        .ingest(&Batch {
            site: "https://m365jp.net",
            posts,
            parser_version: 2,
            fetched_at: Utc::now(),
            cursor: None,
        })
        .unwrap();
}

#[test]
fn a_twelve_hour_post_rejected_by_an_older_parser_becomes_a_record_at_the_next_import() {
    let a = Archive::new();
    rejected_by_version_2(&a, &["message-center-12-hour-times-january-2023.json"]);
    assert_eq!(count(&a, "SELECT count(*) FROM records"), 0);
    assert_eq!(
        count(&a, "SELECT count(*) FROM rejects WHERE post_id = 214"),
        1
    );

    // Any import, of any other post, judges the old reject again first.
    a.import(fixture("seed-dz534539-servicerestored.json"));
    assert_eq!(count(&a, "SELECT count(*) FROM rejects"), 0);
    let rejects = a.cmd(["rejects", "--format", "json"]).json();
    assert_eq!(rejects, serde_json::json!([]));

    let answer = a.cmd(["query", "--format", "ndjson", "MC503292"]).json();
    assert_eq!(answer["kind"], "message");
    assert_eq!(answer["last_updated"], "2023-01-27T02:12:32Z");
    assert_eq!(answer["start_time"], "2023-01-26T22:47:05Z");
    assert_eq!(answer["end_time"], "2023-04-28T12:00:00Z");
    assert_eq!(answer["closed"], true, "its End Time has long passed");
    let timeline = answer["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0]["last_updated"], "2023-01-27T02:12:32Z");
    assert_eq!(timeline[0]["changes"], serde_json::json!([]));
    let posts = timeline[0]["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["id"], 214);
    assert!(
        posts[0]["link"]
            .as_str()
            .unwrap()
            .contains("mc503292-microsoft-teams-meeting-organizers"),
        "{posts:?}"
    );
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT count(*) FROM updates WHERE record_id = 'MC503292' AND parser_version = {PARSER_VERSION}"
            )
        ),
        1
    );
    let status = a.cmd(["status", "--json"]).json();
    assert_eq!(status["failed"], 0, "{status}");
}

#[test]
fn an_old_reject_that_still_fails_is_refiled_once_by_the_current_parser() {
    let a = Archive::new();
    rejected_by_version_2(
        &a,
        &[
            "health-unparseable-date-13-45-2023.json",
            "message-center-12-hour-times-january-2023.json",
        ],
    );
    a.import(fixture("seed-dz534539-servicerestored.json"));
    // Still a failure, now in the current parser's words and version.
    assert_eq!(
        count(
            &a,
            &format!(
            "SELECT count(*) FROM rejects WHERE post_id = 868 AND parser_version = {PARSER_VERSION}
               AND reason LIKE '%13/45/2023%'"
        )
        ),
        1
    );
    assert_eq!(count(&a, "SELECT count(*) FROM rejects"), 1);
    assert_eq!(count(&a, "SELECT count(*) FROM records"), 2);
    // Nothing left to heal: a second import changes nothing.
    let summary = a.import(fixture("seed-dz534539-servicerestored.json"));
    assert_eq!(summary["new_records"], 0, "{summary}");
    assert_eq!(count(&a, "SELECT count(*) FROM rejects"), 1);
}

#[test]
fn the_run_that_heals_old_rejects_counts_them_in_its_summary() {
    let a = Archive::new();
    rejected_by_version_2(
        &a,
        &[
            "health-unparseable-date-13-45-2023.json",
            "message-center-12-hour-times-january-2023.json",
        ],
    );
    // One of the two now parses: the summary says so, beside the file's own counts.
    let out = a
        .cmd(["import"])
        .arg(fixture("seed-dz534539-servicerestored.json"))
        .ok();
    assert_eq!(
        out.trim_end(),
        "1 post read: 1 new record, 0 updated records, 0 unchanged, 0 not records, 0 failed; 1 post healed from rejects"
    );
    let runs = a.cmd(["status", "--json"]).json();
    assert_eq!(runs["last_run"]["summary"]["healed"], 1, "{runs}");
    // Nothing left to heal: the next run's summary has no such count.
    let summary = a.import(fixture("seed-dz534539-servicerestored.json"));
    assert!(summary.get("healed").is_none(), "{summary}");
}
