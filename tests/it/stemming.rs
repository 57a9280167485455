//! Search finds word forms (issue 13): a Porter-stemmed index beside the exact
//! one, which migration 6 builds from the rows an older archive already holds.

use serde_json::Value;

use crate::support::{Archive, fixture};

/// Record IDs found for `text`, best first, with their snippets.
fn hits(a: &Archive, text: &str) -> Vec<(String, String)> {
    a.cmd(["search", "--format", "ndjson", "--limit", "50", text])
        .ndjson()
        .iter()
        .map(|hit: &Value| {
            (
                hit["id"].as_str().unwrap().to_owned(),
                hit["snippet"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_archive_of_schema_5_upgraded_by_a_writer_finds_word_forms() {
    let a = Archive::new();
    a.import(fixture("feed/m365jp-sample.json"));
    // Schema 5 as it shipped: the exact index only.
    a.conn()
        .execute_batch("DROP TABLE updates_stem; PRAGMA user_version = 5;")
        .unwrap();
    // The premise: EX529801 says "mailboxes", never "mailbox".
    let exact: i64 = a
        .conn()
        .query_row(
            "SELECT count(*) FROM updates_fts JOIN updates u ON u.id = updates_fts.rowid
             WHERE updates_fts MATCH 'mailbox' AND u.record_id = 'EX529801'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(exact, 0);

    // A reader refuses the old archive, names the command that upgrades it, and writes nothing.
    let untouched = std::fs::read(a.db()).unwrap();
    let err = a.cmd(["search", "mailbox"]).fails(5).stderr;
    assert!(
        err.contains("older healthfeed") && err.contains("healthfeed import"),
        "{err}"
    );
    assert_eq!(std::fs::read(a.db()).unwrap(), untouched, "a reader wrote");

    // Importing the same file again stores nothing new: only the migration indexes.
    let summary = a.import(fixture("feed/m365jp-sample.json"));
    assert_eq!(summary["unchanged"], summary["posts"], "{summary}");
    let version: i64 = a
        .conn()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6);

    let mailbox = hits(&a, "mailbox");
    let ids: Vec<&str> = mailbox.iter().map(|(id, _)| id.as_str()).collect();
    assert!(ids.contains(&"EX529801"), "{mailbox:?}");
    let (_, snippet) = mailbox.iter().find(|(id, _)| id == "EX529801").unwrap();
    assert!(snippet.contains("[mailboxes]"), "{snippet}");
    // The record that says "mailbox" itself ranks above the one that says "mailboxes".
    let exact_form = ids.iter().position(|id| *id == "EX531442").unwrap();
    let other_form = ids.iter().position(|id| *id == "EX529801").unwrap();
    assert!(exact_form < other_form, "{ids:?}");
    // `delays` finds "delayed" (EX528690's "delayed messages") and keeps its own hits.
    let delays: Vec<String> = hits(&a, "delays").into_iter().map(|h| h.0).collect();
    assert!(delays.contains(&"EX528690".to_owned()), "{delays:?}");
    assert!(delays.contains(&"EX531442".to_owned()), "{delays:?}");

    // Japanese still goes to the trigram index and the substring scan.
    let japanese: Vec<String> = hits(&a, "メールボックス")
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(japanese, ["EX529801"]);
    let short: Vec<String> = hits(&a, "管理").into_iter().map(|h| h.0).collect();
    assert!(short.contains(&"DZ534548".to_owned()), "{short:?}");
}

#[test]
fn import_and_reparse_keep_the_stemmed_index_in_step() {
    let a = Archive::new();
    a.import(fixture("feed/m365jp-sample.json"));
    a.import(fixture("health-extendedrecovery-teams.json"));
    a.cmd(["reparse"]).ok();
    let found = |text: &str| -> Vec<String> { hits(&a, text).into_iter().map(|h| h.0).collect() };
    assert!(found("mailbox").contains(&"EX529801".to_owned()));
    // A record imported after the first file is found by another form of its words.
    assert!(found("delay").contains(&"TM523187".to_owned()));
    // Every update is in the stemmed index once: the index agrees with its content table.
    a.conn()
        .execute_batch(
            "INSERT INTO updates_stem(updates_stem, rank) VALUES ('integrity-check', 1);",
        )
        .unwrap();
}
