//! Report windows: `--month` and `--started-since/--started-until` select what
//! *started* in a span, read in the zone; a span the wrong way round is refused.

use std::collections::BTreeMap;

use chrono::Duration;

use crate::support::Archive;
use crate::zones::{feed, ids, starting, utc};

/// The feed plus two records at the turn of March 2023:
/// ZZ900001 starts 2023-03-31T16:00Z (April 1st, 01:00 in Tokyo; still March
/// in UTC, Berlin and New York) and ZZ900002 starts 2023-04-01T02:00Z (still
/// March 31st, 22:00 in New York; April in UTC, Berlin and Tokyo).
fn boundary() -> Archive {
    let a = feed();
    let page = format!(
        "[{},{}]",
        starting(
            990_001,
            "ZZ900001",
            "03/31/2023 16:00:00",
            "04/01/2023 05:00:00"
        ),
        starting(
            990_002,
            "ZZ900002",
            "04/01/2023 02:00:00",
            "04/01/2023 06:00:00"
        ),
    );
    a.import(a.write("boundary.json", page));
    a
}

/// Records per month of start, worked out from the UTC export alone: each
/// Start Time moved by a fixed offset (Tokyo has had no daylight-saving time
/// since 1951), then cut to `YYYY-MM`.
fn months_by_offset(a: &Archive, hours: i64) -> BTreeMap<String, usize> {
    let rows = a.cmd(["export", "--format", "ndjson"]).ndjson();
    let mut months = BTreeMap::new();
    for row in rows {
        let start = utc(row["start_time"].as_str().unwrap()) + Duration::hours(hours);
        *months.entry(start.format("%Y-%m").to_string()).or_default() += 1;
    }
    months
}

#[test]
fn month_selects_what_started_in_it_on_the_zones_calendar() {
    let a = boundary();
    // The truth from the UTC export: Tokyo is UTC+9 all year.
    let tokyo = months_by_offset(&a, 9);
    let utc_months = months_by_offset(&a, 0);
    assert_eq!(
        tokyo,
        BTreeMap::from([("2023-03".to_owned(), 15), ("2023-04".to_owned(), 2)])
    );
    assert_eq!(
        utc_months,
        BTreeMap::from([("2023-03".to_owned(), 16), ("2023-04".to_owned(), 1)])
    );
    let month = |m: &str, tz: &[&str]| {
        let mut args = vec!["--month", m];
        args.extend_from_slice(tz);
        ids(&a, &args)
    };
    for (m, n) in &tokyo {
        assert_eq!(month(m, &["--tz", "Asia/Tokyo"]).len(), *n, "{m} in Tokyo");
    }
    for (m, n) in &utc_months {
        assert_eq!(month(m, &[]).len(), *n, "{m} in UTC");
    }
    assert_eq!(
        month("2023-04", &["--tz", "Asia/Tokyo"]),
        ["ZZ900001", "ZZ900002"]
    );
    assert_eq!(month("2023-04", &[]), ["ZZ900002"]);
    // New York (EDT, UTC-4): ZZ900002 started on the evening of March 31.
    assert_eq!(month("2023-03", &["--tz", "America/New_York"]).len(), 17);
    assert!(month("2023-04", &["--tz", "America/New_York"]).is_empty());
    // Berlin (CEST, UTC+2 since 26 March): like UTC here.
    assert_eq!(month("2023-04", &["--tz", "Europe/Berlin"]), ["ZZ900002"]);
    assert_eq!(month("2023-02", &[]).len(), 0);

    // --month is --started-since/--started-until at the month's ends.
    assert_eq!(
        month("2023-04", &["--tz", "Asia/Tokyo"]),
        ids(
            &a,
            &[
                "--started-since",
                "2023-04-01",
                "--started-until",
                "2023-05",
                "--tz",
                "Asia/Tokyo"
            ]
        )
    );
    // stats and export select the same.
    let stats = a
        .cmd([
            "stats",
            "--json",
            "--month",
            "2023-04",
            "--tz",
            "Asia/Tokyo",
        ])
        .json();
    assert_eq!(stats["records"], 2);
    assert_eq!(stats["by_month"][0]["key"], "2023-04");
    let exported = a
        .cmd(["export", "--format", "ndjson", "--month", "2023-03"])
        .ndjson();
    assert_eq!(exported.len(), 16);
    // stats counts months of start on the zone's calendar.
    let all = a.cmd(["stats", "--json", "--tz", "Asia/Tokyo"]).json();
    let by_month: BTreeMap<String, usize> = all["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_owned(),
                c["records"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(by_month, tokyo);
    let table = a.cmd(["stats", "--tz", "Asia/Tokyo"]).ok();
    assert!(table.contains("By month of start (Asia/Tokyo)"), "{table}");

    // The window combines with the Last Updated filters (AND).
    assert_eq!(
        ids(&a, &["--month", "2023-03", "--since", "2023-03-31"]).len(),
        5,
        "EX528690, TM530955, TM532087, MO532355 and ZZ900001"
    );
    // --month and the started flags are one choice; a bad month is a usage error.
    a.cmd([
        "list",
        "--month",
        "2023-03",
        "--started-since",
        "2023-03-01",
    ])
    .fails(2);
    let bad = a.cmd(["list", "--month", "2023-13"]).fails(2);
    assert!(bad.stderr.contains("YYYY-MM"), "{}", bad.stderr);
    a.cmd(["list", "--started-until", "someday"]).fails(2);
}

#[test]
fn a_window_that_ends_before_it_starts_is_a_usage_error_not_an_empty_answer() {
    let a = feed();
    for (command, from, to) in [
        ("list", "--since", "--until"),
        ("export", "--since", "--until"),
        ("stats", "--started-since", "--started-until"),
        ("search", "--started-since", "--started-until"),
    ] {
        let mut args = vec![command];
        if command == "search" {
            args.push("mail");
        }
        let out = a
            .cmd(&args)
            .args([from, "2023-04-01", to, "2023-03-01"])
            .fails(2);
        assert!(
            out.stderr
                .contains(&format!("{from} (2023-04-01 00:00:00Z) is not before {to}")),
            "{command}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("swap them"),
            "{command}: {}",
            out.stderr
        );
    }
    // A window the right way round still answers.
    let rows = a
        .cmd([
            "list",
            "--format",
            "ndjson",
            "--since",
            "2023-03-01",
            "--until",
            "2023-04-01",
        ])
        .ndjson();
    assert!(!rows.is_empty());
}
