//! `export` (and the formats `list` shares with it): CSV read back, JSON and
//! NDJSON, the formula escape, `--output`, and a closed pipe.

use std::io::Read;
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};
use healthfeed::commands::{self, Format};
use healthfeed::model::{Filter, Zone};
use serde_json::Value;

use super::{everything, feed};
use crate::support::posts::{Spec, page};
use crate::support::{Archive, BIN, isolated};

#[test]
fn csv_read_back_gives_the_stored_values() {
    let a = everything();
    let csv_text = a.cmd(["export"]).ok();
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
            "closed",
            "action_required_by"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let conn = a.conn();
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
    let a = feed();
    let json = a.cmd(["export", "--format", "json"]).json();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 15);
    let dz = rows.iter().find(|r| r["id"] == "DZ534539").unwrap();
    assert_eq!(dz["related_ids"], serde_json::json!(["DZ534548"]));
    assert_eq!(dz["start_time"], "2023-03-29T07:00:00Z");
    assert_eq!(dz["update_count"], 3);
    let ongoing = rows.iter().find(|r| r["id"] == "EX531442").unwrap();
    assert_eq!(ongoing["end_time"], Value::Null);
    assert_eq!(ongoing["closed"], false);

    let updates = a
        .cmd(["export", "--format", "ndjson", "--updates"])
        .ndjson();
    assert_eq!(updates.len(), 38, "38 distinct updates in the feed");
    let repost = updates
        .iter()
        .find(|u| u["id"] == "SP531870" && u["post_ids"].as_array().unwrap().len() == 2)
        .unwrap();
    assert_eq!(repost["post_ids"], serde_json::json!([922, 923]));
    assert_eq!(repost["post_id"], 922);
    let empty = a
        .cmd(["export", "--format", "json", "--service", "none"])
        .json();
    assert_eq!(empty, serde_json::json!([]));

    let list = a.cmd(["list", "--format", "json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 15);
    let updates_csv = a.cmd(["export", "--updates", "--service", "teams"]).ok();
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
    let a = Archive::new();
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
    a.import(a.write("formulas.json", page(&specs)));
    let titles = |args: &[&str]| -> Vec<String> {
        let text = a.cmd(args).ok();
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
    let json = a.cmd(["export", "--format", "json"]).json();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|r| r["title"] == "=HYPERLINK(\"http://x\")"),
        "JSON is not for spreadsheets: values stay as stored"
    );
}

#[test]
fn export_to_a_file_goes_through_a_temp_file_and_matches_stdout() {
    let a = feed();
    let out_dir = a.dir().join("reports");
    std::fs::create_dir(&out_dir).unwrap();
    let path = out_dir.join("march.csv");
    std::fs::write(&path, "old report").unwrap();
    let target = path.to_str().unwrap();
    let run = a.cmd(["export", "--output", target]).succeeds();
    assert!(run.stderr.contains("wrote 15 rows"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        a.cmd(["export"]).ok()
    );
    let names: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["march.csv"], "no temp file left behind");

    let missing = a.dir().join("no-such-dir").join("x.csv");
    let failed = a.cmd(["export", "--output"]).arg(&missing).output();
    assert!(!failed.success());
    assert!(failed.stderr.contains("cannot write the export to"));
}

/// Enough generated records that an export overflows any pipe buffer.
fn big_archive() -> Archive {
    let a = Archive::new();
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
    a.import(a.write("big.json", page(&specs)));
    a
}

#[test]
fn export_into_a_closed_pipe_ends_quietly_with_exit_0() {
    let a = big_archive();
    // Close the reading end at once: healthfeed's first write meets a closed pipe.
    let mut child = a
        .process(["export", "--updates", "--format", "ndjson"])
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
        "set -o pipefail; {BIN:?} --db {:?} export | head -1",
        a.db()
    );
    let out = isolated(Command::new("bash"))
        .args(["-c", &script])
        .output()
        .unwrap();
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
            "set -o pipefail; {BIN:?} --db {:?} {cmd} --limit 600 | head -1",
            a.db()
        );
        let out = isolated(Command::new("bash"))
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn two_exports_of_one_archive_are_byte_identical_across_a_minute_boundary() {
    let a = everything();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let export = |format: Format, updates: bool, now: DateTime<Utc>| -> Vec<u8> {
        let config = commands::export::Config {
            filter: Filter::default(),
            format,
            escape_formulas: true,
            updates,
            columns: Vec::new(),
            bom: false,
            now,
            zone: Zone::utc(),
        };
        let mut out = Vec::new();
        commands::export::run(a.db(), &config, &mut out).unwrap();
        out
    };
    for format in [Format::Csv, Format::Json, Format::Ndjson] {
        for updates in [false, true] {
            let first = export(format, updates, at("2026-12-04T22:12:59Z"));
            let second = export(format, updates, at("2026-12-04T22:13:00Z"));
            assert!(!first.is_empty());
            assert!(first == second, "{format:?}, updates {updates}");
        }
    }
    // The binary, run twice on the real clock, agrees with itself too.
    assert_eq!(a.cmd(["export"]).ok(), a.cmd(["export"]).ok());

    // An open record has no duration yet: empty in CSV, null in JSON.
    let csv_text = a.cmd(["export"]).ok();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ongoing = rows.iter().find(|r| &r[0] == "EX531442").unwrap();
    assert_eq!(&ongoing[14], "false");
    assert_eq!(&ongoing[10], "", "open: no duration");
    let json = a.cmd(["export", "--format", "json"]).json();
    let ongoing = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "EX531442")
        .unwrap();
    assert_eq!(ongoing["duration_minutes"], Value::Null);
    let dz = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "DZ534539")
        .unwrap();
    assert_eq!(dz["duration_minutes"], 615, "closed: End − Start");
}

#[test]
fn sort_orders_by_each_key_with_ties_broken_by_id() {
    let a = feed();
    let ids = |args: &[&str]| -> Vec<String> {
        a.cmd(["export", "--format", "ndjson"])
            .args(args)
            .ndjson()
            .iter()
            .map(|row| row["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&[]), ids(&["--sort", "last-updated"]), "the default");
    let mut oldest_first = ids(&[]);
    oldest_first.reverse();
    assert_eq!(ids(&["--reverse"]), oldest_first, "no ties in Last Updated");

    let longest = ids(&["--sort", "duration"]);
    assert_eq!(longest[..3], ["DZ534548", "TM530955", "DZ534539"]);
    let open_and_messages = ["EX531442", "MC529350", "MC531766", "MC532044", "TM532087"];
    assert_eq!(longest[10..], open_and_messages, "no duration: last, by id");
    let shortest = ids(&["--sort", "duration", "--reverse"]);
    assert_eq!(shortest[..2], ["MO530611", "MO532355"]);
    assert_eq!(shortest[10..], open_and_messages, "still last reversed");

    let started = ids(&["--sort", "start"]);
    assert_eq!(started[0], "MO532355");
    let dz = started.iter().position(|id| id == "DZ534539").unwrap();
    assert_eq!(started[dz + 1], "DZ534548", "same Start Time: by id");
    let started_first = ids(&["--sort", "start", "--reverse"]);
    assert_eq!(started_first[0], "EX528690");
    let dz = started_first
        .iter()
        .position(|id| id == "DZ534539")
        .unwrap();
    assert_eq!(started_first[dz + 1], "DZ534548", "ties stay by id");

    let ended = ids(&["--sort", "end"]);
    assert_eq!(
        ended[13..],
        ["EX531442", "TM532087"],
        "open: no End Time, last"
    );
    assert_eq!(ids(&["--sort", "id"])[..2], ["DZ531622", "DZ534539"]);
    assert_eq!(ids(&["--sort", "id", "--reverse"])[0], "TM532087");
    let by_service = ids(&["--sort", "service"]);
    assert_eq!(
        by_service[..6],
        [
            "EX528690", "EX529801", "EX531442", "MC529350", "MC531766", "MC532044"
        ],
        "Exchange Online, then Message Center by that name"
    );

    // `list` runs the same query.
    let listed: Vec<String> = a
        .cmd([
            "list", "--format", "ndjson", "--sort", "duration", "--limit", "2",
        ])
        .ndjson()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ["DZ534548", "TM530955"]);
    let table = a
        .cmd(["list", "--sort", "id", "--reverse", "--limit", "1"])
        .ok();
    assert!(table.contains("TM532087"), "{table}");

    // Updates sort by their own values; a duration is their record's.
    let updates = a
        .cmd([
            "export",
            "--updates",
            "--format",
            "ndjson",
            "--sort",
            "duration",
        ])
        .ndjson();
    let ids: Vec<&str> = updates.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids[..3], ["DZ534548", "DZ534548", "TM530955"]);
    assert_eq!(
        updates[0]["last_updated"], "2023-03-29T19:02:11Z",
        "newest update first"
    );

    let bad = a.cmd(["export", "--sort", "severity"]).fails(2);
    assert!(bad.stderr.contains("last-updated"), "{}", bad.stderr);
}

#[test]
fn columns_choose_and_order_the_contract_columns() {
    let a = feed();
    let csv_text = a
        .cmd([
            "export",
            "--columns",
            "title,id,duration_minutes",
            "--sort",
            "id",
        ])
        .ok();
    let rows: Vec<&str> = csv_text.lines().collect();
    assert_eq!(rows[0], "title,id,duration_minutes");
    assert!(
        rows[1].ends_with(",DZ531622,350"),
        "sorted by id: {}",
        rows[1]
    );
    assert!(rows.iter().any(|r| r.ends_with(",DZ534539,615")));
    assert!(
        rows.iter().any(|r| r.ends_with(",EX531442,")),
        "open: empty"
    );

    let json = a
        .cmd([
            "export",
            "--format",
            "ndjson",
            "--columns",
            "id,closed",
            "--limit",
            "1",
        ])
        .ok();
    assert_eq!(
        json, "{\"id\":\"EX528690\",\"closed\":true}\n",
        "keys in the order asked"
    );
    let updates = a
        .cmd([
            "export",
            "--updates",
            "--format",
            "json",
            "--columns",
            "post_ids,id",
            "--limit",
            "1",
        ])
        .json();
    assert_eq!(
        updates,
        serde_json::json!([{"post_ids": [944], "id": "EX528690"}])
    );

    let unknown = a.cmd(["export", "--columns", "id,titel"]).fails(2);
    assert!(
        unknown
            .stderr
            .contains("unknown column \"titel\": did you mean title?"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("(known: id, kind, service, title,"),
        "{}",
        unknown.stderr
    );
    let record_only = a
        .cmd(["export", "--updates", "--columns", "duration_minutes"])
        .fails(2);
    assert!(
        record_only.stderr.contains("post_ids"),
        "the update columns are listed: {}",
        record_only.stderr
    );
    a.cmd(["export", "--columns", "id,id"]).fails(2);
    let path = a.dir().join("never.csv");
    a.cmd(["export", "--columns", "nope", "-o"])
        .arg(&path)
        .fails(2);
    assert!(!path.exists(), "a usage error writes no file");
}

#[test]
fn bom_starts_csv_with_a_byte_order_mark_and_is_refused_for_json() {
    let a = feed();
    let plain = a.cmd(["export"]).ok();
    let marked = a.cmd(["export", "--bom"]).ok();
    assert_eq!(&marked.as_bytes()[..3], b"\xEF\xBB\xBF");
    assert_eq!(&marked[3..], plain, "the rest unchanged");
    assert!(plain.starts_with("id,"), "no mark unless asked");
    let path = a.dir().join("excel.csv");
    a.cmd(["export", "--bom", "-o"]).arg(&path).succeeds();
    assert_eq!(std::fs::read(&path).unwrap(), marked.as_bytes());
    for format in ["json", "ndjson"] {
        let refused = a.cmd(["export", "--bom", "--format", format]).fails(2);
        assert!(
            refused.stderr.contains("--bom is for CSV only"),
            "{}",
            refused.stderr
        );
    }
    let by_name = a.dir().join("x.json");
    a.cmd(["export", "--bom", "-o"]).arg(&by_name).fails(2);
    assert!(!by_name.exists());
}
