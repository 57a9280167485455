//! `healthfeed sync` end to end: the real binary, a real SQLite file, and the
//! WordPress stand-in on 127.0.0.1.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::wp::{Fault, Layout, Wp, t};
use crate::support::{Archive, Cmd};

fn sync(run: &Archive, source: &str) -> Cmd {
    run.sync(source, 3)
}

fn posts(run: &Archive) -> BTreeSet<(u64, String)> {
    run.posts()
}

fn count(run: &Archive, sql: &str) -> i64 {
    run.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// What a complete walk of `wp` must have stored, in the archive's form.
fn expected(wp: &Wp) -> BTreeSet<(u64, String)> {
    wp.site()
        .current()
        .into_iter()
        .map(|(id, modified)| (id, format!("{modified}Z")))
        .collect()
}

/// 250 posts, many sharing modified times, so ties cross page boundaries.
fn busy_site() -> Wp {
    let wp = Wp::start();
    {
        let mut site = wp.site();
        site.publish_all(1..=250, |id| t((id as i64 / 40) * 60));
        site.shuffle_ties = Some(7);
    }
    wp
}

#[test]
fn backfill_across_many_pages_stores_every_post() {
    let wp = busy_site();
    let run = Archive::new();
    let out = sync(&run, &wp.posts_url()).ok();
    assert_eq!(posts(&run), expected(&wp));
    assert_eq!(count(&run, "SELECT count(*) FROM records"), 250);
    assert!(out.contains("250 new records"), "{out}");
}

#[test]
fn a_run_with_nothing_new_costs_one_request_and_changes_nothing() {
    let wp = busy_site();
    let run = Archive::new();
    sync(&run, &wp.posts_url()).ok();
    let before = wp.requests();
    let out = sync(&run, &wp.posts_url()).ok();
    assert_eq!(wp.requests() - before, 1, "{:?}", &wp.urls()[before..]);
    assert!(out.starts_with("0 posts fetched: 0 new records"), "{out}");
    assert_eq!(posts(&run), expected(&wp));
}

#[test]
fn posts_added_and_edited_between_runs_are_picked_up() {
    let wp = busy_site();
    let run = Archive::new();
    sync(&run, &wp.posts_url()).ok();
    {
        let mut site = wp.site();
        site.publish(251, t(100_000));
        site.edit(17, t(100_001));
    }
    let out = sync(&run, &wp.posts_url()).arg("--changes").ok();
    assert_eq!(posts(&run), expected(&wp));
    assert!(out.contains("DZ600251  new → serviceRestored"), "{out}");
    assert!(
        out.contains("1 new record, 1 updated record, 0 status changes"),
        "{out}"
    );
    assert_eq!(
        count(&run, "SELECT count(*) FROM raw_posts WHERE post_id = 17"),
        2
    );
}

#[test]
fn a_tie_group_longer_than_a_page_loses_nothing_while_ties_shuffle() {
    let wp = Wp::start();
    {
        let mut site = wp.site();
        site.publish_all(1..=30, |id| t(id as i64));
        site.publish_all(31..=110, |_| t(5_000));
        site.publish_all(111..=130, |id| t(10_000 + id as i64));
        site.shuffle_ties = Some(3);
    }
    let run = Archive::new();
    sync(&run, &wp.posts_url()).ok();
    assert_eq!(posts(&run), expected(&wp));
}

#[test]
fn a_post_published_mid_walk_is_not_lost() {
    let wp = busy_site();
    wp.after_request(3, |site| {
        site.publish(900, t(10));
        site.edit(5, t(20_000));
    });
    let run = Archive::new();
    sync(&run, &wp.posts_url()).ok();
    assert_eq!(posts(&run), expected(&wp));
}

#[test]
fn transient_faults_are_retried_and_give_the_same_archive() {
    let wp = busy_site();
    for fault in [
        Fault::Status(503),
        Fault::Status(500),
        Fault::TooMany("1".into()),
        Fault::Html,
        Fault::Cut,
    ] {
        wp.fault(fault);
    }
    let run = Archive::new();
    sync(&run, &wp.posts_url()).args(["--retries", "6"]).ok();
    assert_eq!(posts(&run), expected(&wp));
}

#[test]
fn persistent_failure_exits_4_keeps_committed_pages_and_the_next_run_resumes() {
    let wp = busy_site();
    wp.after_request(4, |site| site.sticky = Some(Fault::Status(500)));
    let run = Archive::new();
    let err = sync(&run, &wp.posts_url()).fails(4).stderr;
    assert!(
        err.contains("500") && err.contains("/wp-json/wp/v2/posts"),
        "{err}"
    );
    let kept = posts(&run);
    assert!(
        kept.len() >= 40,
        "pages before the failure were not kept: {}",
        kept.len()
    );

    wp.site().sticky = None;
    let before = wp.requests();
    sync(&run, &wp.posts_url()).ok();
    assert_eq!(posts(&run), expected(&wp));
    let first = &wp.urls()[before];
    assert!(
        first.contains("modified_after="),
        "resumed from scratch: {first}"
    );
}

#[test]
fn a_second_sync_while_one_runs_exits_6_with_the_busy_message() {
    let wp = busy_site();
    wp.fault(Fault::Stall(Duration::from_millis(1500)));
    let run = Archive::new();
    let first = run.cmd([
        "sync",
        "--source",
        &wp.posts_url(),
        "--timeout",
        "5",
        "--settle-secs",
        "0",
    ]);
    let first = std::thread::spawn(move || first.output());
    // Let the first sync take the lock and block on the stalled answer.
    std::thread::sleep(Duration::from_millis(500));
    let err = sync(&run, &wp.posts_url()).fails(6).stderr;
    assert!(err.contains("another healthfeed sync is running"), "{err}");
    assert!(first.join().unwrap().success());
    // With --wait, a second sync waits its turn instead.
    sync(&run, &wp.posts_url()).args(["--wait", "10"]).ok();
}

#[test]
fn a_site_url_is_probed_once_and_its_route_remembered() {
    let wp = busy_site();
    wp.site().layout = Layout::Plain;
    let run = Archive::new();
    sync(&run, &wp.url()).ok();
    assert_eq!(posts(&run), expected(&wp));
    let before = wp.requests();
    sync(&run, &wp.url()).ok();
    assert_eq!(wp.requests() - before, 1);
    assert!(wp.urls()[before].contains("rest_route="), "{:?}", wp.urls());
}

#[test]
fn json_and_quiet_output() {
    let wp = busy_site();
    let run = Archive::new();
    let quiet = sync(&run, &wp.posts_url()).arg("--quiet").ok();
    assert_eq!(quiet, "");
    wp.site().publish(400, t(200_000));
    let json = sync(&run, &wp.posts_url()).arg("--json").json();
    assert_eq!(json["new_records"], 1);
    assert_eq!(json["changes"][0]["id"], "DZ600400");
    assert_eq!(json["changes"][0]["from"], serde_json::Value::Null);
}

#[test]
fn verbose_logs_each_request_with_its_status() {
    let wp = busy_site();
    wp.fault(Fault::Status(503));
    let run = Archive::new();
    let err = sync(&run, &wp.posts_url()).arg("-v").succeeds().stderr;
    assert!(err.contains("GET http://127.0.0.1:"), "{err}");
    assert!(err.contains("503"), "{err}");
    assert!(err.contains("retry 1"), "{err}");
}

#[test]
fn an_unreachable_source_exits_4_naming_it() {
    let run = Archive::new();
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/wp-json/wp/v2/posts");
    let out = sync(&run, &url).args(["--retries", "1"]).fails(4);
    assert!(out.stderr.contains(&format!("127.0.0.1:{port}")));
}

#[test]
fn a_site_that_changes_its_permalinks_is_probed_again() {
    let wp = busy_site();
    let run = Archive::new();
    sync(&run, &wp.url()).ok();
    wp.site().layout = Layout::Plain;
    wp.site().publish(500, t(300_000));
    sync(&run, &wp.url()).ok();
    assert_eq!(posts(&run), expected(&wp));
    let conn = run.conn();
    let route: String = conn
        .query_row("SELECT posts_url FROM sources", [], |r| r.get(0))
        .unwrap();
    assert!(route.contains("rest_route="), "{route}");
}

#[test]
fn a_since_earlier_than_the_mark_walks_from_since() {
    let wp = Wp::start();
    wp.site().publish_all(1..=20, |id| t(id as i64 * 60));
    let run = Archive::new();
    let since = |secs: i64| t(secs).to_rfc3339();
    let first = sync(&run, &wp.posts_url())
        .args(["--json", "--since", &since(600)])
        .json();
    assert_eq!(first["posts"], 11, "{first}");
    // The mark is now past post 20; --since reaches back before it.
    let back = sync(&run, &wp.posts_url())
        .args(["--json", "--since", &since(60)])
        .json();
    assert_eq!(back["new_records"], 9, "{back}");
    assert_eq!(posts(&run), expected(&wp));
    // A --since later than the mark changes nothing: the mark is earlier.
    let later = sync(&run, &wp.posts_url())
        .args(["--json", "--since", &since(100_000)])
        .json();
    assert_eq!(later["posts"], 0, "{later}");
}

#[test]
fn https_against_a_plain_http_server_suggests_http() {
    let wp = Wp::start();
    let url = wp.posts_url().replacen("http://", "https://", 1);
    let run = Archive::new();
    let out = sync(&run, &url).args(["--retries", "0"]).fails(4);
    assert!(
        out.stderr
            .contains("give the URL with http:// instead of https://"),
        "{}",
        out.stderr
    );
}
