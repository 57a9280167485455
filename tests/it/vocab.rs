//! One vocabulary: every state and group a table prints is a word its filter
//! takes, and a word no table prints is refused with the closest known one.

use serde_json::Value;

use crate::message_center::announcement;
use crate::support::{Archive, fixture};

/// Two announcements (one ending in 2099, one that ended in 2001) and one closed incident.
fn archive() -> Archive {
    let a = Archive::new();
    let seed: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("seed-dz534539-servicerestored.json")).unwrap(),
    )
    .unwrap();
    let page = Value::Array(vec![
        announcement(1, "MC900001", "12/31/2099 08:00:00"),
        announcement(2, "MC900002", "01/31/2001 08:00:00"),
        seed,
    ]);
    a.import(a.write("page.json", page.to_string()));
    a
}

fn ids(a: &Archive, command: &[&str], args: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = a
        .cmd(command)
        .args(["--format", "ndjson"])
        .args(args)
        .ndjson()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn the_words_list_prints_are_the_words_its_filters_take() {
    let a = archive();
    let table = a.cmd(["list"]).ok();
    for line in table.lines().skip(1) {
        let mut cells = line.split_whitespace();
        let (id, status) = (cells.next().unwrap(), cells.next().unwrap());
        assert!(
            ids(&a, &["list"], &["--status", status]).contains(&id.to_owned()),
            "list shows {id} as {status}, but --status {status} does not select it"
        );
    }
    assert!(table.contains("Message Center"), "{table}");
    for service in ["message center", "MESSAGE", "Center"] {
        assert_eq!(
            ids(&a, &["list"], &["--service", service]),
            ["MC900001", "MC900002"],
            "--service {service:?}"
        );
    }
    assert_eq!(ids(&a, &["list"], &["--status", "active"]), ["MC900001"]);
    assert_eq!(ids(&a, &["list"], &["--status", "ENDED"]), ["MC900002"]);
    assert_eq!(
        ids(&a, &["list"], &["--status", "ended,serviceRestored"]),
        ["DZ534539", "MC900002"]
    );
    assert_eq!(
        ids(&a, &["list"], &["--status", "active", "--status", "ended"]),
        ["MC900001", "MC900002"]
    );
    // Updates are selected by their record's state, as --open and --closed do.
    assert_eq!(
        ids(&a, &["export", "--updates"], &["--status", "ended"]),
        ["MC900002"]
    );
    let stats = a.cmd(["stats", "--json"]).json();
    let count = |key: &str| {
        stats["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map(|c| c["records"].clone())
    };
    assert_eq!(count("active"), Some(1.into()), "{stats}");
    assert_eq!(count("ended"), Some(1.into()), "{stats}");
    let text = a.cmd(["stats"]).ok();
    assert!(text.contains("  Message Center "), "{text}");
    assert!(text.contains("  active "), "{text}");
    let stats = a.cmd(["stats", "--json", "--status", "active"]).json();
    assert_eq!(stats["records"], 1);
}

#[test]
fn a_word_no_table_prints_is_a_usage_error_naming_the_closest() {
    let a = archive();
    let out = a.cmd(["list", "--status", "servicerestore"]).fails(2);
    assert!(
        out.stderr
            .contains("unknown status \"servicerestore\": did you mean serviceRestored?"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("active, ended"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let out = a.cmd(["stats", "--classification", "incidnet"]).fails(2);
    assert!(
        out.stderr.contains("did you mean incident?"),
        "{}",
        out.stderr
    );
    a.cmd(["export", "--status", "endd"]).fails(2);
    a.cmd(["export", "--updates", "--classification", "x"])
        .fails(2);
    a.cmd(["search", "teams", "--status", "closed"]).fails(2);
    a.cmd(["list", "--kind", "messages"]).fails(2);
}

#[test]
fn a_status_the_feed_brought_and_a_table_prints_is_taken() {
    let a = Archive::new();
    a.import(fixture("health-unknown-status-awaitingvendorfix.json"));
    let table = a.cmd(["list"]).ok();
    assert!(table.contains("awaitingVendorFix"), "{table}");
    assert_eq!(
        ids(&a, &["list"], &["--status", "AwaitingVendorFix"]),
        ["OD519871"]
    );
    let out = a.cmd(["list", "--status", "awaitingVendor"]).fails(2);
    assert!(
        out.stderr.contains("did you mean awaitingVendorFix?"),
        "{}",
        out.stderr
    );
}
