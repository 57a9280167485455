//! `status --max-age`: the check a second cron line runs, so a sync job that
//! silently stopped working (or notifications that stopped arriving) is noticed.
//! Ages are made by moving the archive's own timestamps back, not by waiting.

use std::time::Duration;

use crate::delivery::{Answer, Hook};
use crate::support::wp::{Fault, Wp, t};
use crate::support::{Archive, Cmd, unreachable_posts_url};

fn sync(a: &Archive, wp: &Wp) -> Cmd {
    a.sync(&wp.posts_url(), 0)
}

fn check(a: &Archive) -> Cmd {
    a.cmd(["status", "--max-age", "1h"])
}

/// Moves every logged run back by `hours`.
fn age_runs(a: &Archive, hours: i64) {
    let shift = format!("-{hours} hours");
    a.conn()
        .execute(
            "UPDATE runs SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', started_at, ?1),
               finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', finished_at, ?1)",
            [&shift],
        )
        .unwrap();
}

/// A synced archive with a few posts.
fn synced() -> (Archive, Wp) {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64 * 60));
    let a = Archive::new();
    sync(&a, &wp).ok();
    (a, wp)
}

fn problems(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("unhealthy")).collect()
}

#[test]
fn a_healthy_archive_passes_silently_and_json_shows_what_was_judged() {
    let (a, wp) = synced();
    let hook = Hook::start();
    a.cmd(["notify", "add", &hook.url]).ok();
    wp.site().publish(9, t(900));
    sync(&a, &wp).ok();
    let quiet = check(&a).succeeds();
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));

    let doc = check(&a).arg("--json").json();
    let c = &doc["check"];
    assert_eq!(c["max_age_secs"], 3600, "{doc}");
    assert_eq!(c["problems"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(c["sources"][0]["source"], wp.posts_url());
    assert_eq!(c["sources"][0]["last_outcome"], "ok");
    assert!(c["sources"][0]["last_success"].is_string(), "{doc}");
    assert_eq!(c["subscriptions"][0]["pending"], 0);
    assert_eq!(c["subscriptions"][0]["failing"], serde_json::Value::Null);
    // The report's own fields are still there.
    assert_eq!(doc["health_records"], 4, "{doc}");
    a.cmd(["status", "--max-age", "0"]).fails(2);
}

#[test]
fn never_synced_is_unhealthy() {
    let a = Archive::sample();
    let out = check(&a).fails(8);
    let said = problems(&out.stderr);
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(said[0].contains("never synced"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn no_successful_sync_within_the_age_is_unhealthy() {
    let (a, _wp) = synced();
    age_runs(&a, 2);
    let out = check(&a).fails(8);
    let said = problems(&out.stderr);
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(
        said[0].contains("sync") && said[0].contains("2h ago") && said[0].contains("1h"),
        "{}",
        out.stderr
    );
    let doc = check(&a).arg("--json").output();
    assert_eq!(doc.code, Some(8));
    let doc: serde_json::Value = serde_json::from_str(&doc.stdout).unwrap();
    assert_eq!(doc["check"]["problems"][0]["what"], "sync");
    assert!(doc["check"]["problems"][0]["age_secs"].as_u64().unwrap() >= 7200);
    // A longer age passes.
    a.cmd(["status", "--max-age", "3h"]).succeeds();
    // Ages count to the injected now, as every answer's do.
    let later = (chrono::Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339();
    let out = a
        .cmd(["status", "--max-age", "3h"])
        .env("HEALTHFEED_NOW", &later)
        .fails(8);
    assert!(out.stderr.contains("4h ago"), "{}", out.stderr);
}

#[test]
fn a_source_that_fails_while_another_works_is_named() {
    let (a, wp) = synced();
    let other = Wp::start();
    other.site().record_base = 900_000;
    other.site().publish(1, t(60));
    age_runs(&a, 2);
    // The first source now fails at every try; the second keeps working.
    wp.site().sticky = Some(Fault::Status(500));
    a.cmd(["sync", "--retries", "0", "--settle-secs", "0"])
        .args(["--source", &wp.posts_url(), "--source", &other.posts_url()])
        .fails(4);
    let out = check(&a).fails(8);
    let said = problems(&out.stderr);
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(
        said[0].contains(&format!("source {}", wp.posts_url()))
            && said[0].contains("last succeeded 2h ago")
            && said[0].contains("500"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failing_subscription_is_unhealthy() {
    let (a, wp) = synced();
    let hook = Hook::start();
    a.cmd(["notify", "add", &hook.url]).ok();
    hook.then(Answer::Status(404, None));
    wp.site().publish(9, t(900));
    sync(&a, &wp).fails(7);
    let out = check(&a).fails(8);
    let said = problems(&out.stderr);
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(
        said[0].contains(&format!(
            "subscription 1 ({})",
            healthfeed::model::redact_url(&hook.url)
        )) && said[0].contains("failing")
            && said[0].contains("404")
            && said[0].contains("1 event pending"),
        "{}",
        out.stderr
    );
    // Delivered: well again.
    a.cmd(["notify", "send"]).ok();
    check(&a).succeeds();
}

#[test]
fn events_pending_longer_than_the_age_are_unhealthy() {
    let (a, wp) = synced();
    a.cmd(["notify", "add", &unreachable_posts_url()]).ok();
    wp.site().publish_all(8..=9, |id| t(id as i64 * 60));
    sync(&a, &wp).timeout(Duration::from_secs(60)).fails(7);
    // Pending, but not for long: the next runs may still deliver them.
    check(&a).succeeds();
    a.conn()
        .execute(
            "UPDATE events SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '-90 minutes')",
            [],
        )
        .unwrap();
    let out = check(&a).fails(8);
    let said = problems(&out.stderr);
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(
        said[0].contains("subscription 1")
            && said[0].contains("2 events pending for 1h 30m")
            && said[0].contains("more than 1h"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_zero_max_age_is_refused_in_plain_words() {
    let a = Archive::new();
    let out = a.cmd(["status", "--max-age", "0"]).fails(2);
    // It read `"0 (it must be more than 0)" is not a length of time`,
    // quoting words the user never typed as if they had.
    assert!(
        out.stderr.contains("\"0\" must be more than 0") && out.stderr.contains("1h"),
        "{}",
        out.stderr
    );
}
