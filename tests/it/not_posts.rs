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
