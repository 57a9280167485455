//! `notify add` refuses a subscription that would double every message, and
//! `notify list` shows filters as a shell takes them.

use crate::support::Archive;

fn add(a: &Archive, url: &str, more: &[&str]) -> crate::support::Cmd {
    a.cmd(["notify", "add", url]).args(more)
}

fn listed(a: &Archive) -> usize {
    a.cmd(["notify", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn the_same_url_format_and_filters_twice_is_refused_naming_the_first() {
    let a = Archive::new();
    let url = "https://example.com/hook";
    let filters = [
        "--service",
        "exchange",
        "--service",
        "teams",
        "--status",
        "serviceRestored",
    ];
    assert_eq!(add(&a, url, &filters).ok().trim(), "1");
    let again = add(&a, url, &filters).fails(2);
    assert!(
        again.stderr.contains("subscription 1")
            && again.stderr.contains("`healthfeed notify remove 1`"),
        "{}",
        again.stderr
    );
    assert_eq!(again.stdout, "");
    // The same filters in another order or case, and the same URL spelled
    // with another host case or its default port, are the same subscription.
    let same = [
        "--status",
        "servicerestored",
        "--service",
        "Teams",
        "--service",
        "EXCHANGE",
    ];
    add(&a, url, &same).fails(2);
    add(&a, "https://EXAMPLE.com:443/hook", &filters).fails(2);
    assert_eq!(listed(&a), 1);

    // Another format or other filters are another subscription.
    assert_eq!(add(&a, url, &["--format", "teams"]).ok().trim(), "2");
    assert_eq!(add(&a, url, &[]).ok().trim(), "3");
    assert_eq!(add(&a, url, &["--kind", "health"]).ok().trim(), "4");
    add(&a, url, &[]).fails(2);
    assert_eq!(listed(&a), 4);

    // Once removed, it may be added again.
    a.cmd(["notify", "remove", "3"]).ok();
    assert_eq!(add(&a, url, &[]).ok().trim(), "5");
}

#[test]
fn a_refused_twin_does_not_show_the_secret_url() {
    let a = Archive::new();
    let url = "https://hooks.slack.com/services/T0/B0/T0KEN5ECRET";
    add(&a, url, &["--format", "slack"]).ok();
    let again = add(&a, url, &["--format", "slack"]).fails(2);
    assert!(!again.stderr.contains("T0KEN5ECRET"), "{}", again.stderr);
}

#[test]
fn notify_list_shows_filters_as_a_shell_takes_them() {
    let a = Archive::new();
    add(
        &a,
        "https://example.com/hook",
        &[
            "--service",
            "exchange online",
            "--service",
            "it's",
            "--kind",
            "health",
            "--classification",
            "incident",
        ],
    )
    .ok();
    add(&a, "https://example.com/all", &[]).ok();
    let table = a.cmd(["notify", "list"]).ok();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].contains(
            "--service 'exchange online' --service 'it'\\''s' --kind health --classification incident"
        ),
        "{table}"
    );
    assert!(lines[1].contains("every record"), "{table}");
    // Machine output keeps the values as they are.
    let doc = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(doc[0]["topics"]["services"][0], "exchange online");
}
