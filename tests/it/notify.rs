//! Notifications end to end: subscriptions, the outbox written with the posts,
//! and delivery to a loopback receiver that records every POST.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::support::wp::{Wp, t};
use crate::support::{Archive, Cmd};

/// A webhook on 127.0.0.1 answering every POST with `status` (and `reply`
/// as the body) and keeping each body with the status it was answered with.
pub(crate) struct Receiver {
    pub(crate) url: String,
    status: Arc<AtomicU16>,
    reply: Arc<Mutex<String>>,
    posts: Arc<Mutex<Vec<(u16, Value)>>>,
}

impl Receiver {
    pub(crate) fn start() -> Receiver {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", server.server_addr().to_ip().unwrap());
        let status = Arc::new(AtomicU16::new(200));
        let reply = Arc::new(Mutex::new(String::new()));
        let posts = Arc::new(Mutex::new(Vec::new()));
        let (answer, said, kept) = (status.clone(), reply.clone(), posts.clone());
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let mut body = String::new();
                request.as_reader().read_to_string(&mut body).unwrap();
                let code = answer.load(Ordering::SeqCst);
                kept.lock()
                    .unwrap()
                    .push((code, serde_json::from_str(&body).unwrap()));
                let text = said.lock().unwrap().clone();
                let _ =
                    request.respond(tiny_http::Response::from_string(text).with_status_code(code));
            }
        });
        Receiver {
            url,
            status,
            reply,
            posts,
        }
    }

    pub(crate) fn answer(&self, code: u16) {
        self.status.store(code, Ordering::SeqCst);
    }

    /// What the receiver says in the body of its answers from now on.
    pub(crate) fn reply(&self, body: &str) {
        *self.reply.lock().unwrap() = body.to_owned();
    }

    /// Every POST so far, with the status it got.
    pub(crate) fn posts(&self) -> Vec<(u16, Value)> {
        self.posts.lock().unwrap().clone()
    }

    /// The keys of every event the receiver accepted (answered 2xx), in order.
    fn accepted_keys(&self) -> Vec<String> {
        self.posts()
            .iter()
            .filter(|(code, _)| *code < 300)
            .flat_map(|(_, body)| keys_of(body))
            .collect()
    }
}

fn keys_of(body: &Value) -> Vec<String> {
    assert_eq!(body["healthfeed"], 1, "{body}");
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_owned())
        .collect()
}

/// `healthfeed sync` of the stand-in with test-sized timeouts.
fn sync(a: &Archive, wp: &Wp) -> Cmd {
    a.cmd([
        "sync",
        "--source",
        &wp.posts_url(),
        "--timeout",
        "2",
        "--retry-base-ms",
        "10",
        "--settle-secs",
        "0",
    ])
    .timeout(Duration::from_secs(60))
}

/// Three posts stored before anybody subscribed.
fn three_posts() -> (Archive, Wp) {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64 * 60));
    let a = Archive::new();
    sync(&a, &wp).ok();
    (a, wp)
}

/// A Last Updated later than the seed's (2023-03-29T18:23:04Z): a newer update.
fn later(day: i64) -> chrono::DateTime<chrono::Utc> {
    t((30 + day) * 86_400)
}

pub(crate) fn add(a: &Archive, url: &str, filters: &[&str]) -> String {
    let id = a.cmd(["notify", "add", url]).args(filters).ok();
    id.trim().to_owned()
}

#[test]
fn events_for_exactly_the_records_that_changed_after_subscribing() {
    let (a, wp) = three_posts();
    let hook = Receiver::start();
    assert_eq!(add(&a, &hook.url, &[]), "1");
    // Nothing changed since the subscription: nothing to send.
    sync(&a, &wp).ok();
    assert!(hook.posts().is_empty(), "{:?}", hook.posts());

    let base = wp.site().record_base;
    wp.site().publish(4, t(600));
    wp.site().edit(2, later(1));
    sync(&a, &wp).ok();
    let posts = hook.posts();
    assert_eq!(
        posts.len(),
        1,
        "one POST per subscription per run: {posts:?}"
    );
    let events = posts[0].1["events"].as_array().unwrap().clone();
    let by_id: BTreeMap<&str, &Value> = events
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e))
        .collect();
    let (edited, new) = (format!("DZ{}", base + 2), format!("DZ{}", base + 4));
    assert_eq!(
        by_id.keys().copied().collect::<Vec<_>>(),
        [edited.as_str(), new.as_str()]
    );
    assert_eq!(by_id[new.as_str()]["event"], "new");
    assert_eq!(by_id[new.as_str()]["previous_status"], Value::Null);
    let update = by_id[edited.as_str()];
    assert_eq!(update["event"], "update");
    assert_eq!(update["previous_status"], "serviceRestored");
    assert_eq!(update["kind"], "health");
    assert_eq!(
        update["key"],
        format!("{edited}@{}", update["last_updated"].as_str().unwrap())
    );
    for field in ["classification", "service", "title", "start_time", "link"] {
        assert!(update[field].is_string(), "{field}: {update}");
    }

    // An older update arriving late (post 2's first version, again) is no event,
    // and a run with nothing new sends nothing.
    sync(&a, &wp).ok();
    assert_eq!(hook.posts().len(), 1);
    let keys = hook.accepted_keys();
    let mut once = keys.clone();
    once.dedup();
    assert_eq!(keys, once, "each key once");
    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(listed[0]["pending"], 0, "{listed}");
}

#[test]
fn filters_narrow_the_events() {
    let (a, wp) = three_posts();
    let (all, message, defender) = (Receiver::start(), Receiver::start(), Receiver::start());
    add(&a, &all.url, &[]);
    add(&a, &message.url, &["--kind", "message"]);
    add(
        &a,
        &defender.url,
        &[
            "--service",
            "DEFENDER",
            "--status",
            "serviceRestored",
            "--classification",
            "incident,advisory",
        ],
    );
    wp.site().publish_all(10..=11, |id| t(id as i64 * 60));
    sync(&a, &wp).ok();
    assert_eq!(all.accepted_keys().len(), 2);
    assert!(message.posts().is_empty(), "{:?}", message.posts());
    assert_eq!(defender.accepted_keys(), all.accepted_keys());

    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(listed[1]["topics"]["kind"], "message", "{listed}");
    a.cmd(["notify", "remove", "2"]).ok();
    a.cmd(["notify", "remove", "2"]).fails(1);
    assert_eq!(
        a.cmd(["notify", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    a.cmd(["notify", "add", "ftp://example.com/x"]).fails(2);
}

#[test]
fn a_failing_receiver_keeps_the_events_and_a_later_run_delivers_them_once() {
    let (a, wp) = three_posts();
    let hook = Receiver::start();
    add(&a, &hook.url, &[]);
    hook.answer(500);
    wp.site().publish_all(20..=22, |id| t(id as i64 * 60));
    let failed = sync(&a, &wp).fails(7);
    let said: Vec<_> = failed
        .stderr
        .lines()
        .filter(|l| l.contains("subscription 1"))
        .collect();
    assert_eq!(said.len(), 1, "once: {}", failed.stderr);
    assert!(said[0].contains("500"), "{}", failed.stderr);
    // The posts were stored all the same.
    assert_eq!(
        a.cmd(["list", "--json"]).json().as_array().unwrap().len(),
        6
    );
    assert!(hook.accepted_keys().is_empty());
    let tried = hook.posts().len();
    assert!(tried >= 2, "retried within the run: {tried}");

    // Still failing: `notify send` exits 7 too, and the events stay.
    a.cmd(["notify", "send"]).fails(7);
    assert_eq!(a.cmd(["notify", "list", "--json"]).json()[0]["pending"], 3);

    hook.answer(200);
    wp.site().publish(23, t(23 * 60));
    sync(&a, &wp).ok();
    let keys = hook.accepted_keys();
    assert_eq!(keys.len(), 4, "{keys:?}");
    let mut distinct = keys.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "no duplicates once 2xx: {keys:?}");
    // Every try carried the same keys in the same order.
    let first = keys_of(&hook.posts()[0].1);
    assert_eq!(first, keys[..3]);
    a.cmd(["notify", "send"]).ok();
    assert_eq!(hook.accepted_keys().len(), 4);
}

#[test]
fn a_receiver_refusing_the_request_marks_the_subscription_failing() {
    let (a, wp) = three_posts();
    let hook = Receiver::start();
    add(&a, &hook.url, &[]);
    hook.answer(404);
    wp.site().publish(30, t(30 * 60));
    let failed = sync(&a, &wp).fails(7);
    assert!(
        failed.stderr.contains("marked failing"),
        "{}",
        failed.stderr
    );
    assert_eq!(hook.posts().len(), 1, "a 4xx is not retried");
    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert!(
        listed[0]["failing"].as_str().unwrap().contains("404"),
        "{listed}"
    );
    assert_eq!(listed[0]["pending"], 1);
    hook.answer(204);
    a.cmd(["notify", "send"]).ok();
    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(listed[0]["failing"], Value::Null);
    assert_eq!(listed[0]["pending"], 0);
}

#[test]
fn notify_list_as_ndjson_is_one_subscription_per_line() {
    let a = Archive::new();
    add(&a, "https://example.com/one", &[]);
    add(&a, "https://example.com/two", &["--format", "slack"]);
    let rows = a.cmd(["notify", "list", "--format", "ndjson"]).ndjson();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["id"], 1);
    assert_eq!(rows[1]["url"], "https://example.com/two");
    assert_eq!(rows[1]["format"], "slack");
}

#[test]
fn send_and_remove_never_create_an_archive() {
    // A mistyped --db in a cron line must say so, not make an empty archive
    // and report that nothing was pending.
    let a = Archive::new();
    for args in [&["notify", "send"][..], &["notify", "remove", "1"]] {
        let out = a.cmd(args).fails(5);
        assert!(out.stderr.contains("no archive at"), "{}", out.stderr);
        assert!(!a.db().exists(), "`{args:?}` created {}", a.db().display());
    }
}

#[test]
fn a_refused_delivery_says_what_to_do() {
    let (a, wp) = three_posts();
    let hook = Receiver::start();
    let id = add(&a, &hook.url, &[]);
    hook.answer(410);
    wp.site().publish(30, t(30 * 60));
    let failed = sync(&a, &wp).fails(7);
    let lines: Vec<&str> = failed.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "once per subscription: {}", failed.stderr);
    assert!(
        lines[0].contains(&format!("`healthfeed notify test {id}`"))
            && lines[0].contains(&format!("`healthfeed notify remove {id}`")),
        "{}",
        failed.stderr
    );
}

#[test]
fn an_empty_notify_list_says_how_to_add_one() {
    let a = Archive::new();
    let id = add(&a, "https://example.com/hook", &[]);
    a.cmd(["notify", "remove", &id]).ok();
    let out = a.cmd(["notify", "list"]).succeeds();
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("no subscriptions") && out.stderr.contains("healthfeed notify add"),
        "{}",
        out.stderr
    );
    // Machine output stays an empty document, with nothing on stderr.
    let listed = a.cmd(["notify", "list", "--json"]).succeeds();
    assert_eq!(listed.stdout.trim(), "[]");
    assert_eq!(listed.stderr, "");
}

#[test]
fn adding_a_chat_webhook_in_another_format_warns() {
    // Slack and Discord refuse any other body with a 4xx, which marks the
    // subscription failing at the first event: say so while it is being set up.
    let a = Archive::new();
    let slack = "https://hooks.slack.com/services/T0/B0/XXXX";
    let out = a.cmd(["notify", "add", slack]).succeeds();
    assert_eq!(out.stdout.trim(), "1");
    assert!(
        out.stderr.contains("--format slack") && out.stderr.contains("notify remove 1"),
        "{}",
        out.stderr
    );
    let discord = "https://discord.com/api/webhooks/1/abc";
    let out = a
        .cmd(["notify", "add", discord, "--format", "slack"])
        .succeeds();
    assert!(out.stderr.contains("--format discord"), "{}", out.stderr);
    for (url, format) in [(slack, "slack"), (discord, "discord")] {
        let out = a.cmd(["notify", "add", url, "--format", format]).succeeds();
        assert_eq!(out.stderr, "", "the right format is not warned about");
    }
    let out = a
        .cmd(["notify", "add", "https://example.com/hook"])
        .succeeds();
    assert_eq!(out.stderr, "");
}

#[test]
fn a_slack_workflow_webhook_takes_json_without_a_warning() {
    let a = Archive::new();
    let url = "https://hooks.slack.com/workflows/T0/A0/1/abc";
    let out = a.cmd(["notify", "add", url]).succeeds();
    assert_eq!(out.stderr, "");
}
