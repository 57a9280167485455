//! Input that is not WordPress posts is refused with what was expected, and no
//! internal type name reaches the user; a mix keeps its posts.

use crate::support::{Archive, fixture};

#[test]
fn json_that_holds_no_posts_is_refused_naming_the_file_and_what_was_expected() {
    for (name, text) in [
        ("object.json", "{\"foo\":1}"),
        ("numbers.json", "[1,2,3]"),
        ("strings.ndjson", "\"a\"\n\"b\"\n"),
    ] {
        let a = Archive::new();
        // The archive file exists already: a refused import keeps it, with nothing of the input.
        drop(a.conn());
        let file = a.write(name, text);
        let out = a.cmd(["import"]).arg(&file).fails(3);
        assert!(out.stderr.contains(name), "{}", out.stderr);
        assert!(
            out.stderr.contains("holds no WordPress posts")
                && out.stderr.contains("an array of them, or NDJSON"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("Wire"), "{}", out.stderr);
        assert!(!out.stderr.contains("struct"), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        let stored: i64 = a
            .conn()
            .query_row("SELECT count(*) FROM raw_posts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 0, "{name}: nothing of it is stored");
    }
}

#[test]
fn a_refused_import_leaves_no_archive_where_there_was_none() {
    let a = Archive::new();
    let file = a.write("object.json", "{\"foo\":1}");
    let out = a.cmd(["import"]).arg(&file).fails(3);
    assert!(
        out.stderr.contains("holds no WordPress posts"),
        "{}",
        out.stderr
    );
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = a.db().as_os_str().to_owned();
        path.push(suffix);
        assert!(
            !std::path::Path::new(&path).exists(),
            "{path:?} left behind"
        );
    }
    // A missing input is refused the same way; readers still find no archive.
    a.cmd(["import"]).arg(a.dir().join("missing.json")).fails(3);
    assert!(!a.db().exists());
    assert!(a.cmd(["list"]).fails(5).stderr.contains("no archive at"));
    // An input with a post among other JSON makes the archive, as before.
    let seed = std::fs::read_to_string(fixture("seed-dz534539-servicerestored.json")).unwrap();
    let mixed = a.write("mixed.json", format!("[7, {}]", seed.trim()));
    a.cmd(["import"]).arg(&mixed).ok();
    assert!(a.db().exists());
    // And an archive that exists is never removed by a refused input.
    a.cmd(["import"]).arg(&file).fails(3);
    assert!(a.db().exists());
}

#[test]
fn a_mix_of_posts_and_other_json_imports_the_posts_and_reports_the_rest() {
    let a = Archive::new();
    let seed = std::fs::read_to_string(fixture("seed-dz534539-servicerestored.json")).unwrap();
    let file = a.write("mixed.json", format!("[7, {}]", seed.trim()));
    let out = a.cmd(["import", "--json"]).arg(&file).succeeds();
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["new_records"], 1, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    assert!(
        out.stderr.contains("found a number") && !out.stderr.contains("Wire"),
        "{}",
        out.stderr
    );
}
