//! Servers that lie (issue 15): about their pages, their counts and their
//! clock, or that send an answer a byte at a time. Each run ends within a
//! bound, and either stores what a clean run stores or fails loudly (exit 4,
//! a message naming the misbehaviour) with the sync mark where it was.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

use crate::support::wp::{Count, Fault, Wp, t};
use crate::support::{Archive, Cmd};

/// `healthfeed sync` of `wp` with test-sized timeouts and pages of 20.
fn sync(run: &Archive, wp: &Wp) -> Cmd {
    run.sync(&wp.posts_url(), 2)
}

fn posts(run: &Archive) -> BTreeSet<(u64, String)> {
    run.posts()
}

/// What a complete walk of `wp` must have stored.
fn expected(wp: &Wp) -> BTreeSet<(u64, String)> {
    wp.site()
        .current()
        .into_iter()
        .map(|(id, modified)| (id, format!("{modified}Z")))
        .collect()
}

/// The stored sync mark of the only source.
fn mark(run: &Archive) -> Option<String> {
    run.conn()
        .query_row("SELECT cursor FROM sources", [], |r| r.get(0))
        .unwrap()
}

/// Ten posts synced cleanly; then 35 posts sharing one second (a tie group
/// of two pages) and five later ones are published. Returns the site, the
/// archive and the mark before the tie group.
fn tie_site() -> (Wp, Archive, Option<String>) {
    let wp = Wp::start();
    wp.site().publish_all(1..=10, |id| t(id as i64));
    let run = Archive::new();
    sync(&run, &wp).ok();
    let before = mark(&run);
    assert_eq!(before.as_deref(), Some("2023-03-01T00:00:10Z"));
    {
        let mut site = wp.site();
        site.publish_all(11..=45, |_| t(5_000));
        site.publish_all(46..=50, |id| t(6_000 + id as i64));
    }
    (wp, run, before)
}

/// Runs a sync against a lying site: it either stores everything or fails
/// with exit 4 naming `misbehaviour`, leaving the mark at `before`. Returns
/// the requests made and whether it failed.
fn lied_to(wp: &Wp, run: &Archive, before: &Option<String>, misbehaviour: &str) -> bool {
    let requests = wp.requests();
    let started = Instant::now();
    let out = sync(run, wp).output();
    let made = wp.requests() - requests;
    assert!(made < 50, "{made} requests: {:#?}", wp.urls());
    assert!(started.elapsed() < Duration::from_secs(30));
    if out.code == Some(0) {
        assert_eq!(posts(run), expected(wp), "exit 0 must mean every post");
        return false;
    }
    assert_eq!(out.code, Some(4), "{}", out.stderr);
    assert!(out.stderr.contains(misbehaviour), "{}", out.stderr);
    assert!(
        out.stderr.contains("the sync mark was not moved"),
        "{}",
        out.stderr
    );
    assert_eq!(&mark(run), before, "the mark moved past posts not stored");
    true
}

#[test]
fn empty_pages_with_a_huge_total_pages_end_the_walk() {
    let (wp, run, before) = tie_site();
    {
        let mut site = wp.site();
        site.empty_past_end = true;
        site.total_pages_header = Count::Fake(1_000_000);
        // A group of exactly two pages: the third is empty.
        site.publish_all(51..=55, |_| t(5_000));
    }
    assert!(!lied_to(&wp, &run, &before, ""), "the posts all came");
}

#[test]
fn empty_pages_where_the_count_promises_more_fail_loudly() {
    let (wp, run, before) = tie_site();
    {
        let mut site = wp.site();
        site.empty_past_end = true;
        site.total_header = Count::Fake(1_000_000);
        site.total_pages_header = Count::Fake(1_000_000);
        // Two full pages, then an empty one: the pages hide posts, or the count lies.
        site.publish_all(51..=55, |_| t(5_000));
    }
    assert!(lied_to(&wp, &run, &before, "X-WP-Total promised 1000000"));
}

#[test]
fn a_server_that_ignores_page_is_caught_with_or_without_total_pages() {
    for pages in [Count::True, Count::Absent] {
        let (wp, run, before) = tie_site();
        {
            let mut site = wp.site();
            site.ignored_params.push("page");
            site.total_pages_header = pages;
        }
        assert!(
            lied_to(&wp, &run, &before, "ignores the page parameter"),
            "{pages:?}"
        );
    }
}

#[test]
fn an_understated_total_pages_loses_no_post() {
    let (wp, run, before) = tie_site();
    wp.site().total_pages_header = Count::Fake(1);
    assert!(!lied_to(&wp, &run, &before, ""), "the posts all came");
}

#[test]
fn an_inflated_total_does_not_fail_later_runs() {
    let wp = Wp::start();
    wp.site().publish_all(1..=30, |id| t(id as i64 * 60));
    wp.site().total_header = Count::Fake(10_000);
    let run = Archive::new();
    let out = sync(&run, &wp).ok();
    assert!(out.contains("30 new records"), "{out}");
    for id in 31..=33 {
        wp.site().publish(id, t(id as i64 * 60));
        let before = wp.requests();
        sync(&run, &wp).ok();
        assert!(wp.requests() - before < 10, "{:#?}", wp.urls());
    }
    assert_eq!(posts(&run), expected(&wp));
}

#[test]
fn a_trickling_answer_is_bounded_by_the_timeout() {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64));
    // Plain bytes: gzip would make each read wait for a whole block, which
    // the per-read timeout alone already caught.
    wp.site().gzip = false;
    wp.site().sticky = Some(Fault::Trickle(Duration::from_millis(500)));
    let run = Archive::new();
    let started = Instant::now();
    let out = run
        .cmd([
            "sync",
            "--source",
            &wp.posts_url(),
            "--timeout",
            "2",
            "--retries",
            "1",
            "--retry-base-ms",
            "10",
        ])
        .timeout(Duration::from_secs(60))
        .fails(4);
    let took = started.elapsed();
    // Two tries of at most 2 s each (a read under way may end one read later).
    assert!(took < Duration::from_secs(9), "{took:?}");
    assert!(
        out.stderr.contains("took longer than the 2 s timeout"),
        "{}",
        out.stderr
    );
    assert_eq!(mark(&run), None);
}

#[test]
fn max_time_stops_after_the_current_page_and_keeps_what_was_committed() {
    let wp = Wp::start();
    wp.site().publish_all(1..=200, |id| t(id as i64 * 60));
    wp.site().sticky = Some(Fault::Stall(Duration::from_millis(400)));
    let run = Archive::new();
    let started = Instant::now();
    let out = sync(&run, &wp).args(["--max-time", "1.5s"]).fails(4);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        out.stderr
            .contains("time limit of 1.5 s (--max-time) was reached"),
        "{}",
        out.stderr
    );
    let kept = posts(&run).len();
    assert!(kept > 0 && kept < 200, "{kept}");
    // The mark matches what is stored: the next run resumes and completes.
    wp.site().sticky = None;
    sync(&run, &wp).ok();
    assert_eq!(posts(&run), expected(&wp));
}

fn in_2038() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2038, 1, 1, 0, 0, 0).unwrap()
}

#[test]
fn a_server_clock_and_a_post_in_2038_do_not_carry_the_mark_there() {
    let wp = Wp::start();
    {
        let mut site = wp.site();
        site.publish_all(1..=5, |id| t(id as i64));
        site.publish(6, in_2038());
        site.clock = Some(in_2038());
    }
    let run = Archive::new();
    let out = sync(&run, &wp).arg("-v").ok();
    assert!(out.contains("6 new records"), "{out}");
    let stored: DateTime<Utc> = mark(&run).unwrap().parse().unwrap();
    assert!(stored <= Utc::now(), "mark {stored}");
    // A post published now, on a sane clock, still comes next run.
    wp.site().clock = None;
    std::thread::sleep(Duration::from_millis(1100));
    wp.site().publish(7, Utc::now());
    let out = sync(&run, &wp).ok();
    assert!(out.contains("1 new record,"), "{out}");
    assert_eq!(posts(&run), expected(&wp));
}

#[test]
fn an_unbelievable_server_clock_is_noted_in_the_request_log() {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64));
    wp.site().clock = Some(in_2038());
    let run = Archive::new();
    let out = sync(&run, &wp).arg("-v").succeeds();
    assert!(
        out.stderr
            .contains("more than an hour ahead of this machine's"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_server_clock_in_1970_does_not_make_every_run_a_full_walk() {
    let wp = Wp::start();
    wp.site().publish_all(1..=50, |id| t(id as i64 * 60));
    wp.site().clock = Some(DateTime::UNIX_EPOCH);
    let run = Archive::new();
    sync(&run, &wp).ok();
    let before = wp.requests();
    let out = sync(&run, &wp).ok();
    assert_eq!(wp.requests() - before, 1, "{:?}", &wp.urls()[before..]);
    assert!(out.starts_with("0 posts fetched"), "{out}");
}

#[test]
fn a_stored_mark_in_the_future_is_repaired_with_a_warning() {
    let wp = Wp::start();
    wp.site().publish_all(1..=30, |id| t(id as i64 * 60));
    let run = Archive::new();
    sync(&run, &wp).ok();
    // An older healthfeed trusted a server clock of 2038.
    run.conn()
        .execute("UPDATE sources SET cursor = '2038-01-01T00:00:00Z'", [])
        .unwrap();
    wp.site().publish(31, t(40 * 60));
    wp.site().edit(3, t(41 * 60));
    let out = sync(&run, &wp).succeeds();
    assert!(
        out.stderr
            .contains("stored sync mark 2038-01-01T00:00:00Z is in the future"),
        "{}",
        out.stderr
    );
    assert_eq!(posts(&run), expected(&wp));
    assert_eq!(mark(&run).as_deref(), Some("2023-03-01T00:41:00Z"));
    // Repaired: the next run is quiet again.
    let out = sync(&run, &wp).succeeds();
    assert!(!out.stderr.contains("future"), "{}", out.stderr);
}
