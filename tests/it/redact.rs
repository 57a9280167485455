//! Webhook URLs carry their secret in the path or the query: human output
//! (stderr that cron mails, tables) shows them redacted, machine output whole.

use std::time::Duration;

use crate::delivery::{Answer, Hook};
use crate::support::wp::{Wp, t};
use crate::support::{Archive, Cmd, unreachable_posts_url};

/// What stands for a webhook's secret in these tests.
const TOKEN: &str = "T0KEN5ECRET";

fn sync(a: &Archive, wp: &Wp) -> Cmd {
    a.sync(&wp.posts_url(), 0)
}

fn synced() -> (Archive, Wp) {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64 * 60));
    let a = Archive::new();
    sync(&a, &wp).ok();
    (a, wp)
}

fn secret_url(base: &str) -> String {
    format!("{base}/services/{TOKEN}?sig={TOKEN}")
}

#[test]
fn a_refused_delivery_and_the_check_do_not_show_the_token() {
    let (a, wp) = synced();
    let hook = Hook::start();
    let url = secret_url(&hook.url);
    a.cmd(["notify", "add", &url]).ok();
    hook.then(Answer::Status(404, None));
    wp.site().publish(9, t(900));
    let failed = sync(&a, &wp).fails(7);
    assert!(
        failed.stderr.contains("subscription 1 (http://127.0.0.1:"),
        "{}",
        failed.stderr
    );
    assert!(!failed.stderr.contains(TOKEN), "{}", failed.stderr);

    let check = a.cmd(["status", "--max-age", "1h"]).fails(8);
    assert!(
        check.stderr.contains("subscription 1 ("),
        "{}",
        check.stderr
    );
    assert!(!check.stderr.contains(TOKEN), "{}", check.stderr);

    // The table too; scripts still get the whole URL.
    let table = a.cmd(["notify", "list"]).ok();
    assert!(table.starts_with("1  http://127.0.0.1:"), "{table}");
    assert!(!table.contains(TOKEN), "{table}");
    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(listed[0]["url"], url.as_str());
    let rows = a.cmd(["notify", "list", "--format", "ndjson"]).ndjson();
    assert_eq!(rows[0]["url"], url.as_str());
}

#[test]
fn an_unreachable_receiver_does_not_show_the_token_either() {
    // The HTTP client's own error names the URL it tried.
    let (a, wp) = synced();
    let url = secret_url(&unreachable_posts_url());
    a.cmd(["notify", "add", &url]).ok();
    wp.site().publish(9, t(900));
    let failed = sync(&a, &wp).timeout(Duration::from_secs(60)).fails(7);
    assert!(
        failed.stderr.contains("subscription 1 ("),
        "{}",
        failed.stderr
    );
    assert!(!failed.stderr.contains(TOKEN), "{}", failed.stderr);
    let sent = a.cmd(["notify", "send"]).fails(7);
    assert!(!sent.stderr.contains(TOKEN), "{}", sent.stderr);
    let tested = a.cmd(["notify", "test", "1"]).fails(7);
    assert!(tested.stderr.contains("no answer"), "{}", tested.stderr);
    assert!(!tested.stderr.contains(TOKEN), "{}", tested.stderr);
}

#[test]
fn notify_test_and_the_add_warning_do_not_show_the_token() {
    let a = Archive::new();
    let hook = Hook::start();
    a.cmd(["notify", "add", &secret_url(&hook.url)]).ok();
    let out = a.cmd(["notify", "test", "1"]).succeeds();
    assert!(out.stdout.contains("subscription 1 ("), "{}", out.stdout);
    assert!(!out.stdout.contains(TOKEN), "{}", out.stdout);

    let slack = format!("https://hooks.slack.com/services/{TOKEN}/B0/XXXX");
    let warned = a.cmd(["notify", "add", &slack]).succeeds();
    assert!(
        warned.stderr.contains("--format slack"),
        "{}",
        warned.stderr
    );
    assert!(!warned.stderr.contains(TOKEN), "{}", warned.stderr);
}
