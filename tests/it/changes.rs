//! `sync --changes` lines carry when and where (Last Updated, link), and take
//! `notify add`'s filters to narrow what prints; and those filters' words are
//! checked, so a typo fails loudly instead of matching nothing for ever.

use crate::support::wp::{Wp, t};
use crate::support::{Archive, Cmd, fixture};

fn sync(a: &Archive, wp: &Wp) -> Cmd {
    a.sync(&wp.posts_url(), 0)
}

/// A site with two posts an archive has not seen yet.
fn fresh() -> (Archive, Wp) {
    let wp = Wp::start();
    wp.site().publish_all(1..=2, |id| t(id as i64 * 60));
    (Archive::new(), wp)
}

#[test]
fn change_lines_carry_last_updated_and_link() {
    let (a, wp) = fresh();
    let out = sync(&a, &wp).arg("--changes").ok();
    let base = wp.site().record_base;
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(" → ")).collect();
    assert_eq!(lines.len(), 2, "{out}");
    let record = format!("DZ{}", base + 1);
    let link = format!(
        "https://m365jp.net/index.php/servicerestored-{}-post-1",
        record.to_lowercase()
    );
    assert!(
        lines[0].starts_with(&format!("{record}  new → serviceRestored  ")),
        "{out}"
    );
    assert!(
        lines[0].ends_with(&format!("  2023-03-29 18:23 UTC  {link}")),
        "{out}"
    );
    // On the reader's wall clock, like every time shown to a person.
    wp.site().publish(5, t(300));
    let out = sync(&a, &wp).args(["--changes", "--tz", "Asia/Tokyo"]).ok();
    assert!(
        out.contains(&format!("DZ{}  new → serviceRestored", base + 5))
            && out.contains("  2023-03-30 03:23 JST  https://"),
        "{out}"
    );
    // The machine form carries the same facts.
    wp.site().publish(3, t(600));
    let doc = sync(&a, &wp).arg("--json").json();
    let change = &doc["changes"][0];
    assert_eq!(change["last_updated"], "2023-03-29T18:23:04Z", "{doc}");
    assert!(
        change["link"].as_str().unwrap().ends_with("-post-3"),
        "{doc}"
    );
    assert_eq!(change["kind"], "health");
    assert!(change["classification"].is_string(), "{doc}");
}

#[test]
fn notify_filters_narrow_the_change_lines_but_not_what_is_stored() {
    let (a, wp) = fresh();
    let out = sync(&a, &wp).args(["--changes", "--kind", "message"]).ok();
    assert!(!out.contains(" → "), "no Message Center changes: {out}");
    assert!(out.contains("2 new records"), "counts unaffected: {out}");
    assert_eq!(
        a.cmd(["list", "--json"]).json().as_array().unwrap().len(),
        2
    );

    wp.site().publish_all(3..=4, |id| t(id as i64 * 60));
    let out = sync(&a, &wp)
        .args(["--changes", "--service", "DEFENDER", "--kind", "health"])
        .args([
            "--classification",
            "advisory,incident",
            "--status",
            "serviceRestored",
        ])
        .ok();
    assert_eq!(
        out.lines().filter(|l| l.contains(" → ")).count(),
        2,
        "{out}"
    );

    wp.site().publish(5, t(300));
    let doc = sync(&a, &wp)
        .args(["--json", "--status", "investigating"])
        .json();
    assert_eq!(doc["changes"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["new_records"], 1);

    wp.site().publish(6, t(360));
    let doc = sync(&a, &wp)
        .args(["--json", "--service", "exchange"])
        .json();
    assert_eq!(doc["changes"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(
        a.cmd(["list", "--json"]).json().as_array().unwrap().len(),
        6
    );
}

#[test]
fn a_filter_word_nobody_uses_is_a_usage_error_naming_the_closest() {
    let a = Archive::new();
    let hook = "http://127.0.0.1:9/hook";
    let out = a
        .cmd(["notify", "add", hook, "--status", "servicerestore"])
        .fails(2);
    assert!(
        out.stderr
            .contains("unknown status \"servicerestore\": did you mean serviceRestored?"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("known: "), "{}", out.stderr);
    let out = a
        .cmd([
            "notify",
            "add",
            hook,
            "--classification",
            "incident,advisroy",
        ])
        .fails(2);
    assert!(
        out.stderr
            .contains("unknown classification \"advisroy\": did you mean advisory?"),
        "{}",
        out.stderr
    );
    // A subscription's status is the status after a change: Message Center has none.
    a.cmd(["notify", "add", hook, "--status", "active"])
        .fails(2);
    assert_eq!(
        a.cmd(["notify", "list", "--json"]).json(),
        serde_json::json!([]),
        "nothing was added"
    );

    // Known words in any case, and words the archive holds, are taken.
    a.cmd(["notify", "add", hook, "--status", "SERVICERESTORED"])
        .ok();
    a.import(fixture("health-unknown-status-awaitingvendorfix.json"));
    a.cmd(["notify", "add", hook, "--status", "awaitingvendorfix"])
        .ok();
    a.cmd(["notify", "add", hook, "--status", "awaitingVendor"])
        .fails(2);

    // sync checks its change filters the same way, before fetching anything.
    let wp = Wp::start();
    let out = sync(&a, &wp)
        .args(["--changes", "--status", "servicerestore"])
        .fails(2);
    assert!(
        out.stderr.contains("did you mean serviceRestored?"),
        "{}",
        out.stderr
    );
    assert_eq!(wp.requests(), 0);
}
