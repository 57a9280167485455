//! Counts mean one thing everywhere: posts are distinct posts received, and a
//! record's change in a run is counted once, from its state when the run began
//! to its state at the end, whatever the batch size, file split or transport.

use serde_json::Value;

use crate::support::Archive;
use crate::support::posts::{Spec, page};
use crate::support::wp::{Wp, t};

/// Ten records with three updates each, carried by distinct posts, interleaved
/// so that every record's updates fall into different batches of any small size.
fn timelines() -> Vec<Spec> {
    const RECORDS: [&str; 10] = [
        "EX600001", "EX600002", "EX600003", "EX600004", "EX600005", "EX600006", "EX600007",
        "EX600008", "EX600009", "EX600010",
    ];
    let statuses = ["investigating", "serviceDegradation", "serviceRestored"];
    let mut specs = Vec::new();
    for (step, status) in statuses.iter().enumerate() {
        for (n, record) in RECORDS.iter().enumerate() {
            let id = 1000 + (step * 100 + n) as u64;
            specs.push(Spec::new(id, record, status, 10 + step as u32, n as u32));
        }
    }
    specs
}

fn counts(summary: &Value) -> [u64; 6] {
    [
        "posts",
        "new_records",
        "updated_records",
        "status_changes",
        "not_records",
        "failed",
    ]
    .map(|k| {
        summary[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {summary}"))
    })
}

/// An archive holding the first update of each record, then `rest` imported with `args`.
fn import_on_base(rest: &[&str], batch: &str) -> Value {
    let a = Archive::new();
    let specs = timelines();
    a.import(a.write("base.json", page(&specs[..10])));
    let files: Vec<_> = rest
        .iter()
        .enumerate()
        .map(|(i, part)| a.write(&format!("part{i}.json"), part))
        .collect();
    a.cmd(["import", "--json", "--batch-size", batch])
        .args(&files)
        .json()
}

#[test]
fn import_counts_do_not_depend_on_batch_size_or_how_the_input_is_split() {
    let specs = timelines();
    let rest = page(&specs[10..]);
    let whole = import_on_base(&[&rest], "500");
    // Each record moved from investigating to serviceRestored: one update, one status change.
    assert_eq!(counts(&whole), [20, 0, 10, 10, 0, 0], "{whole}");
    for batch in ["1", "3", "7"] {
        let small = import_on_base(&[&rest], batch);
        assert_eq!(
            counts(&small),
            counts(&whole),
            "--batch-size {batch}: {small}"
        );
    }
    let halves = import_on_base(&[&page(&specs[10..17]), &page(&specs[17..])], "4");
    assert_eq!(
        counts(&halves),
        counts(&whole),
        "two files in one run: {halves}"
    );
    // The same post twice in one run is one post received.
    let twice = import_on_base(&[&rest, &rest], "5");
    assert_eq!(counts(&twice), counts(&whole), "{twice}");
}

#[test]
fn sync_counts_each_post_once_and_agrees_with_import_of_the_same_posts() {
    let wp = Wp::start();
    // Many posts share a modified time, so tie groups cross pages and are paged again.
    wp.site()
        .publish_all(1..=120, |id| t((id as i64 / 30) * 60));
    let synced = Archive::new();
    let sync = |a: &Archive| {
        a.cmd([
            "sync",
            "--json",
            "--source",
            &wp.posts_url(),
            "--timeout",
            "2s",
            "--retries",
            "0",
            "--settle-secs",
            "0",
            "--per-page",
            "7",
        ])
        .json()
    };
    let first = sync(&synced);
    let fields = "id,date,date_gmt,modified,modified_gmt,slug,link,title,content";
    let imported = Archive::new();
    let before = imported.import(imported.write("before.json", wp.site().export(fields)));
    assert_eq!(counts(&first)[..4], [120, 120, 0, 0], "{first}");
    assert_eq!(
        counts(&first),
        counts(&before),
        "sync {first}\nimport {before}"
    );
    assert_eq!(first["changes"].as_array().unwrap().len(), 120);
    for source in first["sources"].as_array().unwrap() {
        assert!(
            source.get("changes").is_none(),
            "one changes array: {first}"
        );
    }

    for id in 40..=49 {
        wp.site().edit(id, t(10_000 + id as i64));
    }
    let second = sync(&synced);
    let after = imported
        .cmd(["import", "--json", "--batch-size", "3"])
        .arg(imported.write("after.json", wp.site().export(fields)))
        .json();
    assert_eq!(counts(&second)[1..4], [0, 10, 0], "{second}");
    assert_eq!(counts(&after)[1..4], counts(&second)[1..4], "{after}");
    assert_eq!(second["posts"], 10, "{second}");
}
