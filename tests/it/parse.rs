//! `healthfeed parse`: saved REST JSON in, records out.
//!
//! Three layers: snapshots of every fixture (the parser's output, reviewed by
//! hand), the binary on real-shaped files (exit codes, stderr, input forms),
//! and properties (no input makes the parser panic; every error names its post).

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use crate::support::{Cmd, cmd, fixture, fixtures};

#[test]
fn seed_parses_to_the_known_record() {
    let records = cmd(["parse"])
        .arg(fixture("seed-dz534539-servicerestored.json"))
        .json();
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
            Ok(update) => {
                // The archive stores the message and derives sections from it on read.
                let derived = healthfeed::parse::sections_of(&update.message, update.kind);
                assert_eq!(derived, update.sections, "{}", path.display());
                insta::assert_json_snapshot!(update);
            }
            Err(error) => insta::assert_snapshot!(error.to_string()),
        }
    });
}

// --- the binary ---------------------------------------------------------------------------

const FEED: &str = "feed/m365jp-sample.json";

/// `healthfeed parse ARGS…`.
fn parse(args: &[&std::ffi::OsStr]) -> Cmd {
    cmd(["parse"]).args(args)
}

/// Runs a `parse`, asserts exit 0, and returns (records, stderr).
fn parse_ok(parse: Cmd) -> (Vec<Value>, String) {
    let out = parse.succeeds();
    let records: Value = serde_json::from_str(&out.stdout).unwrap();
    (records.as_array().unwrap().clone(), out.stderr)
}

/// The ground truth of fixtures/README.md, counted from the printed records.
#[test]
fn feed_prints_every_record_and_reports_the_site_notice() {
    let feed = fixture(FEED);
    let (records, stderr) = parse_ok(parse(&[feed.as_os_str()]));
    assert_eq!(records.len(), 41);
    let ids: BTreeSet<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 15);
    let messages = ids.iter().filter(|id| id.starts_with("MC")).count();
    assert_eq!(messages, 3);
    let updates: BTreeSet<(&str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["last_updated"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(updates.len(), 38, "3 of the 41 posts are reposts");
    let translated = records
        .iter()
        .filter(|r| r["machine_translation"].is_string())
        .count();
    assert_eq!(translated, 2);
    // The site notice is reported by post id, and the run still succeeds.
    assert!(stderr.contains("post 901: not a record"), "{stderr}");
    assert!(stderr.contains(FEED), "names the input: {stderr}");
    assert!(
        stderr.contains("42 posts read: 41 records, 1 not a record, 0 failed"),
        "{stderr}"
    );
}

#[test]
fn feed_records_come_out_in_input_order_newest_first() {
    let feed = fixture(FEED);
    let (records, _) = parse_ok(parse(&[feed.as_os_str()]));
    let posts: Vec<u64> = records
        .iter()
        .map(|r| r["post"]["id"].as_u64().unwrap())
        .collect();
    assert_eq!(posts.first(), Some(&944));
    assert_eq!(posts.last(), Some(&870));
    assert!(posts.windows(2).all(|w| w[0] > w[1]), "{posts:?}");
}

#[test]
fn non_json_file_exits_3_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("error-page.json");
    std::fs::write(&page, "<html><body>502 Bad Gateway</body></html>\n").unwrap();
    let err = parse(&[page.as_os_str()]).fails(3).stderr;
    assert!(err.contains(&page.display().to_string()), "{err}");
    assert!(err.contains("not readable REST JSON"), "{err}");
}

#[test]
fn missing_file_exits_3_naming_the_file() {
    let missing = fixtures().join("no-such-file.json");
    let err = parse(&[missing.as_os_str()]).fails(3).stderr;
    assert!(err.contains(&missing.display().to_string()), "{err}");
}

#[test]
fn truncated_json_keeps_the_posts_before_the_fault() {
    let feed = std::fs::read_to_string(fixture(FEED)).unwrap();
    // Cut inside the fourth post: the three before it still print.
    let cut = feed.match_indices("},{\"id\":").nth(2).unwrap().0 + 20;
    let out = parse(&["-".as_ref()]).stdin(&feed[..cut]).fails(3);
    let records: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        records.as_array().unwrap().len(),
        3,
        "printed JSON stays valid"
    );
    let stderr = out.stderr;
    assert!(stderr.contains("<stdin>"), "{stderr}");
}

#[test]
fn dash_reads_standard_input() {
    let seed = std::fs::read_to_string(fixture("seed-dz534539-servicerestored.json")).unwrap();
    let (records, stderr) = parse_ok(parse(&["-".as_ref()]).stdin(seed));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], "DZ534539");
    assert_eq!(stderr, "");
}

#[test]
fn ndjson_input_one_post_per_line() {
    let names = [
        "seed-dz534539-servicerestored.json",
        "site-notice-no-table.json",
        "message-center-planforchange.json",
        "health-status-row-missing.json",
        "health-japanese-text-raw-utf8.json",
    ];
    let mut ndjson = String::new();
    for name in names {
        ndjson.push_str(std::fs::read_to_string(fixture(name)).unwrap().trim_end());
        ndjson.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("posts.ndjson");
    std::fs::write(&file, ndjson).unwrap();
    let (records, stderr) = parse_ok(parse(&[file.as_os_str()]));
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["DZ534539", "MC883199", "MO532019"]);
    assert!(stderr.contains("post 901: not a record"), "{stderr}");
    assert!(
        stderr.contains("post 876 (MO529311): missing required field \"Status\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("5 posts read: 3 records, 1 not a record, 1 failed"),
        "{stderr}"
    );
}

#[test]
fn several_files_print_one_array() {
    let seed = fixture("seed-dz534539-servicerestored.json");
    let feed = fixture(FEED);
    let (records, _) = parse_ok(parse(&[seed.as_os_str(), feed.as_os_str()]));
    assert_eq!(records.len(), 42);
}

// --- properties ---------------------------------------------------------------------------

fn seed_post() -> Value {
    let text = std::fs::read_to_string(fixture("seed-dz534539-servicerestored.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The seed with its content.rendered replaced.
fn with_content(mut post: Value, content: &str) -> String {
    post["content"]["rendered"] = Value::String(content.to_owned());
    post.to_string()
}

/// Parses and checks what must hold for any input that is a post with id 907:
/// an error names the post, and a record is carried by it.
fn check_post_907(json: &str) -> Result<(), TestCaseError> {
    match healthfeed::parse::parse_json(json) {
        Ok(update) => prop_assert_eq!(update.post.id, 907),
        Err(e) => prop_assert_eq!(e.post_id(), Some(907), "{}", e),
    }
    Ok(())
}

/// Markup the feed is made of, for insertions and for HTML-ish content.
const PIECES: &[&str] = &[
    "<",
    ">",
    "</p>",
    "<p>  ",
    "<table>",
    "</table>",
    "<table id=\"section\">",
    "<table id=\"data\">",
    "<tr>",
    "</tr>",
    "<th>",
    "</th>",
    "<td>",
    "</td>",
    "<tbody>",
    "<br />",
    "|",
    " | ",
    "&nbsp;",
    "&amp;",
    "&#8217;",
    "&",
    "\u{a0}",
    "DZ534539",
    "MC883199",
    "Status",
    "Last Updated",
    "Start Time",
    "End Time",
    "Latest Message",
    "Message Content",
    "Machine Translation",
    "03/29/2023 18:23:04",
    "13/45/2023",
    "Title: ",
    "[When this will happen:]",
    "\u{2022} ",
    "タイトル: ",
    "<!--",
    "<script>",
    "]",
    "[",
    ":",
    "\n",
];

#[derive(Debug, Clone)]
enum Edit {
    /// Remove `len` chars at a position.
    Delete(Index, usize),
    /// Insert a piece of markup at a position.
    Insert(Index, &'static str),
    /// Copy a slice (start, len) to another position.
    Duplicate(Index, usize, Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 1..16usize).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<Index>(), prop::sample::select(PIECES)).prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<Index>(), 1..400usize, any::<Index>())
            .prop_map(|(from, len, to)| Edit::Duplicate(from, len, to)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        match e {
            Edit::Delete(at, len) if !chars.is_empty() => {
                let start = at.index(chars.len());
                let end = (start + len).min(chars.len());
                chars.drain(start..end);
            }
            Edit::Insert(at, piece) => {
                let at = at.index(chars.len() + 1);
                chars.splice(at..at, piece.chars());
            }
            Edit::Duplicate(from, len, to) if !chars.is_empty() => {
                let start = from.index(chars.len());
                let slice: Vec<char> = chars[start..(start + len).min(chars.len())].to_vec();
                let to = to.index(chars.len() + 1);
                chars.splice(to..to, slice);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_json_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = healthfeed::parse::parse_json(&text);
    }

    #[test]
    fn parse_json_never_panics_on_json_shaped_text(text in r#"\{"id":[0-9]{1,4},"content":\{"rendered":"[<>a-zA-Z0-9|/ #=\\"]{0,64}"\}\}"#) {
        let _ = healthfeed::parse::parse_json(&text);
    }

    /// The seed's JSON text with bytes deleted: broken escapes and cut strings included.
    #[test]
    fn seed_json_with_bytes_deleted_never_panics(cuts in prop::collection::vec((any::<Index>(), 1..4usize), 1..6)) {
        let mut bytes = std::fs::read(fixture("seed-dz534539-servicerestored.json")).unwrap();
        for (at, len) in cuts {
            let start = at.index(bytes.len());
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        let _ = healthfeed::parse::parse_json(&String::from_utf8_lossy(&bytes));
    }

    /// The seed's content.rendered mutated: deletions, stray markup, duplicated slices.
    #[test]
    fn seed_with_mutated_content_names_its_post(edits in prop::collection::vec(edit(), 1..12)) {
        let seed = seed_post();
        let content = seed["content"]["rendered"].as_str().unwrap().to_owned();
        check_post_907(&with_content(seed, &apply(&content, &edits)))?;
    }

    /// Content made of the feed's own markup in any order, with free text between.
    #[test]
    fn post_with_html_ish_content_names_its_post(
        parts in prop::collection::vec(prop_oneof![
            3 => prop::sample::select(PIECES).prop_map(str::to_owned),
            1 => "[^\u{0}]{0,12}",
        ], 0..80)
    ) {
        check_post_907(&with_content(seed_post(), &parts.concat()))?;
    }
}

#[test]
fn an_archive_named_for_parse_is_a_usage_error() {
    let seed = fixture("seed-dz534539-servicerestored.json");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let out = cmd(["--db"]).arg(&db).arg("parse").arg(&seed).fails(2);
    assert!(
        out.stderr.contains("parse reads no archive"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert!(!db.exists());
    // HEALTHFEED_DB is set for every command; parse just does not read it.
    cmd(["parse"]).arg(&seed).env("HEALTHFEED_DB", &db).ok();
    assert!(!db.exists());
}
