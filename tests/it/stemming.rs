//! Search finds word forms (issue 13): migration 6 makes the English index
//! again with Porter stems and rebuilds it from the rows an older archive holds.

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

/// The English index as schema 5 had it: words as typed, no stems.
const UNSTEMMED: &str = "DROP TABLE updates_fts;
     CREATE VIRTUAL TABLE updates_fts USING fts5(
         record_id, service, title, user_impact, message,
         content='updates', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
     INSERT INTO updates_fts(updates_fts) VALUES ('rebuild');";

/// The definition of the English index, as SQLite keeps it.
fn index_sql(a: &Archive) -> String {
    a.conn()
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'updates_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Fails unless the English index agrees with its content table.
fn index_intact(a: &Archive) {
    a.conn()
        .execute_batch("INSERT INTO updates_fts(updates_fts, rank) VALUES ('integrity-check', 1);")
        .unwrap();
}

#[test]
fn an_archive_of_schema_5_upgraded_by_a_writer_finds_word_forms() {
    let a = Archive::new();
    a.import(fixture("feed/m365jp-sample.json"));
    // Schema 5 as it shipped: the index of words as typed.
    a.conn()
        .execute_batch(&format!("{UNSTEMMED} PRAGMA user_version = 5;"))
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
    assert!(index_sql(&a).contains("porter"), "{}", index_sql(&a));
    index_intact(&a);

    let mailbox = hits(&a, "mailbox");
    let ids: Vec<&str> = mailbox.iter().map(|(id, _)| id.as_str()).collect();
    assert!(ids.contains(&"EX529801"), "{mailbox:?}");
    let (_, snippet) = mailbox.iter().find(|(id, _)| id == "EX529801").unwrap();
    assert!(snippet.contains("[mailboxes]"), "{snippet}");
    // The record that says "mailbox" itself is found too.
    assert!(ids.contains(&"EX531442"), "{ids:?}");
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
fn import_and_reparse_keep_the_index_in_step() {
    let a = Archive::new();
    a.import(fixture("feed/m365jp-sample.json"));
    a.import(fixture("health-extendedrecovery-teams.json"));
    a.cmd(["reparse"]).ok();
    let found = |text: &str| -> Vec<String> { hits(&a, text).into_iter().map(|h| h.0).collect() };
    assert!(found("mailbox").contains(&"EX529801".to_owned()));
    // A record imported after the first file is found by another form of its words.
    assert!(found("delay").contains(&"TM523187".to_owned()));
    // Every update is in the index once: the index agrees with its content table.
    index_intact(&a);
}

#[test]
fn an_archive_of_schema_3_whose_sources_merge_at_the_upgrade_is_indexed_once() {
    let a = Archive::new();
    a.import(fixture("feed/m365jp-sample.json"));
    // Schema 3 as it shipped: sources keyed by origin, the index of words as
    // typed. What healthfeed stored then: the site synced under a second name
    // too, where post 926 (EX529801's latest) came in a later version.
    let conn = a.conn();
    let (post_update, last_updated): (i64, String) = conn
        .query_row(
            "SELECT u.id, u.last_updated FROM posts p JOIN updates u ON u.id = p.update_id
             WHERE p.post_id = 926",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(last_updated, "2023-03-30T10:02:37Z", "the fixture changed");
    conn.execute_batch(&format!(
        "DROP TABLE source_names;
         ALTER TABLE sources RENAME COLUMN site TO origin;
         {UNSTEMMED}
         PRAGMA user_version = 3;
         INSERT INTO sources(id, origin, posts_url, cursor)
           VALUES (9, 'https://www.m365jp.net', 'https://m365jp.net/wp-json/wp/v2/posts', NULL);
         INSERT INTO updates(record_id, last_updated, content_hash, kind, service, title, status,
             classification, user_impact, start_time, end_time, message, machine_translation,
             related_ids, parser_version)
           SELECT record_id, '2023-03-30T10:30:00Z', 'rerouted', kind, service,
             title || ' (quuxed)', status, classification, user_impact, start_time, end_time,
             message, machine_translation, related_ids, parser_version
           FROM updates WHERE id = {post_update};
         INSERT INTO updates_fts(rowid, record_id, service, title, user_impact, message)
           SELECT id, record_id, service, title, user_impact, message FROM updates
           WHERE content_hash = 'rerouted';
         INSERT INTO translation_fts(rowid, machine_translation)
           SELECT id, machine_translation FROM updates
           WHERE content_hash = 'rerouted' AND machine_translation IS NOT NULL;
         INSERT INTO raw_posts(source_id, post_id, modified_gmt, json_hash, fetched_at, json)
           SELECT 9, post_id, '2023-03-30T11:00:00Z', 'rerouted', fetched_at, json
           FROM raw_posts WHERE post_id = 926;
         INSERT INTO posts(source_id, post_id, raw_id, modified_gmt, date_gmt, link, slug, update_id)
           SELECT 9, 926, r.id, r.modified_gmt, p.date_gmt, p.link, p.slug,
             (SELECT id FROM updates WHERE content_hash = 'rerouted')
           FROM raw_posts r JOIN posts p ON p.post_id = 926 AND p.source_id = 1
           WHERE r.json_hash = 'rerouted';"
    ))
    .unwrap();
    drop(conn);

    // The writer a reader names upgrades it: schema 4's step merges the two
    // names, dropping the update only the older version carried, before
    // migration 6 makes the index stemmed.
    a.cmd(["search", "mailbox"]).fails(5);
    a.import(a.write("none.json", "[]"));
    let conn = a.conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("PRAGMA user_version"), 6);
    assert_eq!(count("SELECT count(*) FROM sources"), 1);
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM updates WHERE id = {post_update}"
        )),
        0,
        "the update only the older version carried is dropped"
    );
    assert!(index_sql(&a).contains("porter"), "{}", index_sql(&a));
    index_intact(&a);
    let found = |text: &str| -> Vec<String> { hits(&a, text).into_iter().map(|h| h.0).collect() };
    assert_eq!(found("quuxed"), ["EX529801"]);
    assert_eq!(found("quuxing"), ["EX529801"]);
    assert!(found("mailbox").contains(&"EX529801".to_owned()));
}
