//! `healthfeed parse`: saved REST JSON in, records out.

use serde_json::Value;

use crate::support::{fixture, healthfeed};

#[test]
fn seed_parses_to_the_known_record() {
    let out = healthfeed()
        .arg("parse")
        .arg(fixture("seed-dz534539-servicerestored.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &records[0];
    assert_eq!(r["id"], "DZ534539");
    assert_eq!(r["kind"], "health");
    assert_eq!(r["service"], "Microsoft 365 Defender");
    assert_eq!(r["status"], "serviceRestored");
    assert_eq!(r["last_updated"], "2023-03-29T18:23:04Z");
    assert_eq!(r["end_time"], "2023-03-29T17:15:00Z");
    assert_eq!(r["related_ids"], serde_json::json!(["DZ534548"]));
    let heads: Vec<&str> = r["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["heading"].as_str().unwrap())
        .collect();
    assert_eq!(
        heads,
        [
            "Title",
            "User impact",
            "More info",
            "Final status",
            "Start time",
            "End time",
            "Scope of impact",
            "Preliminary root cause",
            "Next steps"
        ]
    );
}

/// Every fixture, parsed: the record as JSON, or the error as the user sees it.
/// A changed snapshot is a changed parser output: review it before accepting.
#[test]
fn fixtures_snapshot() {
    insta::glob!("../../fixtures", "*.json", |path| {
        let json = std::fs::read_to_string(path).unwrap();
        match healthfeed::parse::parse_json(&json) {
            Ok(update) => insta::assert_json_snapshot!(update),
            Err(error) => insta::assert_snapshot!(error.to_string()),
        }
    });
}
