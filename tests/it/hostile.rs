//! Hostile and broken input: each gets a clear error for that post, nothing
//! panics, and what was good is kept (issue 6).

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::posts::{Spec, page};
use crate::support::{Archive, cmd, fixture};

fn seed() -> Value {
    let text = std::fs::read_to_string(fixture("seed-dz534539-servicerestored.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn content(post: &Value) -> String {
    post["content"]["rendered"].as_str().unwrap().to_owned()
}

/// The seed as post `id` with its content passed through `edit`.
fn variant(id: u64, edit: impl Fn(&str) -> String) -> Value {
    let mut post = seed();
    post["id"] = json!(id);
    post["content"]["rendered"] = json!(edit(&content(&post)));
    post
}

/// Runs `healthfeed parse FILE` with a time bound; returns (exit code, stdout JSON or Null, stderr).
fn parse(file: &Path) -> (i32, Value, String) {
    let out = cmd(["parse"])
        .arg(file)
        .timeout(Duration::from_secs(30))
        .output();
    let json = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    (out.code.unwrap_or(-1), json, out.stderr)
}

#[test]
fn wrong_shapes_are_reported_per_post_and_the_rest_still_parses() {
    let a = Archive::new();
    let page = json!([
        {"code": "rest_forbidden", "message": "Sorry", "data": {"status": 401}},
        {"id": 5},
        {"id": 6, "content": "not an object"},
        {"id": 7, "content": {"rendered": 42}},
        [1, 2, 3],
        17,
        "a string",
        null,
        seed(),
    ]);
    let (code, records, err) = parse(&a.write("shapes.json", page.to_string()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(records.as_array().unwrap().len(), 1, "{err}");
    assert!(err.contains("no numeric \"id\""), "{err}");
    assert!(
        err.contains("post 7: content.rendered is missing or not a string"),
        "{err}"
    );
    assert!(err.contains("9 posts read: 1 record,"), "{err}");
}

#[test]
fn invalid_json_and_invalid_utf8_exit_3_naming_the_file() {
    let a = Archive::new();
    for (name, bytes) in [
        (
            "truncated.json",
            br#"[{"id": 1, "content": {"rendered": "x"#.to_vec(),
        ),
        (
            "html.json",
            b"<!DOCTYPE html><html>Just a moment...</html>".to_vec(),
        ),
        (
            "latin1.json",
            b"{\"id\": 1, \"title\": \"caf\xe9\"}".to_vec(),
        ),
    ] {
        let file = a.write(name, bytes);
        let (code, _, err) = parse(&file);
        assert_eq!(code, 3, "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        a.cmd(["import"]).arg(&file).fails(3);
    }
}

#[test]
fn a_50_mb_post_is_refused_quickly_and_kept_raw() {
    let a = Archive::new();
    let huge = variant(8, |c| {
        c.replace("Title: ", &format!("Title: {}", "A".repeat(50 << 20)))
    });
    let page = Value::Array(vec![huge, seed()]);
    let file = a.write("huge.json", page.to_string());
    let (code, records, err) = parse(&file);
    assert_eq!(code, 0, "{err}");
    assert_eq!(records.as_array().unwrap().len(), 1);
    assert!(err.contains("post 8") && err.contains("bytes"), "{err}");
    a.cmd(["import"])
        .arg(&file)
        .timeout(Duration::from_secs(60))
        .ok();
    let conn = a.conn();
    let raw: i64 = conn
        .query_row(
            "SELECT length(json) FROM raw_posts WHERE post_id = 8",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(raw > 50 << 20);
}

#[test]
fn html_nested_100000_levels_deep_is_refused_without_hanging() {
    let a = Archive::new();
    let deep = variant(9, |c| {
        c.replace(
            "<td>incident</td>",
            &format!("<td>incident{}</td>", "<div>".repeat(100_000)),
        )
    });
    let (code, records, err) = parse(&a.write("deep.json", deep.to_string()));
    assert_eq!(code, 0);
    assert_eq!(records, json!([]));
    assert!(err.contains("post 9: HTML nested more than"), "{err}");
}

#[test]
fn script_in_cells_is_not_text() {
    let a = Archive::new();
    let post = variant(10, |c| {
        c.replace(
            "<td>incident</td>",
            "<td>incident<script>alert('x')</script></td>",
        )
        .replace(
            "Title: Admins",
            "Title: <script>document.cookie</script>Admins",
        )
    });
    let (_, records, _) = parse(&a.write("script.json", post.to_string()));
    let r = &records[0];
    assert_eq!(r["classification"], "incident");
    assert!(!r["message"].as_str().unwrap().contains("cookie"));
}

#[test]
fn a_table_with_10000_rows_parses_and_ignores_the_unknown_rows() {
    let a = Archive::new();
    let rows = "<tr>\n<th>Feature</th>\n<td>x</td>\n</tr>\n".repeat(10_000);
    let post = variant(11, |c| {
        c.replace(
            "<tbody>\n<tr>\n<th>Status",
            &format!("<tbody>\n{rows}<tr>\n<th>Status"),
        )
    });
    let (code, records, err) = parse(&a.write("rows.json", post.to_string()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(records[0]["status"], "serviceRestored");
}

#[test]
fn bad_ids_and_dates_are_precise_errors_and_far_future_dates_are_kept() {
    let a = Archive::new();
    let page = json!([
        variant(12, |c| c.replace(
            "<th width=\"95%\">DZ534539 |",
            "<th width=\"95%\">DZ-534539 |"
        )),
        variant(13, |c| c
            .replace("03/29/2023 18:23:04", "13/45/2023 18:23:04")),
        variant(14, |c| c
            .replace("03/29/2023 18:23:04", "12/31/9999 23:59:59")),
    ]);
    let (code, records, err) = parse(&a.write("dates.json", page.to_string()));
    assert_eq!(code, 0);
    assert!(
        err.contains("post 12: header ID \"DZ-534539\" is not a record ID"),
        "{err}"
    );
    assert!(
        err.contains(
            "post 13 (DZ534539): bad timestamp in \"Last Updated\": \"13/45/2023 18:23:04\""
        ),
        "{err}"
    );
    assert_eq!(records[0]["last_updated"], "9999-12-31T23:59:59Z");
}

#[test]
fn filter_values_and_search_text_are_data_never_sql() {
    let a = Archive::new();
    let file = a.write("seed.json", seed().to_string());
    a.import(&file);
    let count = |args: &[&str]| -> usize {
        a.cmd(["list", "--format", "ndjson"])
            .args(args)
            .ok()
            .lines()
            .count()
    };
    assert_eq!(count(&[]), 1);
    for hostile in [
        "' OR '1'='1",
        "%",
        "_",
        "Defender'; DROP TABLE records;--",
        "\"",
        "\\",
    ] {
        assert_eq!(count(&["--service", hostile]), 0, "--service {hostile:?}");
        // A status or classification nobody uses is refused (one vocabulary), not matched.
        for flag in ["--status", "--classification"] {
            a.cmd(["list", flag, hostile]).fails(2);
        }
        let out = a.cmd(["search", hostile]).output();
        assert!(
            out.code.is_some_and(|c| c == 0 || c == 2),
            "search {hostile:?}"
        );
    }
    assert_eq!(
        count(&["--service", "defender"]),
        1,
        "the archive is intact"
    );
}

#[test]
fn the_csv_formula_escape_holds_for_every_text_column() {
    let a = Archive::new();
    let mut post = variant(15, |c| {
        c.replace(
            "DZ534539 | Microsoft 365 Defender | Admins received",
            "DZ534539 | =HYPERLINK(\"http://x\") | +Admins received",
        )
        .replace("<td>incident</td>", "<td>@incident</td>")
        .replace(
            "<td class=\"bad\">serviceRestored</td>",
            "<td class=\"bad\">-serviceRestored</td>",
        )
        .replace(
            "<td>Admins received false alerts of user click activity for malicious URL links.</td>",
            "<td>=1+1</td>",
        )
    });
    post["link"] = json!("=cmd|' /C calc'!A0");
    let file = a.write("formula.json", post.to_string());
    a.import(&file);
    for extra in [&[][..], &["--updates"][..]] {
        let out = a.cmd(["export", "--format", "csv"]).args(extra).ok();
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        let mut cells = 0;
        for row in reader.records() {
            for cell in row.unwrap().iter() {
                cells += 1;
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{extra:?}: unescaped cell {cell:?}"
                );
            }
        }
        assert!(cells > 5);
    }
}

#[test]
fn a_last_updated_typoed_years_ahead_does_not_pin_the_record() {
    // Red-team find: a Last Updated typo'd into 2033 kept the record
    // "investigating" forever, whatever later posts said.
    let a = Archive::new();
    let mut typo = Spec::new(71, "EX733001", "investigating", 29, 7);
    typo.last_updated = "03/29/2033 07:00:00".into();
    let mut fixed = Spec::new(72, "EX733001", "serviceRestored", 30, 9);
    fixed.end_time = "03/30/2023 08:00:00".into();
    a.import(a.write("typo.json", page(&[typo, fixed])));
    let answer = a.cmd(["query", "--format", "ndjson", "EX733001"]).json();
    assert_eq!(answer["status"], "serviceRestored");
    assert_eq!(answer["last_updated"], "2023-03-30T09:00:00Z");
    let flagged: Vec<_> = answer["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["implausible"] == true)
        .map(|s| s["last_updated"].clone())
        .collect();
    assert_eq!(flagged, ["2033-03-29T07:00:00Z"]);
    let text = a.cmd(["query", "EX733001"]).ok();
    assert!(text.contains("not used as current"), "{text}");
}
