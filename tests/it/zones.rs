//! Time zones, report windows and the injected clock: `--tz`, `--local`,
//! `HEALTHFEED_TZ`, `--started-since/--started-until/--month`, and
//! `HEALTHFEED_NOW`, on the bundled feed (truth in fixtures/README.md) and on
//! generated posts that start at month boundaries.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::support::posts::{Spec, post};
use crate::support::{Archive, fixture};

/// The bundled feed: 15 records, every one started in March 2023 (UTC).
pub(crate) fn feed() -> Archive {
    Archive::sample()
}

/// A generated record starting at `start` (UTC, `MM/DD/YYYY HH:MM:SS`),
/// last updated `updated` (the same form), carried by post `post_id`.
pub(crate) fn starting(post_id: u64, record: &'static str, start: &str, updated: &str) -> String {
    let mut spec = Spec::new(post_id, record, "serviceRestored", 1, 0);
    spec.last_updated = updated.to_owned();
    // MM/DD/YYYY HH:MM:SS as modified_gmt's YYYY-MM-DDTHH:MM:SS, five minutes on.
    let (date, time) = updated.split_once(' ').unwrap();
    let [m, d, y] = [&date[0..2], &date[3..5], &date[6..10]];
    spec.modified_gmt = format!("{y}-{m}-{d}T{}:05:00", &time[0..2]);
    let text = post(&spec);
    let seed_start = "<td>03/29/2023 07:00:00</td>";
    assert_eq!(text.matches(seed_start).count(), 1, "the seed's Start Time");
    text.replace(seed_start, &format!("<td>{start}</td>"))
}

pub(crate) fn ids(a: &Archive, args: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = a
        .cmd(["list", "--format", "ndjson"])
        .args(args)
        .ndjson()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

pub(crate) fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[test]
fn tokyo_times_are_shown_and_read_in_tokyo_and_the_table_says_so() {
    let a = feed();
    let table = a.cmd(["list", "--tz", "Asia/Tokyo"]).ok();
    let header = table.lines().next().unwrap();
    assert!(header.contains("START (Asia/Tokyo)"), "{table}");
    assert!(header.contains("LAST UPDATED (Asia/Tokyo)"), "{table}");
    // EX528690: started 2023-03-26T21:10Z, last updated 2023-03-31T07:30Z.
    let row = table.lines().find(|l| l.starts_with("EX528690")).unwrap();
    assert!(row.contains("2023-03-27 06:10"), "{row}");
    assert!(row.contains("2023-03-31 16:30"), "{row}");

    // Without a zone the table says UTC, and the times are UTC.
    let plain = a.cmd(["list"]).ok();
    assert!(plain.lines().next().unwrap().contains("LAST UPDATED (UTC)"));
    let row = plain.lines().find(|l| l.starts_with("EX528690")).unwrap();
    assert!(row.contains("2023-03-31 07:30"), "{row}");

    // A date is midnight in Tokyo: 2023-03-29T15:00Z.
    let tokyo = ids(&a, &["--since", "2023-03-30", "--tz", "Asia/Tokyo"]);
    assert_eq!(tokyo, ids(&a, &["--since", "2023-03-29T15:00:00Z"]));
    assert_eq!(tokyo.len(), 12, "three records were last updated before");
    assert_eq!(ids(&a, &["--since", "2023-03-30"]).len(), 9, "UTC midnight");
    // So is a wall time without an offset; one with an offset means what it says.
    assert_eq!(
        ids(&a, &["--until", "2023-03-30 09:00", "--tz", "Asia/Tokyo"]),
        ids(&a, &["--until", "2023-03-30T00:00:00Z"])
    );
    assert_eq!(
        ids(
            &a,
            &["--since", "2023-03-30T00:00:00Z", "--tz", "Asia/Tokyo"]
        ),
        ids(&a, &["--since", "2023-03-30T00:00:00Z"])
    );
    // HEALTHFEED_TZ is the same choice, any case; --tz wins over it.
    let by_env = a
        .cmd(["list", "--format", "ndjson", "--since", "2023-03-30"])
        .env("HEALTHFEED_TZ", "asia/tokyo")
        .ndjson();
    assert_eq!(by_env.len(), 12);
    let overridden = a
        .cmd([
            "list",
            "--format",
            "ndjson",
            "--since",
            "2023-03-30",
            "--tz",
            "UTC",
        ])
        .env("HEALTHFEED_TZ", "Asia/Tokyo")
        .ndjson();
    assert_eq!(overridden.len(), 9);

    // query's detail view names the zone beside every time.
    let detail = a.cmd(["query", "EX528690", "--tz", "Asia/Tokyo"]).ok();
    assert!(
        detail.contains("  start         2023-03-27 06:10 Asia/Tokyo\n"),
        "{detail}"
    );
    assert!(
        detail.contains("  last updated  2023-03-31 16:30 Asia/Tokyo\n"),
        "{detail}"
    );
    assert!(
        detail.contains("oldest first) · times in Asia/Tokyo"),
        "{detail}"
    );
    let utc_detail = a.cmd(["query", "EX528690"]).ok();
    assert!(utc_detail.contains("  last updated  2023-03-31 07:30 UTC\n"));

    // search lines carry the zone's abbreviation, status names it.
    let hits = a.cmd(["search", "mailboxes", "--tz", "Asia/Tokyo"]).ok();
    assert!(hits.contains("2023-03-30 19:02 JST"), "{hits}");
    let status = a.cmd(["status", "--tz", "Asia/Tokyo"]).ok();
    assert!(
        status.contains("newest     2023-03-31 16:30:00 Asia/Tokyo"),
        "{status}"
    );
}

#[test]
fn berlin_across_its_daylight_saving_change_shows_and_reads_each_offset() {
    // Berlin moved to summer time at 2023-03-26T01:00Z (02:00 CET → 03:00 CEST).
    // SP522210 started 2023-03-25T01:00Z (winter) and was last updated
    // 2023-03-26T04:41:09Z (summer).
    let a = Archive::new();
    a.import(fixture("health-rows-in-another-order.json"));
    a.import(fixture("feed/m365jp-sample.json"));
    let detail = a.cmd(["query", "SP522210", "--tz", "Europe/Berlin"]).ok();
    assert!(
        detail.contains("  start         2023-03-25 02:00 Europe/Berlin\n"),
        "{detail}"
    );
    assert!(
        detail.contains("  last updated  2023-03-26 06:41 Europe/Berlin\n"),
        "{detail}"
    );
    let row = &a
        .cmd(["export", "--format", "ndjson", "--tz", "Europe/Berlin"])
        .ndjson()
        .into_iter()
        .find(|r| r["id"] == "SP522210")
        .unwrap();
    assert_eq!(row["start_time"], "2023-03-25T02:00:00+01:00");
    assert_eq!(row["last_updated"], "2023-03-26T06:41:09+02:00");
    assert_eq!(row["end_time"], "2023-03-26T06:00:00+02:00");

    // Midnight on the day of the change is still winter time: 23:00Z the day before.
    assert_eq!(
        ids(
            &a,
            &["--started-since", "2023-03-26", "--tz", "Europe/Berlin"]
        ),
        ids(&a, &["--started-since", "2023-03-25T23:00:00Z"])
    );
    // A day later it is summer time: 22:00Z.
    assert_eq!(
        ids(&a, &["--since", "2023-03-27", "--tz", "Europe/Berlin"]),
        ids(&a, &["--since", "2023-03-26T22:00:00Z"])
    );
    // 02:30 does not exist that night; it is read as the first instant after
    // the gap, 03:00 CEST = 01:00Z.
    assert_eq!(
        ids(
            &a,
            &["--since", "2023-03-26 02:30", "--tz", "Europe/Berlin"]
        ),
        ids(&a, &["--since", "2023-03-26T01:00:00Z"])
    );
    // The window of SP522210's start, in Berlin wall time on each side.
    assert_eq!(
        ids(
            &a,
            &[
                "--started-since",
                "2023-03-25 01:59",
                "--started-until",
                "2023-03-25 02:01",
                "--tz",
                "Europe/Berlin"
            ]
        ),
        ["SP522210"]
    );
    // Its Last Updated, just after the change: 06:41 CEST, not CET.
    assert_eq!(
        ids(
            &a,
            &[
                "--since",
                "2023-03-26 06:41",
                "--until",
                "2023-03-26 06:42",
                "--tz",
                "Europe/Berlin"
            ]
        ),
        ["SP522210"]
    );
}

#[test]
fn machine_output_carries_the_offset_only_when_a_zone_was_chosen() {
    let a = feed();
    let csv = a.cmd(["export", "--format", "csv"]).ok();
    assert!(csv.contains(",2023-03-31T07:30:00Z,"), "{csv}");
    assert!(!csv.contains("+09:00"));
    let tokyo = a
        .cmd(["export", "--format", "csv", "--tz", "Asia/Tokyo"])
        .ok();
    assert!(tokyo.contains(",2023-03-31T16:30:00+09:00,"), "{tokyo}");
    assert!(!tokyo.contains("Z,"), "no UTC time is left: {tokyo}");
    // The same instants: only the notation changed.
    assert_eq!(csv.lines().count(), tokyo.lines().count());

    let file = a.dir().join("tokyo.csv");
    a.cmd(["export", "--tz", "Asia/Tokyo", "-o"])
        .arg(&file)
        .succeeds();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), tokyo);

    for format in ["json", "ndjson"] {
        let rows: Vec<Value> = match format {
            "json" => a
                .cmd(["export", "--format", format, "--tz", "Asia/Tokyo"])
                .json()
                .as_array()
                .unwrap()
                .clone(),
            _ => a
                .cmd(["export", "--format", format, "--tz", "Asia/Tokyo"])
                .ndjson(),
        };
        let ex = rows.iter().find(|r| r["id"] == "EX528690").unwrap();
        assert_eq!(ex["start_time"], "2023-03-27T06:10:00+09:00", "{format}");
        assert_eq!(ex["last_updated"], "2023-03-31T16:30:00+09:00", "{format}");
        assert_eq!(ex["end_time"], "2023-03-27T13:15:00+09:00", "{format}");
        assert_eq!(
            ex["title"],
            "Users may experience delays sending and receiving email"
        );
    }
    let plain = a.cmd(["export", "--format", "ndjson"]).ndjson();
    let ex = plain.iter().find(|r| r["id"] == "EX528690").unwrap();
    assert_eq!(ex["last_updated"], "2023-03-31T07:30:00Z");

    // Chosen through HEALTHFEED_TZ counts as chosen.
    let by_env = a
        .cmd(["export", "--format", "csv", "--columns", "id,last_updated"])
        .env("HEALTHFEED_TZ", "Asia/Tokyo")
        .ok();
    assert!(
        by_env.contains("EX528690,2023-03-31T16:30:00+09:00\n"),
        "{by_env}"
    );
    // --tz UTC is a choice too, and UTC's offset is written Z.
    let chosen_utc = a.cmd(["export", "--format", "csv", "--tz", "UTC"]).ok();
    assert_eq!(chosen_utc, csv);

    // Every other machine document: list, search, query, status, updates.
    let listed = a
        .cmd([
            "list",
            "--format",
            "ndjson",
            "--tz",
            "Asia/Tokyo",
            "--limit",
            "1",
        ])
        .ndjson();
    assert_eq!(listed[0]["last_updated"], "2023-03-31T16:30:00+09:00");
    let hits = a
        .cmd([
            "search",
            "--format",
            "ndjson",
            "--tz",
            "Asia/Tokyo",
            "mailboxes",
        ])
        .ndjson();
    assert!(
        hits[0]["last_updated"]
            .as_str()
            .unwrap()
            .ends_with("+09:00")
    );
    let query = a
        .cmd(["query", "EX528690", "--json", "--tz", "Asia/Tokyo"])
        .json();
    assert_eq!(query[0]["last_updated"], "2023-03-31T16:30:00+09:00");
    assert_eq!(query[0]["start_time"], "2023-03-27T06:10:00+09:00");
    for step in query[0]["timeline"].as_array().unwrap() {
        assert!(step["last_updated"].as_str().unwrap().ends_with("+09:00"));
    }
    let utc_query = a.cmd(["query", "EX528690", "--json"]).json();
    assert_eq!(utc_query[0]["last_updated"], "2023-03-31T07:30:00Z");
    let status = a.cmd(["status", "--json", "--tz", "Asia/Tokyo"]).json();
    assert_eq!(status["newest_update"], "2023-03-31T16:30:00+09:00");
    let updates = a
        .cmd([
            "export",
            "--updates",
            "--format",
            "csv",
            "--tz",
            "Asia/Tokyo",
        ])
        .ok();
    assert!(updates.contains("+09:00"));
    assert!(!updates.contains("Z,"), "{updates}");
}

#[test]
fn two_exports_across_a_minute_boundary_are_byte_identical() {
    // Open records and Message Center records judged at "now" are in it.
    let a = Archive::new();
    a.import(fixture("health-investigating-ongoing-empty-end-time.json"));
    a.import(fixture("message-center-action-required-by-date.json"));
    a.import(fixture("feed/m365jp-sample.json"));
    let at = |now: &str, args: &[&str]| -> Vec<u8> {
        let out = a
            .process(["export"])
            .args(args)
            .env("HEALTHFEED_NOW", now)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    for args in [
        &["--format", "csv"][..],
        &["--format", "json"],
        &["--format", "csv", "--tz", "Asia/Tokyo"],
        &["--format", "json", "--updates"],
    ] {
        let first = at("2023-04-01T12:00:59Z", args);
        let second = at("2023-04-01T12:01:00Z", args);
        assert!(first.len() > 1000, "{args:?}");
        assert!(first == second, "{args:?} differs across the minute");
    }
}

#[test]
fn healthfeed_now_is_now_for_every_answer_that_needs_a_clock() {
    let a = feed();
    // On 2023-04-01 the three Message Center records were still running.
    let active = |now: &str| {
        a.cmd(["list", "--format", "ndjson", "--status", "active"])
            .env("HEALTHFEED_NOW", now)
            .ndjson()
            .len()
    };
    assert_eq!(active("2023-04-01T00:00:00Z"), 3);
    assert_eq!(
        active("2023-06-01T00:00:00+09:00"),
        2,
        "MC529350 ended 05-31"
    );
    assert_eq!(active("2024-01-01T00:00:00Z"), 0);
    // Ages count back from it.
    let since_a_day = a
        .cmd(["list", "--format", "ndjson", "--since", "1d"])
        .env("HEALTHFEED_NOW", "2023-03-31T12:00:00Z")
        .ndjson();
    assert_eq!(since_a_day.len(), 6);
    let stats = a
        .cmd(["stats", "--json", "--since", "1d"])
        .env("HEALTHFEED_NOW", "2023-03-31T12:00:00Z")
        .json();
    assert_eq!(stats["records"], 6);
    // query: an MC record's state, and status: open records.
    let query = a
        .cmd(["query", "MC529350", "--json"])
        .env("HEALTHFEED_NOW", "2023-04-01T00:00:00Z")
        .json();
    assert_eq!(query[0]["closed"], false);
    let status = a
        .cmd(["status", "--json"])
        .env("HEALTHFEED_NOW", "2023-04-01T00:00:00Z")
        .json();
    assert_eq!(status["open_records"], 2 + 3);

    // A bad value is a usage error naming the variable; it is not in --help.
    let bad = a.cmd(["list"]).env("HEALTHFEED_NOW", "tomorrow").fails(2);
    assert!(bad.stderr.contains("HEALTHFEED_NOW"), "{}", bad.stderr);
    for command in ["list", "export", "status", "query"] {
        let help = crate::support::cmd([command, "--help"]).ok();
        assert!(!help.contains("HEALTHFEED_NOW"), "{command} --help");
        assert!(help.contains("--tz"), "{command} --help");
    }
}

#[test]
fn an_unknown_zone_is_a_usage_error_naming_it() {
    let a = feed();
    for command in [
        &["list"][..],
        &["export"],
        &["stats"],
        &["status"],
        &["query", "EX528690"],
        &["search", "mail"],
        &["rejects"],
    ] {
        let out = a.cmd(command).args(["--tz", "Mars/Olympus"]).fails(2);
        assert!(out.stderr.contains("Mars/Olympus"), "{}", out.stderr);
        assert!(out.stderr.contains("IANA"), "{}", out.stderr);
    }
    let out = a
        .cmd(["list"])
        .env("HEALTHFEED_TZ", "Nowhere/Else")
        .fails(2);
    assert!(out.stderr.contains("HEALTHFEED_TZ"), "{}", out.stderr);
    a.cmd(["list", "--tz", "UTC", "--local"]).fails(2);
    // --local names this system's zone, whatever it is, and machine output
    // then carries its offset (a valid RFC 3339 time either way).
    let local = a
        .cmd(["list", "--format", "ndjson", "--local", "--limit", "1"])
        .ndjson();
    let t = local[0]["last_updated"].as_str().unwrap();
    assert_eq!(utc(t), utc("2023-03-31T07:30:00Z"), "{t}");
}

#[test]
fn sync_reads_its_since_in_the_zone() {
    use crate::support::wp::{Wp, t};
    // Posts modified at 01:00Z, 02:00Z, … 20:00Z on 2023-03-01.
    let wp = Wp::start();
    wp.site().publish_all(1..=20, |id| t(id as i64 * 3600));
    let since = |zone: &[&str]| {
        let run = Archive::new();
        let report = run
            .sync(&wp.posts_url(), 0)
            .args(["--json", "--since", "2023-03-01 18:00"])
            .args(zone)
            .json();
        report["posts"].as_u64().unwrap()
    };
    // 18:00 in Tokyo is 09:00Z: posts 9 to 20.
    assert_eq!(since(&["--tz", "Asia/Tokyo"]), 12);
    assert_eq!(since(&[]), 3, "18:00Z: posts 18 to 20");
}

#[test]
fn wordpress_gmt_fields_keep_utc_when_a_zone_is_chosen() {
    let a = feed();
    let doc = a
        .cmd(["query", "EX529801", "--json", "--tz", "Asia/Tokyo"])
        .json();
    let record = &doc[0];
    assert!(
        record["last_updated"].as_str().unwrap().ends_with("+09:00"),
        "{record}"
    );
    let post = &record["timeline"][0]["posts"][0];
    for key in ["date_gmt", "modified_gmt"] {
        let value = post[key].as_str().unwrap();
        assert!(value.ends_with('Z'), "{key}: {value}");
    }
}
