//! The archive: import, reparse, status, against real SQLite files in a temp dir.

use std::path::PathBuf;

use rusqlite::Connection;

use crate::support::posts::{Spec, page, post};
use crate::support::{Archive, cmd, fixtures};

/// Whole-table reads, for comparing archives.
trait Tables {
    /// Rows of `sql` as text, for comparing whole tables.
    fn rows(&self, sql: &str) -> Vec<String>;
    fn count(&self, sql: &str) -> i64;
}

impl Tables for Archive {
    fn rows(&self, sql: &str) -> Vec<String> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|cells| cells.join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        self.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// Everything a user can see of the archive, minus run logs and fetch times.
const TABLES: &[&str] = &[
    "SELECT id, kind, service, title, status, classification, start_time, end_time, last_updated, closed, update_count, first_seen FROM records ORDER BY id",
    "SELECT record_id, last_updated, content_hash, title, status FROM updates ORDER BY record_id, last_updated, content_hash",
    "SELECT p.post_id, p.modified_gmt, p.slug, u.record_id, u.last_updated FROM posts p LEFT JOIN updates u ON u.id = p.update_id ORDER BY p.post_id",
    "SELECT post_id, modified_gmt, json_hash FROM raw_posts ORDER BY post_id, modified_gmt, json_hash",
    "SELECT post_id, not_record, reason FROM rejects ORDER BY post_id",
    "SELECT u.record_id, m.related_id FROM mentions m JOIN updates u ON u.id = m.update_id ORDER BY 1, 2",
];

fn dump(archive: &Archive) -> Vec<Vec<String>> {
    TABLES.iter().map(|sql| archive.rows(sql)).collect()
}

fn all_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// A small incident history: three records, several updates each, one repost.
fn history() -> Vec<Spec> {
    let mut specs = vec![
        Spec::new(1, "EX100001", "investigating", 1, 8),
        Spec::new(2, "EX100001", "serviceDegradation", 1, 10),
        Spec::new(3, "SP200002", "investigating", 2, 9),
        Spec::new(4, "EX100001", "serviceRestored", 1, 15),
        Spec::new(6, "SP200002", "serviceRestored", 3, 11),
        Spec::new(7, "TM300003", "extendedRecovery", 4, 7),
    ];
    let mut repost = specs[1].clone();
    repost.post_id = 5;
    repost.slug_suffix = "-2";
    repost.modified_gmt = "2023-03-01T10:30:00".into();
    specs.push(repost);
    specs
}

#[test]
fn reimporting_the_same_files_changes_nothing() {
    let a = Archive::in_new_folder();
    let files = all_fixtures();
    let args: Vec<&str> = std::iter::once("import")
        .chain(files.iter().map(|p| p.to_str().unwrap()))
        .collect();
    let first = a.cmd(&args).ok();
    let before = dump(&a);
    let second = a.cmd(&args).ok();
    assert_eq!(dump(&a), before);
    assert!(first.contains(" 0 unchanged"), "{first}");
    assert!(
        second.contains(" 0 new records, 0 updated records,"),
        "{second}"
    );
    assert!(
        second.contains(&format!("{} unchanged", files.len())),
        "{second}"
    );
}

#[test]
fn the_same_update_in_two_posts_is_one_update_with_two_posts() {
    let a = Archive::in_new_folder();
    let original = Spec::new(10, "EX500005", "serviceDegradation", 5, 12);
    let mut repost = original.clone();
    repost.post_id = 11;
    repost.slug_suffix = "-2";
    let summary = a.import(a.write("p.json", page(&[original, repost])));
    assert_eq!(summary["new_records"], 1);
    assert_eq!(a.count("SELECT count(*) FROM updates"), 1);
    assert_eq!(
        a.count("SELECT count(*) FROM posts WHERE update_id IS NOT NULL"),
        2
    );
    assert_eq!(
        a.count("SELECT update_count FROM records WHERE id = 'EX500005'"),
        1
    );
}

#[test]
fn newest_first_gives_the_same_archive_as_oldest_first() {
    let specs = history();
    let oldest = Archive::in_new_folder();
    oldest.import(oldest.write("p.json", page(&specs)));
    let newest = Archive::in_new_folder();
    let reversed: Vec<Spec> = specs.iter().rev().cloned().collect();
    newest.import(newest.write("p.json", page(&reversed)));
    assert_eq!(dump(&oldest), dump(&newest));
    assert_eq!(
        oldest.rows("SELECT id, status, update_count FROM records ORDER BY id"),
        [
            "Text(\"EX100001\")|Text(\"serviceRestored\")|Integer(3)",
            "Text(\"SP200002\")|Text(\"serviceRestored\")|Integer(2)",
            "Text(\"TM300003\")|Text(\"extendedRecovery\")|Integer(1)",
        ]
    );
}

#[test]
fn an_older_update_arriving_late_joins_the_timeline_only() {
    let a = Archive::in_new_folder();
    let specs = history();
    a.import(a.write("new.json", post(&specs[3])));
    let late = a.import(a.write("old.json", post(&specs[0])));
    assert_eq!(late["updated_records"], 0);
    assert_eq!(
        a.rows("SELECT status, update_count FROM records WHERE id = 'EX100001'"),
        ["Text(\"serviceRestored\")|Integer(2)"]
    );
}

#[test]
fn two_updates_with_the_same_last_updated_resolve_to_the_later_post_in_any_order() {
    let first = Spec::new(21, "EX100021", "serviceDegradation", 5, 9);
    let mut second = Spec::new(22, "EX100021", "serviceDegradation", 5, 9);
    second.title = "Users can't send mail from Outlook".into();
    second.modified_gmt = "2023-03-05T09:45:00".into();
    second.slug_suffix = "-2";
    let expect = [
        "Text(\"Users can't send mail from Outlook\")|Integer(2)|Text(\"https://m365jp.net/index.php/servicedegradation-ex100021-2\")",
    ];
    for order in [[&first, &second], [&second, &first]] {
        let a = Archive::in_new_folder();
        for (i, spec) in order.iter().enumerate() {
            a.import(a.write(&format!("{i}.json"), post(spec)));
        }
        let got = a.rows("SELECT title, update_count, link FROM records WHERE id = 'EX100021'");
        assert_eq!(got, expect);
    }
}

#[test]
fn an_edited_post_keeps_both_versions_and_the_record_follows_the_edit() {
    let a = Archive::in_new_folder();
    let v1 = Spec::new(20, "EX600006", "serviceDegradation", 6, 9);
    let mut v2 = v1.clone();
    v2.title = "Users can't send mail from Outlook on the web".into();
    v2.modified_gmt = "2023-03-06T09:45:00".into();
    a.import(a.write("v1.json", post(&v1)));
    let edit = a.import(a.write("v2.json", post(&v2)));
    assert_eq!(edit["updated_records"], 1);
    assert_eq!(
        a.count("SELECT count(*) FROM raw_posts WHERE post_id = 20"),
        2
    );
    assert_eq!(
        a.count("SELECT count(*) FROM updates WHERE record_id = 'EX600006'"),
        1
    );
    assert_eq!(
        a.rows("SELECT title FROM records"),
        ["Text(\"Users can't send mail from Outlook on the web\")"]
    );
    // The old version arriving again (say, from an old saved file) does not undo the edit.
    a.import(a.write("v1-again.json", post(&v1)));
    assert_eq!(
        a.rows("SELECT title FROM records"),
        ["Text(\"Users can't send mail from Outlook on the web\")"]
    );
}

#[test]
fn rejects_are_kept_raw_with_their_reason() {
    let a = Archive::in_new_folder();
    let summary = a.import(fixtures().join("site-notice-no-table.json"));
    assert_eq!(summary["not_records"], 1);
    assert_eq!(a.count("SELECT count(*) FROM raw_posts"), 1);
    let reasons = a.rows("SELECT reason FROM rejects");
    assert!(reasons[0].contains("not a record"), "{reasons:?}");
}

#[test]
fn a_broken_file_keeps_the_posts_before_the_fault_and_exits_3() {
    let a = Archive::in_new_folder();
    let specs = history();
    let good = page(&specs[..3]);
    let broken = a.write(
        "broken.json",
        format!("{}, {{\"id\": 9", &good[..good.len() - 1]),
    );
    let err = a.cmd(["import"]).arg(&broken).fails(3).stderr;
    assert!(
        err.contains("broken.json") && err.contains("item 4"),
        "{err}"
    );
    assert_eq!(a.count("SELECT count(*) FROM raw_posts"), 3);
}

fn refuses_untouched(archive: &Archive, expect: &str) {
    let before = std::fs::read(archive.db()).unwrap();
    for args in [
        &["status"][..],
        &["import", "/dev/null"][..],
        &["reparse"][..],
    ] {
        let err = archive.cmd(args).fails(5).stderr;
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(err.contains(archive.db().to_str().unwrap()), "{err}");
    }
    assert_eq!(
        std::fs::read(archive.db()).unwrap(),
        before,
        "the file was changed"
    );
}

#[test]
fn an_archive_from_a_newer_healthfeed_is_refused_and_left_untouched() {
    let a = Archive::in_new_folder();
    a.import(a.write("p.json", page(&history())));
    let conn = a.conn();
    conn.execute_batch(
        "PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;",
    )
    .unwrap();
    drop(conn);
    refuses_untouched(&a, "newer healthfeed");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let a = Archive::in_new_folder();
    std::fs::create_dir_all(a.db().parent().unwrap()).unwrap();
    std::fs::write(
        a.db(),
        "this is my shopping list, not a database\n".repeat(100),
    )
    .unwrap();
    refuses_untouched(&a, "not a SQLite database");
}

#[test]
fn another_programs_database_is_refused_and_left_untouched() {
    let a = Archive::in_new_folder();
    std::fs::create_dir_all(a.db().parent().unwrap()).unwrap();
    a.conn()
        .execute_batch("CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT)")
        .unwrap();
    refuses_untouched(&a, "not a healthfeed archive");
}

#[test]
fn reparse_rebuilds_rows_written_by_an_older_parser() {
    let a = Archive::in_new_folder();
    a.import(a.write("p.json", page(&history())));
    let clean = dump(&a);
    // Simulate parser version 0: a wrong title, a lost record, a post wrongly rejected.
    a.conn()
        .execute_batch(
            "UPDATE updates SET parser_version = 0;
             UPDATE records SET title = 'garbled' WHERE id = 'EX100001';
             DELETE FROM records WHERE id = 'TM300003';
             INSERT INTO rejects(raw_id, source_id, post_id, not_record, reason, parser_version)
               SELECT raw_id, source_id, post_id, 0, 'old parser failed', 0 FROM posts WHERE post_id = 3;
             UPDATE posts SET update_id = NULL WHERE post_id = 3;",
        )
        .unwrap();
    let out = a.cmd(["reparse"]).ok();
    assert!(out.contains("added (1): TM300003"), "{out}");
    assert!(out.contains("changed (1): EX100001"), "{out}");
    assert_eq!(dump(&a), clean);
    assert_eq!(
        a.count("SELECT count(*) FROM updates WHERE parser_version = 0"),
        0
    );
}

#[test]
fn an_import_hands_the_archive_back_in_wal_mode() {
    let a = Archive::in_new_folder();
    a.import(a.write("p.json", page(&history())));
    // Readers never wait on a writer only in WAL mode; import leaves it there.
    let mode: String = a
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(!a.db().with_extension("db-journal").exists());
}

#[test]
fn an_import_beside_an_open_reader_lands_and_the_reader_keeps_its_snapshot() {
    let a = Archive::in_new_folder();
    a.import(a.write("first.json", page(&history()[..3])));
    // A reader mid-transaction, as a long export or a Datasette page would be.
    let reader = a.conn();
    reader.execute_batch("BEGIN").unwrap();
    let count = |c: &Connection| -> i64 {
        c.query_row("SELECT count(*) FROM raw_posts", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&reader), 3);
    let out = a.import(a.write("all.json", page(&history())));
    assert_eq!(out["posts"], 7, "{out}");
    assert_eq!(count(&reader), 3, "the reader's snapshot moved under it");
    reader.execute_batch("COMMIT").unwrap();
    assert_eq!(count(&reader), 7);
}

#[test]
fn status_reports_what_the_archive_holds() {
    let a = Archive::in_new_folder();
    a.import(a.write("p.json", page(&history())));
    let out = a.cmd(["status"]).ok();
    assert!(
        out.contains("records    3 (3 health, 0 message; 1 open)"),
        "{out}"
    );
    assert!(out.contains("raw posts  7"), "{out}");
    assert!(out.contains("source     https://m365jp.net"), "{out}");
    assert!(out.contains("last run   import"), "{out}");
    let json = a.cmd(["status", "--json"]).json();
    assert_eq!(json["updates"], 6);
}

#[test]
fn the_archive_path_comes_from_the_environment_when_no_flag_is_given() {
    let a = Archive::in_new_folder();
    let file = a.write("p.json", page(&history()[..1]));
    cmd(["import"]).arg(&file).env("HEALTHFEED_DB", a.db()).ok();
    assert!(a.db().exists());
}

#[test]
fn a_repost_edited_into_a_notice_no_longer_gives_the_record_its_link() {
    let a = Archive::in_new_folder();
    let original = Spec::new(30, "EX900009", "serviceDegradation", 9, 9);
    let mut repost = original.clone();
    repost.post_id = 31;
    repost.slug_suffix = "-2";
    repost.modified_gmt = "2023-03-09T09:10:00".into();
    a.import(a.write("p.json", page(&[original, repost.clone()])));
    let link = |a: &Archive| a.rows("SELECT link FROM records WHERE id = 'EX900009'");
    assert_eq!(
        link(&a),
        ["Text(\"https://m365jp.net/index.php/servicedegradation-ex900009-2\")"]
    );
    // The repost is edited into a site notice: the update is still carried by post 30.
    let mut notice: serde_json::Value = serde_json::from_str(&post(&repost)).unwrap();
    notice["modified_gmt"] = serde_json::json!("2023-03-10T00:00:00");
    notice["content"]["rendered"] = serde_json::json!("<p>Maintenance tonight.</p>");
    a.import(a.write("notice.json", notice.to_string()));
    assert_eq!(
        link(&a),
        ["Text(\"https://m365jp.net/index.php/servicedegradation-ex900009\")"]
    );
    assert_eq!(
        a.count("SELECT count(*) FROM updates WHERE record_id = 'EX900009'"),
        1
    );
}
