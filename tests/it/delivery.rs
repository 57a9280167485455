//! Delivery under pressure: a receiver that asks to wait (429 with
//! Retry-After), and a process killed (SIGKILL) while a receiver holds its POST.
//! The receiver here follows a script, one answer per request, and notes when
//! each request arrived, measured on its own side.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::wp::{Wp, t};
use crate::support::{Archive, Cmd};

/// How the receiver answers one request.
pub enum Answer {
    /// This status, with `Retry-After: VALUE` when given.
    Status(u16, Option<String>),
    /// This status, with `Retry-After` as the HTTP date this many seconds after answering.
    StatusUntil(u16, i64),
    /// Tells the test the request is held, then answers 200 once the test says so.
    Hold {
        held: mpsc::Sender<()>,
        release: mpsc::Receiver<()>,
    },
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    body: Value,
}

/// A webhook on 127.0.0.1 answering by script, then 200 to everything.
pub struct Hook {
    pub url: String,
    script: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hook {
    pub fn start() -> Hook {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", server.server_addr().to_ip().unwrap());
        let script: Arc<Mutex<VecDeque<Answer>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (answers, kept) = (script.clone(), seen.clone());
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let at = Instant::now();
                let mut body = String::new();
                request.as_reader().read_to_string(&mut body).unwrap();
                let body = serde_json::from_str(&body).unwrap();
                kept.lock().unwrap().push(Seen { at, body });
                let answer = answers.lock().unwrap().pop_front();
                let response = match answer {
                    None => tiny_http::Response::empty(200),
                    Some(Answer::Status(code, wait)) => {
                        let mut r = tiny_http::Response::empty(code);
                        if let Some(wait) = wait {
                            let header =
                                tiny_http::Header::from_bytes(&b"Retry-After"[..], wait.as_bytes());
                            r.add_header(header.unwrap());
                        }
                        r
                    }
                    Some(Answer::StatusUntil(code, secs)) => {
                        let at = chrono::Utc::now() + chrono::TimeDelta::seconds(secs);
                        let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                        let header =
                            tiny_http::Header::from_bytes(&b"Retry-After"[..], date.as_bytes());
                        tiny_http::Response::empty(code).with_header(header.unwrap())
                    }
                    Some(Answer::Hold { held, release }) => {
                        let _ = held.send(());
                        let _ = release.recv_timeout(Duration::from_secs(60));
                        tiny_http::Response::empty(200)
                    }
                };
                // The client may be dead by now (killed while held): nobody to answer.
                let _ = request.respond(response);
            }
        });
        Hook { url, script, seen }
    }

    pub fn then(&self, answer: Answer) {
        self.script.lock().unwrap().push_back(answer);
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Every event object of a POST.
fn events(body: &Value) -> Vec<Value> {
    assert_eq!(body["healthfeed"], 1, "{body}");
    body["events"].as_array().unwrap().clone()
}

fn keys(body: &Value) -> Vec<String> {
    events(body)
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_owned())
        .collect()
}

fn sync_args(wp: &Wp) -> Vec<String> {
    [
        "sync",
        "--source",
        &wp.posts_url(),
        "--timeout",
        "5",
        "--retry-base-ms",
        "10",
        "--settle-secs",
        "0",
    ]
    .map(String::from)
    .into()
}

fn sync(a: &Archive, wp: &Wp) -> Cmd {
    a.cmd(sync_args(wp)).timeout(Duration::from_secs(60))
}

/// An archive subscribed to `hook`, holding three posts from before it subscribed.
fn subscribed(hook: &Hook) -> (Archive, Wp) {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64 * 60));
    let a = Archive::new();
    sync(&a, &wp).ok();
    a.cmd(["notify", "add", &hook.url]).ok();
    (a, wp)
}

#[test]
fn a_429_with_retry_after_in_seconds_is_waited_for_then_delivered_once() {
    let hook = Hook::start();
    let (a, wp) = subscribed(&hook);
    hook.then(Answer::Status(429, Some("1".into())));
    wp.site().publish_all(10..=12, |id| t(id as i64 * 60));
    sync(&a, &wp).ok();
    let seen = hook.seen();
    assert_eq!(seen.len(), 2, "one refused, one accepted: {seen:?}");
    let waited = seen[1].at - seen[0].at;
    assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
    assert_eq!(keys(&seen[0].body), keys(&seen[1].body), "the same events");
    assert_eq!(keys(&seen[1].body).len(), 3);
    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(listed[0]["pending"], 0, "{listed}");
    // Delivered once: a later run sends nothing more.
    a.cmd(["notify", "send"]).ok();
    assert_eq!(hook.seen().len(), 2);
}

#[test]
fn a_retry_after_http_date_is_waited_for_too() {
    let hook = Hook::start();
    let (a, wp) = subscribed(&hook);
    // Three seconds ahead, cut to whole seconds: still over a second away when read.
    hook.then(Answer::StatusUntil(503, 3));
    wp.site().publish(10, t(600));
    sync(&a, &wp).ok();
    let seen = hook.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let waited = seen[1].at - seen[0].at;
    assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
}

#[test]
fn a_retry_after_past_the_runs_time_limit_leaves_the_events_pending() {
    let hook = Hook::start();
    let (a, wp) = subscribed(&hook);
    hook.then(Answer::Status(429, Some("3600".into())));
    wp.site().publish(10, t(600));
    // Cut to 60 s, still past a 20 s run: no wait at all, the events stay.
    let failed = a
        .cmd(sync_args(&wp))
        .args(["--max-time", "20s"])
        .timeout(Duration::from_secs(40))
        .fails(7);
    assert!(
        failed.stderr.contains("time limit"),
        "says why: {}",
        failed.stderr
    );
    assert_eq!(hook.seen().len(), 1);
    assert_eq!(a.cmd(["notify", "list", "--json"]).json()[0]["pending"], 1);
    a.cmd(["notify", "send"]).ok();
    assert_eq!(hook.seen().len(), 2);
}

#[test]
fn killed_during_delivery_then_run_again_every_event_arrives_with_its_key() {
    let hook = Hook::start();
    let (a, wp) = subscribed(&hook);
    // 150 events: a first POST of 100 the receiver accepts, a second it holds.
    wp.site().publish_all(100..250, |id| t(id as i64 * 60));
    let (held_tx, held) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    hook.then(Answer::Status(200, None));
    hook.then(Answer::Hold {
        held: held_tx,
        release: release_rx,
    });
    let mut child = a
        .process(sync_args(&wp))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    held.recv_timeout(Duration::from_secs(60))
        .expect("the second POST reached the receiver");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "ended by the signal: {status:?}");
    // The receiver now answers the request nobody waits for any more.
    release.send(()).unwrap();

    a.cmd(["notify", "send"])
        .timeout(Duration::from_secs(60))
        .ok();
    let seen = hook.seen();
    assert_eq!(seen.len(), 3, "accepted, held, sent again: {}", seen.len());
    let (accepted, held_keys, again) = (
        keys(&seen[0].body),
        keys(&seen[1].body),
        keys(&seen[2].body),
    );
    assert_eq!(accepted.len(), 100);
    // Only what was not acknowledged comes again, with the same keys, in order.
    assert_eq!(again, held_keys);
    let every: BTreeSet<&String> = accepted.iter().chain(&held_keys).collect();
    assert_eq!(every.len(), 150, "every event delivered at least once");
    // A repeat is the same event: one key, one payload, per record.
    let mut by_record: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in &seen {
        for e in events(&s.body) {
            by_record
                .entry(e["id"].as_str().unwrap().to_owned())
                .or_default()
                .insert(e.to_string());
        }
    }
    assert_eq!(by_record.len(), 150);
    assert!(by_record.values().all(|versions| versions.len() == 1));
    assert_eq!(a.cmd(["notify", "list", "--json"]).json()[0]["pending"], 0);
}

#[test]
fn the_runs_time_limit_bounds_delivery_too() {
    // README: once --max-time has passed, no new request starts. A receiver
    // holding its POST kept the run for the whole 30 s request timeout, and
    // the next subscription was still sent to after the limit.
    let slow = Hook::start();
    let (a, wp) = subscribed(&slow);
    let other = Hook::start();
    a.cmd(["notify", "add", &other.url]).ok();
    let (held_tx, held) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    slow.then(Answer::Hold {
        held: held_tx,
        release: release_rx,
    });
    wp.site().publish(10, t(600));
    let started = Instant::now();
    let failed = a
        .cmd(sync_args(&wp))
        .args(["--max-time", "3s"])
        .timeout(Duration::from_secs(60))
        .fails(7);
    let took = started.elapsed();
    let _ = release.send(());
    held.recv_timeout(Duration::from_secs(1))
        .expect("the first POST reached the receiver");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_eq!(other.seen().len(), 0, "no request after the limit");
    assert!(failed.stderr.contains("time limit"), "{}", failed.stderr);
    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(listed[0]["pending"], 1, "{listed}");
    assert_eq!(listed[1]["pending"], 1, "{listed}");
}

#[test]
fn a_slow_receiver_never_keeps_the_next_sync_from_storing() {
    // Issue 14: delivery never delays storing. A sync held the sync lock while
    // its receiver held the POST (up to 3 tries x 30 s), so the next cron
    // sync exited 6. Now the next sync stores and leaves delivery to the
    // process already delivering; `notify send` waits for that delivery.
    let hook = Hook::start();
    let (a, wp) = subscribed(&hook);
    let (held_tx, held) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    hook.then(Answer::Hold {
        held: held_tx,
        release: release_rx,
    });
    wp.site().publish(10, t(600));
    let delivering = a
        .process(sync_args(&wp))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    held.recv_timeout(Duration::from_secs(60))
        .expect("the first sync's POST reached the receiver");

    wp.site().publish(11, t(660));
    let next = sync(&a, &wp).arg("--json").json();
    assert_eq!(
        next["new_records"], 1,
        "stored while delivery waits: {next}"
    );
    assert_eq!(
        next["notifications"]["left_to_other_process"], true,
        "{next}"
    );
    assert!(next["notifications"].get("undelivered").is_none(), "{next}");
    let verbose = sync(&a, &wp).arg("-v").succeeds();
    assert!(
        verbose.stderr.contains("events are left to it"),
        "{}",
        verbose.stderr
    );
    assert_eq!(hook.seen().len(), 1, "the later syncs sent nothing");

    // `notify send` takes the delivery lock: busy at once without --wait ...
    let busy = a.cmd(["notify", "send"]).fails(6);
    assert!(
        busy.stderr.contains("delivering notifications") && busy.stderr.contains("--wait 5m"),
        "{}",
        busy.stderr
    );
    let waited = a.cmd(["notify", "send", "--wait", "0.3s"]).fails(6);
    assert!(waited.stderr.contains("waited 0.3 s"), "{}", waited.stderr);
    // ... and with a long enough --wait, runs once the first sync is done.
    let mut send = a
        .process(["notify", "send", "--wait", "1m"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        send.try_wait().unwrap().is_none(),
        "send waits for the lock"
    );
    release.send(()).unwrap();

    let first = delivering.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{:?}: {}",
        first.status,
        String::from_utf8_lossy(&first.stderr)
    );
    let sent = send.wait_with_output().unwrap();
    assert!(
        sent.status.success(),
        "{:?}: {}",
        sent.status,
        String::from_utf8_lossy(&sent.stderr)
    );
    a.cmd(["notify", "send"]).ok();

    // Every event arrived exactly once overall, whoever sent it.
    let keys: Vec<String> = hook.seen().iter().flat_map(|s| keys(&s.body)).collect();
    let unique: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "no key twice: {keys:?}");
    assert_eq!(keys.len(), 2, "posts 10 and 11: {keys:?}");
    assert_eq!(a.cmd(["notify", "list", "--json"]).json()[0]["pending"], 0);
}
