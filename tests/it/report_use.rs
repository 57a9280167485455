//! Issue 13's commands used as their people would: an admin in Japan with
//! `--tz`/`--local`, a report writer with `report`/`export`/`stats`, a script
//! reading CSV and JSON. Each test pins a defect found that way.

use crate::support::Archive;

/// `--local` is "this system's zone", and a process's zone is what `TZ`
/// says when it is set (containers and ssh sessions set it, /etc/localtime
/// stays UTC): `TZ=Asia/Tokyo healthfeed list --local` must be Tokyo time.
#[test]
fn local_follows_the_tz_variable_as_every_program_does() {
    let a = Archive::sample();
    for tz in [
        "Asia/Tokyo",
        ":Asia/Tokyo",
        "/usr/share/zoneinfo/Asia/Tokyo",
    ] {
        let rows = a
            .cmd(["list", "--format", "ndjson", "--local", "--limit", "1"])
            .env("TZ", tz)
            .ndjson();
        assert_eq!(
            rows[0]["last_updated"], "2023-03-31T16:30:00+09:00",
            "TZ={tz}"
        );
        let table = a
            .cmd(["list", "--local", "--limit", "1"])
            .env("TZ", tz)
            .ok();
        assert!(table.contains("START (Asia/Tokyo)"), "TZ={tz}: {table}");
    }
    // `:/etc/localtime` (set to spare the C library a stat) is the system's
    // zone, as without TZ.
    let args = ["list", "--format", "ndjson", "--local", "--limit", "1"];
    let system = a.cmd(args).env_remove("TZ").output();
    let path = a.cmd(args).env("TZ", ":/etc/localtime").output();
    assert_eq!(path.stdout, system.stdout, "{}", path.stderr);
    assert_eq!(path.success(), system.success(), "{}", path.stderr);
    // A POSIX rule is no zone name: say so and what to do, never guess.
    let out = a.cmd(["list", "--local"]).env("TZ", "JST-9").fails(2);
    assert!(out.stderr.contains("JST-9"), "{}", out.stderr);
    assert!(out.stderr.contains("--tz"), "{}", out.stderr);
}

/// "The 60 days after the moment" are 60 days of the zone's calendar: a
/// window that crosses a daylight-saving change still ends at midnight.
#[test]
fn the_announcements_window_is_sixty_calendar_days_in_the_zone() {
    let a = Archive::sample();
    let report = a
        .cmd(["report", "--month", "2023-02", "--tz", "America/New_York"])
        .args(["--format", "json"])
        .env("HEALTHFEED_NOW", "2026-01-15T00:00:00Z")
        .json();
    assert_eq!(report["moment"], "2023-03-01T00:00:00-05:00");
    assert_eq!(report["due_until"], "2023-04-30T00:00:00-04:00");
    let md = a
        .cmd(["report", "--month", "2023-02", "--tz", "America/New_York"])
        .args(["--format", "md"])
        .env("HEALTHFEED_NOW", "2026-01-15T00:00:00Z")
        .ok();
    assert!(
        md.contains("from 2023-03-01 00:00 to 2023-04-30 00:00"),
        "{md}"
    );
}

/// A column of the other row type is a near miss, not a typo: the error says
/// which flag gives it. An empty name is named as such, not "did you mean id".
#[test]
fn a_column_of_the_other_row_says_which_export_has_it() {
    let a = Archive::sample();
    let out = a.cmd(["export", "--columns", "id,message"]).fails(2);
    assert!(out.stderr.contains("\"message\""), "{}", out.stderr);
    assert!(out.stderr.contains("--updates"), "{}", out.stderr);
    assert!(out.stderr.contains("action_required_by"), "{}", out.stderr);
    let out = a
        .cmd(["export", "--updates", "--columns", "id,duration_minutes"])
        .fails(2);
    assert!(
        out.stderr.contains("\"duration_minutes\""),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("without --updates"), "{}", out.stderr);
    assert!(out.stderr.contains("machine_translation"), "{}", out.stderr);
    for columns in ["", "id,", "id,,title"] {
        let out = a.cmd(["export", "--columns", columns]).fails(2);
        assert!(out.stderr.contains("empty"), "{columns:?}: {}", out.stderr);
        assert!(!out.stderr.contains("did you mean"), "{}", out.stderr);
    }
}

/// `--closed`'s help said a Message Center record is over when it has "an
/// End Time", but one whose End Time is ahead is active (README, Message
/// Center state): the sample's three all have one and none is over in April.
#[test]
fn closed_help_says_a_message_center_end_time_must_have_passed() {
    let a = Archive::sample();
    let none = a
        .cmd([
            "list", "--closed", "--kind", "message", "--format", "ndjson",
        ])
        .env("HEALTHFEED_NOW", "2023-04-15T00:00:00Z")
        .ndjson();
    assert!(none.is_empty(), "{none:?}");
    for command in ["list", "stats", "export", "search"] {
        let help = a.cmd([command, "--help"]).ok();
        let at = help.find("--closed").unwrap();
        let text = help[at..].split("\n\n").next().unwrap().replace('\n', " ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("End Time that has passed"),
            "{command}: {text}"
        );
    }
}

/// Every other JSON time is whole seconds, and so was the report's once a
/// zone was named; without one, `generated` and a running month's `moment`
/// carried the clock's nanoseconds (`…:15.975394729Z`).
#[test]
fn report_json_times_are_whole_seconds_with_or_without_a_zone() {
    let a = Archive::sample();
    for zone in [&[][..], &["--tz", "UTC"]] {
        let report = a
            .cmd(["report", "--format", "json", "--month", "2023-04"])
            .args(zone)
            .env("HEALTHFEED_NOW", "2023-04-10T01:02:03.456789Z")
            .json();
        for key in ["generated", "moment", "due_until"] {
            assert_eq!(
                report[key].as_str().unwrap().len(),
                "2023-04-10T01:02:03Z".len(),
                "{zone:?} {key}: {}",
                report[key]
            );
        }
        assert_eq!(report["generated"], "2023-04-10T01:02:03Z", "{zone:?}");
    }
}

/// A month that has not begun (a typo: 2032-03 for 2023-03) made an empty
/// report judged before its own first day; it is a usage error that names
/// the current month instead.
#[test]
fn a_report_of_a_month_not_yet_begun_is_refused_with_the_current_month() {
    let a = Archive::sample();
    let out = a
        .cmd(["report", "--month", "2032-03", "--format", "md"])
        .env("HEALTHFEED_NOW", "2026-01-15T00:00:00Z")
        .fails(2);
    assert!(out.stderr.contains("2032-03"), "{}", out.stderr);
    assert!(out.stderr.contains("2026-01"), "{}", out.stderr);
    // In Tokyo, 2026-02 has begun at 15:00Z on January 31st; in UTC not yet.
    let now = "2026-01-31T16:00:00Z";
    a.cmd(["report", "--month", "2026-02", "--format", "md"])
        .env("HEALTHFEED_NOW", now)
        .fails(2);
    a.cmd([
        "report",
        "--month",
        "2026-02",
        "--format",
        "md",
        "--tz",
        "Asia/Tokyo",
    ])
    .env("HEALTHFEED_NOW", now)
    .succeeds();
}

/// `export --help` said its format defaulted to "table" and that `.txt`
/// named one; export writes CSV by default and refuses `-o x.txt`. Each
/// command's `--format` help names its own default and extensions.
#[test]
fn format_help_names_each_commands_own_default() {
    let a = Archive::sample();
    let format_help = |command: &str| {
        let help = a.cmd([command, "--help"]).ok();
        let at = help.find("--format <FORMAT>").unwrap();
        let text = help[at..].split("\n\n").next().unwrap().to_owned();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let export = format_help("export");
    assert!(export.contains("[default: csv"), "{export}");
    assert!(!export.contains(".txt"), "{export}");
    a.cmd(["export", "-o", "x.txt"]).fails(2);
    let parse = format_help("parse");
    assert!(parse.contains("[default: json"), "{parse}");
    let status = format_help("status");
    assert!(status.contains("[default: table"), "{status}");
    assert!(!status.contains(".csv"), "{status}");
    let list = format_help("list");
    assert!(list.contains("[default: table"), "{list}");
    assert!(list.contains(".csv"), "{list}");
}

/// An admin looking up what happened in a month searches with the month: the
/// Start Time window of list, stats and export works on search too (clap's
/// tip was to search for the text "--month").
#[test]
fn search_takes_the_start_time_window_like_list() {
    let a = Archive::sample();
    let hits = |args: &[&str]| {
        let mut ids: Vec<String> = a
            .cmd(["search", "outlook", "--format", "ndjson"])
            .args(args)
            .ndjson()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(hits(&["--month", "2023-03"]), ["EX529801", "EX531442"]);
    // EX531442 started 2023-03-29T20:15Z: March 30th in Tokyo.
    let since = ["--started-since", "2023-03-30", "--tz", "Asia/Tokyo"];
    assert_eq!(hits(&since), ["EX531442"]);
    assert_eq!(hits(&["--started-until", "2023-03-28"]), ["EX529801"]);
    assert!(hits(&["--month", "2023-02"]).is_empty());
}
